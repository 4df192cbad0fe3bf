/**
 * Resolves an HTTP request against synthesized Istio routing objects (VirtualService,
 * DestinationRule, Gateway, ServiceEntry, Service, and the pod templates of workloads), the way
 * istiod + Envoy would route it, so tests can assert *where traffic goes* rather than what YAML
 * was written:
 *
 *   const objects = parseAllDocuments(yaml).map((d) => d.toJS());
 *   const result = resolveRequest(objects, { gateway: 'mesh', host: 'reviews', sourceNamespace: 'shop' });
 *   expect(semanticRouting(result)).toEqual(...);
 *
 * Model (Istio semantics, simplified where noted):
 * - Hosts: a VirtualService/DestinationRule/destination host without a dot is expanded with the
 *   object's namespace (`reviews` -> `reviews.<ns>.svc.cluster.local`); anything with a dot is taken
 *   as written (Istio's ResolveShortnameToFQDN). A mesh client's host is expanded relative to
 *   `sourceNamespace` (`reviews`, `reviews.<ns>` for a known Service, `...svc`); a gateway request's
 *   host is the Host header as given (port stripped).
 * - VirtualService selection: `gateways` (default `['mesh']`; short names are in the VS namespace)
 *   must contain the request's gateway; `exportTo` must make it visible to the client namespace
 *   (`sourceNamespace` for mesh, the Gateway's namespace at a gateway; with no client namespace only
 *   unrestricted VSs are visible); at a gateway, the Gateway object must exist and one of its
 *   servers' `hosts` must admit the host for the VS namespace (ports and httpsRedirect ignored).
 *   The most specific host wins (exact > longer wildcard > `*`); several VSs at that level are an
 *   `ambiguous` error (Istio would merge or pick by creation time). Only VSs with `http` routes take
 *   part (tls/tcp routes are not HTTP routing).
 * - Routes are evaluated in order, first match wins. A match entry holds when all its fields hold.
 *   `sourceLabels`, `sourceNamespace`, `gateways` and `port` are config-time selectors in Istio: a
 *   route none of whose entries passes them is not installed for that client, and a VS with no
 *   installed route does not apply at all (istio/istio#60367). An undefined request `port` does not
 *   constrain `port` matches. `withoutHeaders` needs the header present with a non-matching value
 *   (Envoy invert_match; istio/istio#50988). Regexes are full matches (RE2 in Istio, JS RegExp here).
 * - Outcome: a matched route gives its destinations; a VS that applies but has no matching route
 *   gives `noRoute` (Envoy 404 NR: Istio adds no fallback route); no VS at all gives, for mesh, the
 *   default route to the Service / ServiceEntry host (`defaultRoute: true`), and `noRoute` at a
 *   gateway or for an unknown host.
 * - Destinations: weights normalised to percentages (a lone destination without weight = 100; all
 *   weights missing = equal split). `podLabels` = Service selector ∪ subset labels; the subset's
 *   DestinationRule is looked up as Istio does: client namespace, then the host's namespace, then
 *   the root namespace `istio-system` (exportTo honoured). A missing subset is a `missing-subset`
 *   error (Envoy 503 NC). ServiceEntry hosts are `external` (no pods); other hosts `unresolved`.
 */

/** A JSON value, as found in parsed YAML. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** An HTTP request as a client (mesh sidecar) or an ingress/egress gateway sees it. */
export interface RouteRequest {
  /** `'mesh'` for sidecar-to-service traffic, or `'<namespace>/<name>'` of the Istio Gateway the request enters by. */
  gateway: string;
  /** Host/authority as the client uses it: `reviews`, `reviews.shop.svc.cluster.local`, `shop.example.com`. */
  host: string;
  /** Namespace of the calling workload: needed to expand short mesh hosts, and for exportTo. */
  sourceNamespace?: string;
  /** Path, optionally with a query string. Default `/`. */
  path?: string;
  /** Default `GET`. */
  method?: string;
  /** Default `http`. */
  scheme?: string;
  /** Destination port; when undefined, `port` in match entries is not checked. */
  port?: number;
  /** Request headers; names are case-insensitive. */
  headers?: Record<string, string>;
  /** Pod labels of the calling workload. */
  sourceLabels?: Record<string, string>;
  /** Query parameters (merged with those of `path`). */
  queryParams?: Record<string, string>;
}

