/**
 * Situation: a small-business platform runs its web shop on a zero-trust network. Mutual TLS is
 * STRICT everywhere from install time; customers reach the shop through an ingress gateway that
 * terminates TLS at the edge (certificate from cert-manager) and rate-limits the shop's host; the
 * new catalog version goes out as a canary (DestinationRule subsets + VirtualService weights, 10 %
 * committed in Git) behind that gateway; Prometheus scrapes every proxy's merged metrics through
 * the zero-trust NetworkPolicies.
 *
 * Synthesized by a `MeshApp` (`createApp`): one pass, the same files as cdk8s' `App`.
 *
 * Variant `ambient` (dist/examples/small-business-platform.ambient/): `build(app, DataPlane.AMBIENT)`.
 *
 *   npm run synth -- small-business-platform   # writes dist/examples/small-business-platform/ and small-business-platform.ambient/
 */
import { App, AppProps, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  CanaryRelease, CertificateIssuer, DataPlane, GatewayTls, IngressGateway, MeshApp, MeshInstallation, MeshPeer, MeshProfile, PrometheusScrapeMode,
  PrometheusScraping, ReleaseStrategy, ReleaseWorkload, RoutingApi, security, WorkloadSelector, ZeroTrustNamespace,
} from 'cdk8s-istio';

const NAMESPACE = 'shop';
const HOST = 'shop.small-business.example';

/**
 * Adds the example's charts to `app`. `dataPlane` renders the shop's rules for another data plane:
 * `DataPlane.AMBIENT` installs the ambient profile and puts the shop in ambient mode (its GET-only
 * rule gets a waypoint); the shop's `connections()` are the same (test/ambient-migration.test.ts).
 */
export function build(app: App, dataPlane?: DataPlane): void {
  const meshChart = new Chart(app, 'mesh');
  const mesh = new MeshInstallation(meshChart, 'Mesh', {
    profile: dataPlane === DataPlane.AMBIENT ? MeshProfile.AMBIENT : MeshProfile.MINIMAL,
    networkPolicies: {},
  });
  // Cluster-wide mTLS from install time: a STRICT PeerAuthentication in the root namespace.
  new security.PeerAuthentication(meshChart, 'MeshWideStrict', {
    metadata: { name: 'default', namespace: mesh.namespace },
    spec: { mtls: { mode: security.PeerAuthenticationSpecMtlsMode.STRICT } },
  });
  // The platform's Prometheus (Prometheus Operator) scrapes istiod and every proxy.
  new PrometheusScraping(meshChart, 'Prometheus', { mesh, mode: PrometheusScrapeMode.PROMETHEUS_OPERATOR });

  const edge = new Chart(app, 'edge');
  const gateway = new IngressGateway(edge, 'Public', { mesh, namespace: 'istio-ingress', createNamespace: true, replicas: 2 });
  gateway.addHost(HOST, {
    tls: GatewayTls.simple('shop-small-business-example', { issuer: CertificateIssuer.clusterIssuer('letsencrypt-prod') }),
    rateLimit: { requests: 200, interval: Duration.seconds(1) },
  });

  const chart = new Chart(app, 'shop');
  const shop = new ZeroTrustNamespace(chart, 'Shop', { name: NAMESPACE, mesh, externalNamespaces: ['istio-ingress'], dataPlane });
  const stable = workload(chart, 'CatalogV1', 'catalog-v1', 'registry.small-business.example/catalog:3.2.0');
  const canary = workload(chart, 'CatalogV2', 'catalog-v2', 'registry.small-business.example/catalog:3.3.0');

  new CanaryRelease(chart, 'Catalog', {
    serviceName: 'catalog',
    mesh,
    stable: ReleaseWorkload.fromDeployment(stable, { version: '3.2.0' }),
    canary: ReleaseWorkload.fromDeployment(canary, { version: '3.3.0' }),
    // The commit is the step: 10 now, then 50, then 100 (promote) or 0 (roll back).
    strategy: ReleaseStrategy.staticWeight(10),
    gateway: { gateway: gateway.gatewayRef, hosts: [HOST] },
    // In ambient mode the shop's waypoint routes the mesh's requests, and it reads HTTPRoutes.
    api: dataPlane === DataPlane.AMBIENT ? RoutingApi.GATEWAY_API : undefined,
    trafficPolicy: { outlierDetection: { consecutive5xxErrors: 5 } },
    timeout: Duration.seconds(5),
  });
  // Only the gateway's pods may call the catalog.
  shop.allowFrom(gateway, { to: WorkloadSelector.fromLabels({ app: 'catalog' }), ports: [8080] });
  shop.allowFrom(MeshPeer.namespace(NAMESPACE), { to: WorkloadSelector.fromLabels({ app: 'catalog' }), ports: [8080], methods: ['GET'] });
}

/** A Deployment serving HTTP on 8080 with a readiness probe (kept working under STRICT by the probe rewrite). */
function workload(chart: Chart, id: string, name: string, image: string): kplus.Deployment {
  const serviceAccount = new kplus.ServiceAccount(chart, `${id}ServiceAccount`, { metadata: { name: 'catalog', namespace: NAMESPACE } });
  return new kplus.Deployment(chart, id, {
    metadata: { name, namespace: NAMESPACE },
    serviceAccount,
    replicas: 2,
    containers: [{ name: 'app', image, portNumber: 8080, readiness: kplus.Probe.fromHttpGet('/ready', { port: 8080 }) }],
  });
}

/** Other builds `npm run synth` writes (dist/examples/<example>.<variant>/) and the conformance suite checks. */
export const variants = {
  /** The same app on the ambient data plane. */
  ambient: (app: App): void => build(app, DataPlane.AMBIENT),
};

/**
 * The platform's App: a `MeshApp` synthesizes in one pass (validated once, each object rendered
 * once), with the same files `App` writes, and one summary on stderr once the platform prints more
 * than 20 release plans and warnings.
 */
export function createApp(props: AppProps = {}): App {
  return new MeshApp(props);
}

if (require.main === module) {
  const app = createApp();
  build(app);
  app.synth();
}
