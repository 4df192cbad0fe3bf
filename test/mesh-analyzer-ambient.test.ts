import { ApiObject, Chart, Testing } from 'cdk8s';
import { ANALYZER_CASES } from '../conformance/analyzer-cases';
import { build as buildMigration } from '../examples/ambient-migration';
import { build as buildMeshAmbient } from '../examples/mesh-ambient';
import { AnalyzerLevel, DataPlane, MeshAnalyzer } from '../lib';

let n = 0;
type Spec = Record<string, unknown>;
function object(c: Chart, apiVersion: string, kind: string, namespace: string | undefined, name: string, spec: unknown, metadata: Spec = {}): void {
  new ApiObject(c, `${kind}-${name}-${n++}`, { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}), ...metadata }, ...(spec ? { spec } : {}) });
}
const AMBIENT = { 'istio.io/dataplane-mode': 'ambient' };
const ns = (c: Chart, name: string, labels: Record<string, string> = AMBIENT) => object(c, 'v1', 'Namespace', undefined, name, undefined, { labels });
function workload(c: Chart, namespace: string, name: string, podLabels: Record<string, string> = {},
  serviceLabels: Record<string, string> = {}): void {
  object(c, 'apps/v1', 'Deployment', namespace, name, {
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name, ...podLabels } }, spec: { containers: [{ name: 'app', image: `registry.example/${name}:1.0.0` }] } },
  });
  object(c, 'v1', 'Service', namespace, name, { selector: { app: name }, ports: [{ name: 'http', port: 8080 }] }, { labels: serviceLabels });
}
const authz = (c: Chart, namespace: string, name: string, spec: Spec) => object(c, 'security.istio.io/v1', 'AuthorizationPolicy', namespace, name, spec);
function waypoint(c: Chart, namespace: string, name: string, labels: Record<string, string> = {}, allowedRoutes?: Spec): void {
  object(c, 'gateway.networking.k8s.io/v1', 'Gateway', namespace, name,
    { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE', ...(allowedRoutes ? { allowedRoutes } : {}) }] }, { labels });
}
const REVIEWS = { matchLabels: { app: 'reviews' } };

/** `CODE Kind ns/name: message` for every finding of the app built by `fn`. */
function findings(fn: (c: Chart) => void): string[] {
  const app = Testing.app();
  const chart = new Chart(app, 'platform');
  MeshAnalyzer.of(app);
  fn(chart);
  return MeshAnalyzer.of(app).analyze().map((f) => `${f.code} ${f.object}: ${f.message}`);
}

/** The ambient namespace `shop` with reviews, plus what `fn` adds. */
const shop = (fn: (c: Chart) => void = () => undefined, nsLabels: Record<string, string> = AMBIENT) => findings((c) => {
  ns(c, 'shop', nsLabels); workload(c, 'shop', 'reviews'); fn(c);
});

describe('the ambient cases of the agreement suite', () => {
  const expected: Record<string, string> = {
    'namespace-wide Sidecar in an ambient namespace':
      'IST0167 Sidecar shop/default: namespace "shop" is in ambient mode (istio.io/dataplane-mode: ambient): its pods have no sidecar, the Sidecar configures nothing',
    'Sidecar selecting an ambient workload':
      'IST0167 Sidecar shop/reviews: workloadSelector selects Deployment shop/reviews, in ambient mode: those pods have no sidecar, the Sidecar has no effect on them',
    'namespace labelled for sidecar injection and for ambient':
      'IST0123 Namespace shop: it has more than one mesh enrolment label (istio-injection=enabled, istio.io/dataplane-mode=ambient): ' +
      'whether its pods get a sidecar or join ambient depends on which one wins',
    'policy targetRefs to a waypoint Gateway without its group':
      'IST0106 AuthorizationPolicy shop/reviews-l7: targetRefs[0] targets Gateway with group "": Istio accepts only Service (core), ServiceEntry ' +
      '(networking.istio.io), Gateway and GatewayClass (gateway.networking.k8s.io), so the API server\'s webhook rejects the AuthorizationPolicy',
    'ztunnel-enforced DENY rule whose condition is HTTP only':
      'AMB0001 AuthorizationPolicy shop/no-deletes: DENY rules[0] uses HTTP attributes (methods), which ztunnel cannot see; ztunnel enforces it for ' +
      'Deployment shop/reviews without them, and rules[0].to is left with nothing to match: the rule never matches and denies nothing',
    'ztunnel-enforced ALLOW rule with HTTP methods':
      'AMB0002 AuthorizationPolicy shop/reviews-readers: rules[0] uses HTTP attributes (methods), which ztunnel cannot see; ztunnel enforces it for ' +
      'Deployment shop/reviews, and drops the whole rule: the traffic it allows is denied (no rule of the policy is left, so it allows nothing)',
    'istio.io/use-waypoint naming a waypoint the app does not declare':
      'AMB0003 Namespace shop: its label istio.io/use-waypoint: waypoint names waypoint shop/waypoint, which the app does not declare: ' +
      'istiod binds no waypoint (WaypointIsNotReady), the traffic skips every L7 policy',
    'waypoint in another namespace whose listener does not admit the namespace':
      'AMB0004 Service shop/reviews: its label istio.io/use-waypoint: shared names waypoint mesh-waypoints/shared, whose listener "mesh" admits namespace ' +
      '"mesh-waypoints" only, not "shop": istiod refuses the binding (AttachmentDenied), the traffic skips the waypoint and its L7 policies',
    'pods labelled with istio.io/use-waypoint for a waypoint of Service traffic':
      'AMB0005 Deployment shop/reviews: its pod template\'s label istio.io/use-waypoint: waypoint binds workload traffic to waypoint shop/waypoint, which is ' +
      'for service traffic (istio.io/waypoint-for: service): istiod refuses the binding (UnsupportedTrafficType), the traffic skips the waypoint and its L7 policies',
    'RequestAuthentication selecting only ambient workloads':
      'AMB0006 RequestAuthentication shop/reviews-jwt: its selector picks only ambient workloads (Deployment shop/reviews): they run no Envoy, ztunnel does ' +
      'not apply a RequestAuthentication, and a waypoint never applies a selector, so it has no effect',
  };
  const cases = ANALYZER_CASES.filter((c) => expected[c.title] !== undefined);

  test('every ambient case is listed', () => {
    expect(cases.map((c) => c.title).sort()).toEqual(Object.keys(expected).sort());
  });

  test.each(cases.map((c) => [c.title, c] as const))('%s: exactly this finding when failing, none when passing', (title, c) => {
    expect(findings(c.fail)).toEqual([expected[title]]);
    expect(findings(c.pass)).toEqual([]);
  });
});

describe('AuthorizationPolicies ztunnel enforces', () => {
  const deny = (rule: Spec) => shop((c) => authz(c, 'shop', 'deny', { selector: REVIEWS, action: 'DENY', rules: [rule] }));

  test('a DENY rule whose from part has only request principals denies nothing, even with an L4 to part', () => {
    expect(deny({ from: [{ source: { requestPrincipals: ['*'] } }], to: [{ operation: { ports: ['8080'] } }] })).toEqual([
      'AMB0001 AuthorizationPolicy shop/deny: DENY rules[0] uses HTTP attributes (requestPrincipals), which ztunnel cannot see; ztunnel enforces it for ' +
      'Deployment shop/reviews without them, and rules[0].from is left with nothing to match: the rule never matches and denies nothing',
    ]);
  });

  test('a DENY rule with an HTTP when condition denies nothing', () => {
    expect(deny({ from: [{ source: { namespaces: ['legacy'] } }], when: [{ key: 'request.headers[x-debug]', values: ['1'] }] })).toEqual([
      'AMB0001 AuthorizationPolicy shop/deny: DENY rules[0] uses HTTP attributes (request.headers[x-debug]), which ztunnel cannot see; ztunnel enforces it ' +
      'for Deployment shop/reviews without them, and rules[0].when[0] is left with nothing to match: the rule never matches and denies nothing',
      'IST0101 AuthorizationPolicy shop/deny: rule source namespace "legacy" does not exist in the app',
    ]);
  });

  test('a DENY rule with HTTP and L4 conditions in the same part denies more than written (a warning)', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'platform');
    ns(chart, 'shop'); workload(chart, 'shop', 'reviews');
    authz(chart, 'shop', 'deny', { selector: REVIEWS, action: 'DENY', rules: [{ to: [{ operation: { ports: ['8080'], paths: ['/admin/*'] } }] }] });
    const found = MeshAnalyzer.of(app).analyze();
    expect(found.map((f) => `${f.code} ${f.level}: ${f.message}`)).toEqual([
      'AMB0002 Warning: DENY rules[0] uses HTTP attributes (paths), which ztunnel cannot see; ztunnel enforces it for Deployment shop/reviews without them: ' +
      'it denies all traffic its L4 conditions match, more than written',
    ]);
  });

  test('an ALLOW policy keeps its L4 rules: only the HTTP rule is reported, without "allows nothing"', () => {
    expect(shop((c) => authz(c, 'shop', 'allow', {
      selector: REVIEWS,
      rules: [{ from: [{ source: { namespaces: ['shop'] } }] }, { to: [{ operation: { notPaths: ['/internal/*'] } }] }],
    }))).toEqual([
      'AMB0002 AuthorizationPolicy shop/allow: rules[1] uses HTTP attributes (notPaths), which ztunnel cannot see; ztunnel enforces it for ' +
      'Deployment shop/reviews, and drops the whole rule: the traffic it allows is denied',
    ]);
  });

  test('CUSTOM is an error (the authorizer is never asked), AUDIT a warning', () => {
    expect(shop((c) => {
      authz(c, 'shop', 'ext', { selector: REVIEWS, action: 'CUSTOM', provider: { name: 'opa' }, rules: [{}] });
      authz(c, 'shop', 'audit', { selector: REVIEWS, action: 'AUDIT', rules: [{}] });
    })).toEqual([
      'AMB0002 AuthorizationPolicy shop/audit: ztunnel enforces it for Deployment shop/reviews, and ztunnel does not support action AUDIT: nothing is audited',
      'AMB0001 AuthorizationPolicy shop/ext: ztunnel enforces it for Deployment shop/reviews, and ztunnel does not support action CUSTOM: ' +
      'the external authorizer is never asked, every request it should check passes',
    ]);
  });

  test('a namespace-wide policy in an ambient namespace counts even without workloads; a root-namespace one for every ambient namespace', () => {
    const methods = { rules: [{ to: [{ operation: { methods: ['GET'] } }] }] };
    expect(findings((c) => { ns(c, 'shop'); authz(c, 'shop', 'ns-wide', methods); })).toEqual([
      'AMB0002 AuthorizationPolicy shop/ns-wide: rules[0] uses HTTP attributes (methods), which ztunnel cannot see; ztunnel enforces it in ambient namespace ' +
      '"shop", and drops the whole rule: the traffic it allows is denied (no rule of the policy is left, so it allows nothing)',
    ]);
    expect(findings((c) => { ns(c, 'shop'); ns(c, 'billing'); authz(c, 'istio-system', 'mesh-wide', methods); })).toEqual([
      'AMB0002 AuthorizationPolicy istio-system/mesh-wide: rules[0] uses HTTP attributes (methods), which ztunnel cannot see; ztunnel enforces it in ambient ' +
      'namespaces "shop", "billing", and drops the whole rule: the traffic it allows is denied (no rule of the policy is left, so it allows nothing)',
    ]);
  });

  test('sidecar pods, opted-out pods, waypoint policies and sidecar namespaces take HTTP attributes without a finding', () => {
    const l7 = { selector: REVIEWS, action: 'DENY', rules: [{ to: [{ operation: { methods: ['DELETE'] } }] }] };
    expect(findings((c) => { ns(c, 'shop'); workload(c, 'shop', 'reviews', { 'istio.io/dataplane-mode': 'none' }); authz(c, 'shop', 'deny', l7); })).toEqual([]);
    expect(findings((c) => { ns(c, 'shop'); workload(c, 'shop', 'reviews', { 'sidecar.istio.io/inject': 'true' }); authz(c, 'shop', 'deny', l7); })).toEqual([]);
    expect(shop((c) => authz(c, 'shop', 'deny', l7), { 'istio-injection': 'enabled' })).toEqual([]);
    expect(findings((c) => { ns(c, 'shop', {}); workload(c, 'shop', 'reviews', AMBIENT); authz(c, 'shop', 'deny', l7); })).toHaveLength(1);
  });

  test('an AMB0001 error fails the synthesis', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'platform');
    MeshAnalyzer.of(app);
    ns(chart, 'shop'); workload(chart, 'shop', 'reviews');
    authz(chart, 'shop', 'deny', { selector: REVIEWS, action: 'DENY', rules: [{ to: [{ operation: { methods: ['DELETE'] } }] }] });
    expect(() => app.synthYaml()).toThrow(/AMB0001 \(ZtunnelRuleNeverDenies\) AuthorizationPolicy shop\/deny at platform\/AuthorizationPolicy-deny-\d+: DENY rules\[0\]/);
    expect(MeshAnalyzer.rules().find((r) => r.code === 'AMB0001')!.level).toBe(AnalyzerLevel.ERROR);
  });
});

