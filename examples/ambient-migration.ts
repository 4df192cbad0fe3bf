/**
 * Situation: a platform team moves the `orders` namespace from sidecars to ambient mode and has to
 * show the security review that nobody's access changes. The rules are declared once; `dataPlane`
 * picks the rendering. The order service accepts GET/POST on /orders/* from checkout (L7: the
 * ambient rendering gives it a waypoint) and plain TCP on 8080 from the reporting job in
 * `billing`, which keeps its sidecars (an L4 rule: sidecar callers never pass a waypoint, so it
 * must stay L4). Checkout reaches the payments database at its address.
 *
 * `migrationPlan()` synthesizes both renderings and prints what to apply in which order, and the
 * proof: the two `connections()` matrices grant the same access.
 *
 *   npm run synth -- ambient-migration                      # writes the ambient rendering
 *   npx ts-node examples/ambient-migration.ts --plan        # prints the plan
 */
import { App, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  ConnectionMatrix, DataPlane, ExternalHost, GatewayApiCrds, MeshInstallation, MeshPeer, MeshProfile, WorkloadSelector, ZeroTrustNamespace,
} from 'cdk8s-istio';

const ORDERS = 'orders';
const BILLING = 'billing';

/**
 * Adds the example's charts to `app`: the `orders` namespace on `dataPlane` (default: ambient, the
 * end state; `DataPlane.SIDECAR` is where the migration starts). The mesh runs the ambient profile
 * in both: ztunnel must be on the nodes before a namespace switches, and sidecars keep working.
 * @returns the `orders` namespace
 */
export function build(app: App, dataPlane: DataPlane = DataPlane.AMBIENT): ZeroTrustNamespace {
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

/** `Kind/name` of every object of the orders namespace (the Namespace included), with its JSON. */
function objectsOfOrders(dataPlane: DataPlane): { matrix: ConnectionMatrix; objects: Map<string, string> } {
  const app = Testing.app();
  const orders = build(app, dataPlane);
  const objects = new Map<string, string>();
  for (const o of app.charts.flatMap((c) => Testing.synth(c))) {
    if (o.metadata?.namespace !== ORDERS && !(o.kind === 'Namespace' && o.metadata.name === ORDERS)) continue;
    objects.set(`${o.kind}/${o.metadata.name}`, JSON.stringify(o));
  }
  return { matrix: orders.connections(), objects };
}

/**
 * The migration of `orders` from sidecars to ambient mode, step by step: objects to add first
 * (inert while the pods have sidecars), the switch (changed objects, then restarting the pods
 * without sidecars), objects to remove last, and the access proof.
 */
export function migrationPlan(): string {
  const before = objectsOfOrders(DataPlane.SIDECAR);
  const after = objectsOfOrders(DataPlane.AMBIENT);
  const added = [...after.objects.keys()].filter((k) => !before.objects.has(k)).sort();
  const removed = [...before.objects.keys()].filter((k) => !after.objects.has(k)).sort();
  const changed = [...after.objects.keys()].filter((k) => before.objects.has(k) && before.objects.get(k) !== after.objects.get(k)).sort();
  const differences = after.matrix.accessDifferences(before.matrix);
  const list = (keys: string[]) => keys.map((k) => `     - ${k}`);
  return [
    `Migration of namespace "${ORDERS}": DataPlane.SIDECAR -> DataPlane.AMBIENT`,
    '  0. Before: the mesh runs MeshProfile.AMBIENT (ztunnel and istio-cni on every node); sidecars keep working.',
    '  1. Add (inert while the pods still have sidecars: the waypoint and its targetRefs policies see no traffic yet):',
    ...list(added),
    '  2. Switch: apply the changed objects, then restart the workloads so their pods come back without sidecars',
    `     (kubectl rollout restart deployment -n ${ORDERS}); calls with L7 conditions are refused until the pods have restarted:`,
    ...list(changed),
    '  3. Remove (sidecar-only objects, nothing selects them any more):',
    ...list(removed),
    `  Access: ${differences.length === 0 ? 'unchanged - both renderings grant exactly the same connections' : 'CHANGED:'}`,
    ...differences.map((d) => `     ${d}`),
    '',
    after.matrix.toMarkdown(),
  ].join('\n');
}

if (require.main === module) {
  if (process.argv.includes('--plan')) {
    console.log(migrationPlan());
  } else {
    const app = new App();
    build(app);
    app.synth();
  }
}
