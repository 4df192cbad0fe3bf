import { describeProbe, resolveRequest, RouteRequest, RouteResult, semanticRouting } from './helpers/route-resolver';

const NET = 'networking.istio.io/v1';

const service = (namespace: string, name: string, selector: Record<string, string>, port = 80): unknown =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector, ports: [{ port }] } });
const deployment = (namespace: string, name: string, labels: Record<string, string>): unknown =>
  ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace }, spec: { template: { metadata: { labels } } } });
type Subsets = Record<string, Record<string, string>>;
const destinationRule = (namespace: string, name: string, host: string, subsets: Subsets, exportTo?: string[]): unknown =>
  ({ apiVersion: NET, kind: 'DestinationRule', metadata: { name, namespace }, spec: { host, exportTo, subsets: Object.entries(subsets).map(([n, labels]) => ({ name: n, labels })) } });
const virtualService = (namespace: string, name: string, spec: Record<string, unknown>): unknown =>
  ({ apiVersion: NET, kind: 'VirtualService', metadata: { name, namespace }, spec });
const gateway = (namespace: string, name: string, hosts: string[]): unknown =>
  ({ apiVersion: NET, kind: 'Gateway', metadata: { name, namespace }, spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts }] } });
const to = (host: string, subset?: string, weight?: number): Record<string, unknown> => ({ destination: { host, subset }, weight });

/** reviews in bookinfo: v1/v2 pods, a DestinationRule with two subsets. */
const reviews = (): unknown[] => [
  service('bookinfo', 'reviews', { app: 'reviews' }),
  deployment('bookinfo', 'reviews-v1', { app: 'reviews', version: 'v1' }),
  deployment('bookinfo', 'reviews-v2', { app: 'reviews', version: 'v2' }),
  destinationRule('bookinfo', 'reviews', 'reviews', { stable: { version: 'v1' }, canary: { version: 'v2' } }),
];
const V1 = { app: 'reviews', version: 'v1' };
const V2 = { app: 'reviews', version: 'v2' };
const mesh = (extra: Partial<RouteRequest> = {}): RouteRequest => ({ gateway: 'mesh', host: 'reviews', sourceNamespace: 'bookinfo', ...extra });

function routed(result: RouteResult): Extract<RouteResult, { kind: 'routed' }> {
  if (result.kind !== 'routed') throw new Error(`expected a route, got ${JSON.stringify(result)}`);
  return result;
}
const picks = (result: RouteResult): Array<[Record<string, string> | undefined, number]> =>
  routed(result).destinations.map((d) => [d.podLabels, d.weight]);

describe('weights and subsets', () => {
  test('subset labels are added to the Service selector; weights are kept', () => {
    const objects = [...reviews(), virtualService('bookinfo', 'reviews', { hosts: ['reviews'], http: [{ route: [to('reviews', 'stable', 90), to('reviews', 'canary', 10)] }] })];
    const r = routed(resolveRequest(objects, mesh()));
    expect(r.virtualService).toBe('bookinfo/reviews');
    expect(r.route).toBe('#0');
    expect(r.destinations.map((d) => [d.host, d.subset, d.port, d.weight, d.podLabels, d.workloads])).toEqual([
      ['reviews.bookinfo.svc.cluster.local', 'stable', 80, 90, V1, ['Deployment bookinfo/reviews-v1']],
      ['reviews.bookinfo.svc.cluster.local', 'canary', 80, 10, V2, ['Deployment bookinfo/reviews-v2']],
    ]);
  });

  test('weights are normalised to percentages; a lone destination without weight gets 100', () => {
    const relative = [...reviews(), virtualService('bookinfo', 'reviews', { hosts: ['reviews'], http: [{ route: [to('reviews', 'stable', 1), to('reviews', 'canary', 3)] }] })];
    expect(picks(resolveRequest(relative, mesh()))).toEqual([[V1, 25], [V2, 75]]);
    const lone = [...reviews(), virtualService('bookinfo', 'reviews', { hosts: ['reviews'], http: [{ route: [to('reviews', 'canary')] }] })];
    expect(picks(resolveRequest(lone, mesh()))).toEqual([[V2, 100]]);
  });

  test('a subset no DestinationRule defines is an error', () => {
    const objects = [...reviews(), virtualService('bookinfo', 'reviews', { hosts: ['reviews'], http: [{ route: [to('reviews', 'v3')] }] })];
    expect(resolveRequest(objects, mesh())).toMatchObject({ kind: 'error', error: 'missing-subset' });
  });

  test('a DestinationRule exported only to its namespace does not serve clients elsewhere', () => {
    const objects = [
      service('bookinfo', 'reviews', { app: 'reviews' }),
      destinationRule('other', 'reviews', 'reviews.bookinfo.svc.cluster.local', { canary: { version: 'v2' } }, ['.']),
      virtualService('other', 'reviews', { hosts: ['reviews.bookinfo.svc.cluster.local'], http: [{ route: [to('reviews.bookinfo.svc.cluster.local', 'canary')] }] }),
    ];
    expect(picks(resolveRequest(objects, mesh({ host: 'reviews.bookinfo.svc.cluster.local', sourceNamespace: 'other' })))).toEqual([[V2, 100]]);
    expect(resolveRequest(objects, mesh({ host: 'reviews.bookinfo.svc.cluster.local', sourceNamespace: 'third' }))).toMatchObject({ error: 'missing-subset' });
  });
});