describe('waypoint bindings', () => {
  test('a Service or pod label wins over the namespace label, "none" opts out, and a waypoint in a namespace the app does not own is not judged', () => {
    expect(findings((c) => {
      ns(c, 'shop', { ...AMBIENT, 'istio.io/use-waypoint': 'waypoint' }); waypoint(c, 'shop', 'waypoint');
      workload(c, 'shop', 'reviews', {}, { 'istio.io/use-waypoint': 'reviews-waypoint' });
      workload(c, 'shop', 'ratings', {}, { 'istio.io/use-waypoint': 'none' });
      workload(c, 'shop', 'details', {}, { 'istio.io/use-waypoint': 'shared', 'istio.io/use-waypoint-namespace': 'platform-waypoints' });
    })).toEqual([
      'AMB0003 Service shop/reviews: its label istio.io/use-waypoint: reviews-waypoint names waypoint shop/reviews-waypoint, which the app does not declare: ' +
      'istiod binds no waypoint (WaypointIsNotReady) and does not fall back to the namespace\'s, the traffic skips every L7 policy',
    ]);
  });

  test('a listener Selector admits the namespaces whose labels it matches', () => {
    const app = (team: string) => findings((c) => {
      ns(c, 'shop', { ...AMBIENT, 'team': team, 'istio.io/use-waypoint': 'shared', 'istio.io/use-waypoint-namespace': 'mesh-waypoints' });
      ns(c, 'mesh-waypoints');
      waypoint(c, 'mesh-waypoints', 'shared', {}, { namespaces: { from: 'Selector', selector: { matchLabels: { team: 'retail' } } } });
    });
    expect(app('retail')).toEqual([]);
    expect(app('finance')).toEqual([
      'AMB0004 Namespace shop: its label istio.io/use-waypoint: shared names waypoint mesh-waypoints/shared, whose listener "mesh" admits the namespaces its ' +
      'selector matches, not "shop": istiod refuses the binding (AttachmentDenied), the traffic skips the waypoint and its L7 policies',
    ]);
  });

  test('a Service bound to a workload waypoint is refused; waypoint-for all and a namespace label are not judged by traffic type', () => {
    expect(findings((c) => {
      ns(c, 'shop'); waypoint(c, 'shop', 'pods-only', { 'istio.io/waypoint-for': 'workload' }); waypoint(c, 'shop', 'both', { 'istio.io/waypoint-for': 'all' });
      workload(c, 'shop', 'reviews', {}, { 'istio.io/use-waypoint': 'pods-only' });
      workload(c, 'shop', 'ratings', { 'istio.io/use-waypoint': 'both' }, { 'istio.io/use-waypoint': 'both' });
    })).toEqual([
      'AMB0005 Service shop/reviews: its label istio.io/use-waypoint: pods-only binds service traffic to waypoint shop/pods-only, which is for workload traffic ' +
      '(istio.io/waypoint-for: workload): istiod refuses the binding (UnsupportedTrafficType), the traffic skips the waypoint and its L7 policies',
    ]);
    expect(findings((c) => { ns(c, 'shop', { ...AMBIENT, 'istio.io/use-waypoint': 'pods-only' }); waypoint(c, 'shop', 'pods-only', { 'istio.io/waypoint-for': 'workload' }); }))
      .toEqual([]);
  });
});

