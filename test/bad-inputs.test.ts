/**
 * Bad input from the user's side, across the public constructs and value classes: what a
 * JavaScript or Python caller passes (strings for numbers, null, NaN, unicode, YAML-special
 * strings, references to nothing). Each case must end in a MeshValidationError (at construction
 * or synth) that names the construct path, the prop and the value, carries a fix, and leaves the
 * output directory empty; never a TypeError. Values the library accepts must round-trip exactly.
 */
import * as fs from 'fs';
import { App, Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { parseAllDocuments } from 'yaml';
import {
  CanaryRelease, EgressGateway, ExternalHost, GatewayTls, HeaderMatch, IMeshInstallation, IngressGateway,
  LoadBalancerPolicy, MeshInstallation, MeshPeer, MeshProfile, MeshTelemetry, MtlsMode, PathMatch, PolicyEnforcement, PrometheusScraping,
  ReleaseStrategy, ReleaseWorkload, RequestMatch, RouteDestination, RoutedService, RouteTo, ServiceRouting, WorkloadSelector, ZeroTrustNamespace,
} from '../lib';

const x = (v: unknown) => v as any;

interface Ctx {
  readonly app: App;
  readonly chart: Chart;
  readonly mesh: IMeshInstallation;
  readonly shop: ZeroTrustNamespace;
  readonly api: kplus.Deployment;
  readonly apiService: kplus.Service;
}

function context(): Ctx {
  const app = Testing.app();
  const mesh = MeshInstallation.fromExisting(new Chart(app, 'mesh'), 'Mesh');
  const chart = new Chart(app, 'apps', { namespace: 'shop' });
  const shop = new ZeroTrustNamespace(chart, 'Shop', { name: 'shop', mesh });
  const api = new kplus.Deployment(chart, 'Api', {
    metadata: { name: 'api' },
    podMetadata: { labels: { app: 'api', version: 'v1' } },
    containers: [{ image: 'example/api:1', portNumber: 8080 }],
  });
  new kplus.Deployment(chart, 'ApiV2', {
    metadata: { name: 'api-v2' },
    podMetadata: { labels: { app: 'api', version: 'v2' } },
    containers: [{ image: 'example/api:2', portNumber: 8080 }],
  });
  const apiService = new kplus.Service(chart, 'ApiService', { metadata: { name: 'api' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
  apiService.selectLabel('app', 'api');
  return { app, chart, mesh, shop, api, apiService };
}

const sa = MeshPeer.serviceAccount('shop', 'default');
const payments = () => WorkloadSelector.fromLabels({ app: 'api' });
const gateway = (c: Ctx) => new IngressGateway(c.chart, 'Gw', { mesh: c.mesh, namespace: 'shop' });
const routing = (c: Ctx, props: Record<string, unknown> = {}) => new ServiceRouting(c.chart, 'Routing', {
  service: RoutedService.fromService(c.apiService), versions: [{ name: 'v1', selector: { version: 'v1' } }], ...props,
});
const routeWith = (route: Record<string, unknown>) => (c: Ctx) => routing(c, { routes: [{ to: RouteTo.version('v1'), ...route }] });
const canary = (c: Ctx, props: Record<string, unknown>) => new CanaryRelease(c.chart, 'Canary', {
  canary: ReleaseWorkload.fromSelector(WorkloadSelector.fromLabels({ app: 'api', version: 'v2' })),
  stable: ReleaseWorkload.fromSelector(WorkloadSelector.fromLabels({ app: 'api', version: 'v1' })),
  service: c.apiService,
  strategy: ReleaseStrategy.staticWeight(10),
  mesh: c.mesh,
  ...props,
});

/** [what, build, a fragment the message must contain]. */
type Case = [string, (c: Ctx) => unknown, string | RegExp];

const numbers: [string, unknown][] = [['the string "10"', '10'], ['null', null], ['NaN', NaN], ['-1', -1], ['1.5', 1.5], ['Infinity', Infinity]];
/** For optional numbers, null is "not given" (Python's None): the default applies. */
const optionalNumbers = numbers.filter(([, v]) => v !== null);
const names: [string, unknown][] = [['a number', 42], ['null', null], ['an empty string', ''], ['capitals', 'Shop'], ['unicode', 'bütik'], ['a YAML-special word', 'yes ']];

const cases: Case[] = [
  // ---- ZeroTrustNamespace props
  ...names.map(([what, v]): Case => [`ZeroTrustNamespace name: ${what}`, (c) => new ZeroTrustNamespace(c.chart, 'Bad', { name: x(v), mesh: c.mesh }), "'name'"]),
  ['ZeroTrustNamespace without props', (c) => new ZeroTrustNamespace(c.chart, 'Bad', x(undefined)), 'props are required'],
  ['ZeroTrustNamespace mesh: a string', (c) => new ZeroTrustNamespace(c.chart, 'Bad', { name: 'b', mesh: x('istio-system') }), "'mesh' is required"],
  ['ZeroTrustNamespace enforcement: unknown string', (c) => new ZeroTrustNamespace(c.chart, 'Bad', { name: 'b', mesh: c.mesh, enforcement: x('audit') }),
    '\'enforcement\' must be one of PolicyEnforcement.AUDIT, PolicyEnforcement.ENFORCE, got "audit"'],
  ['ZeroTrustNamespace externalNamespaces: a string', (c) => new ZeroTrustNamespace(c.chart, 'Bad', { name: 'b', mesh: c.mesh, externalNamespaces: x('legacy') }),
    "'externalNamespaces'"],
  ['ZeroTrustNamespace externalNamespaces: capitals', (c) => new ZeroTrustNamespace(c.chart, 'Bad', { name: 'b', mesh: c.mesh, externalNamespaces: ['Legacy'] }),
    "'externalNamespaces[0]'"],
  ['ZeroTrustNamespace jwtIssuers: http jwksUri', (c) => new ZeroTrustNamespace(c.chart, 'Bad', {
    name: 'b', mesh: c.mesh, jwtIssuers: [{ issuer: 'https://id.example', jwksUri: 'http://id.example/jwks' }],
  }), "'jwtIssuers[0].jwksUri' must be an https:// URL"],
  ['ZeroTrustNamespace jwtIssuers: issuer null', (c) => new ZeroTrustNamespace(c.chart, 'Bad', {
    name: 'b', mesh: c.mesh, jwtIssuers: [{ issuer: x(null), jwksUri: 'https://id.example/jwks' }],
  }), "'jwtIssuers[0].issuer'"],
  ['ZeroTrustNamespace allowPrometheusScraping: the string "false"', (c) => new ZeroTrustNamespace(c.chart, 'Bad', {
    name: 'b', mesh: c.mesh, allowPrometheusScraping: x('false'),
  }), '\'allowPrometheusScraping\' must be true or false, got "false" (string)'],
  // ---- allowFrom / allowTo / exceptions
  ...numbers.map(([what, v]): Case => [`allowFrom ports: ${what}`, (c) => c.shop.allowFrom(sa, { ports: [x(v)] }), "'ports[0]'"]),
  ['allowFrom ports: a number, not a list', (c) => c.shop.allowFrom(sa, { ports: x(8080) }), "'ports'"],
  ['allowFrom peer: null', (c) => c.shop.allowFrom(x(null)), "'allowFrom' needs a peer"],
  ['allowFrom peer: a string', (c) => c.shop.allowFrom(x('frontend')),
    '\'allowFrom\' needs a peer, got "frontend" (string); use MeshPeer.serviceAccount(), MeshPeer.namespace() or another MeshPeer factory'],
  ['allowFrom to: a label map instead of a selector', (c) => c.shop.allowFrom(sa, { to: x({ app: 'api' }) }), "'to' needs a workload selector"],
  ['allowFrom methods: lower case', (c) => c.shop.allowFrom(sa, { methods: ['get'] }), "'methods[0]'"],
  ['allowFrom methods: null entry', (c) => c.shop.allowFrom(sa, { methods: [x(null)] }), "'methods[0]'"],
  ['allowFrom paths: no leading slash', (c) => c.shop.allowFrom(sa, { paths: ['api/*'] }), "'paths[0]'"],
  ['allowFrom paths: * in the middle', (c) => c.shop.allowFrom(sa, { paths: ['/api/*/items'] }), "'paths[0]'"],
  ['allowFrom paths: a number', (c) => c.shop.allowFrom(sa, { paths: [x(42)] }), "'paths[0]'"],
  ['allowFrom requestPrincipals without issuers', (c) => c.shop.allowFrom(sa, { requestPrincipals: ['https://id/*'] }), 'needs a JWT issuer'],
  ['allowFrom requiredClaims without issuers', (c) => c.shop.allowFrom(sa, { requiredClaims: { groups: 'admin' } }), 'needs a JWT issuer'],
  ['allowFrom port 80 of the Service instead of 8080', (c) => c.shop.allowFrom(sa, { to: payments(), ports: [80] }), 'use 8080'],
  ['allowFrom a service account no workload runs as', (c) => c.shop.allowFrom(MeshPeer.serviceAccount('shop', 'ap1')), 'runs as service account "ap1"'],
  ['allowFrom a namespace the app does not declare', (c) => c.shop.allowFrom(MeshPeer.namespace('frontend')), 'not declared in this app'],
  ['allowTo ports: the string "443"', (c) => c.shop.allowTo(MeshPeer.namespace('kube-system'), { ports: [x('443')] }), "'ports[0]'"],
  ['allowEgressTo: a host name string', (c) => c.shop.allowEgressTo(x('api.example.com')), "'allowEgressTo' needs an ExternalHost, got \"api.example.com\" (string); e.g. ExternalHost.https('api.example.com')"],
  ['allowEgressTo: originateTls without via', (c) => c.shop.allowEgressTo(ExternalHost.https('api.example.com'), { originateTls: true }), "needs 'via'"],
  ['allowEgressTo from: a string', (c) => c.shop.allowEgressTo(ExternalHost.https('api.example.com'), { from: x('api') }), "'allowEgressTo from'"],
  ['addMtlsException mode: the string "STRICT"', (c) => c.shop.addMtlsException({ port: 8080, mode: x('STRICT'), reason: 'r', selector: payments() }),
    "'mtlsExceptions.mode'"],
  ['addMtlsException reason: empty', (c) => c.shop.addMtlsException({ port: 8080, mode: MtlsMode.PERMISSIVE, reason: ' ', selector: payments() }),
    "'mtlsExceptions.reason'"],
  ['addMtlsException port: the string "8080"', (c) => c.shop.addMtlsException({ port: x('8080'), mode: MtlsMode.PERMISSIVE, reason: 'r', selector: payments() }),
    "'mtlsExceptions.port'"],
  ['addMtlsException without selector', (c) => c.shop.addMtlsException(x({ port: 8080, mode: MtlsMode.PERMISSIVE, reason: 'r' })), "needs a 'selector'"],
  // ---- ExternalHost
  ...optionalNumbers.map(([what, v]): Case => [`ExternalHost.https port: ${what}`, (c) => c.shop.allowEgressTo(ExternalHost.https('api.example.com', x(v))),
    "'ExternalHost port'"]),
  ['ExternalHost.https host: a number', (c) => c.shop.allowEgressTo(ExternalHost.https(x(42))), "'ExternalHost host'"],
  ['ExternalHost.https host: a URL', (c) => c.shop.allowEgressTo(ExternalHost.https('https://api.example.com')), "'ExternalHost host'"],
  ['ExternalHost.https host: unicode', (c) => c.shop.allowEgressTo(ExternalHost.https('bücher.example')), "'ExternalHost host'"],
  ['ExternalHost.tcp addresses: not an IP', (c) => c.shop.allowEgressTo(ExternalHost.tcp('db.example', 5432, ['db.example'])), "'ExternalHost addresses[0]'"],
  ['ExternalHost.tcp addresses: a string, not a list', (c) => c.shop.allowEgressTo(ExternalHost.tcp('db.example', 5432, x('10.0.0.1'))),
    '\'ExternalHost addresses\' of db.example must be a list such as ["203.0.113.10"], got "10.0.0.1" (string); wrap the address in [ ]'],
  ['ExternalHost.tcp wildcard host', (c) => c.shop.allowEgressTo(ExternalHost.tcp('*.example', 5432)), "'ExternalHost host'"],
  // ---- MeshPeer / WorkloadSelector
  ...names.map(([what, v]): Case => [`MeshPeer.serviceAccount namespace: ${what}`, (c) => c.shop.allowFrom(MeshPeer.serviceAccount(x(v), 'web')),
    'MeshPeer.serviceAccount namespace']),
  ['MeshPeer.serviceAccount name: a number', (c) => c.shop.allowFrom(MeshPeer.serviceAccount('shop', x(7))), "'MeshPeer.serviceAccount name' must be a DNS-1123 subdomain"],
  ['MeshPeer.serviceAccount name: capitals', (c) => c.shop.allowFrom(MeshPeer.serviceAccount('shop', 'Web')), 'got "Web"'],
  ['MeshPeer.namespace: null', (c) => c.shop.allowFrom(MeshPeer.namespace(x(null))), 'MeshPeer.namespace name'],
  ['MeshPeer.principal: no /ns/', (c) => c.shop.allowFrom(MeshPeer.principal('cluster.local/web')), "'MeshPeer.principal' must look like"],
  ['MeshPeer.principal: other trust domain', (c) => c.shop.allowFrom(MeshPeer.principal('other.local/ns/shop/sa/web')), 'trust domain'],
  ['WorkloadSelector.fromLabels: empty', (c) => c.shop.allowFrom(sa, { to: WorkloadSelector.fromLabels({}) }), "'to'"],
  ['WorkloadSelector.fromLabels: a number value', (c) => c.shop.allowFrom(sa, { to: WorkloadSelector.fromLabels({ app: x(42) }) }), "'to'"],
  ['WorkloadSelector.fromLabels: an invalid key', (c) => c.shop.allowFrom(sa, { to: WorkloadSelector.fromLabels({ 'bad key': 'x' }) }), "'to'"],
  ['WorkloadSelector.fromLabels: null', (c) => c.shop.allowFrom(sa, { to: WorkloadSelector.fromLabels(x(null)) }), "'to'"],
  // ---- MeshInstallation
  ['MeshInstallation profile: unknown string', (c) => new MeshInstallation(c.chart, 'M', { profile: x('defualt') }), "'profile'"],
  ['MeshInstallation revision: capitals', (c) => new MeshInstallation(c.chart, 'M', { revision: 'Canary' }), "'revision'"],
  ['MeshInstallation revision: a number', (c) => new MeshInstallation(c.chart, 'M', { revision: x(130) }), "'revision'"],
  ['MeshInstallation hub: trailing slash', (c) => new MeshInstallation(c.chart, 'M', { hub: 'registry.example/istio/' }), "'hub'"],
  ['MeshInstallation hub: a scheme', (c) => new MeshInstallation(c.chart, 'M', { hub: 'https://registry.example/istio' }), "'hub'"],
  ['MeshInstallation hub: a number', (c) => new MeshInstallation(c.chart, 'M', { hub: x(1) }), "'hub'"],
  ['MeshInstallation tag: another minor', (c) => new MeshInstallation(c.chart, 'M', { tag: '1.31.0' }), "'tag'"],
  ['MeshInstallation tag: null', (c) => new MeshInstallation(c.chart, 'M', { tag: x(null) }), "'tag'"],
  ['MeshInstallation tag: a number', (c) => new MeshInstallation(c.chart, 'M', { tag: x(1.3) }), "'tag'"],
  ['MeshInstallation namespace: capitals', (c) => new MeshInstallation(c.chart, 'M', { namespace: 'Istio-System' }), "'namespace'"],
  ['MeshInstallation trustDomain: empty', (c) => new MeshInstallation(c.chart, 'M', { trustDomain: '' }), "'trustDomain'"],
  ['MeshInstallation istiodEnv: a number value', (c) => new MeshInstallation(c.chart, 'M', { istiodEnv: { PILOT_TRACE_SAMPLING: x(1) } }), "'istiodEnv.PILOT_TRACE_SAMPLING'"],
  ['MeshInstallation istiodEnv: a bad key', (c) => new MeshInstallation(c.chart, 'M', { istiodEnv: { 'bad-key': 'x' } }), "'istiodEnv'"],
  ['MeshInstallation.fromExisting revision: capitals', (c) => MeshInstallation.fromExisting(c.chart, 'E', { revision: 'Stable' }), "'revision'"],
  ['MeshInstallation.fromExisting namespace: a number', (c) => MeshInstallation.fromExisting(c.chart, 'E', { namespace: x(1) }), "'namespace'"],
  ['MeshInstallation profile: MeshProfile as a lower-case string', (c) => new MeshInstallation(c.chart, 'M', { profile: x(String(MeshProfile.DEMO).toLowerCase() + 'x') }),
    "'profile'"],
  // ---- ServiceRouting
  ['ServiceRouting service: a Service name string', (c) => new ServiceRouting(c.chart, 'R', { service: x('api') }), "'service'"],
  ['ServiceRouting versions: a version without name', (c) => routing(c, { versions: [x({ selector: { version: 'v1' } })] }), 'name'],
  ['ServiceRouting versions: a name with capitals', (c) => routing(c, { versions: [{ name: 'V1', selector: { version: 'v1' } }] }), 'V1'],
  ['ServiceRouting versions: duplicate names', (c) => routing(c, { versions: [{ name: 'v1', selector: { version: 'v1' } }, { name: 'v1', selector: { version: 'v2' } }] }),
    'v1'],
  ['ServiceRouting route to an unknown version', routeWith({ to: RouteTo.version('v9') }), 'v9'],
  ['ServiceRouting RouteTo.version: a number', routeWith({ to: RouteTo.version(x(1)) }), 'version'],
  ['ServiceRouting RouteTo.weights: strings', (c) => routing(c, {
    versions: [{ name: 'v1', selector: { version: 'v1' } }, { name: 'v2', selector: { version: 'v2' } }],
    routes: [{ to: RouteTo.weights(x({ v1: '90', v2: '10' })) }],
  }), '"90" (string)'],
  ['ServiceRouting RouteTo.weights: sum 99', (c) => routing(c, {
    versions: [{ name: 'v1', selector: { version: 'v1' } }, { name: 'v2', selector: { version: 'v2' } }],
    routes: [{ to: RouteTo.weights({ v1: 90, v2: 9 }) }],
  }), '100'],
  ['ServiceRouting RouteTo.weights: NaN', (c) => routing(c, {
    versions: [{ name: 'v1', selector: { version: 'v1' } }, { name: 'v2', selector: { version: 'v2' } }],
    routes: [{ to: RouteTo.weights({ v1: NaN, v2: 100 }) }],
  }), 'NaN'],
  ['ServiceRouting timeout: a string', routeWith({ timeout: x('5s') }), 'timeout'],
  ['ServiceRouting timeout: a number', routeWith({ timeout: x(5) }), 'timeout'],
  ['ServiceRouting retries: attempts as a string', routeWith({ retries: x({ attempts: '3' }) }), 'attempts'],
  ['ServiceRouting retries: unknown retryOn condition', routeWith({ retries: { attempts: 3, retryOn: ['5xx', 'on-fire'] } }), 'on-fire'],
  ['ServiceRouting fault: percent 150', routeWith({ matches: [RequestMatch.headerExact('end-user', 'jason')], fault: { delay: Duration.seconds(1), delayPercent: 150 } }), '150'],
  ['ServiceRouting fault: percent as a string', routeWith({ matches: [RequestMatch.headerExact('end-user', 'jason')], fault: { abortHttpStatus: 503, abortPercent: x('10') } }),
    '"10" (string)'],
  ['ServiceRouting fault: abort status 99', routeWith({ matches: [RequestMatch.headerExact('end-user', 'jason')], fault: { abortHttpStatus: 99, abortPercent: 10 } }), '99'],
  ['ServiceRouting mirror percent: 101', routeWith({ mirror: { version: 'v1', percent: 101 } }), '101'],
  ['ServiceRouting redirect code: 200', (c) => routing(c, { routes: [{ redirect: { uri: '/new', redirectCode: 200 } }, { to: RouteTo.version('v1') }] }), '200'],
  ['ServiceRouting rewrite uri: no slash', routeWith({ rewrite: { uri: 'v2' } }), 'uri'],
  ['ServiceRouting corsPolicy: no origins', routeWith({ corsPolicy: x({ allowOrigins: [] }) }), 'allowOrigins'],
  ['ServiceRouting requestHeaders: a number value', routeWith({ requestHeaders: { set: { 'x-a': x(1) } } }), 'x-a'],
  ['ServiceRouting requestHeaders: a newline', routeWith({ requestHeaders: { set: { 'x-a': 'a\nb' } } }),
    '\'routes[0].requestHeaders.set.x-a\' must be a header value without control characters (a string such as "v2"), got "a\\nb"; header values are text on one line'],
  // ---- RequestMatch
  ['RequestMatch.headerExact: empty name', routeWith({ matches: [RequestMatch.headerExact('', 'x')] }), 'header'],
  ['RequestMatch.headerExact: a number name', routeWith({ matches: [RequestMatch.headerExact(x(1), 'x')] }), 'header'],
  ['RequestMatch.headerExact: null value', routeWith({ matches: [RequestMatch.headerExact('end-user', x(null))] }), 'end-user'],
  ['RequestMatch.headerExact: a newline', routeWith({ matches: [RequestMatch.headerExact('end-user', 'jason\n')] }), 'end-user'],
  ['RequestMatch.headerRegex: invalid RE2', routeWith({ matches: [RequestMatch.headerRegex('end-user', '(jason')] }), '(jason'],
  ['RequestMatch.headerRegex: lookahead (not RE2)', routeWith({ matches: [RequestMatch.headerRegex('end-user', '(?=j)jason')] }), 'RE2'],
  ['RequestMatch.cookie: a value with ;', routeWith({ matches: [RequestMatch.cookie('user', 'a;b')] }), 'cookie'],
  ['RequestMatch.pathExact: no slash', routeWith({ matches: [RequestMatch.pathExact('api')] }), 'api'],
  ['RequestMatch.pathPrefix: null', routeWith({ matches: [RequestMatch.pathPrefix(x(null))] }), 'null'],
  ['RequestMatch.pathRegex: invalid', routeWith({ matches: [RequestMatch.pathRegex('/api/(')] }), '/api/('],
  ['RequestMatch.method: lower case', routeWith({ matches: [RequestMatch.method('get')] }), 'get'],
  ['RequestMatch.queryParamExact: empty name', routeWith({ matches: [RequestMatch.queryParamExact('', 'x')] }), 'query'],
  ['RequestMatch.sourceNamespace: capitals', routeWith({ matches: [RequestMatch.sourceNamespace('Web')] }), 'Web'],
  ['RequestMatch.sourceLabels: empty', routeWith({ matches: [RequestMatch.sourceLabels({})] }), 'sourceLabels'],
  ['RequestMatch.allOf: empty', routeWith({ matches: [RequestMatch.allOf([])] }), 'allOf'],
  // ---- CanaryRelease / ReleaseStrategy
  ...numbers.map(([what, v]): Case => [`ReleaseStrategy.staticWeight: ${what}`, (c) => canary(c, { strategy: ReleaseStrategy.staticWeight(x(v)) }), 'weight']),
  ['ReleaseStrategy.staticWeight: 101', (c) => canary(c, { strategy: ReleaseStrategy.staticWeight(101) }), '101'],
  ['ReleaseStrategy.staticWeight: a second positional argument', (c) => canary(c, { strategy: x(ReleaseStrategy.staticWeight as any)(10, 90) }), 'weights'],
  ['ReleaseStrategy.weights: sum 110', (c) => canary(c, { strategy: ReleaseStrategy.weights({ stable: 50, canary: 60 }) }), '110'],
  ['ReleaseStrategy.steps: empty', (c) => canary(c, { strategy: ReleaseStrategy.steps([]) }), 'steps'],
  ['ReleaseStrategy.steps: weight 120', (c) => canary(c, { strategy: ReleaseStrategy.steps([{ weight: 120 }]) }), '120'],
  ['ReleaseStrategy.steps: pause as a string', (c) => canary(c, { strategy: ReleaseStrategy.steps([{ weight: 20, pause: x('5m') }]) }), 'pause'],
  ['ReleaseStrategy.flagger: stepWeight 0', (c) => canary(c, { strategy: ReleaseStrategy.flagger({ stepWeight: 0 }) }), 'stepWeight'],
  ['ReleaseStrategy.flagger: interval as a string', (c) => canary(c, { strategy: ReleaseStrategy.flagger({ interval: x('1m') }) }), 'interval'],
  ['ReleaseStrategy.flagger: minSuccessRate 101', (c) => canary(c, { strategy: ReleaseStrategy.flagger({ minSuccessRate: 101 }) }), 'minSuccessRate'],
  ['CanaryRelease canary: null', (c) => canary(c, { canary: null }), '\'canary\' must be a ReleaseWorkload, got null; e.g. ReleaseWorkload.fromDeployment(canaryDeployment)'],
  ['CanaryRelease canary: a Deployment, not a ReleaseWorkload', (c) => canary(c, { canary: new kplus.Deployment(c.chart, 'V2', { containers: [{ image: 'a:2' }] }) }),
    /'canary' must be a ReleaseWorkload, got Deployment [^ ]+\/V2 \(a construct\); e\.g\. ReleaseWorkload\.fromDeployment/],
  ['CanaryRelease strategy: a string', (c) => canary(c, { strategy: 'canary' }), 'strategy'],
  ['CanaryRelease splitLevel: unknown string', (c) => canary(c, { splitLevel: 'pod' }), 'splitLevel'],
  ['CanaryRelease mirrorPercent: "5"', (c) => canary(c, { mirrorPercent: '5' }), 'mirrorPercent'],
  ['CanaryRelease timeout: a string', (c) => canary(c, { timeout: '5s' }), 'timeout'],
  ['CanaryRelease canaryMatches: a string', (c) => canary(c, { canaryMatches: 'end-user=jason' }),
    '\'canaryMatches\' must be a list of RequestMatch, got "end-user=jason" (string); e.g. [RequestMatch.headerExact(\'x-test-user\', \'alice\')]'],
  ['CanaryRelease fault without canary matches', (c) => canary(c, { fault: { delay: Duration.seconds(2), delayPercent: 100 } }), 'fault'],
  ['CanaryRelease gateway: a host the gateway does not serve', (c) => {
    const g = gateway(c);
    g.addHost('shop.example.com');
    return canary(c, { gateway: { gateway: 'shop/gw', hosts: ['other.example.com'] } });
  }, 'other.example.com'],
  ['CanaryRelease versionNames: capitals', (c) => canary(c, { versionNames: { stable: 'V1', canary: 'v2' } }), 'V1'],
  ['ReleaseWorkload.fromSelector: empty', (c) => canary(c, { canary: ReleaseWorkload.fromSelector(WorkloadSelector.fromLabels({})) }), "'canary'"],
  // ---- IngressGateway / EgressGateway / GatewayTls
  ...optionalNumbers.map(([what, v]): Case => [`IngressGateway httpsPort: ${what}`, (c) => new IngressGateway(c.chart, 'G', { mesh: c.mesh, httpsPort: x(v) }), 'httpsPort']),
  ['IngressGateway mesh: missing', (c) => new IngressGateway(c.chart, 'G', x({})), 'mesh'],
  ['IngressGateway replicas: "2"', (c) => new IngressGateway(c.chart, 'G', { mesh: c.mesh, replicas: x('2') }), 'replicas'],
  ['IngressGateway namespace: capitals', (c) => new IngressGateway(c.chart, 'G', { mesh: c.mesh, namespace: 'Edge' }), 'namespace'],
  ['IngressGateway api: "GATEWAY_API"', (c) => new IngressGateway(c.chart, 'G', { mesh: c.mesh, api: x('GATEWAY_API') }), 'api'],
  ['IngressGateway api: null', (c) => new IngressGateway(c.chart, 'G', { mesh: c.mesh, api: x(null) }), 'api'],
  ['IngressGateway addHost: empty', (c) => gateway(c).addHost(''), 'host'],
  ['IngressGateway addHost: a URL', (c) => gateway(c).addHost('https://shop.example.com'), 'https://shop.example.com'],
  ['IngressGateway addHost: a number', (c) => gateway(c).addHost(x(443)), 'host'],
  ['IngressGateway addHost: twice', (c) => {
    const g = gateway(c);
    g.addHost('shop.example.com');
    g.addHost('shop.example.com');
  }, 'shop.example.com'],
  ['IngressGateway addRoute: a host not added', (c) => gateway(c).addRoute('shop.example.com', { to: RouteDestination.fromService(c.apiService) }), 'shop.example.com'],
  ['IngressGateway addRoute: to a string', (c) => {
    const g = gateway(c);
    g.addHost('shop.example.com');
    g.addRoute('shop.example.com', x({ to: 'api' }));
  }, 'to'],
  ['IngressGateway addRoute: RouteDestination.host port "80"', (c) => {
    const g = gateway(c);
    g.addHost('shop.example.com');
    g.addRoute('shop.example.com', { to: RouteDestination.host('api.shop.svc.cluster.local', x('80')) });
  }, 'port'],
  ['IngressGateway addRoute: PathMatch.prefix without slash', (c) => {
    const g = gateway(c);
    g.addHost('shop.example.com');
    g.addRoute('shop.example.com', { to: RouteDestination.fromService(c.apiService), path: PathMatch.prefix('api') });
  }, 'api'],
  ['IngressGateway addRoute: HeaderMatch.regex invalid', (c) => {
    const g = gateway(c);
    g.addHost('shop.example.com');
    g.addRoute('shop.example.com', { to: RouteDestination.fromService(c.apiService), headers: [HeaderMatch.regex('x-user', '[')] });
  }, '['],
  ['GatewayTls.simple: empty credential', (c) => gateway(c).addHost('shop.example.com', { tls: GatewayTls.simple('') }), 'credentialName'],
  ['GatewayTls.simple: a number credential', (c) => gateway(c).addHost('shop.example.com', { tls: GatewayTls.simple(x(1)) }), 'credentialName'],
  ['GatewayTls.mutual: capitals', (c) => gateway(c).addHost('shop.example.com', { tls: GatewayTls.mutual('Shop-Cert') }), 'Shop-Cert'],
  ['EgressGateway routeHost: null', (c) => new EgressGateway(c.chart, 'E', { mesh: c.mesh }).routeHost(x(null)), 'routeHost'],
  ['EgressGateway routeHost clients: empty', (c) => new EgressGateway(c.chart, 'E', { mesh: c.mesh }).routeHost(ExternalHost.https('api.example.com'), { clients: [] }),
    'clients'],
  ['EgressGateway routeHost clients: capitals', (c) => new EgressGateway(c.chart, 'E', { mesh: c.mesh })
    .routeHost(ExternalHost.https('api.example.com'), { clients: ['Shop'] }), 'clients[0]'],
  ['EgressGateway routeHost originateTls on TCP', (c) => new EgressGateway(c.chart, 'E', { mesh: c.mesh })
    .routeHost(ExternalHost.tcp('db.example', 5432), { originateTls: true }), 'TCP host'],
  // ---- Observability
  ['MeshTelemetry tracing sampling: 150', (c) => new MeshTelemetry(c.chart, 'T', { mesh: c.mesh, tracing: { randomSamplingPercentage: 150 } }), 'randomSamplingPercentage'],
  ['MeshTelemetry tracing sampling: "50"', (c) => new MeshTelemetry(c.chart, 'T', { mesh: c.mesh, tracing: { randomSamplingPercentage: x('50') } }),
    'randomSamplingPercentage'],
  ['MeshTelemetry tracing sampling: NaN', (c) => new MeshTelemetry(c.chart, 'T', { mesh: c.mesh, tracing: { randomSamplingPercentage: NaN } }), 'randomSamplingPercentage'],
  ['MeshTelemetry namespace: capitals', (c) => new MeshTelemetry(c.chart, 'T', { mesh: c.mesh, namespace: 'Shop' }), 'namespace'],
  ['MeshTelemetry tracing providers: a string', (c) => new MeshTelemetry(c.chart, 'T', { mesh: c.mesh, tracing: { providers: x('otel') } }),
    '\'tracing.providers\' must be a list of provider names such as ["otel"], got "otel" (string); wrap the name in [ ]'],
  ['PrometheusScraping interval: "thirty seconds"', (c) => new PrometheusScraping(c.chart, 'P', { mesh: c.mesh, interval: 'thirty seconds' }), 'interval'],
  ['PrometheusScraping mode: unknown', (c) => new PrometheusScraping(c.chart, 'P', { mesh: c.mesh, mode: x('operator') }), 'mode'],
  ['PrometheusScraping namespaces: capitals', (c) => new PrometheusScraping(c.chart, 'P', { mesh: c.mesh, namespaces: ['Shop'] }), 'namespaces'],
  // ---- traffic policy values
  ['TrafficPolicy connectionPool maxConnections: "100"', (c) => routing(c, { trafficPolicy: { connectionPool: { maxConnections: x('100') } } }), 'maxConnections'],
  ['TrafficPolicy outlierDetection maxEjectionPercent: 150', (c) => routing(c, { trafficPolicy: { outlierDetection: { maxEjectionPercent: 150 } } }),
    'maxEjectionPercent'],
  ['LoadBalancerPolicy.consistentHashByHeader: empty', (c) => routing(c, { trafficPolicy: { loadBalancer: LoadBalancerPolicy.consistentHashByHeader('') } }), 'header'],
  ['PolicyEnforcement value: a lower-case string', (c) => new ZeroTrustNamespace(c.chart, 'Bad', { name: 'b', mesh: c.mesh, enforcement: x(String(PolicyEnforcement.AUDIT).toLowerCase()) }),
    "'enforcement'"],
];

/** A fix: what to do, after the problem. */
const FIX = /such as|e\.g\.|one of|between -?\d+ and \d+|from -?\d+ to \d+|true or false|must look like|; \S|: (use|keep|add|give|remove|fix|select|declare|set|call)/i;

describe('bad input: a clear error, nothing written', () => {
  test('at least 150 inputs are tried', () => {
    expect(cases.filter(([, , fragment]) => fragment !== '').length).toBeGreaterThanOrEqual(150);
  });

  test.each(cases.filter(([, , fragment]) => fragment !== ''))('%s', (_what, build, fragment) => {
    const ctx = context();
    let error: unknown;
    try {
      build(ctx);
      ctx.app.synth();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect({ type: (error as Error).constructor.name, message }).not.toMatchObject({ type: expect.stringMatching(/^(TypeError|RangeError|ReferenceError|SyntaxError)$/) });
    expect(message).toMatch(/\[[^\]]+\]/); // the construct path
    if (typeof fragment === 'string') expect(message).toContain(fragment);
    else expect(message).toMatch(fragment);
    expect(message).toMatch(FIX);
    expect(fs.existsSync(ctx.app.outdir) ? fs.readdirSync(ctx.app.outdir) : []).toEqual([]);
  });
});

/** Values that are valid but easy to mangle: they must come out exactly as they went in. */
describe('awkward but valid input round-trips exactly', () => {
  const SPECIAL = ['on', 'yes', 'no', 'off', 'null', '~', 'true', '0x1F', '1e3', '010', '12:30', 'bütik-ä', '"quoted"', '#hash', '- dash', '@at'];

  test.each(SPECIAL)('an mTLS exception reason %p is kept as written (annotation)', (reason) => {
    const ctx = context();
    ctx.shop.addMtlsException({ port: 8080, mode: MtlsMode.PERMISSIVE, reason, selector: payments() });
    const yaml = Testing.synth(ctx.chart);
    const pa = yaml.find((o) => o.kind === 'PeerAuthentication' && o.metadata.name !== 'default');
    expect(pa.metadata.annotations['security.cdk8s-istio.io/mtls-exception-8080']).toBe(reason);
  });

  test.each(SPECIAL)('a header value %p routes as written, through YAML', (value) => {
    const ctx = context();
    routing(ctx, {
      versions: [{ name: 'v1', selector: { version: 'v1' } }, { name: 'v2', selector: { version: 'v2' } }],
      routes: [{ matches: [RequestMatch.headerExact('end-user', value)], to: RouteTo.version('v2') }, { to: RouteTo.version('v1') }],
    });
    const text = ctx.app.synthYaml();
    const docs = parseAllDocuments(text).map((d) => d.toJS());
    const vs = docs.find((o) => o?.kind === 'VirtualService');
    expect(vs.spec.http[0].match[0].headers['end-user']).toEqual({ exact: value });
  });
});
