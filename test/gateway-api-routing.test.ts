/**
 * RoutingApi.GATEWAY_API: the same route table rendered as an HTTPRoute (the Service as parent)
 * and a Service per version sends every request where the VirtualService + DestinationRule
 * rendering sends it. Both renderings are resolved by independent resolvers (Istio's
 * VirtualService semantics; Istio's GAMMA translation of HTTPRoute, test/helpers/httproute-resolver.ts)
 * over a grid of requests; what Gateway API cannot express is an error at synth.
 */
import { App, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { parseAllDocuments } from 'yaml';
import {
  CanaryRelease, IngressGateway, MeshInstallation, ReleaseStrategy, ReleaseWorkload, RequestMatch, RouteDestination, RouteTo, RoutingApi,
  ServiceRouteOptions, WorkloadSelector,
} from '../lib';
import { bookinfo, REQUEST_GRID, ROUTE_TABLES } from './fixtures/gateway-api-route-tables';
import { resolveHttpRoute } from './helpers/httproute-resolver';
import { canonicalize, JsonValue, resolveRequest, semanticRouting, SemanticRouting } from './helpers/route-resolver';

function objects(app: App): any[] {
  return parseAllDocuments(app.synthYaml()).map((d) => d.toJS()).filter((o) => o);
}

/** The VirtualService outcome in the HTTPRoute resolver's terms (a redirect answers 301 unless told otherwise). */
function normalise(s: SemanticRouting): SemanticRouting {
  const out = { ...s };
  if (out.redirect) {
    out.redirect = canonicalize({ redirectCode: 301, ...(out.redirect as Record<string, JsonValue>) });
    if (out.destinations?.length === 0) delete out.destinations;
  }
  return out;
}

function expectSameRouting(routes: ServiceRouteOptions[]): number {
  const istio = objects(bookinfo(RoutingApi.ISTIO, routes).app);
  const gateway = objects(bookinfo(RoutingApi.GATEWAY_API, routes).app);
  expect(gateway.filter((o) => o.kind === 'VirtualService')).toEqual([]);
  let probes = 0;
  for (const { path, headers, method, queryParams } of REQUEST_GRID) {
    const viaIstio = normalise(semanticRouting(resolveRequest(istio, {
      gateway: 'mesh', host: 'reviews', sourceNamespace: 'bookinfo', path, method, headers, queryParams,
    })));
    const viaGateway = resolveHttpRoute(gateway, { service: 'reviews', namespace: 'bookinfo', path, method, headers, queryParams });
    expect({ path, headers, method, queryParams, routing: viaGateway }).toEqual({ path, headers, method, queryParams, routing: viaIstio });
    probes++;
  }
  return probes;
}

describe('the same requests reach the same versions with either API', () => {
  test.each([...ROUTE_TABLES])('%s', (_what, routes) => {
    expect(expectSameRouting(routes)).toBe(REQUEST_GRID.length);
    expect(REQUEST_GRID).toHaveLength(9 * 5 * 2 * 2);
  });
});

describe('objects', () => {
  test('an HTTPRoute with the Service as parent, a Service and a DestinationRule per version, no subsets', () => {
    const f = bookinfo(RoutingApi.GATEWAY_API, [{ to: RouteTo.weights({ v1: 90, v2: 10 }) }], ['v1', 'v2']);
    const out = objects(f.app);
    const route = out.find((o) => o.kind === 'HTTPRoute');
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'reviews', port: 9080 }]);
    expect(route.spec.rules[0].backendRefs).toEqual([{ name: 'reviews-v1', port: 9080, weight: 90 }, { name: 'reviews-v2', port: 9080, weight: 10 }]);
    const v2 = out.find((o) => o.kind === 'Service' && o.metadata.name === 'reviews-v2');
    expect(v2.spec).toEqual({ selector: { app: 'reviews', version: 'v2' }, ports: [{ name: 'http', port: 9080, targetPort: 9080 }] });
    expect(out.filter((o) => o.kind === 'DestinationRule').map((o) => o.spec.host).sort()).toEqual(['reviews', 'reviews-v1', 'reviews-v2']);
    expect(out.filter((o) => o.kind === 'DestinationRule').every((o) => o.spec.subsets === undefined)).toBe(true);
  });

  test('a redirect keeps the VirtualService answer: 301 and the scheme\'s default port, not the request\'s', () => {
    const f = bookinfo(RoutingApi.GATEWAY_API, [
      { matches: [RequestMatch.pathExact('/old')], redirect: { uri: '/new', authority: 'books.example.com' } },
      { to: RouteTo.version('v1') },
    ]);
    const route = objects(f.app).find((o) => o.kind === 'HTTPRoute');
    // Istio translates a redirect without a port to the request's port (books.example.com:9080 for a mesh request);
    // port 80 is left out of an http Location, as a VirtualService redirect leaves it (conformance gateway-translate).
    expect(route.spec.rules[0].filters).toEqual([{
      type: 'RequestRedirect',
      requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/new' }, hostname: 'books.example.com', statusCode: 301, port: 80 },
    }]);
  });

  test('RoutingApi.ISTIO stays the default: a VirtualService and subsets, no HTTPRoute', () => {
    const out = objects(bookinfo(undefined as any, [{ to: RouteTo.version('v1') }]).app);
    expect(out.filter((o) => o.kind === 'HTTPRoute')).toEqual([]);
    expect(out.find((o) => o.kind === 'DestinationRule').spec.subsets.map((s: any) => s.name)).toEqual(['v1', 'v2', 'v3']);
  });
});

