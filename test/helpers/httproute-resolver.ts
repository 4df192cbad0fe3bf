/**
 * Resolves a mesh request against a Gateway API HTTPRoute whose parent is a Service (GAMMA), the
 * way Istio 1.30 translates it (pilot/pkg/config/kube/gateway/conversion.go), independent of the
 * library's renderer, so tests compare where requests go under RoutingApi.ISTIO and GATEWAY_API:
 *
 * - Each match of each rule is a route of its own; a rule without matches has the CRD default
 *   `PathPrefix /`. Routes are sorted stably by: path type (Exact > PathPrefix > RegularExpression),
 *   path value length (a PathPrefix without its trailing '/'), a method, more headers, more query
 *   params. The first matching route wins.
 * - PathPrefix matches whole segments; RegularExpression is a full match; header names ignore case.
 * - backendRefs name Services of the route's namespace; their selectors are the pods reached; a
 *   missing weight is 1; shares are normalised to percentages.
 *
 * The result has the shape of `semanticRouting()` of the VirtualService resolver.
 */
import { canonicalize, JsonValue, SemanticRouting } from './route-resolver';

export interface MeshRequest {
  readonly service: string;
  readonly namespace: string;
  readonly path?: string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly queryParams?: Record<string, string>;
}

type Obj = Record<string, any>;

function pathValue(m: Obj): { type: string; value: string } {
  return { type: m.path?.type ?? 'PathPrefix', value: m.path?.value ?? '/' };
}

function rank(m: Obj): number[] {
  const p = pathValue(m);
  const type = p.type === 'Exact' ? 3 : p.type === 'PathPrefix' ? 2 : 1;
  const length = p.type === 'PathPrefix' && p.value !== '/' ? p.value.replace(/\/$/, '').length : p.value.length;
  return [type, length, m.method ? 1 : 0, (m.headers ?? []).length, (m.queryParams ?? []).length];
}

function stringHolds(type: string | undefined, expected: string, actual: string | undefined): boolean {
  if (actual === undefined) return false;
  return (type ?? 'Exact') === 'Exact' ? actual === expected : new RegExp(`^(?:${expected})$`).test(actual);
}