/** Where a destination or mirror host resolved to. */
export interface ResolvedTarget {
  /** FQDN of the destination host. */
  host: string;
  /** Destination port: the route's, else the Service's only port, else the request's. */
  port?: number;
  subset?: string;
  /** `service`: a Kubernetes Service; `external`: a ServiceEntry host; `unresolved`: neither. */
  kind: 'service' | 'external' | 'unresolved';
  /** Namespace of the Service or ServiceEntry. */
  namespace?: string;
  /** Labels selecting the destination pods: Service selector ∪ subset labels (Services only). */
  podLabels?: Record<string, string>;
  /** Workloads (`Kind namespace/name`) whose pod template carries all of `podLabels`. */
  workloads: string[];
}

/** A weighted destination of the matched route. */
export interface ResolvedDestination extends ResolvedTarget {
  /** Share of the traffic, in percent. */
  weight: number;
  /** Per-destination header manipulation. */
  headers?: JsonValue;
}

/** A mirror target of the matched route. */
export interface ResolvedMirror extends ResolvedTarget {
  /** Share of the traffic mirrored, in percent. */
  percent: number;
}

/** What a route does besides choosing destinations, as written in the VirtualService. */
export interface RouteActions {
  fault?: JsonValue;
  timeout?: JsonValue;
  retries?: JsonValue;
  rewrite?: JsonValue;
  redirect?: JsonValue;
  directResponse?: JsonValue;
  headers?: JsonValue;
  corsPolicy?: JsonValue;
}

/** The request was routed: by a VirtualService route, or by Istio's default route (mesh, no VS). */
export interface RoutedResult extends RouteActions {
  kind: 'routed';
  /** `namespace/name` of the VirtualService; absent for the default route. */
  virtualService?: string;
  /** The route's name, or `#<index>` when it has none. */
  route?: string;
  /** True when no VirtualService applied and the mesh sent the request to the host directly. */
  defaultRoute?: true;
  destinations: ResolvedDestination[];
  /** From `mirror` + `mirrorPercentage`. */
  mirror?: ResolvedMirror;
  /** From `mirrors[]`. */
  mirrors?: ResolvedMirror[];
}

/** A VirtualService applied but no route matched, or nothing routes the host (Envoy 404). */
export interface NoRouteResult {
  kind: 'noRoute';
  noRoute: true;
  /** The VirtualService that applied without a matching route, if any. */
  virtualService?: string;
  reason: string;
}

/** What can make a resolution fail. */
export type RouteErrorKind = 'ambiguous' | 'missing-subset' | 'unsupported';

/** The configuration does not determine a route. */
export interface RouteError {
  kind: 'error';
  error: RouteErrorKind;
  message: string;
  /** For `ambiguous`: the competing VirtualServices. */
  virtualServices?: string[];
}

export type RouteResult = RoutedResult | NoRouteResult | RouteError;

/** An Istio StringMatch. */
export interface StringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}

const MESH = 'mesh';
const DOMAIN = 'svc.cluster.local';
const ROOT_NAMESPACE = 'istio-system';
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'Rollout', 'Pod']);
const POLICY_FIELDS = ['fault', 'timeout', 'retries', 'rewrite', 'redirect', 'directResponse', 'headers', 'corsPolicy'] as const;

type Rec = Record<string, unknown>;
type Labels = Record<string, string>;

interface Obj { namespace: string; name: string; id: string; spec: Rec }
interface Service extends Obj { selector?: Labels; ports: number[] }
interface Gateway extends Obj { hosts: string[] }
interface Workload { ref: string; namespace: string; labels: Labels }
interface Model {
  virtualServices: Obj[];
  destinationRules: Obj[];
  serviceEntries: Obj[];
  services: Map<string, Service>;
  gateways: Map<string, Gateway>;
  workloads: Workload[];
}
interface Context {
  req: RouteRequest;
  gateway: string;
  clientNs?: string;
  fqdn: string;
  path: string;
  method: string;
  scheme: string;
  headers: Labels;
  query: Labels;
}

