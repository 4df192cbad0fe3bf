/**
 * Situation: a storefront team on the Kubernetes Gateway API (Istio's GAMMA support: HTTPRoutes
 * whose parent is the Service) releases two services progressively, one with each controller.
 *
 * - cart, with Argo Rollouts and its Gateway API plugin: Git holds an HTTPRoute `cart` sending
 *   100 % to `cart-stable` and 0 % to `cart-canary`; the Rollout moves the weights 10 %, 25 %,
 *   50 % (five minutes each) while an AnalysisTemplate checks the canary. Test users
 *   (`x-canary: insider`) reach the canary from the first step on, through a header route the
 *   plugin adds. `ArgoRolloutsGatewayApiPlugin` registers the plugin (a pinned release) in the
 *   controller's `argo-rollouts-config`; the release lets the controller change its one HTTPRoute.
 * - search, with Flagger's `gatewayapi:v1` provider: the Canary names the search Service as the
 *   HTTPRoute's parent; Flagger writes the route and shifts 10 % more every minute up to 50 %.
 *
 * `build(app, RoutingApi.ISTIO)` renders the same releases with Istio's API (VirtualServices and
 * subsets): the shares in Git are the same, which the conformance check gateway-translate verifies
 * with Istio's own translation of the HTTPRoute.
 *
 * Variant `ambient` (dist/examples/canary-gateway-api.ambient/): the ambient profile, the
 * storefront in ambient mode, and a waypoint that applies both releases' HTTPRoutes.
 *
 *   npm run synth -- canary-gateway-api   # writes dist/examples/canary-gateway-api/ and canary-gateway-api.ambient/
 */
import { App, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  ArgoRolloutsGatewayApiPlugin, CanaryRelease, DataPlane, GatewayApiCrds, MeshInstallation, MeshPeer, MeshProfile, ReleaseStrategy, ReleaseWorkload,
  RequestMatch, RoutingApi, WorkloadSelector, ZeroTrustNamespace,
} from 'cdk8s-istio';

const NAMESPACE = 'storefront';

/**
 * Adds the example's charts to `app`. `routingApi` renders the releases with another API
 * (`RoutingApi.ISTIO`); `dataPlane` renders the storefront for another data plane (see the
 * `ambient` variant).
 */
export function build(app: App, routingApi: RoutingApi = RoutingApi.GATEWAY_API, dataPlane?: DataPlane): void {
  // The cluster gets the Gateway API CRDs (standard channel) with the control plane.
  const mesh = new MeshInstallation(new Chart(app, 'mesh'), 'Mesh', {
    profile: dataPlane === DataPlane.AMBIENT ? MeshProfile.AMBIENT : MeshProfile.MINIMAL,
    gatewayApiCrds: GatewayApiCrds.STANDARD,
  });

  // Argo Rollouts' installation creates its namespace; declared here so the example applies on its own.
  const rollouts = new Chart(app, 'argo-rollouts');
  new kplus.Namespace(rollouts, 'Namespace', { metadata: { name: 'argo-rollouts' } });
  new ArgoRolloutsGatewayApiPlugin(rollouts, 'GatewayApiPlugin');

  const chart = new Chart(app, 'storefront');
  const storefront = new ZeroTrustNamespace(chart, 'Storefront', { name: NAMESPACE, mesh, dataPlane });
  // In ambient mode the namespace's waypoint applies the HTTPRoutes (no rule needs L7, so none is deployed otherwise).
  if (dataPlane === DataPlane.AMBIENT) storefront.addWaypoint();
  const web = workload(chart, 'Web', 'web', 'registry.shop.example/web:9.1.0');
  const cart = workload(chart, 'Cart', 'cart', 'registry.shop.example/cart:2.4.0');
  // Flagger derives the `-primary` selector from the Deployment's `app` selector.
  const search = workload(chart, 'Search', 'search', 'registry.shop.example/search:5.3.0', { select: false });
  search.select(kplus.LabelSelector.of({ labels: { app: 'search' } }));

  new CanaryRelease(chart, 'CartRelease', {
    serviceName: 'cart',
    mesh,
    api: routingApi,
    canary: ReleaseWorkload.fromDeployment(cart, { version: '2.4.0' }),
    strategy: ReleaseStrategy.steps([
      { weight: 10, pause: Duration.minutes(5) },
      { weight: 25, pause: Duration.minutes(5) },
      { weight: 50, pause: Duration.minutes(5) },
    ], { interval: Duration.minutes(1), minSuccessRate: 99.5 }),
    canaryMatches: [RequestMatch.headerExact('x-canary', 'insider')],
    trafficPolicy: { outlierDetection: { consecutive5xxErrors: 3 } },
  });

  new CanaryRelease(chart, 'SearchRelease', {
    serviceName: 'search',
    mesh,
    api: routingApi,
    canary: ReleaseWorkload.fromDeployment(search, { version: '5.3.0' }),
    strategy: ReleaseStrategy.flagger({ stepWeight: 10, maxWeight: 50, interval: Duration.minutes(1) }),
    timeout: Duration.seconds(3),
  });

  storefront.allowFrom(MeshPeer.fromDeployment(web), { to: WorkloadSelector.fromLabels({ 'app.kubernetes.io/name': 'cart' }), ports: [8080] });
  storefront.allowFrom(MeshPeer.fromDeployment(web), { to: WorkloadSelector.fromLabels({ 'app.kubernetes.io/name': 'search' }), ports: [8080] });
}

/** A Deployment serving HTTP on 8080 with its own ServiceAccount; `app.kubernetes.io/name` stays on every version's pods. */
function workload(chart: Chart, id: string, name: string, image: string, props: Partial<kplus.DeploymentProps> = {}): kplus.Deployment {
  return new kplus.Deployment(chart, id, {
    metadata: { name, namespace: NAMESPACE },
    podMetadata: { labels: { 'app.kubernetes.io/name': name } },
    serviceAccount: new kplus.ServiceAccount(chart, `${id}ServiceAccount`, { metadata: { name, namespace: NAMESPACE } }),
    replicas: 2,
    containers: [{ name: 'app', image, portNumber: 8080, readiness: kplus.Probe.fromHttpGet('/ready', { port: 8080 }) }],
    ...props,
  });
}

/** Other builds `npm run synth` writes (dist/examples/<example>.<variant>/) and the conformance suite checks. */
export const variants = {
  /** The same app on the ambient data plane. */
  ambient: (app: App): void => build(app, RoutingApi.GATEWAY_API, DataPlane.AMBIENT),
};

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
