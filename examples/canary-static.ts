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
 * Variant `ambient` (dist/examples/canary-static.ambient/): the ambient profile, the storefront
 * in ambient mode with a waypoint that applies the release as an HTTPRoute (same shares); the
 * route has no retries there (Gateway API 1.5 has them only in its experimental channel).
 *
 *   npm run synth -- canary-static   # writes dist/examples/canary-static/ and canary-static.ambient/
 */
import { App, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  CanaryRelease, DataPlane, LoadBalancerPolicy, MeshInstallation, MeshPeer, MeshProfile, ReleaseStrategy, ReleaseWorkload, RoutingApi,
  WorkloadSelector, ZeroTrustNamespace,
} from 'cdk8s-istio';

const NAMESPACE = 'storefront';

/** Adds the example's charts to `app`; `dataPlane` renders the storefront for another data plane (see the `ambient` variant). */
export function build(app: App, dataPlane?: DataPlane): void {
  const meshChart = new Chart(app, 'mesh');
  const mesh = new MeshInstallation(meshChart, 'Mesh', { profile: dataPlane === DataPlane.AMBIENT ? MeshProfile.AMBIENT : MeshProfile.MINIMAL });

  const chart = new Chart(app, 'storefront');
  const storefront = new ZeroTrustNamespace(chart, 'Storefront', { name: NAMESPACE, mesh, dataPlane });
  // In ambient mode the namespace's waypoint routes the requests (no rule needs L7, so none is deployed otherwise).
  if (dataPlane === DataPlane.AMBIENT) storefront.addWaypoint();
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
    // The waypoint reads HTTPRoutes.
    api: dataPlane === DataPlane.AMBIENT ? RoutingApi.GATEWAY_API : undefined,
    trafficPolicy: {
      connectionPool: { maxConnections: 100, http1MaxPendingRequests: 50, http2MaxRequests: 200, maxRetries: 3 },
      outlierDetection: { consecutive5xxErrors: 5, interval: Duration.seconds(10), baseEjectionTime: Duration.seconds(30), maxEjectionPercent: 50 },
      loadBalancer: LoadBalancerPolicy.leastRequest(),
      localityFailover: [{ from: 'eu-west', to: 'eu-central' }],
    },
    timeout: Duration.seconds(3),
    // Gateway API's standard channel has no retries: the ambient variant routes without them.
    retries: dataPlane === DataPlane.AMBIENT
      ? undefined
      : { attempts: 2, perTryTimeout: Duration.seconds(1), retryOn: ['5xx', 'reset', 'connect-failure'] },
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

/** Other builds `npm run synth` writes (dist/examples/<example>.<variant>/) and the conformance suite checks. */
export const variants = {
  /** The same app on the ambient data plane. */
  ambient: (app: App): void => build(app, DataPlane.AMBIENT),
};

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