describe('enrolment labels, targetRefs and selector policies', () => {
  test('IST0123 counts istio.io/rev and dataplane-mode only while istio-injection is absent or enabled, and skips istio-system', () => {
    expect(findings((c) => ns(c, 'shop', { ...AMBIENT, 'istio-injection': 'disabled' }))).toEqual([]);
    expect(findings((c) => ns(c, 'istio-system', { ...AMBIENT, 'istio-injection': 'enabled' }))).toEqual([]);
    expect(findings((c) => ns(c, 'shop', { ...AMBIENT, 'istio.io/rev': 'canary' }))).toEqual([
      'IST0123 Namespace shop: it has more than one mesh enrolment label (istio.io/rev=canary, istio.io/dataplane-mode=ambient): ' +
      'whether its pods get a sidecar or join ambient depends on which one wins',
    ]);
  });

  test('IST0106 accepts the core group written "core" and rejects kinds Istio cannot attach to', () => {
    expect(shop((c) => {
      authz(c, 'shop', 'svc', { targetRefs: [{ group: 'core', kind: 'Service', name: 'reviews' }], rules: [{}] });
      object(c, 'telemetry.istio.io/v1', 'Telemetry', 'shop', 'logs', { targetRef: { group: 'apps', kind: 'Deployment', name: 'reviews' }, accessLogging: [{ providers: [{ name: 'envoy' }] }] });
    })).toEqual([
      'IST0106 Telemetry shop/logs: targetRef targets Deployment with group "apps": Istio accepts only Service (core), ServiceEntry (networking.istio.io), ' +
      'Gateway and GatewayClass (gateway.networking.k8s.io), so the API server\'s webhook rejects the Telemetry',
    ]);
  });

  test('AMB0006 covers EnvoyFilters and only fires when every selected workload is ambient', () => {
    const filter = (c: Chart) => object(c, 'networking.istio.io/v1alpha3', 'EnvoyFilter', 'shop', 'lua', {
      workloadSelector: { labels: { tier: 'web' } }, configPatches: [{ applyTo: 'HTTP_FILTER', patch: { operation: 'INSERT_BEFORE', value: { name: 'lua' } } }],
    });
    expect(findings((c) => { ns(c, 'shop'); workload(c, 'shop', 'reviews', { tier: 'web' }); filter(c); })).toEqual([
      'AMB0006 EnvoyFilter shop/lua: its selector picks only ambient workloads (Deployment shop/reviews): they run no Envoy, ztunnel does not apply a ' +
      'EnvoyFilter, and a waypoint never applies a selector, so it has no effect',
    ]);
    expect(findings((c) => {
      ns(c, 'shop'); workload(c, 'shop', 'reviews', { tier: 'web' }); workload(c, 'shop', 'ratings', { 'tier': 'web', 'sidecar.istio.io/inject': 'true' }); filter(c);
    })).toEqual([]);
  });

  test('raw objects with wrong types are skipped, never a TypeError', () => {
    expect(() => shop((c) => {
      authz(c, 'shop', 'odd', { selector: REVIEWS, action: 'DENY', rules: 'all' });
      authz(c, 'shop', 'odd2', { selector: REVIEWS, action: 'DENY', rules: [{ to: 5, from: [null], when: [null] }] });
      authz(c, 'shop', 'odd3', { targetRefs: [null, 7] });
      object(c, 'gateway.networking.k8s.io/v1', 'Gateway', 'shop', 'waypoint', { listeners: 'x' });
      object(c, 'networking.istio.io/v1', 'Sidecar', 'shop', 'sc', { workloadSelector: { labels: null } });
    })).not.toThrow();
  });
});

