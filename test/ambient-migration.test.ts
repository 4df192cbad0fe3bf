/**
 * Migration proof: every zero-trust example synthesizes with both data planes (or refuses ambient
 * with the reason), and each namespace's connection matrix grants the same access with both.
 */
import { App, Testing } from 'cdk8s';
import { DataPlane, DataPlaneMigrationPlan, ZeroTrustNamespace } from '../lib';
import { ambientCall } from './helpers/ambient-path';
import { synthAll } from './zero-trust-fixture';
import { build as migrationExample } from '../examples/ambient-migration';
import { build as smallBusiness } from '../examples/small-business-platform';
import { build as agency } from '../examples/zero-trust-agency';
import { build as segmentation } from '../examples/zero-trust-segmentation';

/** The migration example without its printed plan. */
const migration = (app: App, dataPlane?: DataPlane) => migrationExample(app, dataPlane, false);

/** The example built for `dataPlane`, synthesized (every synth-time check runs), and its zero-trust namespaces by name. */
function synthesize(build: (app: App, dataPlane?: DataPlane) => unknown, dataPlane: DataPlane) {
  const app = Testing.app();
  build(app, dataPlane);
  const objects = synthAll(app);
  const namespaces = new Map(app.node.findAll().filter((c): c is ZeroTrustNamespace => c instanceof ZeroTrustNamespace).map((n) => [n.name, n]));
  return { objects, namespaces };
}

describe.each([
  ['zero-trust-segmentation', segmentation, ['citizen-frontend', 'records-backend']],
  ['small-business-platform', smallBusiness, ['shop']],
  ['ambient-migration', migration, ['billing', 'orders']],
] as const)('examples/%s.ts', (_name, build, names) => {
  test('synthesizes with both data planes, and every namespace grants the same access with both', () => {
    // WHEN
    const sidecar = synthesize(build, DataPlane.SIDECAR);
    const ambient = synthesize(build, DataPlane.AMBIENT);

    // THEN
    expect([...ambient.namespaces.keys()].sort()).toEqual([...names]);
    let declared = 0;
    for (const name of names) {
      const before = sidecar.namespaces.get(name)!.connections();
      const after = ambient.namespaces.get(name)!.connections();
      expect(after.accessDifferences(before)).toEqual([]);
      declared += after.rows.filter((r) => !r.infrastructure).length;
    }
    expect(declared).toBeGreaterThan(0);
    // The ambient rendering enrols the namespaces (billing in ambient-migration stays on sidecars by design).
    const enrolled = ambient.objects.filter((o) => o.kind === 'Namespace' && o.metadata.labels?.['istio.io/dataplane-mode'] === 'ambient')
      .map((o) => o.metadata.name).sort();
    expect(enrolled).toEqual(names.filter((n) => n !== 'billing'));
    expect(ambient.objects.filter((o) => o.kind === 'Sidecar' && enrolled.includes(o.metadata.namespace))).toEqual([]);
  });
});

test('examples/zero-trust-agency.ts has no ambient variant: its HTTPS hosts have no addresses a NetworkPolicy could name', () => {
  expect(() => agency(Testing.app(), DataPlane.AMBIENT)).toThrow(
    '[benefits/Benefits] \'allowEgressTo\' api.tax-authority.example:443 has no addresses: under DataPlane.AMBIENT no Sidecar filters egress ' +
    'by host name, so the NetworkPolicy would open port 443 to any address; declare the addresses, e.g. ' +
    'ExternalHost.tcp(\'api.tax-authority.example\', 443, [\'203.0.113.10\']), or keep the namespace on DataPlane.SIDECAR');
});