const rec = (x: unknown): Rec | undefined => (typeof x === 'object' && x !== null && !Array.isArray(x) ? x as Rec : undefined);
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : typeof x === 'number' || typeof x === 'boolean' ? String(x) : undefined);
const num = (x: unknown): number | undefined => (typeof x === 'number' ? x : undefined);
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const strs = (x: unknown): string[] => arr(x).map(str).filter((s): s is string => s !== undefined);
function labels(x: unknown): Labels | undefined {
  const r = rec(x);
  if (!r) return undefined;
  const out: Labels = {};
  for (const [k, v] of Object.entries(r)) {
    const s = str(v);
    if (s !== undefined) out[k] = s;
  }
  return out;
}

/** Converts parsed YAML to a JsonValue (undefined for what JSON cannot hold). */
function json(x: unknown): JsonValue | undefined {
  if (x === null || typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') return x;
  if (Array.isArray(x)) return x.map((v) => json(v) ?? null);
  const r = rec(x);
  if (!r) return undefined;
  const out: { [key: string]: JsonValue } = {};
  for (const [k, v] of Object.entries(r)) {
    const j = json(v);
    if (j !== undefined) out[k] = j;
  }
  return out;
}

/** A copy of `value` with object keys sorted recursively: stable JSON for comparisons and files. */
export function canonicalize<T extends JsonValue>(value: T): T;
export function canonicalize(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value === null || typeof value !== 'object') return value;
  const out: { [key: string]: JsonValue } = {};
  for (const k of Object.keys(value).sort()) out[k] = canonicalize(value[k]);
  return out;
}

const cache = new WeakMap<readonly unknown[], Model>();

function buildModel(objects: readonly unknown[]): Model {
  const model: Model = { virtualServices: [], destinationRules: [], serviceEntries: [], services: new Map(), gateways: new Map(), workloads: [] };
  for (const raw of objects) {
    const o = rec(raw);
    const meta = rec(o?.metadata);
    const kind = str(o?.kind);
    const name = str(meta?.name);
    if (!o || !kind || !name) continue;
    const namespace = str(meta?.namespace) ?? 'default';
    const base: Obj = { namespace, name, id: `${namespace}/${name}`, spec: rec(o.spec) ?? {} };
    const istio = str(o.apiVersion)?.startsWith('networking.istio.io/') ?? false;
    const istioList = kind === 'VirtualService' ? model.virtualServices
      : kind === 'DestinationRule' ? model.destinationRules
        : kind === 'ServiceEntry' ? model.serviceEntries : undefined;
    if (istio && istioList) {
      istioList.push(base);
    } else if (istio && kind === 'Gateway') {
      model.gateways.set(base.id, { ...base, hosts: arr(base.spec.servers).flatMap((s) => strs(rec(s)?.hosts)) });
    } else if (kind === 'Service' && o.apiVersion === 'v1') {
      const ports = arr(base.spec.ports).map((p) => num(rec(p)?.port)).filter((p): p is number => p !== undefined);
      model.services.set(`${name}.${namespace}.${DOMAIN}`, { ...base, selector: labels(base.spec.selector), ports });
    } else if (WORKLOAD_KINDS.has(kind)) {
      const podLabels = labels(kind === 'Pod' ? meta?.labels : rec(rec(base.spec.template)?.metadata)?.labels);
      if (podLabels) model.workloads.push({ ref: `${kind} ${base.id}`, namespace, labels: podLabels });
    }
  }
  return model;
}

/** Istio's ResolveShortnameToFQDN: a name without a dot is in `namespace`. */
function expandHost(host: string, namespace: string): string {
  const h = host.toLowerCase();
  return h === '*' || h.includes('.') ? h : `${h}.${namespace}.${DOMAIN}`;
}

