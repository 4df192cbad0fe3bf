/**
 * Migration proof: every zero-trust example synthesizes with both data planes (or refuses ambient
 * with the reason), and each namespace's connection matrix grants the same access with both. Every
 * ambient variant `npm run synth` writes (dist/examples/<example>.ambient/) grants what the default
 * build grants, and routes its releases with the same shares.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import { CanaryRelease, DataPlane, DataPlaneMigrationPlan, ZeroTrustNamespace } from '../lib';
import { ambientCall } from './helpers/ambient-path';
import { resolveHttpRoute } from './helpers/httproute-resolver';
import { resolveRequest, semanticRouting } from './helpers/route-resolver';
import { synthAll } from './zero-trust-fixture';
import { build as migrationExample } from '../examples/ambient-migration';
import { build as smallBusiness } from '../examples/small-business-platform';
import { build as agency } from '../examples/zero-trust-agency';
import { build as segmentation } from '../examples/zero-trust-segmentation';
import { ExampleBuild, exampleBuilds, exampleNames } from '../scripts/synth-examples';

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

/** One build of an example, synthesized with every synth-time check, with its zero-trust namespaces and releases. */
function synthesizeBuild(b: ExampleBuild) {
  const app: App = b.createApp ? b.createApp({ outdir: Testing.app().outdir }) : Testing.app();
  b.build(app);
  app.synthYaml();
  const objects = synthAll(app);
  const constructs = app.node.findAll();
  const namespaces = new Map(constructs.filter((c): c is ZeroTrustNamespace => c instanceof ZeroTrustNamespace).map((n) => [n.name, n]));
  const releases = constructs.filter((c): c is CanaryRelease => c instanceof CanaryRelease);
  return { objects, namespaces, releases };
}

/** Header values the service's route tables match exactly (HTTPRoute rules, mesh VirtualService routes): each one a probe. */
function headerProbes(objects: any[], service: string, namespace: string): Array<Record<string, string>> {
  const probes: Array<Record<string, string>> = [{}];
  for (const o of objects.filter((x) => x.metadata?.namespace === namespace)) {
    if (o.kind === 'HTTPRoute' && (o.spec.parentRefs ?? []).some((p: any) => p.kind === 'Service' && p.name === service)) {
      for (const h of (o.spec.rules ?? []).flatMap((r: any) => (r.matches ?? []).flatMap((m: any) => m.headers ?? []))) {
        if ((h.type ?? 'Exact') === 'Exact') probes.push({ [h.name]: h.value });
      }
    }
    if (o.kind === 'VirtualService' && (o.spec.hosts ?? []).includes(service) && (o.spec.gateways ?? ['mesh']).includes('mesh')) {
      for (const m of (o.spec.http ?? []).flatMap((r: any) => r.match ?? [])) {
        for (const [name, v] of Object.entries<any>(m.headers ?? {})) if (v.exact !== undefined) probes.push({ [name]: v.exact });
      }
    }
  }
  return probes;
}

/** Where a mesh client's request to `service` goes: the HTTPRoute with the Service as parent, else the mesh VirtualService. */
function meshShares(objects: any[], service: string, namespace: string, headers: Record<string, string>) {
  const viaRoute = resolveHttpRoute(objects, { service, namespace, headers });
  if (viaRoute) return viaRoute.destinations;
  const result = resolveRequest(objects, { gateway: 'mesh', host: service, sourceNamespace: namespace, headers });
  return result.kind === 'routed' ? semanticRouting(result).destinations : undefined;
}

/** Each example's ambient variant beside its default build. */
const ambientVariants = exampleNames().flatMap((name) => {
  const builds = exampleBuilds(name);
  const ambient = builds.find((b) => b.variant === 'ambient');
  return ambient ? [[name, builds[0], ambient] as const] : [];
});