describe('matching', () => {
  const canaryFor = (match: unknown[]): unknown[] => [...reviews(), virtualService('bookinfo', 'reviews', {
    hosts: ['reviews'],
    http: [{ name: 'canary', match, route: [to('reviews', 'canary')] }, { name: 'primary', route: [to('reviews', 'stable')] }],
  })];

  test('header match: exact value, case-insensitive names, everything else falls to the next route', () => {
    const objects = canaryFor([{ headers: { 'x-user': { exact: 'tester' } } }]);
    expect(routed(resolveRequest(objects, mesh({ headers: { 'X-User': 'tester' } }))).route).toBe('canary');
    expect(routed(resolveRequest(objects, mesh({ headers: { 'x-user': 'Tester' } }))).route).toBe('primary');
    expect(routed(resolveRequest(objects, mesh())).route).toBe('primary');
  });

  test('regexes match the whole value', () => {
    const objects = canaryFor([{ headers: { cookie: { regex: '^(.*?;\\s*)?(beta=on)(;.*)?$' } } }, { uri: { regex: '/v2' } }]);
    expect(routed(resolveRequest(objects, mesh({ headers: { cookie: 'a=1; beta=on' } }))).route).toBe('canary');
    expect(routed(resolveRequest(objects, mesh({ headers: { cookie: 'beta=online' } }))).route).toBe('primary');
    expect(routed(resolveRequest(objects, mesh({ path: '/v2' }))).route).toBe('canary');
    expect(routed(resolveRequest(objects, mesh({ path: '/v22' }))).route).toBe('primary');
  });

  test('all fields of a match entry must hold; any entry may', () => {
    const objects = canaryFor([{ uri: { prefix: '/API/' }, ignoreUriCase: true, method: { exact: 'POST' }, queryParams: { beta: { exact: '1' } } }, { sourceLabels: { app: 'qa' } }]);
    expect(routed(resolveRequest(objects, mesh({ path: '/api/x?beta=1', method: 'POST' }))).route).toBe('canary');
    expect(routed(resolveRequest(objects, mesh({ path: '/api/x', method: 'POST', queryParams: { beta: '1' } }))).route).toBe('canary');
    expect(routed(resolveRequest(objects, mesh({ path: '/api/x?beta=1', method: 'GET' }))).route).toBe('primary');
    expect(routed(resolveRequest(objects, mesh({ sourceLabels: { app: 'qa', version: '1' } }))).route).toBe('canary');
  });

  test('withoutHeaders needs the header present with another value (Envoy invert_match)', () => {
    const objects = canaryFor([{ withoutHeaders: { 'x-user': { exact: 'tester' } } }]);
    expect(routed(resolveRequest(objects, mesh({ headers: { 'x-user': 'someone' } }))).route).toBe('canary');
    expect(routed(resolveRequest(objects, mesh({ headers: { 'x-user': 'tester' } }))).route).toBe('primary');
    expect(routed(resolveRequest(objects, mesh())).route).toBe('primary');
  });

  test('first match wins, even when a later route matches more precisely', () => {
    const objects = [...reviews(), virtualService('bookinfo', 'reviews', {
      hosts: ['reviews'],
      http: [{ name: 'broad', match: [{ uri: { prefix: '/' } }], route: [to('reviews', 'stable')] }, { name: 'exact', match: [{ uri: { exact: '/x' } }], route: [to('reviews', 'canary')] }],
    })];
    expect(routed(resolveRequest(objects, mesh({ path: '/x' }))).route).toBe('broad');
  });

  test('a VS without a matching route gives no route (404), not the Service', () => {
    const objects = [...reviews(), virtualService('bookinfo', 'reviews', { hosts: ['reviews'], http: [{ match: [{ headers: { 'x-user': { exact: 'a' } } }], route: [to('reviews', 'canary')] }] })];
    expect(resolveRequest(objects, mesh())).toMatchObject({ kind: 'noRoute', virtualService: 'bookinfo/reviews' });
  });

  test('routes selected by sourceLabels are not installed for other clients: with none left the Service is reached directly', () => {
    const objects = [...reviews(), virtualService('bookinfo', 'reviews', { hosts: ['reviews'], http: [{ match: [{ sourceLabels: { app: 'qa' } }], route: [to('reviews', 'canary')] }] })];
    expect(picks(resolveRequest(objects, mesh({ sourceLabels: { app: 'qa' } })))).toEqual([[V2, 100]]);
    const other = routed(resolveRequest(objects, mesh({ sourceLabels: { app: 'web' } })));
    expect([other.defaultRoute, other.destinations.map((d) => [d.podLabels, d.weight])]).toEqual([true, [[{ app: 'reviews' }, 100]]]);
  });
});