/** The FQDN a mesh client reaches by calling `host` from `sourceNamespace` (Kubernetes DNS search path). */
function clientFqdn(host: string, sourceNamespace: string | undefined, model: Model): string {
  const h = host.toLowerCase();
  const parts = h.split('.');
  if (parts.length === 1) {
    if (!sourceNamespace) throw new Error(`resolveRequest: short host '${host}' needs sourceNamespace`);
    return `${h}.${sourceNamespace}.${DOMAIN}`;
  }
  if (parts.length === 2 && model.services.has(`${h}.${DOMAIN}`)) return `${h}.${DOMAIN}`;
  if (parts.length === 3 && parts[2] === 'svc') return `${h}.cluster.local`;
  return h;
}

/** How specifically `pattern` matches `host`: undefined when it does not. */
function hostSpecificity(pattern: string, host: string): number | undefined {
  if (pattern === host) return Number.MAX_SAFE_INTEGER;
  if (pattern === '*') return 0;
  if (pattern.startsWith('*.') && host.endsWith(pattern.slice(1))) return pattern.length;
  return undefined;
}

/** Whether an `exportTo` list makes an object of `namespace` visible to `clientNs`. */
function visible(exportTo: unknown, namespace: string, clientNs: string | undefined): boolean {
  const list = strs(exportTo);
  if (list.length === 0 || list.includes('*')) return true;
  if (clientNs === undefined) return false;
  return list.includes(clientNs) || (list.includes('.') && clientNs === namespace);
}

function gatewayAdmits(gw: Gateway, vsNamespace: string, host: string): boolean {
  return gw.hosts.some((entry) => {
    const [nsPart, hostPart] = entry.includes('/') ? entry.split('/', 2) : ['*', entry];
    const nsOk = nsPart === '*' || (nsPart === '.' ? vsNamespace === gw.namespace : nsPart === vsNamespace);
    return nsOk && hostSpecificity(hostPart.toLowerCase(), host) !== undefined;
  });
}

function compileRegex(regex: string): RegExp {
  try {
    return new RegExp(`^(?:${regex})$`);
  } catch (e) {
    throw new Error(`resolveRequest: invalid regex ${JSON.stringify(regex)}: ${(e as Error).message}`);
  }
}

/**
 * Whether `value` satisfies an Istio StringMatch (regex = full match). An undefined value never
 * matches; a StringMatch with no operator (or `regex: '*'`) only requires presence.
 */
export function stringMatches(match: StringMatch, value: string | undefined, ignoreCase = false): boolean {
  if (value === undefined) return false;
  const fold = (s: string): string => (ignoreCase ? s.toLowerCase() : s);
  if (match.exact !== undefined) return fold(value) === fold(match.exact);
  if (match.prefix !== undefined) return fold(value).startsWith(fold(match.prefix));
  if (match.regex !== undefined) return match.regex === '*' || compileRegex(match.regex).test(value);
  return true;
}

function toStringMatch(x: unknown): StringMatch {
  const r = rec(x) ?? {};
  return { exact: str(r.exact), prefix: str(r.prefix), regex: str(r.regex) };
}

function allMatch(conds: unknown, values: Labels, lowerKeys: boolean, invert = false): boolean {
  return Object.entries(rec(conds) ?? {}).every(([k, m]) => {
    const value = values[lowerKeys ? k.toLowerCase() : k];
    if (invert) return value !== undefined && !stringMatches(toStringMatch(m), value);
    return stringMatches(toStringMatch(m), value);
  });
}

function expandGateway(g: string, namespace: string): string {
  return g === MESH || g.includes('/') ? g : `${namespace}/${g}`;
}

