/**
 * Situation: a media company runs Flagger. Git holds one Deployment of the search service;
 * Flagger turns it into `search-primary` (stable) and the canary, generates the Services, the
 * VirtualService and the DestinationRules, and shifts 10% more of the requests to the canary
 * every minute up to 50% while two MetricTemplates (success rate, P99 latency from Istio's
 * metrics) hold. Three failed checks roll the release back.
 *
 * The Deployment selects its pods by `app` (Flagger derives the `-primary` selector from it) and
 * the release emits the apex Service itself, which Flagger adopts: Argo CD must then ignore that
 * Service's selector and the Deployment's replicas, which `argoCdIgnoreDifferences` lists.
 *
 * No ambient variant: the search route retries failed requests, and Gateway API 1.5 has retries only
 * in its experimental channel; an ambient namespace routes by HTTPRoute only. Flagger on ambient
 * (its `gatewayapi:v1` provider): the search release of canary-gateway-api.ambient.
 *
 *   npm run synth -- canary-flagger   # writes dist/examples/canary-flagger/
 */
import { App, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  CanaryRelease, MeshInstallation, MeshPeer, MeshProfile, ReleaseStrategy, ReleaseWorkload, WorkloadSelector, ZeroTrustNamespace,
} from 'cdk8s-istio';

const NAMESPACE = 'media';

/** Adds the example's charts to `app`. */
export function build(app: App): void {
  const meshChart = new Chart(app, 'mesh');
  const mesh = new MeshInstallation(meshChart, 'Mesh', { profile: MeshProfile.MINIMAL });

  const chart = new Chart(app, 'media');
  const media = new ZeroTrustNamespace(chart, 'Media', { name: NAMESPACE, mesh });
  const frontend = new kplus.Deployment(chart, 'Frontend', {
    metadata: { name: 'frontend', namespace: NAMESPACE },
    serviceAccount: new kplus.ServiceAccount(chart, 'FrontendServiceAccount', { metadata: { name: 'frontend', namespace: NAMESPACE } }),
    containers: [{ name: 'app', image: 'registry.media.example/frontend:8.0.2', portNumber: 8080 }],
  });
  frontend.exposeViaService({ name: 'frontend', ports: [{ name: 'http', port: 8080, targetPort: 8080 }] });

  // Flagger needs the pods selected by `app`, not by cdk8s-plus's generated label.
  const search = new kplus.Deployment(chart, 'Search', {
    metadata: { name: 'search', namespace: NAMESPACE },
    select: false,
    // Flagger renames `app` to `search-primary` on the stable pods; this label stays on both.
    podMetadata: { labels: { 'app.kubernetes.io/name': 'search' } },
    serviceAccount: new kplus.ServiceAccount(chart, 'SearchServiceAccount', { metadata: { name: 'search', namespace: NAMESPACE } }),
    replicas: 2,
    containers: [{ name: 'app', image: 'registry.media.example/search:5.3.0', portNumber: 9000 }],
  });
  search.select(kplus.LabelSelector.of({ labels: { app: 'search' } }));

  new CanaryRelease(chart, 'SearchRelease', {
    mesh,
    canary: ReleaseWorkload.fromDeployment(search, { version: '5.3.0' }),
    serviceName: 'search',
    strategy: ReleaseStrategy.flagger({ stepWeight: 10, maxWeight: 50, interval: Duration.minutes(1), failureThreshold: 3 }),
    trafficPolicy: { connectionPool: { http2MaxRequests: 500, maxRetries: 3 }, outlierDetection: { consecutive5xxErrors: 5 } },
    retries: { attempts: 2, perTryTimeout: Duration.seconds(1), retryOn: ['5xx', 'reset'] },
    timeout: Duration.seconds(3),
  });

  media.allowFrom(MeshPeer.fromDeployment(frontend), { to: WorkloadSelector.fromLabels({ 'app.kubernetes.io/name': 'search' }), ports: [9000] });
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