describe('the ambient examples', () => {
  const all = (build: (app: ReturnType<typeof Testing.app>) => void) => {
    const app = Testing.app();
    build(app);
    return MeshAnalyzer.of(app).analyze().map((f) => `${f.code} ${f.object}: ${f.message}`);
  };

  test.each([
    ['mesh-ambient', (app: ReturnType<typeof Testing.app>) => buildMeshAmbient(app)],
    ['ambient-migration (ambient)', (app: ReturnType<typeof Testing.app>) => { buildMigration(app, DataPlane.AMBIENT, false); }],
    ['ambient-migration (sidecar)', (app: ReturnType<typeof Testing.app>) => { buildMigration(app, DataPlane.SIDECAR, false); }],
  ] as const)('examples/%s has no finding at all (errors, warnings or infos)', (_name, build) => {
    expect(all(build)).toEqual([]);
  });

  test('in the mesh-ambient example, a hand-written HTTP DENY and a Sidecar for the ambient namespace are caught', () => {
    expect(all((app) => {
      buildMeshAmbient(app);
      const chart = new Chart(app, 'raw');
      workload(chart, 'shop', 'cart');
      authz(chart, 'shop', 'no-admin', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin/*'] } }] }] });
      object(chart, 'networking.istio.io/v1', 'Sidecar', 'shop', 'default', { egress: [{ hosts: ['./*'] }] });
    })).toEqual([
      'AMB0001 AuthorizationPolicy shop/no-admin: DENY rules[0] uses HTTP attributes (paths), which ztunnel cannot see; ztunnel enforces it for ' +
      'Deployment shop/cart without them, and rules[0].to is left with nothing to match: the rule never matches and denies nothing',
      'IST0167 Sidecar shop/default: namespace "shop" is in ambient mode (istio.io/dataplane-mode: ambient): its pods have no sidecar, the Sidecar configures nothing',
    ]);
  });
});