/** Config-time fields of a match entry: they decide whether Istio installs the route for this client at all. */
function selectorHolds(m: Rec, vs: Obj, ctx: Context): boolean {
  const sourceLabels = labels(m.sourceLabels) ?? {};
  if (Object.entries(sourceLabels).some(([k, v]) => ctx.req.sourceLabels?.[k] !== v)) return false;
  if (m.sourceNamespace !== undefined && str(m.sourceNamespace) !== ctx.req.sourceNamespace) return false;
  const gateways = strs(m.gateways).map((g) => expandGateway(g, vs.namespace));
  if (gateways.length > 0 && !gateways.includes(ctx.gateway)) return false;
  const port = num(m.port);
  return port === undefined || ctx.req.port === undefined || port === ctx.req.port;
}

/** Request-time fields of a match entry. */
function requestHolds(m: Rec, ctx: Context): boolean {
  const check = (field: unknown, value: string, ignoreCase = false): boolean =>
    field === undefined || stringMatches(toStringMatch(field), value, ignoreCase);
  return check(m.uri, ctx.path, m.ignoreUriCase === true && rec(m.uri)?.regex === undefined)
    && check(m.scheme, ctx.scheme)
    && check(m.method, ctx.method)
    && check(m.authority, ctx.req.host)
    && allMatch(m.headers, ctx.headers, true)
    && allMatch(m.withoutHeaders, ctx.headers, true, true)
    && allMatch(m.queryParams, ctx.query, false);
}

const matchesOf = (route: Rec): Rec[] => arr(route.match).map((m) => rec(m) ?? {});

function routeInstalled(route: Rec, vs: Obj, ctx: Context): boolean {
  const ms = matchesOf(route);
  return ms.length === 0 || ms.some((m) => selectorHolds(m, vs, ctx));
}

function routeMatches(route: Rec, vs: Obj, ctx: Context): boolean {
  const ms = matchesOf(route);
  return ms.length === 0 || ms.some((m) => selectorHolds(m, vs, ctx) && requestHolds(m, ctx));
}

/** DestinationRule subsets for `host`, looked up in the client, host and root namespaces. */
function findSubsetLabels(model: Model, host: string, subset: string, namespaces: (string | undefined)[], clientNs?: string): Labels | undefined {
  for (const ns of [...new Set(namespaces)]) {
    if (ns === undefined) continue;
    let best: { spec: number; subsets: unknown[] } | undefined;
    for (const dr of model.destinationRules) {
      if (dr.namespace !== ns || !visible(dr.spec.exportTo, dr.namespace, clientNs)) continue;
      const s = hostSpecificity(expandHost(str(dr.spec.host) ?? '', dr.namespace), host);
      if (s === undefined) continue;
      if (!best || s > best.spec) best = { spec: s, subsets: [...arr(dr.spec.subsets)] };
      else if (s === best.spec) best.subsets.push(...arr(dr.spec.subsets));
    }
    if (!best) continue;
    const found = best.subsets.map(rec).find((s) => str(s?.name) === subset);
    return found ? labels(found.labels) ?? {} : undefined;
  }
  return undefined;
}

function resolveTarget(model: Model, dest: Rec, vsNamespace: string, ctx: Context): ResolvedTarget | RouteError {
  const host = expandHost(str(dest.host) ?? '', vsNamespace);
  const subset = str(dest.subset);
  const service = model.services.get(host);
  const entry = service
    ? undefined
    : model.serviceEntries.find((se) => strs(se.spec.hosts).some((h) => hostSpecificity(h.toLowerCase(), host) !== undefined));
  const namespace = service?.namespace ?? entry?.namespace;
  const port = num(rec(dest.port)?.number) ?? (service?.ports.length === 1 ? service.ports[0] : ctx.req.port);
  let subsetLabels: Labels = {};
  if (subset !== undefined) {
    const found = findSubsetLabels(model, host, subset, [ctx.clientNs, namespace ?? host.split('.')[1], ROOT_NAMESPACE], ctx.clientNs);
    if (!found) return { kind: 'error', error: 'missing-subset', message: `no DestinationRule subset '${subset}' for ${host} visible from ${ctx.clientNs ?? '(unknown namespace)'}` };
    subsetLabels = found;
  }
  const target: ResolvedTarget = { host, kind: service ? 'service' : entry ? 'external' : 'unresolved', workloads: [] };
  if (port !== undefined) target.port = port;
  if (subset !== undefined) target.subset = subset;
  if (namespace !== undefined) target.namespace = namespace;
  if (service) {
    const podLabels = { ...service.selector ?? {}, ...subsetLabels };
    target.podLabels = podLabels;
    target.workloads = model.workloads
      .filter((w) => w.namespace === service.namespace && Object.entries(podLabels).every(([k, v]) => w.labels[k] === v))
      .map((w) => w.ref).sort();
  }
  return target;
}

