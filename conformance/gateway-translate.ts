/**
 * Check `gateway-translate`: a route table rendered with `RoutingApi.GATEWAY_API` routes every request
 * where its `RoutingApi.ISTIO` rendering does, by Istio's own reading of the HTTPRoute.
 *
 * Each app (the route tables of test/fixtures/gateway-api-route-tables.ts, and every example whose
 * output holds an HTTPRoute with a Service parent, built again with `build(app, RoutingApi.ISTIO)`)
 * is synthesized with both APIs. The Gateway API objects go through Istio 1.30's translation
 * (conformance/istioctl-build/gateway-translate: pilot/pkg/config/kube/gateway, set up as its
 * conversion tests are), which gives the internal VirtualServices istiod would program for mesh
 * traffic. Then, for every Service an HTTPRoute is attached to, each request of REQUEST_GRID is
 * resolved (test/helpers/route-resolver.ts) through those translated VirtualServices and through our
 * own VirtualService rendering, and the outcomes are compared: pods reached and weights, mirrors and
 * their percentages, timeouts, redirects, rewrites and header changes. Fails when:
 * - istiod's status on an HTTPRoute parent is not Accepted with resolved references;
 * - an outcome differs and no entry of ALLOWED_DIFFERENCES covers it.
 * An example whose HTTPRoutes all attach to Gateways (its own Gateway API objects: no Istio-API
 * rendering exists) is checked for istiod's acceptance only (routes, listeners, a VirtualService per route).
 * One item per app.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import { parseAllDocuments, stringify } from 'yaml';
import { ensureGatewayTranslate } from './ensure-istioctl';
import { CheckResult, ConformanceContext, emptyResult, Failure } from './report';
import { RoutingApi, ServiceRouteOptions } from '../lib';
import { exampleNames, resolvePackageNameToSources } from '../scripts/synth-examples';
import { bookinfo, GridRequest, REQUEST_GRID, ROUTE_TABLES, staticCanary } from '../test/fixtures/gateway-api-route-tables';
import {
  canonicalize, describeProbe, JsonValue, resolveRequest, RouteRequest, RouteResult, semanticRouting, SemanticRouting, stringMatches,
} from '../test/helpers/route-resolver';

type Obj = Record<string, any>;

/** A difference between the translation and our rendering that is understood and accepted. */
interface AllowedDifference {
  /** The app (`table: <name>` or `examples/<name>.ts`). */
  readonly app: RegExp;
  /** The outcome field that differs (`destinations`, `mirrors`, `timeout`, `redirect`, `rewrite`, `headers`, `outcome`...). */
  readonly field: RegExp;
  readonly reason: string;
}

/** No difference is accepted today: Istio's translation agrees with our VirtualServices on every request. */
export const ALLOWED_DIFFERENCES: readonly AllowedDifference[] = [];

/** One app to compare: how to synthesize it with each API. */
interface Subject {
  readonly name: string;
  readonly file: string;
  readonly synth: (api: RoutingApi) => Obj[];
  /** True when the app's HTTPRoutes all have Gateway parents: no Istio-API rendering to compare, only istiod's acceptance. */
  readonly gatewayRoutesOnly?: boolean;
}

/** Kinds istiod's Gateway API translation reads. */
const TRANSLATION_INPUT = (o: Obj) => (o.apiVersion === 'v1' && (o.kind === 'Service' || o.kind === 'Namespace'))
  || String(o.apiVersion).startsWith('gateway.networking.k8s.io/')
  || (String(o.apiVersion).startsWith('networking.istio.io/') && o.kind === 'ServiceEntry');

