/**
 * Situation: a welfare agency moves its benefits services into the mesh. Everything is
 * encrypted (mTLS STRICT mesh-wide), nothing talks to anything that was not declared, and the
 * two things that usually break under STRICT keep working: kubelet's HTTP probes (Istio
 * rewrites them to the agent's port 15020) and Prometheus scraping merged metrics on 15020.
 *
 * One port is exempt from mTLS, with its reason written down: the claims API runs a second
 * Envoy on container port 8443 that terminates the agency's own TLS for the legacy
 * case-management gateway, a platform component outside the mesh. External services the claims
 * API depends on are modelled as ServiceEntries; everything else is blocked at the Sidecar. The
 * payments ledger database is reachable from the claims API's pods only.
 *
 * No ambient variant: `build(app, DataPlane.AMBIENT)` is refused, because ambient mode has no
 * per-namespace egress lock by host name and the two HTTPS hosts have no fixed addresses a
 * NetworkPolicy could name (see `build`).
 *
 *   npm run synth -- zero-trust-agency   # writes dist/examples/zero-trust-agency/
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  CertificateAuthority, DataPlane, ExternalHost, MeshInstallation, MeshPeer, MeshProfile, MtlsMode, security, WorkloadSelector, ZeroTrustNamespace,
} from 'cdk8s-istio';

/**
 * Adds the example's charts to `app`. There is no ambient variant: `DataPlane.AMBIENT` is refused
 * with the reason, because ambient mode has no per-namespace egress lock by host name (the
 * Sidecar's `REGISTRY_ONLY`), and the two HTTPS hosts have no fixed addresses a NetworkPolicy
 * could name (test/ambient-migration.test.ts asserts the message).
 */
export function build(app: App, dataPlane?: DataPlane): void {
  const meshChart = new Chart(app, 'mesh');
  const mesh = new MeshInstallation(meshChart, 'Mesh', {
    profile: MeshProfile.DEFAULT,
    // The agency's PKI issues istiod an intermediate CA: Secret `cacerts` in istio-system, synced from its vault.
    certificateAuthority: CertificateAuthority.pluggedIn(),
    // istio-system admits only what the mesh needs: xDS from the app's mesh namespaces, webhooks, metrics.
    networkPolicies: {},
    ...(dataPlane === DataPlane.AMBIENT ? { profile: MeshProfile.AMBIENT } : {}),
  });
  // Mesh-wide STRICT: a PeerAuthentication named `default` in the root namespace (escape hatch: L1).
  new security.PeerAuthentication(meshChart, 'MeshWideStrict', {
    metadata: { name: 'default', namespace: mesh.namespace },
    spec: { mtls: { mode: security.PeerAuthenticationSpecMtlsMode.STRICT } },
  });

  const chart = new Chart(app, 'benefits');
  const benefits = new ZeroTrustNamespace(chart, 'Benefits', {
    name: 'benefits',
    mesh,
    dataPlane,
    // The legacy gateway's namespace is managed by the platform team, outside this app.
    externalNamespaces: ['legacy-gateway'],
    externalHosts: [
      ExternalHost.https('api.tax-authority.example'),
      ExternalHost.https('*.notify.gov.example'),
    ],
  });

  const portal = workload(chart, 'Portal', 'citizen-portal', []);
  const claims = workload(chart, 'Claims', 'claims-api', [
    // The platform Envoy: not in the mesh's certificate chain, speaks the agency's own TLS.
    { name: 'platform-proxy', image: 'envoyproxy/envoy:v1.36.2', portNumber: 8443 },
  ]);

  // Only the claims API may open connections to the payments ledger (NetworkPolicy to its address, claims pods only).
  benefits.allowEgressTo(ExternalHost.tcp('ledger-db.agency.example', 5432, ['10.20.0.15']), { from: WorkloadSelector.fromDeployment(claims) });

  benefits.addMtlsException({
    port: 8443,
    mode: MtlsMode.PERMISSIVE,
    selector: WorkloadSelector.fromDeployment(claims),
    reason: 'platform Envoy terminates the agency TLS for the legacy case-management gateway, which has no mesh identity (ticket SEC-142)',
    callers: [MeshPeer.namespace('legacy-gateway')],
  });

  // Citizens reach the portal through the ingress gateway ...
  benefits.exposeToIngressGateway({ to: WorkloadSelector.fromDeployment(portal), ports: [8080] });
  // ... and only the portal may call the claims API, on its API paths.
  benefits.allowFrom(MeshPeer.fromDeployment(portal), {
    to: WorkloadSelector.fromDeployment(claims),
    ports: [8080],
    methods: ['GET', 'POST'],
    paths: ['/api/*'],
  });
}

/**
 * A Deployment with its own ServiceAccount, an HTTP app on 8080 with readiness and liveness
 * probes (kept working under STRICT by Istio's probe rewrite), and a Service.
 */
function workload(chart: Chart, id: string, name: string, extra: kplus.ContainerProps[]): kplus.Deployment {
  const serviceAccount = new kplus.ServiceAccount(chart, `${id}ServiceAccount`, { metadata: { name, namespace: 'benefits' } });
  const deployment = new kplus.Deployment(chart, id, {
    metadata: { name, namespace: 'benefits' },
    // Istio's canonical service labels, for telemetry.
    podMetadata: { labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/version': '1.4.2' } },
    serviceAccount,
    replicas: 2,
    containers: [
      {
        name: 'app',
        image: `registry.agency.example/${name}:1.4.2`,
        portNumber: 8080,
        readiness: kplus.Probe.fromHttpGet('/healthz/ready', { port: 8080 }),
        liveness: kplus.Probe.fromHttpGet('/healthz/live', { port: 8080 }),
      },
      ...extra,
    ],
  });
  deployment.exposeViaService({ name, ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
  return deployment;
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
