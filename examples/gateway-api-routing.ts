/**
 * Situation: a platform team moving to the Kubernetes Gateway API routes Bookinfo's reviews
 * service for mesh clients with an HTTPRoute instead of a VirtualService (Istio's GAMMA support):
 * the test user jason reaches v2, everyone else gets 90 % v1 and 10 % v2. The route table is the
 * same one `ServiceRouting` renders for Istio's API; only `api` changes, and with it the objects:
 * an HTTPRoute whose parent is the reviews Service, a Service per version (Gateway API has no
 * subsets) and their DestinationRules. Requests go where the Istio rendering would send them.
 *
 *   npm run synth -- gateway-api-routing   # writes dist/examples/gateway-api-routing/
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { GatewayApiCrds, MeshInstallation, MeshProfile, RequestMatch, RoutedService, RouteTo, RoutingApi, ServiceRouting } from 'cdk8s-istio';

/**
 * Adds the example's charts to `app`. `routingApi` renders the same table with another API
 * (`RoutingApi.ISTIO`: a VirtualService and subsets); the conformance check gateway-translate
 * compares that rendering with Istio's own translation of this one.
 */
export function build(app: App, routingApi?: RoutingApi): void {
  // The cluster gets the Gateway API CRDs (standard channel) with the control plane.
  const mesh = new MeshInstallation(new Chart(app, 'mesh'), 'Mesh', { profile: MeshProfile.MINIMAL, gatewayApiCrds: GatewayApiCrds.STANDARD });
  const chart = new Chart(app, 'bookinfo', { namespace: 'bookinfo' });
  new kplus.Namespace(chart, 'Namespace', { metadata: { name: 'bookinfo', labels: { ...mesh.injectionLabels } } });
  for (const version of ['v1', 'v2']) {
    new kplus.Deployment(chart, `Reviews-${version}`, {
      metadata: { name: `reviews-${version}` },
      podMetadata: { labels: { 'app': 'reviews', version, 'app.kubernetes.io/name': 'reviews', 'app.kubernetes.io/version': version } },
      containers: [{
        name: 'reviews',
        image: `docker.io/istio/examples-bookinfo-reviews-${version}:1.20.3`,
        portNumber: 9080,
        securityContext: { user: 1000, group: 1000 },
      }],
    });
  }
  const reviewsService = new kplus.Service(chart, 'ReviewsService', {
    metadata: { name: 'reviews' },
    selector: kplus.Pods.select(chart, 'ReviewsPods', { labels: { app: 'reviews' } }),
    ports: [{ name: 'http', port: 9080, targetPort: 9080 }],
  });

  new ServiceRouting(chart, 'Reviews', {
    service: RoutedService.fromService(reviewsService),
    api: RoutingApi.GATEWAY_API,
    versions: [{ name: 'v1' }, { name: 'v2' }],
    routes: [
      { matches: [RequestMatch.headerExact('end-user', 'jason')], to: RouteTo.version('v2') },
      { to: RouteTo.weights({ v1: 90, v2: 10 }) },
    ],
    mesh,
    ...(routingApi ? { api: routingApi } : {}),
  });
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