describe('hosts and gateways', () => {
  const objects = [
    ...reviews(),
    gateway('istio-system', 'public', ['*.example.com']),
    virtualService('bookinfo', 'reviews', { hosts: ['reviews'], http: [{ route: [to('reviews', 'stable')] }] }),
    virtualService('bookinfo', 'reviews-public', { hosts: ['reviews.example.com'], gateways: ['istio-system/public'], http: [{ route: [to('reviews', 'canary')] }] }),
  ];

  test('short names resolve in the VS namespace for the VS and in the client namespace for the client', () => {
    expect(picks(resolveRequest(objects, mesh()))).toEqual([[V1, 100]]);
    expect(picks(resolveRequest(objects, mesh({ host: 'reviews.bookinfo', sourceNamespace: 'web' })))).toEqual([[V1, 100]]);
    expect(picks(resolveRequest(objects, mesh({ host: 'reviews.bookinfo.svc.cluster.local', sourceNamespace: 'web' })))).toEqual([[V1, 100]]);
    expect(resolveRequest(objects, mesh({ sourceNamespace: 'web' }))).toMatchObject({ kind: 'noRoute' });
    expect(() => resolveRequest(objects, mesh({ sourceNamespace: undefined }))).toThrow(/sourceNamespace/);
  });

  test('a gateway-bound VS serves only its gateway, a mesh VS only the mesh', () => {
    expect(picks(resolveRequest(objects, { gateway: 'istio-system/public', host: 'reviews.example.com' }))).toEqual([[V2, 100]]);
    expect(resolveRequest(objects, { gateway: 'istio-system/public', host: 'reviews.bookinfo.svc.cluster.local' })).toMatchObject({ kind: 'noRoute' });
    expect(resolveRequest(objects, mesh({ host: 'reviews.example.com' }))).toMatchObject({ kind: 'noRoute' });
    expect(resolveRequest(objects, { gateway: 'istio-system/private', host: 'reviews.example.com' })).toMatchObject({ kind: 'noRoute', reason: expect.stringMatching(/not found/) });
  });

  test('the Gateway must admit the host', () => {
    const narrow = objects.map((o) => (o === objects[4] ? gateway('istio-system', 'public', ['shop.example.com']) : o));
    expect(resolveRequest(narrow, { gateway: 'istio-system/public', host: 'reviews.example.com' })).toMatchObject({ kind: 'noRoute' });
  });

  test('exportTo "." hides a VS from other namespaces and from gateways elsewhere', () => {
    const hidden = [...reviews(), gateway('istio-system', 'public', ['*']), virtualService('bookinfo', 'reviews', {
      hosts: ['reviews', 'reviews.example.com'], gateways: ['mesh', 'istio-system/public'], exportTo: ['.'], http: [{ route: [to('reviews', 'canary')] }],
    })];
    expect(picks(resolveRequest(hidden, mesh()))).toEqual([[V2, 100]]);
    expect(routed(resolveRequest(hidden, mesh({ host: 'reviews.bookinfo', sourceNamespace: 'web' }))).defaultRoute).toBe(true);
    expect(resolveRequest(hidden, { gateway: 'istio-system/public', host: 'reviews.example.com' })).toMatchObject({ kind: 'noRoute' });
  });

  test('two VSs for the same host and gateway are ambiguous; a more specific host wins over a wildcard', () => {
    const twice = [...objects, virtualService('web', 'reviews-too', { hosts: ['reviews.bookinfo.svc.cluster.local'], http: [{ route: [to('reviews.bookinfo.svc.cluster.local')] }] })];
    expect(resolveRequest(twice, mesh())).toEqual({
      kind: 'error', error: 'ambiguous', virtualServices: ['bookinfo/reviews', 'web/reviews-too'], message: expect.stringContaining('reviews.bookinfo.svc.cluster.local'),
    });
    const wildcard = [...objects, virtualService('bookinfo', 'catch-all', { hosts: ['*.example.com'], gateways: ['istio-system/public'], http: [{ route: [to('reviews', 'stable')] }] })];
    expect(picks(resolveRequest(wildcard, { gateway: 'istio-system/public', host: 'reviews.example.com' }))).toEqual([[V2, 100]]);
    expect(picks(resolveRequest(wildcard, { gateway: 'istio-system/public', host: 'other.example.com' }))).toEqual([[V1, 100]]);
  });
});

