/**
 * examples/istio-traffic-tasks.ts routes each step of Istio's traffic-management tasks as the task
 * says: requests are resolved against the synthesized objects (test/helpers/route-resolver.ts) and
 * the versions, shares and faults they get are asserted.
 */
import { Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { build } from '../examples/istio-traffic-tasks';
import { resolveRequest, RoutedResult, RouteRequest } from './helpers/route-resolver';

const app = Testing.app();
const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
build(app);
const objects = parseAllDocuments(app.synthYaml()).map((d) => d.toJS() as unknown).filter((o) => o);
warn.mockRestore();

const JASON = { 'end-user': 'jason' };

/** Resolves a mesh request from the step's own namespace; fails unless it is routed. */
function route(namespace: string, host: string, request: Partial<RouteRequest> = {}): RoutedResult {
  const result = resolveRequest(objects, { gateway: 'mesh', host, sourceNamespace: namespace, ...request });
  if (result.kind !== 'routed') throw new Error(`${namespace}: ${host} not routed: ${JSON.stringify(result)}`);
  return result;
}

/** Version label -> share of the request. */
function shares(r: RoutedResult): Record<string, number> {
  return Object.fromEntries(r.destinations.map((d) => [d.podLabels?.version ?? '<any>', d.weight]));
}

describe('request routing', () => {
  test('all to v1: every request to reviews reaches v1 pods only, whoever sends it', () => {
    expect(shares(route('routing-all-v1', 'reviews'))).toEqual({ v1: 100 });
    expect(shares(route('routing-all-v1', 'reviews', { headers: JASON }))).toEqual({ v1: 100 });
    expect(route('routing-all-v1', 'reviews').destinations[0].workloads).toEqual(['Deployment routing-all-v1/reviews-v1']);
  });

  test('by user identity: jason gets v2, everyone else v1', () => {
    expect(shares(route('routing-test-user', 'reviews', { headers: JASON }))).toEqual({ v2: 100 });
    expect(shares(route('routing-test-user', 'reviews', { headers: { 'end-user': 'alice' } }))).toEqual({ v1: 100 });
    expect(shares(route('routing-test-user', 'reviews'))).toEqual({ v1: 100 });
  });
});

describe('fault injection', () => {
  test("a 7 s delay on jason's calls to ratings only", () => {
    expect(route('fault-delay', 'ratings', { headers: JASON }).fault).toEqual({ delay: { fixedDelay: '7s', percentage: { value: 100 } } });
    expect(route('fault-delay', 'ratings').fault).toBeUndefined();
    expect(shares(route('fault-delay', 'ratings'))).toEqual({ v1: 100 });
  });

  test("an HTTP 500 abort on jason's calls to ratings only", () => {
    expect(route('fault-abort', 'ratings', { headers: JASON }).fault).toEqual({ abort: { httpStatus: 500, percentage: { value: 100 } } });
    expect(route('fault-abort', 'ratings', { headers: { 'end-user': 'alice' } }).fault).toBeUndefined();
  });
});

describe('traffic shifting', () => {
  test.each([
    ['shift-90-10', { v1: 90, v3: 10 }],
    ['shift-50-50', { v1: 50, v3: 50 }],
    ['shift-all-v3', { v1: 0, v3: 100 }],
  ])('%s: reviews traffic split by version', (namespace, expected) => {
    expect(shares(route(namespace, 'reviews'))).toEqual(expected);
    expect(shares(route(namespace, 'reviews', { headers: JASON }))).toEqual(expected);
  });
});

test('request timeouts: reviews v2 within 0.5 s, ratings slowed down by 2 s', () => {
  const reviews = route('timeouts', 'reviews');
  expect(shares(reviews)).toEqual({ v2: 100 });
  expect(reviews.timeout).toBe('500ms');
  expect(route('timeouts', 'ratings').fault).toEqual({ delay: { fixedDelay: '2s', percentage: { value: 100 } } });
});

test('circuit breaking: one connection, one pending request, ejection after one 5xx', () => {
  const dr = objects.find((o: any) => o.kind === 'DestinationRule' && o.metadata.namespace === 'circuit-breaking') as any;
  expect(dr.spec.trafficPolicy.connectionPool).toEqual({
    tcp: { maxConnections: 1 },
    http: { http1MaxPendingRequests: 1, maxRequestsPerConnection: 1 },
  });
  expect(dr.spec.trafficPolicy.outlierDetection).toEqual({ consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '180s', maxEjectionPercent: 100 });
  expect(shares(route('circuit-breaking', 'httpbin'))).toEqual({ '<any>': 100 });
});

test('mirroring: v1 answers, v2 gets a copy of every request', () => {
  const r = route('mirroring', 'httpbin');
  expect(shares(r)).toEqual({ v1: 100 });
  expect(r.mirror?.podLabels?.version).toBe('v2');
  expect(r.mirror?.percent).toBe(100);
});

test('the profile ingress gateway serves the product page on any host, and nothing else', () => {
  const viaGateway = (path: string, host = '203.0.113.7') => resolveRequest(objects, { gateway: 'istio-system/bookinfo-gateway', host, path });
  for (const path of ['/productpage', '/static/app.css', '/login', '/api/v1/products/0']) {
    const r = viaGateway(path);
    expect(r.kind === 'routed' && r.destinations.map((d) => d.workloads)).toEqual([['Deployment routing-test-user/productpage-v1']]);
  }
  expect(viaGateway('/productpage', 'bookinfo.example.com').kind).toBe('routed');
  expect(viaGateway('/admin').kind).toBe('noRoute');
});