const percent = (x: unknown, fallback: number): number => num(rec(x)?.value) ?? fallback;

function buildRouted(model: Model, vs: Obj, route: Rec, index: number, ctx: Context): RoutedResult | RouteError {
  if (route.delegate !== undefined) return { kind: 'error', error: 'unsupported', message: `${vs.id} route ${index} delegates: not supported` };
  const dests = arr(route.route).map((d) => rec(d) ?? {});
  const explicit = dests.map((d) => num(d.weight));
  const total = explicit.reduce<number>((a, w) => a + (w ?? 0), 0);
  const destinations: ResolvedDestination[] = [];
  for (const [i, d] of dests.entries()) {
    const target = resolveTarget(model, rec(d.destination) ?? {}, vs.namespace, ctx);
    if ('error' in target) return target;
    const w = explicit[i];
    const weight = dests.length === 1 ? 100 : total === 0 ? 100 / dests.length : ((w ?? 0) * 100) / total;
    const dest: ResolvedDestination = { ...target, weight: Math.round(weight * 1000) / 1000 };
    const headers = json(d.headers);
    if (headers !== undefined) dest.headers = headers;
    destinations.push(dest);
  }
  const result: RoutedResult = { kind: 'routed', virtualService: vs.id, route: str(route.name) ?? `#${index}`, destinations };
  const mirror = rec(route.mirror);
  if (mirror) {
    const target = resolveTarget(model, mirror, vs.namespace, ctx);
    if ('error' in target) return target;
    result.mirror = { ...target, percent: percent(route.mirrorPercentage, num(route.mirrorPercent) ?? 100) };
  }
  if (route.mirrors !== undefined) {
    result.mirrors = [];
    for (const m of arr(route.mirrors).map((x) => rec(x) ?? {})) {
      const target = resolveTarget(model, rec(m.destination) ?? {}, vs.namespace, ctx);
      if ('error' in target) return target;
      result.mirrors.push({ ...target, percent: percent(m.percentage, 100) });
    }
  }
  for (const field of POLICY_FIELDS) {
    const value = json(route[field]);
    if (value !== undefined) result[field] = value;
  }
  return result;
}

function defaultRoute(model: Model, ctx: Context): RoutedResult | NoRouteResult {
  if (ctx.gateway !== MESH) return { kind: 'noRoute', noRoute: true, reason: `no VirtualService for ${ctx.fqdn} at gateway ${ctx.gateway}` };
  const target = resolveTarget(model, { host: ctx.fqdn }, 'default', ctx);
  if ('error' in target || target.kind === 'unresolved') return { kind: 'noRoute', noRoute: true, reason: `no VirtualService and no Service or ServiceEntry for ${ctx.fqdn}` };
  return { kind: 'routed', defaultRoute: true, destinations: [{ ...target, weight: 100 }] };
}

function makeContext(model: Model, req: RouteRequest): Context | NoRouteResult {
  const rawPath = req.path ?? '/';
  const q = rawPath.indexOf('?');
  const query: Labels = {};
  if (q >= 0) for (const [k, v] of new URLSearchParams(rawPath.slice(q + 1))) query[k] = v;
  Object.assign(query, req.queryParams ?? {});
  const headers: Labels = {};
  for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
  const host = req.host.replace(/:\d+$/, '');
  const base = { req, gateway: req.gateway, path: q >= 0 ? rawPath.slice(0, q) : rawPath, method: req.method ?? 'GET', scheme: req.scheme ?? 'http', headers, query };
  if (req.gateway === MESH) return { ...base, clientNs: req.sourceNamespace, fqdn: clientFqdn(host, req.sourceNamespace, model) };
  if (!/^[^/]+\/[^/]+$/.test(req.gateway)) throw new Error(`resolveRequest: gateway must be 'mesh' or '<namespace>/<name>', got '${req.gateway}'`);
  if (!model.gateways.has(req.gateway)) return { kind: 'noRoute', noRoute: true, reason: `Gateway ${req.gateway} not found` };
  return { ...base, clientNs: req.gateway.split('/')[0], fqdn: host.toLowerCase() };
}