export async function runGatewayTranslateChecks(ctx: ConformanceContext): Promise<CheckResult> {
  const result: CheckResult = { ...emptyResult('gateway-translate'), details: [] };
  let binary: string;
  try {
    binary = ensureGatewayTranslate(ctx.repoRoot);
  } catch (e) {
    return { ...result, skipped: true, failures: [{ file: 'conformance/istioctl-build/gateway-translate/main.go', message: (e as Error).message }] };
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-translate-'));
  try {
    for (const subject of subjects(ctx.repoRoot, result)) {
      result.items++;
      let failures: Failure[];
      let allowed = 0;
      try {
        ({ failures, allowed } = compare(binary, subject, tmp, result.details!));
      } catch (e) {
        failures = [{ file: subject.file, message: (e as Error).message }];
      }
      if (failures.length > 0) result.failed++;
      else if (allowed > 0) result.allowlisted++;
      else result.passed++;
      result.failures.push(...failures);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return result;
}

function objectsOf(app: App): Obj[] {
  return parseAllDocuments(app.synthYaml()).map((d) => d.toJS() as Obj).filter((o) => o);
}

const meshRoutes = (objects: Obj[]) => objects.filter((o) => o.kind === 'HTTPRoute'
  && (o.spec?.parentRefs ?? []).some((p: Obj) => p.kind === 'Service' && (p.group ?? '') === ''));

const isGatewayParent = (p: Obj) => (p.kind ?? 'Gateway') === 'Gateway' && (p.group ?? 'gateway.networking.k8s.io') === 'gateway.networking.k8s.io';

/** HTTPRoutes attached to Gateways. */
const gatewayRoutes = (objects: Obj[]) => objects.filter((o) => o.kind === 'HTTPRoute' && (o.spec?.parentRefs ?? []).some(isGatewayParent));

/** Marks the VirtualServices istiod makes for a Gateway API Gateway's listeners: `<ns>/<gateway>~istio-autogenerated-k8s-gateway~<listener>`. */
const AUTOGENERATED = '~istio-autogenerated-k8s-gateway~';

/**
 * The translated VirtualServices of Gateway listeners, bound to `<ns>/<gateway>` like ours, leaving out the
 * listeners that only redirect to https (their requests never reach a route: an Istio Gateway server's
 * `httpsRedirect` answers them).
 */
function gatewayVirtualServices(virtualServices: Obj[]): Obj[] {
  const redirectOnly = (v: Obj) => (v.spec?.http ?? []).length > 0 && v.spec.http.every((h: Obj) => h.redirect?.scheme === 'https');
  return virtualServices.filter((v) => (v.spec?.gateways ?? []).some((g: string) => g.includes(AUTOGENERATED)) && !redirectOnly(v))
    .map((v) => ({ ...v, spec: { ...v.spec, gateways: v.spec.gateways.map((g: string) => g.split('~')[0]) } }));
}

/**
 * The Istio Gateway istiod makes of a Gateway API Gateway (its servers are the listeners' hosts in
 * any namespace, as the translated VirtualServices bind to it), for the resolver, which enters
 * requests by Istio Gateways.
 */
function standInGateway(gw: Obj): Obj {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name: gw.metadata.name, namespace: gw.metadata.namespace },
    spec: { servers: (gw.spec.listeners ?? []).map((l: Obj) => ({ port: { number: l.port, name: l.name, protocol: l.protocol }, hosts: [`*/${l.hostname ?? '*'}`] })) },
  };
}

/**
 * Requests at a gateway: the shared grid, plus the paths and headers the gateway's routes match on
 * (each exact path, each regex prefix `P.*` as `P`, `P/x` and `Px`; each exact header value alone and
 * with the others), so every rule is hit and its neighbours tested.
 */
function gatewayGrid(routes: Obj[]): GridRequest[] {
  const paths = new Set<string>(REQUEST_GRID.map((g) => g.path ?? '/'));
  const headers: Array<Record<string, string>> = [{}];
  for (const r of routes) {
    for (const rule of r.spec.rules ?? []) {
      for (const m of rule.matches ?? []) {
        const v: string | undefined = m.path?.value;
        if (m.path?.type === 'Exact' && v) paths.add(v);
        if (m.path?.type === 'RegularExpression' && v?.endsWith('.*') && !/[\\()[\]|?+{}^$]/.test(v.slice(0, -2))) {
          const base = v.slice(0, -2);
          for (const p of [base, `${base}/x`, `${base}x`]) if (p.startsWith('/')) paths.add(p);
        }
        for (const h of m.headers ?? []) if ((h.type ?? 'Exact') === 'Exact') headers.push({ [h.name]: h.value });
      }
    }
  }
  if (headers.length > 2) headers.push(Object.assign({}, ...headers));
  return [...paths].sort().flatMap((p) => headers.map((h) => ({ path: p, headers: h, method: 'GET', queryParams: {} })));
}

/** The route tables of the shared fixture, and every example that renders mesh HTTPRoutes. */
function subjects(repoRoot: string, result: CheckResult): Subject[] {
  const tables = ROUTE_TABLES.map(([name, routes]: readonly [string, ServiceRouteOptions[]]) => ({
    name: `table: ${name}`,
    file: 'test/fixtures/gateway-api-route-tables.ts',
    synth: (api: RoutingApi) => objectsOf(bookinfo(api, routes).app),
  }));
  tables.push({
    name: 'canary: static weights with a canary match and mirroring',
    file: 'test/fixtures/gateway-api-route-tables.ts',
    synth: (api: RoutingApi) => objectsOf(staticCanary(api).app),
  });
  resolvePackageNameToSources();
  const examples: Subject[] = [];
  for (const name of exampleNames()) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const example = require(path.join(repoRoot, 'examples', name));
    const synth = (api?: RoutingApi) => {
      const app: App = typeof example.createApp === 'function' ? example.createApp({ outdir: Testing.app().outdir }) : Testing.app();
      example.build(app, api);
      return objectsOf(app);
    };
    const objects = synth();
    if (!objects.some((o) => o.kind === 'HTTPRoute')) continue;
    examples.push({
      name: `examples/${name}.ts`,
      file: `examples/${name}.ts`,
      synth: (api) => (api === RoutingApi.GATEWAY_API ? objects : synth(api)),
      gatewayRoutesOnly: meshRoutes(objects).length === 0,
    });
  }
  result.details!.push(`examples with HTTPRoutes: ${examples.map((e) => e.name + (e.gatewayRoutesOnly ? ' (Gateway parents only)' : '')).join(', ') || 'none'}`);
  return [...tables, ...examples];
}