describe('what Gateway API cannot express fails the synth', () => {
  const synth = (routes: ServiceRouteOptions[]) => () => bookinfo(RoutingApi.GATEWAY_API, routes).app.synth();

  test('fault injection', () => {
    expect(synth([{ matches: [RequestMatch.headerExact('end-user', 'jason')], to: RouteTo.version('v2'), fault: { delay: Duration.seconds(7), delayPercent: 100 } },
      { to: RouteTo.version('v1') }])).toThrow(
      'route "route-1" of service bookinfo/reviews (bookinfo/Reviews) injects a fault, which Gateway API has no form for; route the service with ' +
      'RoutingApi.ISTIO to inject faults');
  });

  test('retries, sender conditions and a prefix rewrite', () => {
    expect(synth([{ to: RouteTo.version('v1'), retries: { attempts: 3 } }])).toThrow(/sets 'retries', which Gateway API 1.5 has only in its experimental channel/);
    expect(synth([{ matches: [RequestMatch.sourceNamespace('web')], to: RouteTo.version('v2') }, { to: RouteTo.version('v1') }]))
      .toThrow(/matches on the sender \(source labels or namespace\), which Gateway API cannot express/);
    expect(synth([{ matches: [RequestMatch.pathPrefix('/v1/')], to: RouteTo.version('v1'), rewrite: { uri: '/' } }, { to: RouteTo.version('v1') }]))
      .toThrow(/rewrites the path after a match that is not an exact path/);
  });

  test('a later route Gateway API ranks first that would take requests of an earlier one', () => {
    expect(synth([
      { matches: [RequestMatch.headerExact('end-user', 'jason')], to: RouteTo.version('v2') },
      { matches: [RequestMatch.pathExact('/login')], to: RouteTo.version('v3') },
      { to: RouteTo.version('v1') },
    ])).toThrow('route "route-2" of service bookinfo/reviews (path exact "/login", bookinfo/Reviews) would take requests that route "route-1" ' +
      '(header end-user exact "jason") takes first: Gateway API ranks an exact path, a longer path pattern, a method, and more header or query ' +
      'conditions first, whatever the order; make the matches disjoint, put the higher-ranked route first, or use RoutingApi.ISTIO');
  });

  test('a CanaryRelease cannot share a service routed with Gateway API yet', () => {
    const f = bookinfo(RoutingApi.GATEWAY_API, [{ to: RouteTo.version('v1') }]);
    expect(() => new CanaryRelease(f.chart, 'Release', {
      service: f.service,
      mesh: undefined,
      stable: ReleaseWorkload.fromSelector(WorkloadSelector.fromLabels({ app: 'reviews', version: 'v1' })),
      canary: ReleaseWorkload.fromSelector(WorkloadSelector.fromLabels({ app: 'reviews', version: 'v2' })),
      strategy: ReleaseStrategy.staticWeight(10),
    })).toThrow(/service bookinfo\/reviews is routed with RoutingApi.GATEWAY_API by bookinfo\/Reviews, and with RoutingApi.ISTIO here/);
  });

  test('an API that is not a RoutingApi', () => {
    expect(() => bookinfo('gateway' as RoutingApi, [{ to: RouteTo.version('v1') }])).toThrow(
      "'api' must be one of RoutingApi.ISTIO, RoutingApi.GATEWAY_API, got \"gateway\"");
  });
});