/** Routes `request` through the Istio configuration in `objects` (see the file comment for the model). */
export function resolveRequest(objects: readonly unknown[], request: RouteRequest): RouteResult {
  let model = cache.get(objects);
  if (!model) cache.set(objects, model = buildModel(objects));
  const ctx = makeContext(model, request);
  if ('noRoute' in ctx) return ctx;

  let best: { spec: number; vss: Obj[] } = { spec: -1, vss: [] };
  for (const vs of model.virtualServices) {
    if (arr(vs.spec.http).length === 0) continue;
    const gateways = (vs.spec.gateways === undefined ? [MESH] : strs(vs.spec.gateways)).map((g) => expandGateway(g, vs.namespace));
    if (!gateways.includes(ctx.gateway) || !visible(vs.spec.exportTo, vs.namespace, ctx.clientNs)) continue;
    const gw = model.gateways.get(ctx.gateway);
    if (gw && !gatewayAdmits(gw, vs.namespace, ctx.fqdn)) continue;
    const specs = strs(vs.spec.hosts).map((h) => hostSpecificity(expandHost(h, vs.namespace), ctx.fqdn)).filter((s): s is number => s !== undefined);
    if (specs.length === 0) continue;
    const spec = Math.max(...specs);
    if (spec > best.spec) best = { spec, vss: [vs] };
    else if (spec === best.spec) best.vss.push(vs);
  }
  if (best.vss.length > 1) {
    const ids = best.vss.map((v) => v.id).sort();
    return { kind: 'error', error: 'ambiguous', message: `${ids.length} VirtualServices route ${ctx.fqdn} at ${ctx.gateway}: ${ids.join(', ')}`, virtualServices: ids };
  }
  const vs = best.vss[0];
  if (!vs) return defaultRoute(model, ctx);

  const routes = arr(vs.spec.http).map((r) => rec(r) ?? {});
  if (!routes.some((r) => routeInstalled(r, vs, ctx))) return defaultRoute(model, ctx);
  const index = routes.findIndex((r) => routeMatches(r, vs, ctx));
  if (index < 0) return { kind: 'noRoute', noRoute: true, virtualService: vs.id, reason: `no route of ${vs.id} matches` };
  return buildRouted(model, vs, routes[index], index, ctx);
}

/** A destination reduced to what it reaches: `pods <ns> <labels JSON>`, `external <host>` or `unresolved <host>`. */
export interface SemanticDestination {
  target: string;
  port?: number;
  weight: number;
  headers?: JsonValue;
}

export interface SemanticMirror {
  target: string;
  port?: number;
  percent: number;
}

/** A routing result reduced to its effect, independent of object, route and subset names. */
export interface SemanticRouting extends RouteActions {
  outcome: 'routed' | 'noRoute' | 'error';
  error?: RouteErrorKind;
  /** Sorted by target; destinations reaching the same pods and port are merged (weights summed). */
  destinations?: SemanticDestination[];
  mirrors?: SemanticMirror[];
}

function targetKey(t: ResolvedTarget): string {
  if (t.kind === 'service') return `pods ${t.namespace} ${JSON.stringify(canonicalize(t.podLabels ?? {}))}`;
  return `${t.kind} ${t.host}`;
}

