/**
 * Situation: a government micro-segmentation mandate. The citizen-facing web tier and the
 * records backend live in separate namespaces; the only path between them is the web tier's
 * service account calling the records API, with an end-user token from the national login
 * service. Each rule is rendered at L7 (AuthorizationPolicy with SPIFFE principals and JWT
 * request principals) and L3 (NetworkPolicies on both sides), and the web tier's Sidecar only
 * knows the backend namespace.
 *
 * Variant `ambient` (dist/examples/zero-trust-segmentation.ambient/): `build(app, DataPlane.AMBIENT)`.
 *
 *   npm run synth -- zero-trust-segmentation   # writes dist/examples/zero-trust-segmentation/ and zero-trust-segmentation.ambient/
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { DataPlane, MeshInstallation, MeshPeer, MeshProfile, WorkloadSelector, ZeroTrustNamespace } from 'cdk8s-istio';

const LOGIN = 'https://login.gov.example';

/**
 * Adds the example's charts to `app`. `dataPlane` renders the same rules for another data plane:
 * `DataPlane.AMBIENT` installs the ambient profile and gives both namespaces ambient mode (the
 * records rule has L7 conditions, so the backend gets a waypoint); their `connections()` are the
 * same (test/ambient-migration.test.ts). The ambient profile installs no ingress gateway: the
 * citizens' gateway is then deployed on its own, as `istio-ingressgateway` in istio-system or
 * named in the frontend's `ingressGateway` prop.
 */
export function build(app: App, dataPlane?: DataPlane): void {
  const meshChart = new Chart(app, 'mesh');
  const mesh = new MeshInstallation(meshChart, 'Mesh', {
    profile: MeshProfile.DEFAULT,
    // istiod fetches the JWKS: forbid private ranges so a bad jwksUri cannot reach internal services.
    istiodEnv: { BLOCKED_CIDRS_IN_JWKS_URIS: '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,169.254.0.0/16,127.0.0.0/8' },
    // Lock istio-system down too: only the app's mesh namespaces reach istiod's xDS port.
    networkPolicies: {},
    ...(dataPlane === DataPlane.AMBIENT ? { profile: MeshProfile.AMBIENT } : {}),
  });

  const frontendChart = new Chart(app, 'citizen-frontend');
  const frontend = new ZeroTrustNamespace(frontendChart, 'Frontend', { name: 'citizen-frontend', mesh, dataPlane });
  const web = workload(frontendChart, 'Web', 'web', 'citizen-frontend');

  const backendChart = new Chart(app, 'records-backend');
  const backend = new ZeroTrustNamespace(backendChart, 'Backend', {
    name: 'records-backend',
    mesh,
    dataPlane,
    jwtIssuers: [{ issuer: LOGIN, jwksUri: `${LOGIN}/.well-known/jwks.json`, audiences: ['records-api'] }],
  });
  const records = workload(backendChart, 'Records', 'records-api', 'records-backend');

  frontend.exposeToIngressGateway({ to: WorkloadSelector.fromDeployment(web), ports: [8080] });
  // The one path between the tiers: web's identity, GET on /records, with a citizen's token.
  backend.allowFrom(MeshPeer.fromDeployment(web), {
    to: WorkloadSelector.fromDeployment(records),
    ports: [8080],
    methods: ['GET'],
    paths: ['/records/*'],
    requestPrincipals: [`${LOGIN}/*`],
  });
}

/** A Deployment with its own ServiceAccount and Service, serving HTTP on 8080. */
function workload(chart: Chart, id: string, name: string, namespace: string): kplus.Deployment {
  const serviceAccount = new kplus.ServiceAccount(chart, `${id}ServiceAccount`, { metadata: { name, namespace } });
  const deployment = new kplus.Deployment(chart, id, {
    metadata: { name, namespace },
    // Istio's canonical service labels, for telemetry.
    podMetadata: { labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/version': '2.0.1' } },
    serviceAccount,
    replicas: 2,
    containers: [{
      name: 'app',
      image: `registry.gov.example/${name}:2.0.1`,
      portNumber: 8080,
      readiness: kplus.Probe.fromHttpGet('/healthz', { port: 8080 }),
    }],
  });
  deployment.exposeViaService({ name, ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
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