function matchHolds(m: Obj, req: MeshRequest, path: string, query: Record<string, string>): boolean {
  const p = pathValue(m);
  if (p.type === 'Exact' && path !== p.value) return false;
  if (p.type === 'PathPrefix') {
    const prefix = p.value === '/' ? '/' : p.value.replace(/\/$/, '');
    if (!(prefix === '/' || path === prefix || path.startsWith(`${prefix}/`))) return false;
  }
  if (p.type === 'RegularExpression' && !new RegExp(`^(?:${p.value})$`).test(path)) return false;
  if (m.method && (req.method ?? 'GET') !== m.method) return false;
  const headers = Object.fromEntries(Object.entries(req.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  for (const h of m.headers ?? []) if (!stringHolds(h.type, h.value, headers[String(h.name).toLowerCase()])) return false;
  for (const q of m.queryParams ?? []) if (!stringHolds(q.type, q.value, query[q.name])) return false;
  return true;
}

function pods(objects: Obj[], namespace: string, service: string): string {
  const svc = objects.find((o) => o.kind === 'Service' && o.metadata.namespace === namespace && o.metadata.name === service);
  return svc ? `pods ${namespace} ${JSON.stringify(canonicalize(svc.spec.selector ?? {}))}` : `unresolved ${service}.${namespace}`;
}

/** `2000ms`, `2s`, `1m` as seconds, like the VirtualService resolver writes them. */
function seconds(d: string): string {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  for (const [, n, u] of d.matchAll(/(\d+)(ms|h|m|s)/g)) total += Number(n) * units[u];
  return `${Number(total.toPrecision(12))}s`;
}

/** Where a mesh request to `service` goes under the HTTPRoutes among `objects`; undefined when none routes it. */
export function resolveHttpRoute(objects: readonly unknown[], req: MeshRequest): SemanticRouting | undefined {
  const all = objects.filter((o): o is Obj => !!o && typeof o === 'object') as Obj[];
  const routes = all.filter((o) => o.kind === 'HTTPRoute' && o.metadata.namespace === req.namespace
    && (o.spec.parentRefs ?? []).some((p: Obj) => p.kind === 'Service' && p.group === '' && p.name === req.service));
  return resolveAmong(all, routes, req);
}

/** A request entering a Gateway API Gateway (`namespace/name`) for `host`. */
export interface GatewayRequest extends Omit<MeshRequest, 'service' | 'namespace'> {
  readonly gateway: string;
  readonly host: string;
}

function hostnameHolds(pattern: string, host: string): boolean {
  return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1 : pattern === host;
}

/** Whether a rule is the listener-level redirect to https (served before any route of the https listener). */
function isHttpsRedirect(rule: Obj): boolean {
  return (rule.filters ?? []).some((f: Obj) => f.type === 'RequestRedirect' && f.requestRedirect?.scheme === 'https');
}

/**
 * Where a request for `host` entering Gateway `gateway` goes under the HTTPRoutes attached to it
 * (Gateway parents, hostnames holding the host), leaving out redirects to https: what the https
 * listener serves. Undefined when no route of the gateway serves the host.
 */
export function resolveGatewayRoute(objects: readonly unknown[], req: GatewayRequest): SemanticRouting | undefined {
  const all = objects.filter((o): o is Obj => !!o && typeof o === 'object') as Obj[];
  const routes = all.filter((o) => o.kind === 'HTTPRoute'
    && (o.spec.parentRefs ?? []).some((p: Obj) => (p.kind ?? 'Gateway') === 'Gateway' && `${p.namespace ?? o.metadata.namespace}/${p.name}` === req.gateway)
    && (!o.spec.hostnames || o.spec.hostnames.some((h: string) => hostnameHolds(h, req.host)))
    && !(o.spec.rules ?? []).every(isHttpsRedirect));
  return resolveAmong(all, routes, { ...req, service: req.host, namespace: '' });
}

function resolveAmong(all: Obj[], routes: Obj[], req: MeshRequest): SemanticRouting | undefined {
  if (routes.length === 0) return undefined;
  const [rawPath, qs] = (req.path ?? '/').split('?');
  const query = { ...Object.fromEntries(new URLSearchParams(qs ?? '')), ...(req.queryParams ?? {}) };
  const entries = routes.flatMap((r) => (r.spec.rules ?? []).filter((rule: Obj) => !isHttpsRedirect(rule)).flatMap((rule: Obj) =>
    (rule.matches?.length ? rule.matches : [{ path: { type: 'PathPrefix', value: '/' } }]).map((m: Obj) => ({ rule, m, key: rank(m) }))));
  const sorted = entries.map((e, i) => ({ ...e, i })).sort((a, b) => {
    for (let k = 0; k < a.key.length; k++) if (a.key[k] !== b.key[k]) return b.key[k] - a.key[k];
    return a.i - b.i;
  });
  const hit = sorted.find((e) => matchHolds(e.m, req, rawPath, query));
  const routeNamespace = (rule: Obj) => routes.find((r) => (r.spec.rules ?? []).includes(rule))!.metadata.namespace as string;
  if (!hit) return { outcome: 'noRoute' };
  const rule = hit.rule;
  const out: SemanticRouting = { outcome: 'routed' };
  const refs: Obj[] = rule.backendRefs ?? [];
  const total = refs.reduce((s, b) => s + (b.weight ?? 1), 0);
  if (refs.length > 0) {
    const merged = new Map<string, number>();
    for (const b of refs) {
      const t = pods(all, b.namespace ?? routeNamespace(rule), b.name);
      merged.set(t, Math.round(((merged.get(t) ?? 0) + ((b.weight ?? 1) * 100) / total) * 1000) / 1000);
    }
    const port = refs[0].port;
    out.destinations = [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([target, weight]) => (port !== undefined ? { target, port, weight } : { target, weight }));
  }
  for (const f of rule.filters ?? []) {
    if (f.type === 'RequestMirror') {
      const m = f.requestMirror;
      const percent = m.percent ?? (m.fraction ? (100 * m.fraction.numerator) / (m.fraction.denominator ?? 100) : 100);
      const port = m.backendRef.port !== undefined ? { port: m.backendRef.port } : {};
      out.mirrors = [{ target: pods(all, m.backendRef.namespace ?? routeNamespace(rule), m.backendRef.name), ...port, percent }];
    } else if (f.type === 'RequestRedirect') {
      const r = f.requestRedirect;
      out.redirect = canonicalize({ uri: r.path?.replaceFullPath, authority: r.hostname, redirectCode: r.statusCode ?? 302 } as unknown as JsonValue);
      delete out.destinations;
    } else if (f.type === 'CORS') {
      // As Istio 1.30 reads the filter: exact origins, '*' any origin, maxAge in seconds.
      const c = f.cors;
      out.corsPolicy = canonicalize(JSON.parse(JSON.stringify({
        allowOrigins: c.allowOrigins?.map((o: string) => (o === '*' ? { regex: '.*' } : { exact: o })),
        allowMethods: c.allowMethods,
        allowHeaders: c.allowHeaders,
        exposeHeaders: c.exposeHeaders,
        maxAge: c.maxAge !== undefined ? `${c.maxAge}s` : undefined,
        allowCredentials: c.allowCredentials,
      })) as JsonValue);
    } else if (f.type === 'URLRewrite') {
      const r = f.urlRewrite;
      out.rewrite = canonicalize({ uri: r.path?.replaceFullPath, authority: r.hostname } as unknown as JsonValue);
    } else if (f.type === 'RequestHeaderModifier' || f.type === 'ResponseHeaderModifier') {
      const ops = f.requestHeaderModifier ?? f.responseHeaderModifier;
      const map = (l?: Obj[]) => (l ? Object.fromEntries(l.map((x) => [x.name, x.value])) : undefined);
      const headers = (out.headers ?? {}) as Obj;
      headers[f.type === 'RequestHeaderModifier' ? 'request' : 'response'] = { set: map(ops.set), add: map(ops.add), remove: ops.remove };
      out.headers = canonicalize(JSON.parse(JSON.stringify(headers)) as JsonValue);
    }
  }
  if (rule.timeouts?.request) out.timeout = seconds(rule.timeouts.request);
  return out;
}