/** `2000ms` and `2s` are the same timeout: durations become seconds (`2s`, `0.5s`). */
function normaliseDuration(x: JsonValue | undefined): JsonValue | undefined {
  const m = typeof x === 'string' ? /^(\d+(?:\.\d+)?)(h|m|s|ms|us|µs|ns)$/.exec(x) : null;
  if (!m) return x;
  const scale: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, ns: 1e-9 };
  return `${Number((Number(m[1]) * scale[m[2]]).toPrecision(12))}s`;
}

function normalisePolicy(field: typeof POLICY_FIELDS[number], value: JsonValue): JsonValue {
  const v = JSON.parse(JSON.stringify(value)) as JsonValue;
  const obj = (x: JsonValue | undefined): { [key: string]: JsonValue } | undefined => (x !== null && typeof x === 'object' && !Array.isArray(x) ? x : undefined);
  if (field === 'timeout') return normaliseDuration(v) ?? v;
  const o = obj(v);
  if (field === 'retries' && o) {
    if (o.perTryTimeout !== undefined) o.perTryTimeout = normaliseDuration(o.perTryTimeout) ?? null;
    if (typeof o.retryOn === 'string') o.retryOn = o.retryOn.split(',').map((s) => s.trim()).sort().join(',');
  }
  const delay = obj(o?.delay);
  if (field === 'fault' && delay?.fixedDelay !== undefined) delay.fixedDelay = normaliseDuration(delay.fixedDelay) ?? null;
  if (field === 'corsPolicy' && o?.maxAge !== undefined) o.maxAge = normaliseDuration(o.maxAge) ?? null;
  return v;
}

/**
 * Reduces a result to what matters for routing equivalence: the pods (namespace + label set) or
 * external host each destination reaches, with merged weights; mirrors by pods; and the route's
 * fault, timeout, retries, rewrite, redirect, directResponse, headers and corsPolicy (durations
 * normalised, retryOn sorted). Names of VirtualServices, routes and subsets do not appear.
 * Weight-0 destinations are kept (a canary controller needs them).
 */
export function semanticRouting(result: RouteResult): SemanticRouting {
  if (result.kind === 'error') return { outcome: 'error', error: result.error };
  if (result.kind === 'noRoute') return { outcome: 'noRoute' };
  const merged = new Map<string, SemanticDestination>();
  for (const d of result.destinations) {
    const sd: SemanticDestination = { target: targetKey(d), weight: 0 };
    if (d.port !== undefined) sd.port = d.port;
    if (d.headers !== undefined) sd.headers = canonicalize(d.headers);
    const key = JSON.stringify([sd.target, sd.port, sd.headers]);
    const prev = merged.get(key) ?? sd;
    prev.weight = Math.round((prev.weight + d.weight) * 1000) / 1000;
    merged.set(key, prev);
  }
  const out: SemanticRouting = { outcome: 'routed', destinations: [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, d]) => d) };
  const mirrors = [...result.mirror ? [result.mirror] : [], ...result.mirrors ?? []].map((m) => {
    const sm: SemanticMirror = { target: targetKey(m), percent: m.percent };
    if (m.port !== undefined) sm.port = m.port;
    return sm;
  });
  if (mirrors.length > 0) out.mirrors = mirrors.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  for (const field of POLICY_FIELDS) {
    const value = result[field];
    if (value !== undefined) out[field] = canonicalize(normalisePolicy(field, value));
  }
  return out;
}

/** A one-line, unique description of a request: `mesh GET reviews/ from=shop h:x-user=tester`. */
export function describeProbe(p: RouteRequest): string {
  const kv = (prefix: string, m?: Record<string, string>): string[] => Object.keys(m ?? {}).sort().map((k) => `${prefix}:${k}=${m?.[k]}`);
  return [
    `${p.gateway} ${p.method ?? 'GET'} ${p.scheme && p.scheme !== 'http' ? `${p.scheme}://` : ''}${p.host}${p.path ?? '/'}`,
    ...p.sourceNamespace !== undefined ? [`from=${p.sourceNamespace}`] : [],
    ...p.port !== undefined ? [`port=${p.port}`] : [],
    ...kv('h', p.headers), ...kv('q', p.queryParams), ...kv('src', p.sourceLabels),
  ].join(' ');
}