/** Examples that declare zero-trust namespaces or releases (they are the ones #19 asks an ambient variant of). */
const EXAMPLES = path.resolve(__dirname, '..', 'examples');
const zeroTrustOrCanary = exampleNames().filter((n) => /new (ZeroTrustNamespace|CanaryRelease)\(/.test(fs.readFileSync(path.join(EXAMPLES, `${n}.ts`), 'utf8')));

test('every zero-trust or canary example has an ambient variant, renders ambient itself, or says why not in its header and the README', () => {
  // GIVEN
  const readme = fs.readFileSync(path.resolve(__dirname, '..', 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('| example | ambient variant |'));
  const row = (name: string) => table.split('\n').find((l) => l.startsWith(`| [\`${name}\`]`));

  // THEN
  const withVariant = ambientVariants.map(([name]) => name);
  const without = zeroTrustOrCanary.filter((n) => !withVariant.includes(n) && n !== 'ambient-migration');
  expect(without.length).toBeGreaterThan(0);
  for (const name of without) {
    const header = fs.readFileSync(path.join(EXAMPLES, `${name}.ts`), 'utf8').split('\n */')[0];
    expect([name, /No ambient variant: \S/.test(header)]).toEqual([name, true]);
    expect([name, row(name)]).toEqual([name, expect.stringMatching(/^\| \[`[a-z-]+`\]\([^)]+\) \| no: \S/)]);
  }
  for (const name of withVariant) {
    expect([name, row(name)]).toEqual([name, expect.stringContaining(`\`${name}.ambient\``)]);
  }
});

describe.each(ambientVariants)('examples/%s.ts, variant ambient', (_name, sidecarBuild, ambientBuild) => {
  const sidecar = synthesizeBuild(sidecarBuild);
  const ambient = synthesizeBuild(ambientBuild);

  test('every zero-trust namespace is enrolled in ambient mode and grants the same access as with sidecars', () => {
    // THEN
    const names = [...sidecar.namespaces.keys()].sort();
    expect([...ambient.namespaces.keys()].sort()).toEqual(names);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      expect(ambient.namespaces.get(name)!.dataPlane).toBe(DataPlane.AMBIENT);
      expect([name, ambient.namespaces.get(name)!.connections().accessDifferences(sidecar.namespaces.get(name)!.connections())]).toEqual([name, []]);
    }
    const enrolled = ambient.objects.filter((o) => o.kind === 'Namespace' && o.metadata.labels?.['istio.io/dataplane-mode'] === 'ambient')
      .map((o) => o.metadata.name).sort();
    expect(enrolled).toEqual(names);
    expect(ambient.objects.filter((o) => o.kind === 'Sidecar' && names.includes(o.metadata.namespace))).toEqual([]);
    // The mesh runs the ambient profile: ztunnel is there.
    expect(ambient.objects.filter((o) => o.kind === 'DaemonSet' && o.metadata.name === 'ztunnel')).toHaveLength(1);
  });

  test('every release routes the mesh\'s requests with the same shares, through the namespace\'s waypoint', () => {
    // THEN
    expect(ambient.releases.map((r) => r.node.path)).toEqual(sidecar.releases.map((r) => r.node.path));
    let compared = 0;
    for (const release of sidecar.releases) {
      const { serviceName: service, namespace } = release;
      for (const headers of headerProbes(sidecar.objects, service, namespace)) {
        const before = meshShares(sidecar.objects, service, namespace, headers);
        const after = meshShares(ambient.objects, service, namespace, headers);
        expect([service, headers, after]).toEqual([service, headers, before]);
        if (before !== undefined) compared++;
      }
      // A controller that writes its own route (Flagger) leaves none in Git: then neither build has one.
      if (meshShares(sidecar.objects, service, namespace, {}) === undefined) continue;
      // The waypoint applies the route: an HTTPRoute with the Service as parent, no mesh VirtualService, a waypoint bound to the namespace.
      expect(ambient.objects.filter((o) => o.kind === 'VirtualService' && o.metadata.namespace === namespace && (o.spec.gateways ?? ['mesh']).includes('mesh')))
        .toEqual([]);
      const waypoint = ambient.objects.find((o) => o.kind === 'Gateway' && o.metadata.namespace === namespace && o.spec.gatewayClassName === 'istio-waypoint');
      expect(waypoint).toBeDefined();
      const ns = ambient.objects.find((o) => o.kind === 'Namespace' && o.metadata.name === namespace);
      expect(ns.metadata.labels['istio.io/use-waypoint']).toBe(waypoint.metadata.name);
    }
    if (sidecar.releases.length > 0) expect(compared).toBeGreaterThan(0);
  });
});