describe('semanticRouting', () => {
  test('ignores object, route and subset names, and merges destinations reaching the same pods', () => {
    const a = [...reviews(), virtualService('bookinfo', 'reviews', { hosts: ['reviews'], http: [{ name: 'x', route: [to('reviews', 'stable', 90), to('reviews', 'canary', 10)], timeout: '2s' }] })];
    const b = [
      service('bookinfo', 'reviews', { app: 'reviews' }),
      destinationRule('bookinfo', 'other-name', 'reviews.bookinfo.svc.cluster.local', { a: V1, b: { version: 'v2' }, c: { app: 'reviews', version: 'v2' } }),
      virtualService('bookinfo', 'renamed', { hosts: ['reviews.bookinfo.svc.cluster.local'], http: [{ name: 'y', route: [to('reviews', 'a', 90), to('reviews', 'b', 4), to('reviews', 'c', 6)], timeout: '2000ms' }] }),
    ];
    expect(semanticRouting(resolveRequest(b, mesh()))).toEqual(semanticRouting(resolveRequest(a, mesh())));
    expect(semanticRouting(resolveRequest(a, mesh()))).toEqual({
      outcome: 'routed',
      destinations: [
        { target: 'pods bookinfo {"app":"reviews","version":"v1"}', port: 80, weight: 90 },
        { target: 'pods bookinfo {"app":"reviews","version":"v2"}', port: 80, weight: 10 },
      ],
      timeout: '2s',
    });
  });

  test('notices changed weights, mirrors and faults', () => {
    const base = { hosts: ['reviews'], http: [{ route: [to('reviews', 'stable', 90), to('reviews', 'canary', 10)] }] };
    const of = (http: unknown): ReturnType<typeof semanticRouting> => semanticRouting(resolveRequest([...reviews(), virtualService('bookinfo', 'reviews', { ...base, http })], mesh()));
    const before = of(base.http);
    expect(of([{ route: [to('reviews', 'stable', 80), to('reviews', 'canary', 20)] }])).not.toEqual(before);
    const mirrored = of([{ ...base.http[0], mirror: { host: 'reviews', subset: 'canary' }, mirrorPercentage: { value: 5 } }]);
    expect(mirrored.mirrors).toEqual([{ target: 'pods bookinfo {"app":"reviews","version":"v2"}', port: 80, percent: 5 }]);
    expect(of([{ ...base.http[0], fault: { abort: { httpStatus: 503, percentage: { value: 1 } } } }])).not.toEqual(before);
  });

  test('the default route and a VS sending everything to the Service are equivalent; 404 is not', () => {
    const none = [service('bookinfo', 'reviews', { app: 'reviews' })];
    const passthrough = [...none, virtualService('bookinfo', 'reviews', { hosts: ['reviews'], http: [{ route: [to('reviews')] }] })];
    const partial = [...none, virtualService('bookinfo', 'reviews', { hosts: ['reviews'], http: [{ match: [{ uri: { prefix: '/a' } }], route: [to('reviews')] }] })];
    expect(semanticRouting(resolveRequest(passthrough, mesh()))).toEqual(semanticRouting(resolveRequest(none, mesh())));
    expect(semanticRouting(resolveRequest(partial, mesh()))).toEqual({ outcome: 'noRoute' });
  });
});

test('describeProbe is stable and names every field', () => {
  expect(describeProbe({ gateway: 'mesh', host: 'reviews', sourceNamespace: 'shop', port: 80, headers: { b: '2', a: '1' }, sourceLabels: { app: 'qa' }, queryParams: { q: 'x' } }))
    .toBe('mesh GET reviews/ from=shop port=80 h:a=1 h:b=2 q:q=x src:app=qa');
});