describe('examples/ambient-migration.ts', () => {
  test('the plan lists what to add, switch and remove, and proves access unchanged', () => {
    // GIVEN
    const before = synthesize(migration, DataPlane.SIDECAR).namespaces.get('orders')!;
    const after = synthesize(migration, DataPlane.AMBIENT).namespaces.get('orders')!;

    // WHEN
    const plan = DataPlaneMigrationPlan.between(before, after);

    // THEN
    expect(plan).toMatchObject({ namespace: 'orders', from: DataPlane.SIDECAR, to: DataPlane.AMBIENT, accessDifferences: [] });
    expect(plan.add).toEqual([
      'AuthorizationPolicy/waypoint-allow-billing-reporting-to-orders-api',
      'AuthorizationPolicy/waypoint-allow-orders-checkout-to-orders-api',
      'AuthorizationPolicy/waypoint-deny-all',
      'Gateway/waypoint',
      'NetworkPolicy/allow-kubelet-probes',
      'NetworkPolicy/allow-to-orders-waypoint',
      'NetworkPolicy/allow-to-waypoint',
      'NetworkPolicy/allow-waypoint-egress',
      'NetworkPolicy/allow-waypoint-metrics-scrape',
    ]);
    expect(plan.change).toEqual([
      'AuthorizationPolicy/allow-billing-reporting-to-orders-api',
      'AuthorizationPolicy/allow-orders-checkout-to-orders-api',
      'Namespace/orders',
      'NetworkPolicy/allow-billing-reporting-to-orders-api',
      'NetworkPolicy/allow-orders-checkout-to-orders-api',
      'NetworkPolicy/allow-to-orders-orders-api',
    ]);
    expect(plan.remove).toEqual(['NetworkPolicy/allow-istiod', 'NetworkPolicy/allow-metrics-scrape', 'Sidecar/default']);
    expect(plan.toString()).toContain('  Access: unchanged - both renderings grant exactly the same connections\n');
    expect(plan.toString()).toContain('  3. Remove (nothing selects them any more):\n     - NetworkPolicy/allow-istiod\n');
  });

  test('the synth prints the plan', () => {
    // GIVEN
    const log = jest.spyOn(console, 'error').mockImplementation(() => undefined);

    // WHEN
    migrationExample(Testing.app());

    // THEN
    expect(log).toHaveBeenCalledTimes(1);
    expect(String(log.mock.calls[0][0])).toMatch(/^Migration of namespace "orders": DataPlane.SIDECAR -> DataPlane.AMBIENT\n/);
    log.mockRestore();
  });

  test('a plan needs the same namespace rendered for two data planes', () => {
    // GIVEN
    const sidecar = synthesize(migration, DataPlane.SIDECAR).namespaces;
    const ambient = synthesize(migration, DataPlane.AMBIENT).namespaces;

    // THEN
    expect(() => DataPlaneMigrationPlan.between(sidecar.get('orders')!, ambient.get('billing')!)).toThrow(
      '[billing/Billing] DataPlaneMigrationPlan.between: \'before\' is namespace "orders" and \'after\' is "billing"; render the same ' +
      'namespace twice, once per data plane');
    expect(() => DataPlaneMigrationPlan.between(sidecar.get('billing')!, ambient.get('billing')!)).toThrow(
      '[billing/Billing] DataPlaneMigrationPlan.between: both renderings of "billing" use DataPlane.SIDECAR; render \'after\' with the other ' +
      'data plane');
    expect(() => DataPlaneMigrationPlan.between('orders' as any, ambient.get('orders')!)).toThrow(
      '[DataPlaneMigrationPlan.between] \'before\' must be a ZeroTrustNamespace, got "orders" (string); pass the same namespace rendered once per data plane');
  });

  test('after the move: checkout (ambient) through the waypoint on its paths only, reporting (sidecar) straight to ztunnel on 8080', () => {
    // GIVEN
    const { objects } = synthesize(migration, DataPlane.AMBIENT);
    const labels = (name: string) => objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name).spec.template.metadata.labels;
    const api = { namespace: 'orders', labels: labels('orders-api'), service: 'orders-api', servicePort: 80, containerPort: 8080 };
    const checkout = { namespace: 'orders', serviceAccount: 'checkout', labels: labels('checkout'), ambient: true };
    const reporting = { namespace: 'billing', serviceAccount: 'reporting', labels: labels('reporting'), ambient: false };

    // THEN
    expect(ambientCall(objects, checkout, api, { method: 'POST', path: '/orders/42' })).toEqual({ allowed: true });
    expect(ambientCall(objects, checkout, api, { method: 'DELETE', path: '/orders/42' })).toEqual({ allowed: false, refusedBy: 'waypoint: no ALLOW rule matches' });
    expect(ambientCall(objects, checkout, api, { method: 'GET', path: '/admin' })).toEqual({ allowed: false, refusedBy: 'waypoint: no ALLOW rule matches' });
    expect(ambientCall(objects, reporting, api)).toEqual({ allowed: true });
    expect(ambientCall(objects, { ...reporting, serviceAccount: 'default' }, api)).toEqual({ allowed: false, refusedBy: 'ztunnel: no ALLOW rule matches' });
    expect(ambientCall(objects, { ...checkout, ambient: false }, api)).toEqual({ allowed: false, refusedBy: 'NetworkPolicy caller -> pod' });
  });
});

test('examples/zero-trust-segmentation.ts on ambient: the one path between the tiers still needs web\'s identity, GET /records/* and a citizen\'s token', () => {
  // GIVEN
  const { objects } = synthesize(segmentation, DataPlane.AMBIENT);
  const labels = (name: string) => objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name).spec.template.metadata.labels;
  const records = { namespace: 'records-backend', labels: labels('records-api'), service: 'records-api', servicePort: 80, containerPort: 8080 };
  const web = { namespace: 'citizen-frontend', serviceAccount: 'web', labels: labels('web'), ambient: true };
  const token = { requestPrincipal: 'https://login.gov.example/citizen-42' };

  // THEN
  expect(ambientCall(objects, web, records, { method: 'GET', path: '/records/42', ...token })).toEqual({ allowed: true });
  expect(ambientCall(objects, web, records, { method: 'GET', path: '/records/42' }))
    .toEqual({ allowed: false, refusedBy: 'waypoint: DENY waypoint-require-token-citizen-frontend-web-to-records-api' });
  expect(ambientCall(objects, web, records, { method: 'PUT', path: '/records/42', ...token })).toEqual({ allowed: false, refusedBy: 'waypoint: no ALLOW rule matches' });
  // The tiers admit the ingress gateway (it sends straight to the pods) to web on 8080 at L4, and not to records. MeshProfile.AMBIENT
  // installs no gateway: only the zero-trust namespaces' own objects are judged (istio-system's lockdown would stop a gateway that is not there).
  const gateway = { namespace: 'istio-system', serviceAccount: 'istio-ingressgateway-service-account', labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' }, ambient: false };
  const tiers = objects.filter((o) => ['citizen-frontend', 'records-backend'].includes(o.metadata?.namespace ?? o.metadata?.name));
  expect(ambientCall(tiers, gateway, { namespace: 'citizen-frontend', labels: labels('web'), service: 'web', servicePort: 80, containerPort: 8080 }))
    .toEqual({ allowed: true });
  expect(ambientCall(tiers, gateway, records)).toEqual({ allowed: false, refusedBy: 'NetworkPolicy caller -> pod' });
});
