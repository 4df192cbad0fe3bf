/**
 * Situation: an online shop releases version 2.1.0 of its reviews service the GitOps way. Both
 * versions run side by side; the VirtualService weights live in Git and every commit is a step
 * (10% today, 50% after the dashboards look good, 100% to promote, 0 to roll back). No
 * controller runs in the cluster, so Argo CD has nothing to ignore.
 *
 * The DestinationRule protects the service while the new version warms up: a connection pool,
 * outlier detection that ejects failing pods, locality failover from eu-west to eu-central, and
 * Istio mutual TLS towards both versions.
 *
 *   npm run synth -- canary-static   # writes dist/examples/canary-static/
 */
import { App, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  CanaryRelease, LoadBalancerPolicy, MeshInstallation, MeshPeer, MeshProfile, ReleaseStrategy, ReleaseWorkload, WorkloadSelector, ZeroTrustNamespace,
} from 'cdk8s-istio';

const NAMESPACE = 'storefront';

/** Adds the example's charts to `app`. */
export function build(app: App): void {
  const meshChart = new Chart(app, 'mesh');
  const mesh = new MeshInstallation(meshChart, 'Mesh', { profile: MeshProfile.MINIMAL });

  const chart = new Chart(app, 'storefront');
  const storefront = new ZeroTrustNamespace(chart, 'Storefront', { name: NAMESPACE, mesh });
  const productpage = workload(chart, 'Productpage', 'productpage', 'registry.shop.example/productpage:1.18.0');
  const reviewsV1 = workload(chart, 'ReviewsV1', 'reviews-v1', 'registry.shop.example/reviews:2.0.3');
  const reviewsV2 = workload(chart, 'ReviewsV2', 'reviews-v2', 'registry.shop.example/reviews:2.1.0');

  const reviews = new CanaryRelease(chart, 'Reviews', {
    serviceName: 'reviews',
    mesh,
    stable: ReleaseWorkload.fromDeployment(reviewsV1, { version: '2.0.3' }),
    canary: ReleaseWorkload.fromDeployment(reviewsV2, { version: '2.1.0' }),
    // The commit is the step: change 10 to 50, then 100 (promote) or 0 (roll back).
    strategy: ReleaseStrategy.staticWeight(10),
    trafficPolicy: {
      connectionPool: { maxConnections: 100, http1MaxPendingRequests: 50, http2MaxRequests: 200, maxRetries: 3 },
      outlierDetection: { consecutive5xxErrors: 5, interval: Duration.seconds(10), baseEjectionTime: Duration.seconds(30), maxEjectionPercent: 50 },
      loadBalancer: LoadBalancerPolicy.leastRequest(),
      localityFailover: [{ from: 'eu-west', to: 'eu-central' }],
    },
    timeout: Duration.seconds(3),
    retries: { attempts: 2, perTryTimeout: Duration.seconds(1), retryOn: ['5xx', 'reset', 'connect-failure'] },
  });

  // Only the product page calls the reviews service, whichever version answers.
  storefront.allowFrom(MeshPeer.fromDeployment(productpage), {
    to: WorkloadSelector.fromLabels({ app: reviews.serviceName }),
    ports: [9080],
  });
}

/** A Deployment serving HTTP on 9080, with its own ServiceAccount. */
function workload(chart: Chart, id: string, name: string, image: string): kplus.Deployment {
  const serviceAccount = new kplus.ServiceAccount(chart, `${id}ServiceAccount`, { metadata: { name, namespace: NAMESPACE } });
  const deployment = new kplus.Deployment(chart, id, {
    metadata: { name, namespace: NAMESPACE },
    serviceAccount,
    replicas: 2,
    containers: [{ name: 'app', image, portNumber: 9080, readiness: kplus.Probe.fromHttpGet('/health', { port: 9080 }) }],
  });
  if (name === 'productpage') deployment.exposeViaService({ name, ports: [{ name: 'http', port: 9080, targetPort: 9080 }] });
  return deployment;
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