interface Translation {
  readonly virtualServices: Obj[];
  readonly status: Array<{ kind: string; namespace: string; name: string; status: Obj }>;
}

function translate(binary: string, objects: Obj[], dir: string): Translation {
  const input = path.join(dir, 'input.yaml');
  fs.writeFileSync(input, objects.filter(TRANSLATION_INPUT).map((o) => stringify(o)).join('---\n'));
  const res = spawnSync(binary, [input], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  if (res.status !== 0) throw new Error(`gateway-translate failed (exit ${res.status ?? res.error?.message}): ${(res.stderr ?? '').split('\n').slice(-5).join(' ')}`);
  const errors = (res.stderr ?? '').split('\n').filter((l) => /\terror\t/.test(l));
  if (errors.length > 0) throw new Error(`istiod's translation logged: ${errors.map((l) => l.split('\t').slice(3).join(' ')).join('; ')}`);
  return JSON.parse(res.stdout) as Translation;
}

/** Status problems: every parent of every HTTPRoute must be Accepted with its references resolved. */
function statusProblems(t: Translation, routes: Obj[], file: string): Failure[] {
  const out: Failure[] = [];
  for (const r of routes) {
    const object = `HTTPRoute ${r.metadata.namespace}/${r.metadata.name}`;
    const st = t.status.find((s) => s.kind === 'HTTPRoute' && s.namespace === r.metadata.namespace && s.name === r.metadata.name);
    const parents: Obj[] = st?.status?.parents ?? [];
    if (parents.length === 0) out.push({ file, object, message: 'istiod wrote no parent status: the route is attached to nothing' });
    for (const p of parents) {
      for (const type of ['Accepted', 'ResolvedRefs']) {
        const c = (p.conditions ?? []).find((x: Obj) => x.type === type);
        if (c?.status !== 'True') {
          out.push({ file, object, field: `.status.parents[${p.parentRef?.kind} ${p.parentRef?.name}]`, message: `${type} is ${c?.status ?? 'missing'}: ${c?.reason ?? ''} ${c?.message ?? ''}`.trim() });
        }
      }
    }
  }
  return out;
}

/**
 * An app whose HTTPRoutes attach to Gateways only (its own `Gateway` and `HTTPRoute` L1 objects):
 * there is no Istio-API rendering of the same routes, so only istiod's acceptance is checked: every
 * route parent Accepted with resolved references, every listener Accepted, and a translated
 * VirtualService per route. (A Gateway is not Programmed here: istiod's deployment controller makes
 * its Service, which the files do not hold.)
 */
function accepted(binary: string, subject: Subject, objects: Obj[], tmp: string, details: string[]): { failures: Failure[]; allowed: number } {
  const routes = objects.filter((o) => o.kind === 'HTTPRoute');
  const translation = translate(binary, objects, fs.mkdtempSync(path.join(tmp, 'app-')));
  const failures = statusProblems(translation, routes, subject.file);
  for (const gw of translation.status.filter((s) => s.kind === 'Gateway')) {
    for (const l of gw.status?.listeners ?? []) {
      const c = (l.conditions ?? []).find((x: Obj) => x.type === 'Accepted');
      if (c?.status !== 'True') {
        failures.push({ file: subject.file, object: `Gateway ${gw.namespace}/${gw.name}`, field: `.status.listeners[${l.name}]`, message: `Accepted is ${c?.status ?? 'missing'}: ${c?.message ?? ''}` });
      }
    }
  }
  for (const r of routes) {
    const parent = `HTTPRoute/${r.metadata.name}.${r.metadata.namespace}`;
    if (!translation.virtualServices.some((v) => String(v.metadata?.annotations?.['internal.istio.io/parents'] ?? '').split(',').includes(parent))) {
      failures.push({ file: subject.file, object: `HTTPRoute ${r.metadata.namespace}/${r.metadata.name}`, message: 'istiod translated no VirtualService for it' });
    }
  }
  details.push(`${subject.name}: ${routes.length} HTTPRoute(s) with Gateway parents -> ${translation.virtualServices.length} translated VirtualService(s); `
    + 'accepted by istiod (no Istio-API rendering to compare)');
  return { failures, allowed: 0 };
}

/**
 * What a rewrite or redirect does to this request, whichever way it is written:
 * - a redirect answers 301 when it names no code; its port is the scheme's default (Envoy's default,
 *   Istio's FROM_PROTOCOL_DEFAULT), the request's port (FROM_REQUEST_PORT: the Service port for mesh
 *   traffic) or the one given, and port 80 of an http redirect is no port (Istio leaves it out);
 * - a rewrite is the path the request goes upstream with: `uri` replaces what the matched path
 *   condition matched (all of an exact path, the prefix of a prefix), `uriRegexRewrite` replaces
 *   the regex's matches.
 */
function normalise(s: SemanticRouting, req: RouteRequest, servicePort: number | undefined, matched: Obj | undefined): SemanticRouting {
  const out = { ...s };
  if (out.corsPolicy) out.corsPolicy = canonicalize(normaliseCors(out.corsPolicy as Obj) as JsonValue);
  if (out.redirect) {
    const r: Obj = { redirectCode: 301, ...(out.redirect as Obj) };
    const scheme = r.scheme ?? 'http';
    let port: number | undefined = r.port;
    if (port === undefined && r.derivePort === 'FROM_REQUEST_PORT') port = servicePort;
    if ((port === 80 && scheme === 'http') || (port === 443 && scheme === 'https')) port = undefined;
    delete r.derivePort;
    delete r.port;
    out.redirect = canonicalize((port === undefined ? r : { ...r, port }) as JsonValue);
    if (out.destinations?.length === 0) delete out.destinations;
  }
  if (out.rewrite) {
    const r = { ...(out.rewrite as Obj) };
    const reqPath = (req.path ?? '/').split('?')[0];
    let upstream: string | undefined;
    if (r.uriRegexRewrite) {
      upstream = reqPath.replace(new RegExp(r.uriRegexRewrite.match, 'g'), r.uriRegexRewrite.rewrite);
      delete r.uriRegexRewrite;
    } else if (r.uri !== undefined) {
      const uri = matched?.uri ?? { prefix: '/' };
      if (uri.exact !== undefined) upstream = r.uri;
      else if (uri.prefix !== undefined) upstream = `${r.uri}${reqPath.slice(uri.prefix.length)}`;
      if (upstream !== undefined) delete r.uri;
    }
    out.rewrite = canonicalize((upstream === undefined ? r : { ...r, path: upstream }) as JsonValue);
  }
  return out;
}

/** The origin pattern Istio 1.30 gives Gateway API's CORS origin `*`: any well-formed origin (scheme://host[:port]). */
const ANY_WELL_FORMED_ORIGIN = '^[a-zA-Z][a-zA-Z0-9+.-]*://[^/\\s?#]+$';

/**
 * A CORS policy with the two listed differences of Gateway API's CORS filter taken out: origin `*`
 * admits any well-formed origin there (the opaque origin `null` of sandboxed frames is refused; a
 * VirtualService's `.*` admits it), and preflights of other origins are answered by the proxy
 * (`unmatchedPreflights: IGNORE`) instead of reaching the service. Browsers are refused alike.
 */
function normaliseCors(cors: Obj): Obj {
  const { unmatchedPreflights, ...rest } = cors;
  if (unmatchedPreflights !== undefined && unmatchedPreflights !== 'IGNORE') rest.unmatchedPreflights = unmatchedPreflights;
  rest.allowOrigins = (rest.allowOrigins ?? []).map((o: Obj) => (o.regex === ANY_WELL_FORMED_ORIGIN ? { regex: '.*' } : o));
  return rest;
}

/** The match entry of the VirtualService route that took the request (first whose path condition holds). */
function matchedEntry(objects: Obj[], result: RouteResult, req: RouteRequest): Obj | undefined {
  if (result.kind !== 'routed' || !result.virtualService) return undefined;
  const [namespace, name] = result.virtualService.split('/');
  const vs = objects.find((o) => o.kind === 'VirtualService' && o.metadata?.namespace === namespace && o.metadata?.name === name);
  const routes: Obj[] = vs?.spec?.http ?? [];
  const route = result.route?.startsWith('#') ? routes[Number(result.route.slice(1))] : routes.find((r) => r.name === result.route);
  const reqPath = (req.path ?? '/').split('?')[0];
  return (route?.match ?? []).find((m: Obj) => stringMatches(m.uri ?? { prefix: '/' }, reqPath));
}

/** Resolves a request and reduces it to what it does. */
function outcome(objects: Obj[], req: RouteRequest, servicePort: number | undefined): SemanticRouting {
  const result = resolveRequest(objects, req);
  return normalise(semanticRouting(result), req, servicePort, matchedEntry(objects, result, req));
}

function compare(binary: string, subject: Subject, tmp: string, details: string[]): { failures: Failure[]; allowed: number } {
  const gatewayApi = subject.synth(RoutingApi.GATEWAY_API);
  if (subject.gatewayRoutesOnly) return accepted(binary, subject, gatewayApi, tmp, details);
  const istio = subject.synth(RoutingApi.ISTIO);
  const routes = meshRoutes(gatewayApi);
  const failures: Failure[] = [];
  if (routes.length === 0) return { failures: [{ file: subject.file, message: 'the RoutingApi.GATEWAY_API rendering holds no HTTPRoute with a Service parent' }], allowed: 0 };
  if (meshRoutes(istio).length > 0) {
    return {
      failures: [{ file: subject.file, message: 'build(app, RoutingApi.ISTIO) still renders HTTPRoutes: give build() an optional RoutingApi that reaches ServiceRouting\'s api' }],
      allowed: 0,
    };
  }
  const dir = fs.mkdtempSync(path.join(tmp, 'app-'));
  const translation = translate(binary, gatewayApi, dir);
  failures.push(...statusProblems(translation, routes, subject.file));
  // The cluster under Gateway API: our objects without the HTTPRoutes, plus what istiod makes of them.
  const translated = [...gatewayApi.filter((o) => o.kind !== 'HTTPRoute'), ...translation.virtualServices];

  const services = new Map<string, { name: string; namespace: string; port?: number }>();
  for (const r of routes) {
    for (const p of r.spec.parentRefs) {
      if (p.kind !== 'Service') continue;
      const namespace = p.namespace ?? r.metadata.namespace;
      const svc = gatewayApi.find((o) => o.apiVersion === 'v1' && o.kind === 'Service' && o.metadata.namespace === namespace && o.metadata.name === p.name);
      services.set(`${namespace}/${p.name}`, { name: p.name, namespace, port: p.port ?? svc?.spec?.ports?.[0]?.port });
    }
  }
  let allowed = 0;
  let probes = 0;
  const fieldsSeen = new Set<string>();
  for (const svc of services.values()) {
    const hosts = translation.virtualServices.filter((v) => (v.spec?.hosts ?? []).includes(`${svc.name}.${svc.namespace}.svc.cluster.local`));
    if (hosts.length === 0) failures.push({ file: subject.file, object: `Service ${svc.namespace}/${svc.name}`, message: 'istiod translated no mesh VirtualService for it' });
    const requests = REQUEST_GRID.map((g): RouteRequest => ({ gateway: 'mesh', host: svc.name, sourceNamespace: svc.namespace, ...g }));
    const r = compareRequests(subject, requests, istio, translated, svc.port, `Service ${svc.namespace}/${svc.name}`, failures);
    probes += requests.length;
    allowed += r.allowed;
    r.fieldsSeen.forEach((f) => fieldsSeen.add(f));
  }
  const atGateways = compareGatewayRoutes(subject, istio, gatewayApi, translation, failures);
  allowed += atGateways.allowed;
  details.push(`${subject.name}: ${routes.length} HTTPRoute(s) -> ${translation.virtualServices.length} translated VirtualService(s); `
    + `${probes} requests compared on ${[...fieldsSeen].filter((f) => f !== 'outcome').sort().join(', ')}${allowed ? `; ${allowed} allowed difference(s)` : ''}`
    + (atGateways.probes ? `; at gateways: ${atGateways.routes} HTTPRoute(s), ${atGateways.probes} requests compared` : ''));
  return { failures, allowed };
}

/**
 * Resolves every request through our Istio-API objects and through the translated ones and records,
 * per outcome field, how many differ (with the first) as failures on `object`, unless an allowed
 * difference covers it. Returns the allowed count and the fields our outcomes used.
 */
function compareRequests(subject: Subject, requests: RouteRequest[], istio: Obj[], translated: Obj[], port: number | undefined, object: string,
  failures: Failure[]): { allowed: number; fieldsSeen: Set<string> } {
  const diffs = new Map<string, { count: number; first: string }>();
  const fieldsSeen = new Set<string>();
  let allowed = 0;
  for (const req of requests) {
    const ours = outcome(istio, req, port);
    const theirs = outcome(translated, req, port);
    for (const k of Object.keys(ours)) if (ours[k as keyof SemanticRouting] !== undefined) fieldsSeen.add(k);
    for (const field of [...new Set([...Object.keys(ours), ...Object.keys(theirs)])].sort()) {
      const a = JSON.stringify((ours as Obj)[field]);
      const b = JSON.stringify((theirs as Obj)[field]);
      if (a === b) continue;
      if (ALLOWED_DIFFERENCES.some((d) => d.app.test(subject.name) && d.field.test(field))) {
        allowed++;
        continue;
      }
      const prev = diffs.get(field);
      if (prev) prev.count++;
      else diffs.set(field, { count: 1, first: `${describeProbe(req)}: our VirtualService ${a ?? 'nothing'}, Istio's translation ${b ?? 'nothing'}` });
    }
  }
  for (const [field, d] of diffs) failures.push({ file: subject.file, object, field, message: `${d.count} request(s) differ, e.g. ${d.first}` });
  return { allowed, fieldsSeen };
}

/**
 * The app's routes at its Gateway API Gateways (an IngressGateway with RoutingApi.GATEWAY_API):
 * every request of the gateway grid for every host, resolved through the VirtualServices istiod
 * makes of the listeners' HTTPRoutes and through our Istio-API rendering (an Istio Gateway of the
 * same namespace and name), must do the same.
 */
function compareGatewayRoutes(subject: Subject, istio: Obj[], gatewayApi: Obj[], translation: Translation, failures: Failure[]) {
  const routes = gatewayRoutes(gatewayApi);
  if (routes.length === 0) return { routes: 0, probes: 0, allowed: 0 };
  failures.push(...statusProblems(translation, routes, subject.file));
  const translated = [
    ...gatewayApi.filter((o) => o.kind !== 'HTTPRoute' && o.kind !== 'TLSRoute'),
    ...gatewayVirtualServices(translation.virtualServices),
    ...gatewayApi.filter((o) => o.kind === 'Gateway' && String(o.apiVersion).startsWith('gateway.networking.k8s.io/')).map(standInGateway),
  ];
  const targets = new Set<string>();
  for (const r of routes) {
    for (const p of (r.spec.parentRefs as Obj[]).filter(isGatewayParent)) {
      for (const host of r.spec.hostnames ?? []) targets.add(JSON.stringify([`${p.namespace ?? r.metadata.namespace}/${p.name}`, host]));
    }
  }
  const grid = gatewayGrid(routes);
  let probes = 0;
  let allowed = 0;
  for (const target of [...targets].sort()) {
    const [gateway, host] = JSON.parse(target) as [string, string];
    const requests = grid.map((g): RouteRequest => ({ gateway, host, ...g }));
    probes += requests.length;
    allowed += compareRequests(subject, requests, istio, translated, undefined, `Gateway ${gateway} host ${host}`, failures).allowed;
  }
  return { routes: routes.length, probes, allowed };
}
