/**
 * Situation: a shop moves its edge to the Kubernetes Gateway API. Its IngressGateway becomes a
 * `Gateway` of class `istio` (istiod deploys the proxy `storefront-edge-istio` from the mesh's
 * kube-gateway template, two to six pods behind a network load balancer), with a listener per host:
 * the shop over TLS (cert-manager certificate, plain HTTP answered with a 301 to https), the
 * payment provider's callback host passed through by SNI to a service that terminates its own TLS.
 * Behind the gateway, the catalog runs an A/B test (`x-experiment: b` reaches v2) and the checkout
 * a canary at 10 %, both routed for mesh clients and at the edge by the same route tables. The
 * shop namespace admits exactly the gateway's identity.
 *
 * `build(app, RoutingApi.ISTIO)` writes the same app with Istio's API (Gateway, VirtualServices,
 * subsets); the conformance check gateway-translate compares both renderings request by request.
 *
 * Variant `ambient` (dist/examples/gateway-api-ingress.ambient/): the ambient profile, the shop
 * in ambient mode, and a waypoint that applies the mesh's HTTPRoutes; the edge is unchanged.
 *
 *   npm run synth -- gateway-api-ingress   # writes dist/examples/gateway-api-ingress/ and gateway-api-ingress.ambient/
 */
import { App, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  CanaryRelease, CertificateIssuer, DataPlane, GatewayApiCrds, GatewayTls, IngressGateway, MeshInstallation, MeshProfile, PathMatch, ReleaseStrategy,
  ReleaseWorkload, RequestMatch, RouteDestination, RoutedService, RouteTo, RoutingApi, ServiceRouting, WorkloadSelector, ZeroTrustNamespace,
} from 'cdk8s-istio';

/**
 * Adds the example's charts to `app`; `routingApi` writes every route and the gateway with another
 * API, `dataPlane` renders the shop for another data plane (see the `ambient` variant).
 */
export function build(app: App, routingApi: RoutingApi = RoutingApi.GATEWAY_API, dataPlane?: DataPlane): void {
  const mesh = new MeshInstallation(new Chart(app, 'mesh'), 'Mesh', {
    profile: dataPlane === DataPlane.AMBIENT ? MeshProfile.AMBIENT : MeshProfile.MINIMAL,
    gatewayApiCrds: GatewayApiCrds.STANDARD,
  });

  const edgeChart = new Chart(app, 'edge');
  const edge = new IngressGateway(edgeChart, 'StorefrontEdge', {
    mesh,
    api: routingApi,
    namespace: 'shop-edge',
    createNamespace: true,
    autoscaling: { minReplicas: 2, maxReplicas: 6 },
    serviceAnnotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' },
  });
  edge.addHost('shop.example.com', {
    tls: GatewayTls.simple('shop-example-com', { issuer: CertificateIssuer.clusterIssuer('letsencrypt-prod') }),
  });
  edge.addHost('payments-callback.shop.example.com', { tls: GatewayTls.passthrough() });

  const chart = new Chart(app, 'shop', { namespace: 'shop' });
  const shop = new ZeroTrustNamespace(chart, 'Shop', { name: 'shop', mesh, dataPlane });
  // In ambient mode the namespace's waypoint applies the mesh's HTTPRoutes (no rule needs L7, so none is deployed otherwise).
  if (dataPlane === DataPlane.AMBIENT) shop.addWaypoint();
  const catalog = workloads(chart, 'catalog', ['v1', 'v2'], 8080);
  const checkout = workloads(chart, 'checkout', ['v1', 'v2'], 8080);
  const callback = workloads(chart, 'payment-callback', ['v1'], 8443);

  // A/B: the experiment's group reaches catalog v2, in the mesh and from the edge alike.
  new ServiceRouting(chart, 'CatalogRouting', {
    service: RoutedService.fromService(catalog.service),
    api: routingApi,
    versions: [{ name: 'v1' }, { name: 'v2' }],
    routes: [
      { matches: [RequestMatch.headerExact('x-experiment', 'b')], to: RouteTo.version('v2') },
      { to: RouteTo.version('v1'), timeout: Duration.seconds(5) },
    ],
    mesh,
  });
  edge.addRoute('shop.example.com', { path: PathMatch.prefix('/catalog'), to: RouteDestination.fromService(catalog.service) });
  edge.addRoute('shop.example.com', {
    path: PathMatch.exact('/healthz'),
    to: RouteDestination.fromService(catalog.service),
    responseHeaders: { set: { 'cache-control': 'no-store' } },
  });

  // Canary: 10 % of the checkout's requests, from the edge and from the mesh, reach v2.
  new CanaryRelease(chart, 'CheckoutCanary', {
    service: checkout.service,
    stable: ReleaseWorkload.fromDeployment(checkout.deployments.v1, { version: 'v1' }),
    canary: ReleaseWorkload.fromDeployment(checkout.deployments.v2, { version: 'v2' }),
    strategy: ReleaseStrategy.staticWeight(10),
    api: routingApi,
    gateway: { gateway: edge.gatewayRef, hosts: ['shop.example.com'] },
    mesh,
  });

  edge.addRoute('payments-callback.shop.example.com', { to: RouteDestination.fromService(callback.service) });

  for (const w of [catalog, checkout, callback]) {
    shop.allowFrom(edge, { to: WorkloadSelector.fromLabels({ 'app.kubernetes.io/name': w.name }), ports: [w.port] });
  }
}

interface Workloads {
  readonly name: string;
  readonly port: number;
  readonly service: kplus.Service;
  readonly deployments: { [version: string]: kplus.Deployment };
}

/** One Deployment per version and one Service selecting them all, in namespace `shop`. */
function workloads(chart: Chart, name: string, versions: string[], port: number): Workloads {
  const deployments: { [version: string]: kplus.Deployment } = {};
  for (const version of versions) {
    deployments[version] = new kplus.Deployment(chart, `${name}-${version}`, {
      metadata: { name: `${name}-${version}` },
      podMetadata: { labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/version': version, version } },
      containers: [{ name, image: `registry.example.com/shop/${name}:${version}`, portNumber: port, securityContext: { user: 10001, group: 10001 } }],
    });
  }
  const service = new kplus.Service(chart, `${name}-service`, {
    metadata: { name },
    selector: kplus.Pods.select(chart, `${name}-pods`, { labels: { 'app.kubernetes.io/name': name } }),
    ports: [port === 8443 ? { name: 'tls', port: 443, targetPort: port } : { name: 'http', port: 80, targetPort: port }],
  });
  return { name, port, service, deployments };
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
