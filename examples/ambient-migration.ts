/**
 * Situation: a platform team moves the `orders` namespace from sidecars to ambient mode and has to
 * show the security review that nobody's access changes. The rules are declared once; `dataPlane`
 * picks the rendering. The order service accepts GET/POST on /orders/* from checkout (L7: the
 * ambient rendering gives it a waypoint) and plain TCP on 8080 from the reporting job in
 * `billing`, which keeps its sidecars (an L4 rule: sidecar callers never pass a waypoint, so it
 * must stay L4). Checkout reaches the payments database at its address.
 *
 * The synth prints the plan (`DataPlaneMigrationPlan`): what to apply in which order, and the
 * proof that the two renderings' `connections()` grant the same access.
 *
 *   npm run synth -- ambient-migration   # writes dist/examples/ambient-migration/ and prints the plan
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  DataPlane, DataPlaneMigrationPlan, ExternalHost, GatewayApiCrds, MeshInstallation, MeshPeer, MeshProfile, WorkloadSelector, ZeroTrustNamespace,
} from 'cdk8s-istio';

const ORDERS = 'orders';
const BILLING = 'billing';

/**
 * Adds the example's charts to `app`: the `orders` namespace on `dataPlane` (default: ambient, the
 * end state; `DataPlane.SIDECAR` is where the migration starts). The mesh runs the ambient profile
 * in both: ztunnel must be on the nodes before a namespace switches, and sidecars keep working.
 * For the ambient rendering, prints the migration plan from the sidecar one on stderr, as CanaryRelease
 * prints its schedule (unless `printPlan` is false).
 * @returns the `orders` namespace
 */
export function build(app: App, dataPlane: DataPlane = DataPlane.AMBIENT, printPlan = true): ZeroTrustNamespace {
  const orders = render(app, dataPlane);
  if (dataPlane === DataPlane.AMBIENT && printPlan) {
    // Where the migration starts: the same code on sidecars, in an app of its own that is never synthesized.
    const before = render(new App(), DataPlane.SIDECAR);
    console.error(DataPlaneMigrationPlan.between(before, orders).toString());
  }
  return orders;
}

/** The example's charts, with `orders` on `dataPlane`. */
function render(app: App, dataPlane: DataPlane): ZeroTrustNamespace {
  const mesh = new MeshInstallation(new Chart(app, 'mesh'), 'Mesh', {
    profile: MeshProfile.AMBIENT,
    // Waypoints are Gateway API Gateways.
    gatewayApiCrds: GatewayApiCrds.STANDARD,
    networkPolicies: {},
  });

  // billing stays on sidecars: one namespace moves at a time.
  const billingChart = new Chart(app, BILLING);
  new ZeroTrustNamespace(billingChart, 'Billing', { name: BILLING, mesh, dataPlane: DataPlane.SIDECAR });
  const reporting = workload(billingChart, 'Reporting', 'reporting', BILLING, 'registry.example.com/billing/reporting:4.2.0');

  const chart = new Chart(app, ORDERS);
  const orders = new ZeroTrustNamespace(chart, 'Orders', { name: ORDERS, mesh, dataPlane });
  const api = workload(chart, 'Api', 'orders-api', ORDERS, 'registry.example.com/orders/api:7.1.0');
  const checkout = workload(chart, 'Checkout', 'checkout', ORDERS, 'registry.example.com/orders/checkout:3.0.2');

  // L7: only the order API's paths, only reading and placing orders.
  orders.allowFrom(MeshPeer.fromDeployment(checkout), {
    to: WorkloadSelector.fromDeployment(api),
    ports: [8080],
    methods: ['GET', 'POST'],
    paths: ['/orders/*'],
  });
  // L4: the reporting job (a sidecar caller) on the API's port.
  orders.allowFrom(MeshPeer.fromDeployment(reporting), { to: WorkloadSelector.fromDeployment(api), ports: [8080] });
  // The payments database, at its address: ambient has no egress lock by host name.
  orders.allowEgressTo(ExternalHost.tcp('payments-db.example.com', 5432, ['10.30.0.20']), { from: WorkloadSelector.fromDeployment(checkout) });
  return orders;
}

/** A Deployment with its own ServiceAccount and a Service on port 80 to 8080. */
function workload(chart: Chart, id: string, name: string, namespace: string, image: string): kplus.Deployment {
  const serviceAccount = new kplus.ServiceAccount(chart, `${id}ServiceAccount`, { metadata: { name, namespace } });
  const deployment = new kplus.Deployment(chart, id, {
    metadata: { name, namespace },
    podMetadata: { labels: { 'app.kubernetes.io/name': name } },
    serviceAccount,
    containers: [{ name: 'app', image, portNumber: 8080, readiness: kplus.Probe.fromHttpGet('/ready', { port: 8080 }) }],
  });
  deployment.exposeViaService({ name, ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
  return deployment;
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
