/**
 * ServiceRouting: a service's named versions and its ordered routes. Routing is asserted through
 * test/helpers/route-resolver.ts (which Deployment gets which share of a request, which fault,
 * timeout or mirror applies), not through the shape of the objects, wherever a property can be
 * expressed as a request. The bookinfo `reviews` service and the requests follow Istio's traffic
 * management tasks (request routing, fault injection, traffic shifting, mirroring).
 */
import { ApiObject, App, Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { parseAllDocuments } from 'yaml';
import {
  CanaryRelease, ClientTlsMode, IMeshInstallation, IngressGateway, LoadBalancerPolicy, MeshInstallation, PathMatch, ReleaseStrategy, ReleaseWorkload,
  RequestMatch, RouteDestination, RoutedService, RouteTo, ServiceRouteOptions, ServiceRouting, ServiceRoutingProps,
} from '../lib';
import { expectIstioctlAccepts, expectSchemaValid } from './helpers/conformance';
import { resolveRequest, RouteRequest, RoutedResult, semanticRouting } from './helpers/route-resolver';

// ---------------------------------------------------------------------------------------------
// GIVEN steps and lookups
// ---------------------------------------------------------------------------------------------

interface Bookinfo {
  readonly app: App;
  readonly mesh: IMeshInstallation;
  readonly chart: Chart;
  /** Service `reviews` (port 9080, selector app=reviews) in namespace `bookinfo`. */
  readonly service: kplus.Service;
  /** Deployment `reviews-<version>` per version, pods labelled app=reviews only. */
  readonly workloads: { [version: string]: kplus.Deployment };
}

/** An app with the mesh installed elsewhere and a `bookinfo` chart: the reviews Service and one Deployment per version. */
function bookinfo(versions: string[] = ['v1', 'v2', 'v3']): Bookinfo {
  const app = Testing.app();
  const mesh = MeshInstallation.fromExisting(new Chart(app, 'mesh'), 'Mesh');
  const chart = new Chart(app, 'bookinfo', { namespace: 'bookinfo' });
  const workloads = Object.fromEntries(versions.map((v) => [v, reviews(chart, v)]));
  const service = new kplus.Service(chart, 'ReviewsService', {
    metadata: { name: 'reviews' },
    selector: kplus.Pods.select(chart, 'ReviewsPods', { labels: { app: 'reviews' } }),
    ports: [{ name: 'http', port: 9080, targetPort: 9080 }],
  });
  return { app, mesh, chart, service, workloads };
}

/** Deployment `reviews-<version>`, pods labelled app=reviews plus `labels`. */
function reviews(scope: Construct, version: string, labels: { [key: string]: string } = {}, namespace?: string): kplus.Deployment {
  return new kplus.Deployment(scope, `Reviews${version.toUpperCase()}`, {
    metadata: { name: `reviews-${version}`, namespace },
    podMetadata: { labels: { app: 'reviews', ...labels } },
    containers: [{ name: 'reviews', image: `docker.io/istio/examples-bookinfo-reviews-${version}:1.20.3`, portNumber: 9080 }],
  });
}

/** ServiceRouting `Reviews` of the reviews Service: one version per workload of the fixture, and `routes`. */
function routeReviews(f: Bookinfo, routes: ServiceRouteOptions[], props: Partial<ServiceRoutingProps> = {}): ServiceRouting {
  return new ServiceRouting(f.chart, 'Reviews', {
    service: RoutedService.fromService(f.service),
    mesh: f.mesh,
    versions: Object.entries(f.workloads).map(([name, workload]) => ({ name, workload })),
    routes,
    ...props,
  });
}

/** Every object of the app, as `cdk8s synth` writes them (validations run). */
function synth(app: App): any[] {
  return parseAllDocuments(app.synthYaml()).map((d) => d.toJS()).filter((o) => o);
}

/** A request from a pod of namespace bookinfo to `reviews`, with `request` on top. */
function meshRequest(request: Partial<RouteRequest> = {}): RouteRequest {
  return { gateway: 'mesh', host: 'reviews', sourceNamespace: 'bookinfo', ...request };
}

const GATEWAY = 'istio-ingress/public';
const HOST = 'bookinfo.example.com';

/** A request entering by the public gateway for the bookinfo host. */
function gatewayRequest(request: Partial<RouteRequest> = {}): RouteRequest {
  return { gateway: GATEWAY, host: HOST, ...request };
}

const jason = { headers: { 'end-user': 'jason' } };

/** The routed result of `request`; throws when it is not routed. */
function routed(objects: any[], request: RouteRequest): RoutedResult {
  const result = resolveRequest(objects, request);
  if (result.kind !== 'routed') throw new Error(`${JSON.stringify(request)} is not routed: ${JSON.stringify(result)}`);
  return result;
}

/** Share of `request` per Deployment that receives it, e.g. `{ 'reviews-v1': 90, 'reviews-v3': 10 }`. */
function shares(objects: any[], request: RouteRequest = meshRequest()): { [deployment: string]: number } {
  return Object.fromEntries(routed(objects, request).destinations.map((d) => [
    d.workloads.map((w) => w.split('/')[1]).join('+') || `<no pod of ${d.host} ${JSON.stringify(d.podLabels)}>`, d.weight,
  ]));
}

/** The Deployments that receive mirrored copies of `request`, with the mirrored percentage. */
function mirrors(objects: any[], request: RouteRequest): { [deployment: string]: number } {
  const r = routed(objects, request);
  return Object.fromEntries([...r.mirror ? [r.mirror] : [], ...r.mirrors ?? []].map((m) => [m.workloads.map((w) => w.split('/')[1]).join('+'), m.percent]));
}

/** The object of `kind` named `name` (in `namespace` when given); throws with the inventory if absent. */
function find(objects: any[], kind: string, name: string, namespace?: string): any {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  if (!found) throw new Error(`no ${kind}/${name} in [${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}]`);
  return found;
}

/** `Kind/namespace/name` of every Istio routing object. */
function routingObjects(objects: any[]): string[] {
  return objects.filter((o) => o.kind === 'VirtualService' || o.kind === 'DestinationRule').map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`);
}

/** A regex matching the line `text` exactly, in a multi-line message (cdk8s indents validation errors). */
function line(text: string): RegExp {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm');
}

/** The public ingress gateway (istio-ingress/public) serving bookinfo.example.com, in chart `edge`. */
function publicGateway(f: Bookinfo): IngressGateway {
  const gateway = new IngressGateway(new Chart(f.app, 'edge'), 'Public', { mesh: f.mesh, namespace: 'istio-ingress', name: 'public' });
  gateway.addHost(HOST);
  return gateway;
}

/** A static-weight CanaryRelease of reviews: stable reviews-v1 (version v1), canary reviews-v2 (version v2) at `canaryWeight`. */
function release(f: Bookinfo, canaryWeight = 20, props: object = {}): CanaryRelease {
  return new CanaryRelease(f.chart, 'Release', {
    service: f.service,
    mesh: f.mesh,
    stable: ReleaseWorkload.fromDeployment(f.workloads.v1),
    canary: ReleaseWorkload.fromDeployment(f.workloads.v2),
    strategy: ReleaseStrategy.staticWeight(canaryWeight),
    printPlan: false,
    ...props,
  });
}

/** bookinfo where reviews v1 and v2 carry their version labels (a CanaryRelease reads them) and v3 does not. */
function bookinfoForRelease(): Bookinfo {
  const f = bookinfo([]);
  return { ...f, workloads: { v1: reviews(f.chart, 'v1', { version: 'v1' }), v2: reviews(f.chart, 'v2', { version: 'v2' }), v3: reviews(f.chart, 'v3') } };
}

// ---------------------------------------------------------------------------------------------
// Istio task "Request routing": https://istio.io/latest/docs/tasks/traffic-management/request-routing/
// ---------------------------------------------------------------------------------------------

describe('request routing (Istio task)', () => {
  test('defaults: snapshot of a service with one version', () => {
    // GIVEN
    const f = bookinfo(['v1']);

    // WHEN
    routeReviews(f, [{ to: RouteTo.version('v1') }]);

    // THEN
    expect(Testing.synth(f.chart)).toMatchSnapshot();
  });

  test('one DestinationRule and one mesh VirtualService named after the service, in its namespace', () => {
    // GIVEN
    const f = bookinfo(['v1']);

    // WHEN
    routeReviews(f, [{ to: RouteTo.version('v1') }]);

    // THEN
    expect(routingObjects(synth(f.app))).toEqual(['DestinationRule/bookinfo/reviews', 'VirtualService/bookinfo/reviews']);
  });

  test.each([
    ['no header', {}],
    ['the test user', jason],
    ['another user', { headers: { 'end-user': 'bob' } }],
  ])('all traffic to v1 (the only version): %s reaches reviews-v1 only', (_who, request) => {
    // GIVEN
    const f = bookinfo(['v1']);

    // WHEN
    routeReviews(f, [{ to: RouteTo.version('v1') }]);

    // THEN
    expect(shares(synth(f.app), meshRequest(request))).toEqual({ 'reviews-v1': 100 });
  });

  test('the test user (end-user: jason) reaches reviews-v2', () => {
    // GIVEN
    const f = bookinfo(['v1', 'v2']);

    // WHEN
    routeReviews(f, [
      { name: 'jason', matches: [RequestMatch.headerExact('end-user', 'jason')], to: RouteTo.version('v2') },
      { to: RouteTo.version('v1') },
    ]);

    // THEN
    expect(shares(synth(f.app), meshRequest(jason))).toEqual({ 'reviews-v2': 100 });
  });

  test.each([
    ['no end-user header', {}],
    ['another user', { 'end-user': 'bob' }],
    ['a user whose name only starts with jason', { 'end-user': 'jasonx' }],
    ['the name in another case (header values are case-sensitive)', { 'end-user': 'Jason' }],
  ])('everyone else reaches reviews-v1: %s', (_who, headers) => {
    // GIVEN
    const f = bookinfo(['v1', 'v2']);

    // WHEN
    routeReviews(f, [
      { name: 'jason', matches: [RequestMatch.headerExact('end-user', 'jason')], to: RouteTo.version('v2') },
      { to: RouteTo.version('v1') },
    ]);

    // THEN
    expect(shares(synth(f.app), meshRequest({ headers }))).toEqual({ 'reviews-v1': 100 });
  });

  test('header names are case-insensitive: RequestMatch.headerExact(\'End-User\', ...) matches end-user', () => {
    // GIVEN
    const f = bookinfo(['v1', 'v2']);

    // WHEN
    routeReviews(f, [{ matches: [RequestMatch.headerExact('End-User', 'jason')], to: RouteTo.version('v2') }, { to: RouteTo.version('v1') }]);

    // THEN
    expect(shares(synth(f.app), meshRequest(jason))).toEqual({ 'reviews-v2': 100 });
  });

  test.each([
    ['jason', { 'end-user': 'jason' }, { 'reviews-v2': 100 }],
    ['header x', { x: 'on' }, { 'reviews-v3': 100 }],
    ['jason with header x (the first route wins)', { 'end-user': 'jason', 'x': 'on' }, { 'reviews-v2': 100 }],
    ['anyone else', {}, { 'reviews-v1': 100 }],
  ])('three versions at once: %s', (_who, headers, expected) => {
    // GIVEN
    const f = bookinfo();

    // WHEN
    routeReviews(f, [
      { name: 'jason', matches: [RequestMatch.headerExact('end-user', 'jason')], to: RouteTo.version('v2') },
      { name: 'x', matches: [RequestMatch.headerExact('x', 'on')], to: RouteTo.version('v3') },
      { name: 'rest', to: RouteTo.version('v1') },
    ]);

    // THEN
    expect(shares(synth(f.app), meshRequest({ headers }))).toEqual(expected);
  });

  test('several matches of one route are alternatives (OR)', () => {
    // GIVEN
    const f = bookinfo(['v1', 'v2']);

    // WHEN
    routeReviews(f, [
      { matches: [RequestMatch.headerExact('end-user', 'jason'), RequestMatch.cookie('beta', 'on')], to: RouteTo.version('v2') },
      { to: RouteTo.version('v1') },
    ]);
    const objects = synth(f.app);

    // THEN
    expect([shares(objects, meshRequest(jason)), shares(objects, meshRequest({ headers: { cookie: 'a=1; beta=on' } }))])
      .toEqual([{ 'reviews-v2': 100 }, { 'reviews-v2': 100 }]);
  });

  test('RequestMatch.allOf needs every condition (AND)', () => {
    // GIVEN
    const f = bookinfo(['v1', 'v2']);

    // WHEN
    routeReviews(f, [
      { matches: [RequestMatch.allOf([RequestMatch.headerExact('end-user', 'jason'), RequestMatch.pathPrefix('/reviews/'), RequestMatch.method('GET')])], to: RouteTo.version('v2') },
      { to: RouteTo.version('v1') },
    ]);
    const objects = synth(f.app);

    // THEN
    expect([
      shares(objects, meshRequest({ ...jason, path: '/reviews/1' })),
      shares(objects, meshRequest({ ...jason, path: '/reviews/1', method: 'POST' })),
      shares(objects, meshRequest({ ...jason, path: '/ratings/1' })),
      shares(objects, meshRequest({ path: '/reviews/1' })),
    ]).toEqual([{ 'reviews-v2': 100 }, { 'reviews-v1': 100 }, { 'reviews-v1': 100 }, { 'reviews-v1': 100 }]);
  });

  test('query parameters, source labels and source namespaces route too', () => {
    // GIVEN
    const f = bookinfo();

    // WHEN
    routeReviews(f, [
      { matches: [RequestMatch.queryParamExact('preview', 'true')], to: RouteTo.version('v2') },
      { matches: [RequestMatch.sourceLabels({ app: 'qa-bot' }), RequestMatch.sourceNamespace('qa')], to: RouteTo.version('v3') },
      { to: RouteTo.version('v1') },
    ]);
    const objects = synth(f.app);

    // THEN
    expect([
      shares(objects, meshRequest({ path: '/reviews/1?preview=true' })),
      shares(objects, meshRequest({ sourceLabels: { app: 'qa-bot' } })),
      shares(objects, meshRequest({ host: 'reviews.bookinfo.svc.cluster.local', sourceNamespace: 'qa' })),
      shares(objects, meshRequest({ sourceLabels: { app: 'productpage' } })),
    ]).toEqual([{ 'reviews-v2': 100 }, { 'reviews-v3': 100 }, { 'reviews-v3': 100 }, { 'reviews-v1': 100 }]);
  });

  test('without a catch-all route, a request no route matches gets no route (404), as Istio adds none', () => {
    // GIVEN
    const f = bookinfo(['v1', 'v2']);

    // WHEN
    routeReviews(f, [{ matches: [RequestMatch.headerExact('end-user', 'jason')], to: RouteTo.version('v2') }]);

    // THEN
    expect(resolveRequest(synth(f.app), meshRequest()).kind).toBe('noRoute');
  });

  test('RouteTo.anyVersion() sends to every pod of the service', () => {
    // GIVEN
    const f = bookinfo(['v1', 'v2']);

    // WHEN
    routeReviews(f, [{ to: RouteTo.anyVersion() }]);

    // THEN
    expect(shares(synth(f.app))).toEqual({ 'reviews-v1+reviews-v2': 100 });
  });

  test('the routing objects and the pods pass the Istio CRD schemas and istioctl validate', () => {
    // GIVEN
    const f = bookinfo();

    // WHEN
    routeReviews(f, [
      {
        name: 'jason',
        matches: [RequestMatch.headerExact('end-user', 'jason'), RequestMatch.cookie('user', 'jason')],
        to: RouteTo.version('v2'),
        fault: { delay: Duration.seconds(7), abortHttpStatus: 500, abortPercent: 10 },
        timeout: Duration.seconds(10),
        retries: { attempts: 3, perTryTimeout: Duration.seconds(2), retryOn: ['5xx', 'connect-failure'] },
        requestHeaders: { set: { 'x-test-user': 'true' } },
      },
      { name: 'old', matches: [RequestMatch.pathExact('/old')], redirect: { uri: '/reviews', redirectCode: 302 } },
      { name: 'qa', matches: [RequestMatch.sourceLabels({ app: 'qa' })], to: RouteTo.version('v3'), rewrite: { uri: '/' } },
      {
        name: 'shift',
        to: RouteTo.weights({ v1: 90, v3: 10 }),
        mirror: { version: 'v2', percent: 5 },
        corsPolicy: { allowOrigins: ['https://bookinfo.example.com'], allowMethods: ['GET'], maxAge: Duration.days(1) },
        responseHeaders: { remove: ['x-envoy-upstream-service-time'] },
      },
    ], { trafficPolicy: { loadBalancer: LoadBalancerPolicy.leastRequest(), outlierDetection: { consecutive5xxErrors: 5 } } });
    const objects = synth(f.app);

    // THEN
    expectSchemaValid(objects);
    expectIstioctlAccepts(objects);
  });
});

// ---------------------------------------------------------------------------------------------
// Istio task "Fault injection": https://istio.io/latest/docs/tasks/traffic-management/fault-injection/
// ---------------------------------------------------------------------------------------------

describe('fault injection per match (Istio task)', () => {
  /** jason -> v2 with `fault`, everyone else -> v1. */
  function faultForJason(fault: ServiceRouteOptions['fault']) {
    const f = bookinfo(['v1', 'v2']);
    routeReviews(f, [
      { name: 'jason', matches: [RequestMatch.headerExact('end-user', 'jason')], to: RouteTo.version('v2'), fault },
      { name: 'rest', to: RouteTo.version('v1') },
    ]);
    return synth(f.app);
  }

  test('a 7s delay for every request of jason: jason\'s requests are delayed 7s', () => {
    // WHEN
    const objects = faultForJason({ delay: Duration.seconds(7), delayPercent: 100 });

    // THEN
    expect(semanticRouting(resolveRequest(objects, meshRequest(jason))).fault).toEqual({ delay: { fixedDelay: '7s', percentage: { value: 100 } } });
  });

  test('a 7s delay for jason: requests without the header get no fault', () => {
    // WHEN
    const objects = faultForJason({ delay: Duration.seconds(7), delayPercent: 100 });

    // THEN
    expect(semanticRouting(resolveRequest(objects, meshRequest())).fault).toBeUndefined();
  });

  test('an HTTP 500 abort for jason (percentage defaults to 100): jason\'s requests are aborted with 500', () => {
    // WHEN
    const objects = faultForJason({ abortHttpStatus: 500 });

    // THEN
    expect(semanticRouting(resolveRequest(objects, meshRequest(jason))).fault).toEqual({ abort: { httpStatus: 500, percentage: { value: 100 } } });
  });

  test('an HTTP 500 abort for jason: requests without the header, or another user\'s, get no fault', () => {
    // WHEN
    const objects = faultForJason({ abortHttpStatus: 500 });

    // THEN
    expect([resolveRequest(objects, meshRequest()), resolveRequest(objects, meshRequest({ headers: { 'end-user': 'bob' } }))].map((r) => semanticRouting(r).fault))
      .toEqual([undefined, undefined]);
  });

  test('a fault does not change where the request goes', () => {
    // WHEN
    const objects = faultForJason({ delay: Duration.millis(1500), delayPercent: 50, abortHttpStatus: 503, abortPercent: 0.5 });

    // THEN
    expect(shares(objects, meshRequest(jason))).toEqual({ 'reviews-v2': 100 });
  });

  test('fractions of a percent and milliseconds are kept', () => {
    // WHEN
    const objects = faultForJason({ delay: Duration.millis(1500), delayPercent: 50, abortHttpStatus: 503, abortPercent: 0.5 });

    // THEN
    expect(semanticRouting(resolveRequest(objects, meshRequest(jason))).fault).toEqual({
      delay: { fixedDelay: '1.5s', percentage: { value: 50 } }, abort: { httpStatus: 503, percentage: { value: 0.5 } },
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Istio task "Traffic shifting": https://istio.io/latest/docs/tasks/traffic-management/traffic-shifting/
// ---------------------------------------------------------------------------------------------

describe('traffic shifting by version name (Istio task)', () => {
  test.each([
    [{ v1: 50, v3: 50 }, { 'reviews-v1': 50, 'reviews-v3': 50 }],
    [{ v1: 90, v3: 10 }, { 'reviews-v1': 90, 'reviews-v3': 10 }],
    [{ v3: 10, v1: 90 }, { 'reviews-v1': 90, 'reviews-v3': 10 }],
    [{ v1: 80, v2: 10, v3: 10 }, { 'reviews-v1': 80, 'reviews-v2': 10, 'reviews-v3': 10 }],
    [{ v1: 0, v3: 100 }, { 'reviews-v1': 0, 'reviews-v3': 100 }],
    [{ v3: 100 }, { 'reviews-v3': 100 }],
  ])('RouteTo.weights(%p) gives %p', (weights, expected) => {
    // GIVEN
    const f = bookinfo();

    // WHEN
    routeReviews(f, [{ to: RouteTo.weights(weights) }]);

    // THEN
    expect(shares(synth(f.app))).toEqual(expected);
  });

  test('a weighted route after a match: the test user on v3, everyone else shifted 90/10', () => {
    // GIVEN
    const f = bookinfo();

    // WHEN
    routeReviews(f, [
      { matches: [RequestMatch.headerExact('end-user', 'jason')], to: RouteTo.version('v3') },
      { to: RouteTo.weights({ v1: 90, v3: 10 }) },
    ]);
    const objects = synth(f.app);

    // THEN
    expect([shares(objects, meshRequest(jason)), shares(objects)]).toEqual([{ 'reviews-v3': 100 }, { 'reviews-v1': 90, 'reviews-v3': 10 }]);
  });
});

// ---------------------------------------------------------------------------------------------
// What happens on the way: timeout, retries, mirror, rewrite, redirect, headers, CORS; policies
// ---------------------------------------------------------------------------------------------

describe('route behaviour', () => {
  /** The routing of `request` with one catch-all route to v1 with `options` (reviews v1, v2). */
  function behaviour(options: Partial<ServiceRouteOptions>, request: RouteRequest = meshRequest()) {
    const f = bookinfo(['v1', 'v2']);
    routeReviews(f, [{ to: RouteTo.version('v1'), ...options }]);
    const objects = synth(f.app);
    return { objects, routing: semanticRouting(resolveRequest(objects, request)) };
  }

  test('timeout (Istio task "Request timeouts")', () => {
    expect(behaviour({ timeout: Duration.millis(500) }).routing.timeout).toBe('0.5s');
  });

  test('retries with retryOn and a per-try timeout', () => {
    expect(behaviour({ retries: { attempts: 3, perTryTimeout: Duration.seconds(2), retryOn: ['gateway-error', 'connect-failure', '503'] } }).routing.retries)
      .toEqual({ attempts: 3, perTryTimeout: '2s', retryOn: '503,connect-failure,gateway-error' });
  });

  test('retries can be turned off with 0 attempts', () => {
    expect(behaviour({ retries: { attempts: 0 } }).routing.retries).toEqual({ attempts: 0 });
  });

  test('mirror (Istio task "Mirroring"): 25% of the requests are copied to reviews-v2', () => {
    const { objects } = behaviour({ mirror: { version: 'v2', percent: 25 } });
    expect(mirrors(objects, meshRequest())).toEqual({ 'reviews-v2': 25 });
  });

  test('mirror: the requests themselves still go to reviews-v1 only', () => {
    const { objects } = behaviour({ mirror: { version: 'v2', percent: 25 } });
    expect(shares(objects)).toEqual({ 'reviews-v1': 100 });
  });

  test('mirror without a percentage copies every request', () => {
    const { objects } = behaviour({ mirror: { version: 'v2' } });
    expect(mirrors(objects, meshRequest())).toEqual({ 'reviews-v2': 100 });
  });

  test('mirror of a weighted route, with a fraction of a percent', () => {
    // GIVEN
    const f = bookinfo();

    // WHEN
    routeReviews(f, [{ to: RouteTo.weights({ v1: 90, v3: 10 }), mirror: { version: 'v2', percent: 0.5 } }]);

    // THEN
    expect(mirrors(synth(f.app), meshRequest())).toEqual({ 'reviews-v2': 0.5 });
  });

  test('rewrite of the path and the authority', () => {
    expect(behaviour({ matches: [RequestMatch.pathPrefix('/v1/')], rewrite: { uri: '/', authority: 'reviews.internal' } }, meshRequest({ path: '/v1/reviews' })).routing.rewrite)
      .toEqual({ uri: '/', authority: 'reviews.internal' });
  });

  test('redirect: the proxy answers 302 to the new path and forwards nothing', () => {
    // GIVEN
    const f = bookinfo(['v1']);

    // WHEN
    routeReviews(f, [
      { name: 'moved', matches: [RequestMatch.pathExact('/old')], redirect: { uri: '/reviews', redirectCode: 302 } },
      { to: RouteTo.version('v1') },
    ]);
    const routing = semanticRouting(resolveRequest(synth(f.app), meshRequest({ path: '/old' })));

    // THEN
    expect({ redirect: routing.redirect, destinations: routing.destinations }).toEqual({ redirect: { uri: '/reviews', redirectCode: 302 }, destinations: [] });
  });

  test('request and response header operations', () => {
    expect(behaviour({
      requestHeaders: { set: { 'x-version': 'v1' }, add: { 'x-trace': 'on' }, remove: ['x-debug'] },
      responseHeaders: { remove: ['x-envoy-upstream-service-time'] },
    }).routing.headers).toEqual({
      request: { set: { 'x-version': 'v1' }, add: { 'x-trace': 'on' }, remove: ['x-debug'] },
      response: { remove: ['x-envoy-upstream-service-time'] },
    });
  });

  test('CORS policy', () => {
    expect(behaviour({
      corsPolicy: { allowOrigins: ['https://bookinfo.example.com', '*'], allowMethods: ['GET', 'POST'], allowHeaders: ['x-user'], maxAge: Duration.hours(1) },
    }).routing.corsPolicy).toEqual({
      allowOrigins: [{ exact: 'https://bookinfo.example.com' }, { regex: '.*' }], allowMethods: ['GET', 'POST'], allowHeaders: ['x-user'], maxAge: '3600s',
    });
  });

  test('the behaviour of a route applies to its requests only', () => {
    // GIVEN
    const f = bookinfo(['v1', 'v2']);

    // WHEN
    routeReviews(f, [
      { matches: [RequestMatch.headerExact('end-user', 'jason')], to: RouteTo.version('v2'), timeout: Duration.seconds(1), retries: { attempts: 1 } },
      { to: RouteTo.version('v1') },
    ]);
    const routing = semanticRouting(resolveRequest(synth(f.app), meshRequest()));

    // THEN
    expect([routing.timeout, routing.retries]).toEqual([undefined, undefined]);
  });
});

describe('traffic policies', () => {
  /** reviews v1 and v2 with `props`; the DestinationRule. */
  function destinationRule(props: Partial<ServiceRoutingProps>, versionPolicy?: ServiceRoutingProps['trafficPolicy']) {
    const f = bookinfo(['v1', 'v2']);
    routeReviews(f, [{ to: RouteTo.weights({ v1: 50, v2: 50 }) }], {
      versions: [{ name: 'v1', workload: f.workloads.v1 }, { name: 'v2', workload: f.workloads.v2, trafficPolicy: versionPolicy }],
      ...props,
    });
    return find(synth(f.app), 'DestinationRule', 'reviews');
  }

  test('by default the DestinationRule sends Istio mutual TLS to every version', () => {
    expect(destinationRule({}).spec.trafficPolicy).toEqual({ tls: { mode: 'ISTIO_MUTUAL' } });
  });

  test('a subset per version, selecting the pods by their version label', () => {
    expect(destinationRule({}).spec.subsets).toEqual([{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }]);
  });

  test('the service-level traffic policy is the DestinationRule\'s', () => {
    expect(destinationRule({
      trafficPolicy: {
        connectionPool: { http2MaxRequests: 100 },
        outlierDetection: { consecutive5xxErrors: 7, interval: Duration.seconds(5) },
        loadBalancer: LoadBalancerPolicy.random(),
      },
    }).spec.trafficPolicy).toEqual({
      connectionPool: { http: { http2MaxRequests: 100 } },
      outlierDetection: { consecutive5xxErrors: 7, interval: '5s' },
      loadBalancer: { simple: 'RANDOM' },
      tls: { mode: 'ISTIO_MUTUAL' },
    });
  });

  test('a version\'s traffic policy lands on its subset only', () => {
    const subsets = destinationRule({}, { connectionPool: { maxConnections: 10 }, loadBalancer: LoadBalancerPolicy.consistentHashByHeader('end-user') }).spec.subsets;
    expect(subsets.map((s: any) => [s.name, s.trafficPolicy])).toEqual([
      ['v1', undefined],
      ['v2', { connectionPool: { tcp: { maxConnections: 10 } }, loadBalancer: { consistentHash: { httpHeaderName: 'end-user' } } }],
    ]);
  });

  test('a version\'s traffic policy without TLS leaves the service\'s TLS in force (Istio merges subset policies field by field)', () => {
    // WHEN
    const dr = destinationRule({ trafficPolicy: { tls: ClientTlsMode.DISABLE } }, { connectionPool: { maxConnections: 10 } });

    // THEN
    expect([dr.spec.trafficPolicy.tls, dr.spec.subsets[1].trafficPolicy.tls]).toEqual([{ mode: 'DISABLE' }, undefined]);
  });

  test('a version\'s own TLS setting is written on its subset', () => {
    expect(destinationRule({}, { tls: ClientTlsMode.DISABLE }).spec.subsets[1].trafficPolicy).toEqual({ tls: { mode: 'DISABLE' } });
  });
});

// ---------------------------------------------------------------------------------------------
// Versions from workloads
// ---------------------------------------------------------------------------------------------

describe('versions from workloads', () => {
  test('a cdk8s-plus Deployment without a version label gets it on its pods', () => {
    // GIVEN
    const f = bookinfo(['v1', 'v2']);

    // WHEN
    routeReviews(f, [{ to: RouteTo.weights({ v1: 50, v2: 50 }) }]);
    const objects = synth(f.app);

    // THEN
    expect(['reviews-v1', 'reviews-v2'].map((d) => find(objects, 'Deployment', d).spec.template.metadata.labels.version)).toEqual(['v1', 'v2']);
  });

  test('a version with its own selector labels the workload\'s pods with it, and routes to them', () => {
    // GIVEN
    const f = bookinfo(['v1', 'v2']);

    // WHEN
    routeReviews(f, [{ to: RouteTo.weights({ stable: 70, canary: 30 }) }], {
      versions: [{ name: 'stable', workload: f.workloads.v1, selector: { track: 'stable' } }, { name: 'canary', workload: f.workloads.v2, selector: { track: 'canary' } }],
    });

    // THEN
    expect(shares(synth(f.app))).toEqual({ 'reviews-v1': 70, 'reviews-v2': 30 });
  });

  test('a workload already carrying the version label is used as is', () => {
    // GIVEN
    const f = bookinfo([]);
    const v1 = reviews(f.chart, 'v1', { version: 'v1' });

    // WHEN
    new ServiceRouting(f.chart, 'Reviews', { service: RoutedService.fromService(f.service), versions: [{ name: 'v1', workload: v1 }], routes: [{ to: RouteTo.version('v1') }] });

    // THEN
    expect(shares(synth(f.app))).toEqual({ 'reviews-v1': 100 });
  });

  test('versions of pods outside the app are trusted by selector (a Service of the app without workloads behind it)', () => {
    // GIVEN
    const f = bookinfo([]);

    // WHEN
    new ServiceRouting(f.chart, 'Reviews', { service: RoutedService.fromService(f.service), versions: [{ name: 'v1' }], routes: [{ to: RouteTo.version('v1') }] });

    // THEN
    expect(() => synth(f.app)).not.toThrow();
  });

  test('fails for a workload whose pods the Service does not select', () => {
    // GIVEN
    const f = bookinfo(['v1']);
    const ratings = new kplus.Deployment(f.chart, 'Ratings', {
      metadata: { name: 'ratings-v1' }, podMetadata: { labels: { app: 'ratings' } }, containers: [{ image: 'ratings:1', portNumber: 9080 }],
    });

    // THEN
    expect(() => routeReviews(f, [{ to: RouteTo.version('v1') }], { versions: [{ name: 'v1', workload: ratings }] })).toThrow(new Error(
      '[bookinfo/Reviews] \'versions[0].workload\' Deployment "ratings-v1" runs pods the Service "reviews" does not select (it needs app=reviews); ' +
      'label the pods so the Service sends them requests'));
  });

  test('fails for a workload in another namespace than the Service', () => {
    // GIVEN
    const f = bookinfo([]);
    const v1 = reviews(f.chart, 'v1', {}, 'other');

    // THEN
    expect(() => routeReviews(f, [{ to: RouteTo.version('v1') }], { versions: [{ name: 'v1', workload: v1 }] })).toThrow(new Error(
      '[bookinfo/Reviews] \'versions[0].workload\' Deployment "reviews-v1" is in namespace "other", but Service "reviews" selects pods in namespace ' +
      '"bookinfo" only; run the version\'s workload in namespace "bookinfo"'));
  });

  test('fails for a workload whose pods carry another version label', () => {
    // GIVEN
    const f = bookinfo([]);
    const v1 = reviews(f.chart, 'v1', { version: '1.0.0' });

    // THEN
    expect(() => routeReviews(f, [{ to: RouteTo.version('v1') }], { versions: [{ name: 'v1', workload: v1 }] })).toThrow(new Error(
      '[bookinfo/Reviews] \'versions[0]\' selects pods labelled version=v1, but the pods of Deployment "reviews-v1" are labelled version=1.0.0; ' +
      'label the pods, or give the version a selector their labels satisfy'));
  });

  test('fails for a workload that runs no pods', () => {
    // GIVEN
    const f = bookinfo([]);
    const config = new kplus.ConfigMap(f.chart, 'Config', { metadata: { name: 'reviews-config' } });

    // THEN
    expect(() => routeReviews(f, [{ to: RouteTo.version('v1') }], { versions: [{ name: 'v1', workload: config }] })).toThrow(new Error(
      '[bookinfo/Reviews] \'versions[0].workload\' must be a Deployment, StatefulSet, DaemonSet or Rollout of this app, got ConfigMap "reviews-config"; ' +
      'for pods outside the app give only \'selector\''));
  });

  test('fails at synth when a version\'s selector selects no pod of the workloads behind the Service', () => {
    // GIVEN
    const f = bookinfo(['v1']);
    routeReviews(f, [{ to: RouteTo.weights({ v1: 90, v2: 10 }) }], { versions: [{ name: 'v1', workload: f.workloads.v1 }, { name: 'v2', selector: { version: 'v2' } }] });

    // THEN
    expect(() => f.app.synth()).toThrow(line(
      '[bookinfo/Reviews] version "v2" of service bookinfo/reviews selects pods labelled version=v2, but no pod of the service carries them ' +
      '(Deployment reviews-v1: app=reviews,cdk8s.io/metadata.addr=bookinfo-ReviewsV1-c8ecefbb,version=v1); fix the version\'s selector or the workload\'s labels'));
  });
});

// ---------------------------------------------------------------------------------------------
// One route table per service, whichever constructs route it
// ---------------------------------------------------------------------------------------------

describe('one VirtualService per host across constructs', () => {
  /** ServiceRouting of reviews adding v3 and routing jason -> v2, header x -> v3. */
  function routeTestUsers(f: Bookinfo): ServiceRouting {
    return new ServiceRouting(f.chart, 'TestUsers', {
      service: RoutedService.fromService(f.service),
      versions: [{ name: 'v3', workload: f.workloads.v3 }],
      routes: [
        { name: 'jason', matches: [RequestMatch.headerExact('end-user', 'jason')], to: RouteTo.version('v2') },
        { name: 'x', matches: [RequestMatch.headerExact('x', 'on')], to: RouteTo.version('v3') },
      ],
    });
  }

  test.each([
    ['the release first', true],
    ['the ServiceRouting first', false],
  ])('a ServiceRouting and a CanaryRelease of one service: one VirtualService, one DestinationRule (%s)', (_order, releaseFirst) => {
    // GIVEN
    const f = bookinfoForRelease();

    // WHEN
    if (releaseFirst) release(f);
    routeTestUsers(f);
    if (!releaseFirst) release(f);

    // THEN
    expect(routingObjects(synth(f.app))).toEqual(['DestinationRule/bookinfo/reviews', 'VirtualService/bookinfo/reviews']);
  });

  test.each([
    ['the release first', true],
    ['the ServiceRouting first', false],
  ])('the ServiceRouting\'s header routes come before the release\'s weighted route (%s)', (_order, releaseFirst) => {
    // GIVEN
    const f = bookinfoForRelease();

    // WHEN
    if (releaseFirst) release(f);
    routeTestUsers(f);
    if (!releaseFirst) release(f);
    const objects = synth(f.app);

    // THEN
    expect([shares(objects, meshRequest(jason)), shares(objects, meshRequest({ headers: { x: 'on' } })), shares(objects)])
      .toEqual([{ 'reviews-v2': 100 }, { 'reviews-v3': 100 }, { 'reviews-v1': 80, 'reviews-v2': 20 }]);
  });

  test('a version both constructs declare (same pods) is one subset', () => {
    // GIVEN
    const f = bookinfoForRelease();
    release(f);

    // WHEN
    new ServiceRouting(f.chart, 'TestUsers', {
      service: RoutedService.fromService(f.service),
      versions: [{ name: 'v2', workload: f.workloads.v2, trafficPolicy: { connectionPool: { maxConnections: 5 } } }],
      routes: [{ matches: [RequestMatch.headerExact('end-user', 'jason')], to: RouteTo.version('v2') }],
    });

    // THEN
    expect(find(synth(f.app), 'DestinationRule', 'reviews').spec.subsets).toEqual([
      { name: 'v1', labels: { app: 'reviews', version: 'v1' } },
      { name: 'v2', labels: { app: 'reviews', version: 'v2' }, trafficPolicy: { connectionPool: { tcp: { maxConnections: 5 } } } },
    ]);
  });

  test('fails when two constructs route exactly the same requests, naming both', () => {
    // GIVEN
    const f = bookinfoForRelease();
    release(f, 20, { canaryMatches: [RequestMatch.headerExact('end-user', 'jason')] });

    // THEN
    expect(() => routeTestUsers(f)).toThrow(new Error(
      '[bookinfo/TestUsers] \'routes[0]\' (route "jason" (header end-user exact "jason") of bookinfo/TestUsers) conflicts with route "canary-match-1" ' +
      '(header end-user exact "jason") of bookinfo/Release: both route the same requests of service bookinfo/reviews; keep one of them, or make the matches differ'));
  });

  test('fails when two constructs both route every request (a path prefix "/" is every request)', () => {
    // GIVEN
    const f = bookinfoForRelease();
    release(f);

    // THEN
    expect(() => new ServiceRouting(f.chart, 'Everything', {
      service: RoutedService.fromService(f.service), routes: [{ name: 'all', matches: [RequestMatch.pathPrefix('/')], to: RouteTo.version('v1') }],
    })).toThrow(new Error(
      '[bookinfo/Everything] \'routes[0]\' (route "all" (path prefix "/") of bookinfo/Everything) conflicts with route "primary" (every request) of ' +
      'bookinfo/Release: both route the same requests of service bookinfo/reviews; keep one of them, or make the matches differ'));
  });

  test('each construct\'s routes keep their order when one of them must move before another construct\'s route', () => {
    // GIVEN: A sends x=a... to v2 and the rest to v1; B sends y=1 to v3, then x=ab to v2 (x=ab must come before A's x prefix a)
    const f = bookinfo();
    new ServiceRouting(f.chart, 'A', {
      service: RoutedService.fromService(f.service),
      versions: Object.entries(f.workloads).map(([name, workload]) => ({ name, workload })),
      routes: [{ name: 'a-x', matches: [RequestMatch.headerPrefix('x', 'a')], to: RouteTo.version('v2') }, { name: 'a-rest', to: RouteTo.version('v1') }],
    });
    new ServiceRouting(f.chart, 'B', {
      service: RoutedService.fromService(f.service),
      routes: [{ name: 'b-y', matches: [RequestMatch.headerExact('y', '1')], to: RouteTo.version('v3') }, { name: 'b-x', matches: [RequestMatch.headerExact('x', 'ab')], to: RouteTo.version('v1') }],
    });
    const objects = synth(f.app);

    // THEN: B's first route takes a request both of B's routes match
    expect([
      shares(objects, meshRequest({ headers: { x: 'ab', y: '1' } })),
      shares(objects, meshRequest({ headers: { x: 'ab' } })),
      shares(objects, meshRequest({ headers: { x: 'ac' } })),
    ]).toEqual([{ 'reviews-v3': 100 }, { 'reviews-v1': 100 }, { 'reviews-v2': 100 }]);
  });

  test('fails at synth when the routes of two constructs cannot be ordered (each shadows the other\'s)', () => {
    // GIVEN: A's x prefix a must follow B's x=ab, B's y prefix 1 must follow A's y=1, and each construct keeps its order
    const f = bookinfo();
    new ServiceRouting(f.chart, 'A', {
      service: RoutedService.fromService(f.service),
      versions: Object.entries(f.workloads).map(([name, workload]) => ({ name, workload })),
      routes: [{ name: 'a-x', matches: [RequestMatch.headerPrefix('x', 'a')], to: RouteTo.version('v2') }, { name: 'a-y', matches: [RequestMatch.headerExact('y', '1')], to: RouteTo.version('v1') }],
    });
    new ServiceRouting(f.chart, 'B', {
      service: RoutedService.fromService(f.service),
      routes: [{ name: 'b-y', matches: [RequestMatch.headerPrefix('y', '1')], to: RouteTo.version('v3') }, { name: 'b-x', matches: [RequestMatch.headerExact('x', 'ab')], to: RouteTo.version('v1') }],
    });

    // THEN: a validation error of the table's owner, naming both routes and constructs
    expect(() => f.app.synth()).toThrow(new Error('Validation failed with the following errors:\n' +
      '  [bookinfo/A] route "b-x" (header x exact "ab") of bookinfo/B can never match: route "a-x" (header x prefix "a") of bookinfo/A comes before it ' +
      'and takes every request it would match; give one of them a narrower match'));
  });

  test('fails at synth when a version added to a release\'s service selects no pod of the service', () => {
    // GIVEN
    const f = bookinfoForRelease();
    release(f);
    new ServiceRouting(f.chart, 'TestUsers', {
      service: RoutedService.fromService(f.service),
      versions: [{ name: 'v4', selector: { version: 'v4' } }],
      routes: [{ matches: [RequestMatch.headerExact('end-user', 'jason')], to: RouteTo.version('v4') }],
    });

    // THEN
    expect(() => f.app.synth()).toThrow(line(
      '[bookinfo/TestUsers] version "v4" of service bookinfo/reviews selects pods labelled version=v4, but no pod of the service carries them ' +
      '(Deployment reviews-v1: app=reviews,cdk8s.io/metadata.addr=bookinfo-ReviewsV1-c8ecefbb,version=v1; Deployment reviews-v2: app=reviews,' +
      'cdk8s.io/metadata.addr=bookinfo-ReviewsV2-c813598a,version=v2; Deployment reviews-v3: app=reviews,cdk8s.io/metadata.addr=bookinfo-ReviewsV3-c8e97004); ' +
      'fix the version\'s selector or the workload\'s labels'));
  });

  test('a version that selects no pod is reported once, by the construct that declared it', () => {
    // GIVEN: Reviews routes the service first; TestUsers adds v4, which no pod runs
    const f = bookinfo(['v1']);
    routeReviews(f, [{ to: RouteTo.version('v1') }]);
    new ServiceRouting(f.chart, 'TestUsers', {
      service: RoutedService.fromService(f.service),
      versions: [{ name: 'v4', selector: { version: 'v4' } }],
      routes: [{ matches: [RequestMatch.headerExact('end-user', 'jason')], to: RouteTo.version('v4') }],
    });

    // WHEN
    let message = '';
    try {
      f.app.synth();
    } catch (e) {
      message = (e as Error).message;
    }

    // THEN
    expect(message.split('\n').filter((l) => l.includes('version "v4" of service')).map((l) => l.trim().split(' ')[0])).toEqual(['[bookinfo/TestUsers]']);
  });

  test('unnamed routes of two constructs get distinct names', () => {
    // GIVEN
    const f = bookinfo(['v1', 'v2']);
    routeReviews(f, [{ to: RouteTo.version('v1') }]);

    // WHEN
    const second = new ServiceRouting(f.chart, 'TestUsers', {
      service: RoutedService.fromService(f.service), routes: [{ matches: [RequestMatch.headerExact('end-user', 'jason')], to: RouteTo.version('v2') }],
    });

    // THEN
    expect(second.routes).toEqual(['testusers-route-1']);
  });

  test('fails at synth when a construct routes to a version no construct declares, naming it', () => {
    // GIVEN
    const f = bookinfoForRelease();
    release(f);
    new ServiceRouting(f.chart, 'TestUsers', {
      service: RoutedService.fromService(f.service), routes: [{ matches: [RequestMatch.headerExact('end-user', 'jason')], to: RouteTo.version('v3') }],
    });

    // THEN
    expect(() => f.app.synth()).toThrow(line(
      '[bookinfo/Release] [bookinfo/TestUsers] \'routes[0]\' sends requests to version "v3", which service bookinfo/reviews does not declare ' +
      '(versions: "v1", "v2"); add the version or fix the name'));
  });
});

describe('gateway routes to a routed service', () => {
  /** reviews routed (jason -> v2, qa pods -> v3, the rest 90/10 v1/v3) and the public gateway routing /reviews to the Service. */
  function gatewayToRoutedService(path = PathMatch.prefix('/reviews')) {
    const f = bookinfo();
    routeReviews(f, [
      { name: 'jason', matches: [RequestMatch.headerExact('end-user', 'jason')], to: RouteTo.version('v2'), fault: { delay: Duration.seconds(7) } },
      { name: 'qa', matches: [RequestMatch.sourceLabels({ app: 'qa' })], to: RouteTo.version('v3') },
      { name: 'shift', to: RouteTo.weights({ v1: 90, v3: 10 }) },
    ]);
    publicGateway(f).addRoute(HOST, { to: RouteDestination.fromService(f.service), path });
    return synth(f.app);
  }

  test.each([
    ['the test user', jason],
    ['anyone else', {}],
  ])('gateway requests reach the same versions with the same weights as mesh requests: %s', (_who, request) => {
    // WHEN
    const objects = gatewayToRoutedService();

    // THEN
    expect(shares(objects, gatewayRequest({ path: '/reviews/1', ...request }))).toEqual(shares(objects, meshRequest({ path: '/reviews/1', ...request })));
  });

  test('the weights through the gateway are the table\'s', () => {
    expect(shares(gatewayToRoutedService(), gatewayRequest({ path: '/reviews/1' }))).toEqual({ 'reviews-v1': 90, 'reviews-v3': 10 });
  });

  test('the table\'s faults apply to gateway requests too', () => {
    expect(semanticRouting(resolveRequest(gatewayToRoutedService(), gatewayRequest({ path: '/reviews/1', ...jason }))).fault)
      .toEqual({ delay: { fixedDelay: '7s', percentage: { value: 100 } } });
  });

  test('routes that match on the sender\'s labels are left out at the gateway (only sidecars know the sender)', () => {
    // WHEN
    const objects = gatewayToRoutedService();
    const gatewayVs = objects.find((o) => o.kind === 'VirtualService' && o.spec.gateways?.includes(GATEWAY));

    // THEN
    expect(gatewayVs.spec.http.flatMap((r: any) => r.match ?? []).filter((m: any) => m.sourceLabels)).toEqual([]);
  });

  test('a request from a qa pod reaches v3 in the mesh; the same request through the gateway gets the weights', () => {
    // WHEN
    const objects = gatewayToRoutedService();

    // THEN
    expect([shares(objects, meshRequest({ sourceLabels: { app: 'qa' } })), shares(objects, gatewayRequest({ path: '/reviews/1', sourceLabels: { app: 'qa' } }))])
      .toEqual([{ 'reviews-v3': 100 }, { 'reviews-v1': 90, 'reviews-v3': 10 }]);
  });

  test('the gateway route\'s path is combined with the table\'s matches: the test user outside /reviews is not routed', () => {
    expect(resolveRequest(gatewayToRoutedService(), gatewayRequest({ path: '/ratings/1', ...jason })).kind).toBe('noRoute');
  });

  test('a table route on a path inside the gateway route\'s path keeps its own path at the gateway', () => {
    // GIVEN
    const f = bookinfo();
    routeReviews(f, [{ name: 'v2-api', matches: [RequestMatch.pathPrefix('/reviews/v2/')], to: RouteTo.version('v2') }, { name: 'rest', to: RouteTo.version('v1') }]);
    publicGateway(f).addRoute(HOST, { to: RouteDestination.fromService(f.service), path: PathMatch.prefix('/reviews') });
    const objects = synth(f.app);

    // THEN
    expect([shares(objects, gatewayRequest({ path: '/reviews/v2/1' })), shares(objects, gatewayRequest({ path: '/reviews/1' }))])
      .toEqual([{ 'reviews-v2': 100 }, { 'reviews-v1': 100 }]);
  });

  test('one VirtualService for the host on the gateway', () => {
    expect(gatewayToRoutedService().filter((o) => o.kind === 'VirtualService' && o.spec.gateways?.includes(GATEWAY)).map((o) => o.spec.hosts)).toEqual([[HOST]]);
  });

  test('fails when the gateway route rewrites the path and the service routes by path', () => {
    // GIVEN
    const f = bookinfo();
    routeReviews(f, [{ name: 'v2-api', matches: [RequestMatch.pathPrefix('/v2/')], to: RouteTo.version('v2') }, { name: 'rest', to: RouteTo.version('v1') }]);
    publicGateway(f).addRoute(HOST, { to: RouteDestination.fromService(f.service), path: PathMatch.prefix('/reviews/'), rewrite: { uri: '/' } });

    // THEN
    expect(() => f.app.synth()).toThrow(new Error('Validation failed with the following errors:\n' +
      '  [edge/Public/VirtualServices/bookinfo.example.com] gateway route "prefix-reviews" (prefix "/reviews/") rewrites the path to "/", but route "v2-api" of service bookinfo/reviews ' +
      '(bookinfo/Reviews) matches on the path (path prefix "/v2/"), which the gateway would test before the rewrite and the mesh after it; ' +
      'drop the rewrite and match the full path at the gateway, or route the service by headers'));
  });

  test('a gateway route with a rewrite to a service routed by headers only is combined as usual', () => {
    // GIVEN
    const f = bookinfo(['v1', 'v2']);
    routeReviews(f, [{ matches: [RequestMatch.headerExact('end-user', 'jason')], to: RouteTo.version('v2') }, { to: RouteTo.version('v1') }]);
    publicGateway(f).addRoute(HOST, { to: RouteDestination.fromService(f.service), path: PathMatch.prefix('/reviews/'), rewrite: { uri: '/' } });

    // THEN
    expect(shares(synth(f.app), gatewayRequest({ path: '/reviews/1', ...jason }))).toEqual({ 'reviews-v2': 100 });
  });
});

describe('a CanaryRelease bound to the gateway and an IngressGateway route for the same host', () => {
  /** The release of reviews bound to the public gateway's host, with a canary match for jason, and the gateway routing `path` to reviews. */
  function bindingAndRoute(path?: PathMatch) {
    const f = bookinfoForRelease();
    const gateway = publicGateway(f);
    release(f, 20, { gateway: { gateway: GATEWAY, hosts: [HOST] }, canaryMatches: [RequestMatch.headerExact('end-user', 'jason')] });
    gateway.addRoute(HOST, { to: RouteDestination.fromService(f.service), path });
    return f;
  }

  test('one VirtualService for the host on the gateway', () => {
    expect(synth(bindingAndRoute(PathMatch.prefix('/api')).app).filter((o) => o.kind === 'VirtualService' && o.spec.gateways?.includes(GATEWAY)).length).toBe(1);
  });

  test.each([
    ['/api/1', {}, { 'reviews-v1': 80, 'reviews-v2': 20 }],
    ['/api/1', jason, { 'reviews-v2': 100 }],
    ['/other', {}, { 'reviews-v1': 80, 'reviews-v2': 20 }],
    ['/other', jason, { 'reviews-v2': 100 }],
  ])('gateway request %s %p goes through the release\'s routes', (path, request, expected) => {
    expect(shares(synth(bindingAndRoute(PathMatch.prefix('/api')).app), gatewayRequest({ path, ...request }))).toEqual(expected);
  });

  test('fails when both are catch-alls for the host, naming both and how to fix it', () => {
    expect(() => bindingAndRoute()).toThrow(new Error(
      '[edge/Public] host "bookinfo.example.com" on gateway istio-ingress/public is already routed for prefix "/" by bookinfo/Release (remove the ' +
      '\'gateway\' binding of CanaryRelease bookinfo/Release (a gateway route to the service already goes through its versions)); one host has one ' +
      'VirtualService, so each request must have one route: remove the route of IngressGateway edge/Public, or make the matches differ'));
  });
});

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

describe('validation', () => {
  /** ServiceRouting of reviews (versions v1, v3) with `routes`. */
  function routing(routes: ServiceRouteOptions[]) {
    const f = bookinfo(['v1', 'v3']);
    return () => routeReviews(f, routes);
  }
  const header = (name: string, value: string) => RequestMatch.headerExact(name, value);

  test.each([
    ['not summing to 100 (110)', { v1: 90, v3: 20 }, '\'routes[0].to\' weights must sum to 100, got v1: 90, v3: 20 = 110; adjust them so every request has a destination'],
    ['not summing to 100 (99)', { v1: 90, v3: 9 }, '\'routes[0].to\' weights must sum to 100, got v1: 90, v3: 9 = 99; adjust them so every request has a destination'],
    ['not whole', { v1: 89.5, v3: 10.5 }, '\'routes[0].to\' weight of version "v1" must be a whole percentage from 0 to 100, got 89.5'],
    ['given as a string', { v1: '90', v3: 10 }, '\'routes[0].to\' weight of version "v1" must be a whole percentage from 0 to 100, got "90" (string)'],
    ['above 100', { v1: 101, v3: -1 }, '\'routes[0].to\' weight of version "v1" must be a whole percentage from 0 to 100, got 101'],
    ['below 0', { v1: 100, v3: -1 }, '\'routes[0].to\' weight of version "v3" must be a whole percentage from 0 to 100, got -1'],
    ['null', { v1: null, v3: 100 }, '\'routes[0].to\' weight of version "v1" must be a whole percentage from 0 to 100, got null'],
    ['empty', {}, '\'routes[0].to\' RouteTo.weights({}) names no version; give e.g. { v1: 90, v3: 10 }'],
  ])('fails for weights %s', (_what, weights, message) => {
    expect(routing([{ to: RouteTo.weights(weights as any) }])).toThrow(new Error(`[bookinfo/Reviews] ${message}`));
  });

  test('weights at the boundaries (0 and 100) are accepted', () => {
    expect(routing([{ to: RouteTo.weights({ v1: 100, v3: 0 }) }])).not.toThrow();
  });

  test('fails at synth for a route to a version the service does not declare', () => {
    // GIVEN
    const f = bookinfo(['v1', 'v3']);
    routeReviews(f, [{ to: RouteTo.weights({ v1: 90, v2: 10 }) }]);

    // THEN
    expect(() => f.app.synth()).toThrow(line(
      '[bookinfo/Reviews] \'routes[0]\' sends requests to version "v2", which service bookinfo/reviews does not declare (versions: "v1", "v3"); add the version or fix the name'));
  });

  test('fails at synth for a mirror to a version the service does not declare', () => {
    // GIVEN
    const f = bookinfo(['v1', 'v3']);
    routeReviews(f, [{ to: RouteTo.version('v1'), mirror: { version: 'v4' } }]);

    // THEN
    expect(() => f.app.synth()).toThrow(line(
      '[bookinfo/Reviews] \'routes[0]\' sends requests to version "v4", which service bookinfo/reviews does not declare (versions: "v1", "v3"); add the version or fix the name'));
  });

  test('fails at synth for a service without routes', () => {
    // GIVEN
    const f = bookinfo(['v1']);
    routeReviews(f, []);

    // THEN
    expect(() => f.app.synth()).toThrow(line('[bookinfo/Reviews] service bookinfo/reviews has no routes; add one, e.g. addRoute({ to: RouteTo.version(\'v1\') })'));
  });

  test.each([
    ['a catch-all before a header route', [{ to: RouteTo.version('v1') }, { matches: [header('end-user', 'jason')], to: RouteTo.version('v3') }],
      '\'routes[1]\' (route "route-2" (header end-user exact "jason") of bookinfo/Reviews) can never match: route "route-1" (every request) of ' +
      'bookinfo/Reviews comes first and takes every request it would match; put the more specific route first, or remove one'],
    ['a path prefix "/" before a header route', [{ matches: [RequestMatch.pathPrefix('/')], to: RouteTo.version('v1') }, { matches: [header('end-user', 'jason')], to: RouteTo.version('v3') }],
      '\'routes[1]\' (route "route-2" (header end-user exact "jason") of bookinfo/Reviews) can never match: route "route-1" (path prefix "/") of ' +
      'bookinfo/Reviews comes first and takes every request it would match; put the more specific route first, or remove one'],
    ['a prefix before a longer prefix', [{ matches: [RequestMatch.pathPrefix('/api')], to: RouteTo.version('v1') }, { matches: [RequestMatch.pathPrefix('/api/v3')], to: RouteTo.version('v3') }],
      '\'routes[1]\' (route "route-2" (path prefix "/api/v3") of bookinfo/Reviews) can never match: route "route-1" (path prefix "/api") of ' +
      'bookinfo/Reviews comes first and takes every request it would match; put the more specific route first, or remove one'],
    ['a duplicate route name', [{ name: 'jason', matches: [header('end-user', 'jason')], to: RouteTo.version('v3') }, { name: 'jason', to: RouteTo.version('v1') }],
      '\'routes[1]\' name "jason" is already the name of route "jason" (header end-user exact "jason") of bookinfo/Reviews; give the route another name'],
  ])('fails for %s', (_what, routes: ServiceRouteOptions[], message) => {
    expect(routing(routes)).toThrow(new Error(`[bookinfo/Reviews] ${message}`));
  });

  test.each([
    ['a lookahead in a header regex', RequestMatch.headerRegex('end-user', 'jason(?=x)'),
      '\'routes[0].matches[0]\' header "end-user" regex "jason(?=x)" is not an RE2 regular expression (invalid or unsupported Perl syntax: `(?=`); ' +
      'Envoy matches with RE2: no lookarounds or backreferences, escape literal characters such as ( [ . with \\'],
    ['a lookahead in a path regex', RequestMatch.pathRegex('/reviews/(?=x).*'),
      '\'routes[0].matches[0]\' path regex "/reviews/(?=x).*" is not an RE2 regular expression (invalid or unsupported Perl syntax: `(?=`); ' +
      'Envoy matches with RE2: no lookarounds or backreferences, escape literal characters such as ( [ . with \\'],
    ['a backreference in a query parameter regex', RequestMatch.queryParamRegex('q', '(a)\\1'),
      '\'routes[0].matches[0]\' query parameter "q" regex "(a)\\\\1" is not an RE2 regular expression (invalid escape sequence: `\\1`); ' +
      'Envoy matches with RE2: no lookarounds or backreferences, escape literal characters such as ( [ . with \\'],
    ['a header value with a newline', RequestMatch.headerExact('end-user', 'jason\nx'),
      '\'routes[0].matches[0]\' value of header "end-user" "jason\\nx" contains a control character (newline, tab, NUL); HTTP header and path values ' +
      'cannot carry them, so the match could never hold: remove it'],
    ['a cookie value with ";"', RequestMatch.cookie('user', 'jason;admin'),
      '\'routes[0].matches[0]\' cookie value "jason;admin" for cookie "user" cannot be sent by a browser (RFC 6265: non-empty, no \';\', \',\', spaces, ' +
      'quotes or backslashes); use the value exactly as the cookie carries it, e.g. "checkout-v2"'],
    ['a lower-case method', RequestMatch.method('get'), '\'routes[0].matches[0]\' method must be an upper-case HTTP method such as "GET", got "get"'],
    ['a path without a leading slash', RequestMatch.pathPrefix('api'), '\'routes[0].matches[0]\' path "api" must start with \'/\' and contain no spaces, e.g. "/api/"'],
    ['an empty allOf', RequestMatch.allOf([]),
      '\'routes[0].matches[0]\' is an empty match (RequestMatch.allOf([])), which would match every request; give at least one condition, or leave the ' +
      'matches out to match every request'],
  ])('fails for %s', (_what, match, message) => {
    expect(routing([{ matches: [match], to: RouteTo.version('v3') }, { to: RouteTo.version('v1') }])).toThrow(new Error(`[bookinfo/Reviews] ${message}`));
  });

  test.each([
    ['an unknown Envoy retry condition', { to: RouteTo.version('v1'), retries: { attempts: 2, retryOn: ['5xx', 'on-error'] } },
      '\'routes[0].retries.retryOn[1]\' must be an Envoy retry condition (5xx, gateway-error, reset, reset-before-request, connect-failure, ' +
      'envoy-ratelimited, retriable-4xx, refused-stream, retriable-status-codes, retriable-headers, http3-post-connect-failure, cancelled, ' +
      'deadline-exceeded, internal, resource-exhausted, unavailable) or an HTTP status code such as "503", got "on-error"'],
    ['both \'to\' and \'redirect\'', { to: RouteTo.version('v1'), redirect: { uri: '/new' } },
      '\'routes[0]\' sets both \'to\' and \'redirect\'; a redirected request is not forwarded: keep one'],
    ['neither \'to\' nor \'redirect\'', {},
      '\'routes[0].to\' is required: say where the requests go, e.g. to: RouteTo.version(\'v1\') (or answer them with \'redirect\')'],
    ['a redirect with a timeout', { redirect: { uri: '/new' }, timeout: Duration.seconds(1) },
      '\'routes[0]\' redirects, so \'timeout\' would never apply; remove it'],
    ['a redirect code that is not a redirect', { redirect: { uri: '/new', redirectCode: 200 } },
      '\'routes[0].redirect.redirectCode\' must be one of 301, 302, 303, 307, 308, got 200'],
    ['a mirror to the version that gets every request', { to: RouteTo.version('v1'), mirror: { version: 'v1' } },
      '\'routes[0].mirror\' copies requests to version "v1", which already receives them all; mirror to another version'],
    ['a mirror of 0%', { to: RouteTo.version('v1'), mirror: { version: 'v3', percent: 0 } },
      '\'routes[0].mirror.percent\' is 0, which mirrors nothing; omit \'mirror\' or give a percentage above 0'],
    ['a mirror above 100%', { to: RouteTo.version('v1'), mirror: { version: 'v3', percent: 100.5 } },
      '\'routes[0].mirror.percent\' must be a percentage between 0 and 100, got 100.5'],
    ['a fault that injects nothing', { to: RouteTo.version('v1'), fault: {} },
      '\'routes[0].fault\' injects nothing; give \'delay\' and/or \'abortHttpStatus\', or omit \'routes[0].fault\''],
    ['a rewrite without a path or an authority', { to: RouteTo.version('v1'), rewrite: {} },
      '\'routes[0].rewrite\' must set \'uri\' or \'authority\'; omit \'routes[0].rewrite\' to forward requests unchanged'],
    ['a rewrite path given as a number', { to: RouteTo.version('v1'), rewrite: { uri: 2 } },
      '\'routes[0].rewrite.uri\' must start with \'/\' and contain no spaces, such as "/v2/", got 2 (number)'],
    ['a redirect to a path without a leading slash', { redirect: { uri: 'new' } },
      '\'routes[0].redirect.uri\' must start with \'/\' and contain no spaces, such as "/v2/", got "new"'],
    ['a redirect to an upper-case host', { redirect: { authority: 'Shop.Example.com' } },
      '\'routes[0].redirect.authority\' must be a lowercase host[:port], got "Shop.Example.com"'],
    ['a redirect without a path or an authority', { redirect: {} },
      '\'routes[0].redirect\' must set \'uri\' or \'authority\'; a redirect to the same place loops'],
    ['\'to\' given as a string', { to: 'v1' },
      '\'routes[0].to\' must be a RouteTo (RouteTo.version(\'v1\'), RouteTo.weights({ v1: 90, v2: 10 }) or RouteTo.anyVersion()), got "v1"'],
    ['RouteTo.version() without a name', { to: RouteTo.version(undefined as any) },
      '\'routes[0].to\' RouteTo.version() needs a version name such as "v1", got undefined'],
    ['a route name that is not a DNS label', { name: 'Jason Route', to: RouteTo.version('v1') },
      '\'routes[0].name\' must be a DNS-1123 label (lowercase letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters) such as "payments", got "Jason Route"'],
  ])('fails for %s', (_what, route, message) => {
    expect(routing([route as ServiceRouteOptions])).toThrow(new Error(`[bookinfo/Reviews] ${message}`));
  });

  test('fails for \'service\' given as a string', () => {
    const f = bookinfo(['v1']);
    expect(() => new ServiceRouting(f.chart, 'Reviews', { service: 'reviews' as any })).toThrow(new Error(
      '[bookinfo/Reviews] \'service\' must be a RoutedService (RoutedService.fromService(service) or RoutedService.fromName(name, namespace, port)), got "reviews" (string); ' +
      'e.g. RoutedService.fromService(apiService)'));
  });

  test.each([
    ['a null name', [{ name: null }],
      '\'versions[0].name\' must be a DNS-1123 label (lowercase letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters) such as "payments", got null'],
    ['a name that is not a DNS label', [{ name: 'V1.0' }],
      '\'versions[0].name\' must be a DNS-1123 label (lowercase letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters) such as "payments", got "V1.0"'],
    ['a null version', [null], '\'versions[0]\' must be a version object such as { name: \'v1\' }, got null'],
    ['an empty selector', [{ name: 'v1', selector: {} }], '\'versions[0].selector\' must be a non-empty object of pod labels, e.g. { version: \'v2\' }, got {} (object)'],
    ['a selector value that is not a label value', [{ name: 'v1', selector: { version: '1.0 beta' } }],
      '\'versions[0].selector.version\' must be a label value (at most 63 letters, digits, \'-\', \'_\' or \'.\', starting and ending with a letter or digit), ' +
      'got "1.0 beta"; use a label value: letters, digits, -, _ and . (at most 63)'],
    ['the same version twice with different pods', [{ name: 'v1' }, { name: 'v1', selector: { track: 'stable' } }],
      'version "v1" of service bookinfo/reviews is already declared by bookinfo/Reviews (pods labelled version=v1), here as pods labelled ' +
      'track=stable; give the versions different names, or declare it once'],
  ])('fails for a version with %s', (_what, versions, message) => {
    const f = bookinfo([]);
    expect(() => new ServiceRouting(f.chart, 'Reviews', { service: RoutedService.fromService(f.service), versions: versions as any }))
      .toThrow(new Error(`[bookinfo/Reviews] ${message}`));
  });

  test('fails when another construct declares the same version with other pods', () => {
    // GIVEN
    const f = bookinfoForRelease();
    release(f);

    // THEN
    expect(() => new ServiceRouting(f.chart, 'TestUsers', { service: RoutedService.fromService(f.service), versions: [{ name: 'v2', selector: { track: 'canary' } }] }))
      .toThrow(new Error('[bookinfo/TestUsers] version "v2" of service bookinfo/reviews is already declared by bookinfo/Release (pods labelled ' +
        'app=reviews,version=v2), here as pods labelled track=canary; give the versions different names, or declare it once'));
  });

  test('fails when two constructs set the service\'s traffic policy', () => {
    // GIVEN
    const f = bookinfo(['v1', 'v3']);
    routeReviews(f, [{ to: RouteTo.version('v1') }], { trafficPolicy: { connectionPool: { maxConnections: 10 } } });

    // THEN
    expect(() => new ServiceRouting(f.chart, 'Other', {
      service: RoutedService.fromService(f.service), trafficPolicy: { connectionPool: { maxConnections: 20 } },
    })).toThrow(new Error('[bookinfo/Other] \'trafficPolicy\' of service bookinfo/reviews is already set by bookinfo/Reviews; a service has one ' +
      'DestinationRule: set the traffic policy in one construct'));
  });
});

// ---------------------------------------------------------------------------------------------
// RoutedService
// ---------------------------------------------------------------------------------------------

describe('RoutedService', () => {
  test('fromService with a cdk8s-plus Service: its name, namespace and only port', () => {
    // GIVEN
    const f = bookinfo(['v1']);

    // WHEN
    const routing = new ServiceRouting(f.chart, 'Reviews', { service: RoutedService.fromService(f.service), versions: [{ name: 'v1' }], routes: [{ to: RouteTo.version('v1') }] });

    // THEN
    expect([routing.serviceName, routing.namespace, routing.port]).toEqual(['reviews', 'bookinfo', 9080]);
  });

  test('fromService with a k8s.KubeService L1: requests reach its pods', () => {
    // GIVEN
    const f = bookinfo([]);
    const ratings = new kplus.Deployment(f.chart, 'RatingsV1', {
      metadata: { name: 'ratings-v1' }, podMetadata: { labels: { app: 'ratings' } }, containers: [{ image: 'ratings:1', portNumber: 9080 }],
    });
    const service = new k8s.KubeService(f.chart, 'Ratings', { metadata: { name: 'ratings' }, spec: { selector: { app: 'ratings' }, ports: [{ name: 'http', port: 9080 }] } });

    // WHEN
    new ServiceRouting(f.chart, 'RatingsRouting', { service: RoutedService.fromService(service), versions: [{ name: 'v1', workload: ratings }], routes: [{ to: RouteTo.version('v1') }] });

    // THEN
    expect(shares(synth(f.app), meshRequest({ host: 'ratings' }))).toEqual({ 'ratings-v1': 100 });
  });

  test('fromService with an ApiObject of another namespace and the port named: the routing objects go to its namespace, routes to its port', () => {
    // GIVEN
    const f = bookinfo([]);
    const details = new ApiObject(f.chart, 'Details', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'details', namespace: 'catalog' },
      spec: { selector: { app: 'details' }, ports: [{ name: 'http', port: 80 }, { name: 'grpc-admin', port: 9000 }] },
    });

    // WHEN
    new ServiceRouting(f.chart, 'DetailsRouting', { service: RoutedService.fromService(details, 80), versions: [{ name: 'v1' }], routes: [{ to: RouteTo.version('v1') }] });
    const vs = find(Testing.synth(f.chart), 'VirtualService', 'details', 'catalog');

    // THEN
    expect(vs.spec.http[0].route).toEqual([{ destination: { host: 'details', subset: 'v1', port: { number: 80 } } }]);
  });

  test.each([
    ['a Service with two ports and no port given', (c: Chart) => RoutedService.fromService(twoPorts(c)),
      '\'port\' is required: Service "details" has ports 80, 8443; name the HTTP port to route, e.g. RoutedService.fromService(service, 80)'],
    ['a port the Service does not have', (c: Chart) => RoutedService.fromService(twoPorts(c), 81),
      '\'port\' 81 is not a port of Service "details" (ports: 80, 8443); route one of its ports, or add the port to the Service'],
    ['a port Istio treats as HTTPS', (c: Chart) => RoutedService.fromService(twoPorts(c), 8443),
      'Service "details" port 8443 is named "https", so Istio treats it as HTTPS and HTTP routes would not apply; name it "http" (or "http-...", "grpc-...")'],
    ['a Deployment', (c: Chart) => RoutedService.fromService(reviews(c, 'v1')), '\'service\' must be a Service, got apps/v1 Deployment "reviews-v1"'],
    ['a construct without an API object', (c: Chart) => RoutedService.fromService(new Construct(c, 'Nothing')),
      '\'service\' must be a Service of this app (cdk8s-plus Service, k8s.KubeService or ApiObject), got construct bookinfo/Nothing; for a Service ' +
      'defined elsewhere use RoutedService.fromName(name, namespace, port)'],
    ['a name that is not a DNS label', () => RoutedService.fromName('Reviews', 'bookinfo'),
      '\'service name\' must be a DNS-1123 label (lowercase letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters) such as "payments", got "Reviews"'],
    ['a port out of range', () => RoutedService.fromName('reviews', 'bookinfo', 0), '\'port\' must be an integer between 1 and 65535, got 0'],
  ])('fails for %s', (_what, service, message) => {
    const f = bookinfo([]);
    expect(() => new ServiceRouting(f.chart, 'Reviews', { service: service(f.chart), routes: [{ to: RouteTo.anyVersion() }] }))
      .toThrow(new Error(`[bookinfo/Reviews] ${message}`));
  });

  test('fromName routes a Service outside the app: its selector is unknown, so versions are not checked against pods', () => {
    // GIVEN
    const f = bookinfo(['v1']);

    // WHEN
    new ServiceRouting(f.chart, 'Payments', {
      service: RoutedService.fromName('payments', 'billing', 8080),
      versions: [{ name: 'v1', selector: { track: 'stable' } }, { name: 'v2', selector: { track: 'canary' } }],
      routes: [{ to: RouteTo.weights({ v1: 95, v2: 5 }) }],
    });

    // THEN
    expect(() => synth(f.app)).not.toThrow();
  });

  test('fromName: the routing objects are in the Service\'s namespace and route to the given port', () => {
    // GIVEN
    const f = bookinfo(['v1']);

    // WHEN
    new ServiceRouting(f.chart, 'Payments', {
      service: RoutedService.fromName('payments', 'billing', 8080), versions: [{ name: 'v1', selector: { track: 'stable' } }], routes: [{ to: RouteTo.version('v1') }],
    });
    const objects = synth(f.app);

    // THEN
    expect([routingObjects(objects), find(objects, 'VirtualService', 'payments').spec.http[0].route[0].destination]).toEqual([
      ['DestinationRule/billing/payments', 'VirtualService/billing/payments'],
      { host: 'payments', subset: 'v1', port: { number: 8080 } },
    ]);
  });
});

/** Service `details` (namespace catalog) with ports http 80 and https 8443. */
function twoPorts(chart: Chart): ApiObject {
  return new ApiObject(chart, 'Details', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'details', namespace: 'catalog' },
    spec: { selector: { app: 'details' }, ports: [{ name: 'http', port: 80 }, { name: 'https', port: 8443 }] },
  });
}