describe('gateways reach the version Services', () => {
  test('an IngressGateway route to a service routed with Gateway API sends each request to the version Service the table names', () => {
    const routes: ServiceRouteOptions[] = [
      { matches: [RequestMatch.headerExact('end-user', 'jason')], to: RouteTo.version('v2') },
      { to: RouteTo.weights({ v1: 90, v3: 10 }) },
    ];
    const f = bookinfo(RoutingApi.GATEWAY_API, routes);
    const gateway = new IngressGateway(f.chart, 'Public', { mesh: MeshInstallation.fromExisting(f.chart, 'Existing'), namespace: 'edge' });
    gateway.addHost('books.example.com');
    gateway.addRoute('books.example.com', { to: RouteDestination.fromService(f.service) });
    const out = objects(f.app);
    const vs = out.find((o) => o.kind === 'VirtualService' && o.metadata.namespace === 'edge');
    expect(vs.spec.http.flatMap((h: any) => h.route.map((r: any) => r.destination))).toEqual([
      { host: 'reviews-v2.bookinfo.svc.cluster.local', port: { number: 9080 } },
      { host: 'reviews-v1.bookinfo.svc.cluster.local', port: { number: 9080 } },
      { host: 'reviews-v3.bookinfo.svc.cluster.local', port: { number: 9080 } },
    ]);
    const jason = semanticRouting(resolveRequest(out, { gateway: 'edge/public', host: 'books.example.com', headers: { 'end-user': 'jason' } }));
    const mesh = resolveHttpRoute(out, { service: 'reviews', namespace: 'bookinfo', headers: { 'end-user': 'jason' } });
    expect(jason.destinations!.map((d) => [d.target, d.weight])).toEqual(mesh!.destinations!.map((d) => [d.target, d.weight]));
    const anyone = semanticRouting(resolveRequest(out, { gateway: 'edge/public', host: 'books.example.com' }));
    expect(anyone.destinations!.map((d) => [d.target, d.weight])).toEqual([
      ['pods bookinfo {"app":"reviews","version":"v1"}', 90], ['pods bookinfo {"app":"reviews","version":"v3"}', 10],
    ]);
  });
});

describe('version Services', () => {
  test('a Service of the app with a version Service\'s name is an error naming both', () => {
    const f = bookinfo(RoutingApi.GATEWAY_API, [{ to: RouteTo.version('v1') }]);
    new kplus.Service(f.chart, 'Legacy', { metadata: { name: 'reviews-v2' }, ports: [{ port: 9080 }] });
    expect(() => f.app.synth()).toThrow(/version "v2" of service bookinfo\/reviews is served by a Service of its own named "reviews-v2", but the app has another Service of that name \(bookinfo\/Reviews\/Version-v2-Service, bookinfo\/Legacy\/Resource\); rename the version or that Service/);
  });
});

describe('exact messages of what Gateway API cannot express', () => {
  const AT = 'route "route-1" of service bookinfo/reviews (bookinfo/Reviews)';
  test.each<[string, ServiceRouteOptions[], string[] | undefined, string]>([
    ['a CORS method Gateway API has no value for', [{ to: RouteTo.version('v1'), corsPolicy: { allowOrigins: ['https://a.example'], allowMethods: ['PURGE'] } }],
      undefined, `${AT} allows CORS method PURGE, which a Gateway API CORS filter cannot list (only GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, ` +
      'TRACE, PATCH, *); drop it or use RoutingApi.ISTIO'],
    ['a CORS max age in fractions of a second', [{ to: RouteTo.version('v1'), corsPolicy: { allowOrigins: ['https://a.example'], maxAge: Duration.millis(1500) } }],
      undefined, `${AT} has CORS maxAge 1500ms, which a Gateway API CORS filter writes in whole seconds; round it`],
    ['a sub-millisecond timeout', [{ to: RouteTo.version('v1'), timeout: Duration.millis(0.5) }], undefined,
      `${AT} has timeout 0.5ms, which a Gateway API duration cannot write (whole milliseconds, at most 99999 per unit); round it`],
    ['retries', [{ to: RouteTo.version('v1'), retries: { attempts: 3 } }], undefined,
      `${AT} sets 'retries', which Gateway API 1.5 has only in its experimental channel; drop the retries or route the service with RoutingApi.ISTIO`],
    ['a sender match', [{ matches: [RequestMatch.sourceNamespace('web')], to: RouteTo.version('v2') }, { to: RouteTo.version('v1') }], undefined,
      `${AT} matches on the sender (source labels or namespace), which Gateway API cannot express; match on a header, or use RoutingApi.ISTIO`],
    ['a rewrite after a prefix', [{ matches: [RequestMatch.pathPrefix('/v1/')], to: RouteTo.version('v1'), rewrite: { uri: '/' } }, { to: RouteTo.version('v1') }],
      undefined, `${AT} rewrites the path after a match that is not an exact path; Gateway API replaces a prefix only after its own (segment) prefix ` +
      'match: match the exact path, or use RoutingApi.ISTIO'],
    ['a version Service name over 63 characters', [{ to: RouteTo.version('v1') }], ['v1', 'a'.repeat(60)],
      `version "${'a'.repeat(60)}" of service bookinfo/reviews needs a Service of its own named "reviews-${'a'.repeat(60)}", longer than the ` +
      '63 characters Kubernetes allows; give the version a shorter name'],
  ])('%s', (_what, routes, versions, message) => {
    expect(() => bookinfo(RoutingApi.GATEWAY_API, routes, versions).app.synth()).toThrow(`[bookinfo/Reviews] ${message}`);
  });
});
