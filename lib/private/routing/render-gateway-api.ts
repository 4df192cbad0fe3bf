import { describeRenderedMatch, intersectMatches, RenderedMatch, RenderedStringMatch } from './match-algebra';
import { escapeRegex } from './regex';
import { BackendDef, RouteBehaviour, RouteDef, ServiceTable, VersionDef } from './table';

/**
 * Renders a route table as Kubernetes Gateway API objects for mesh traffic (GAMMA): one HTTPRoute
 * whose parent is the Service, and one Service per version (Gateway API has no subsets). The
 * table's semantics are kept exactly, or the difference is a problem reported at synth:
 *
 * - Istio orders the rules of an HTTPRoute by Gateway API precedence (exact path, then the longer
 *   prefix or regex, then method, header and query counts), not as written. Every path condition
 *   except an exact path is rendered as a regex (a string prefix `P` as `P.*`, no path as `/.*`),
 *   so the rules stay in table order unless an exact path or a longer regex outranks an earlier
 *   route; when that would send some request elsewhere than the table does, it is a problem.
 * - Gateway API's `PathPrefix` matches whole path segments, where the table's prefix is a string
 *   prefix: hence the regex.
 * - Features without a Gateway API form in Istio 1.30's standard channel (fault injection, sender
 *   conditions, retries, CORS through the table, a path rewrite after a non-exact match) are
 *   problems naming the route and the fix, never dropped.
 */

type Json = Record<string, unknown>;

/** Istio's precedence of a match, as its GAMMA translation sorts routes (higher first). */
interface Precedence {
  readonly rank: number;
  readonly length: number;
  readonly method: boolean;
  readonly headers: number;
  readonly query: number;
}

/** The Service a version is served by under Gateway API: its own (`<service>-<version>`) unless it has one already. */
export function versionServiceName(table: ServiceTable, v: VersionDef): string {
  return v.host ?? `${table.service.name}-${v.name}`;
}

/** A string condition as a Gateway API `{ type, value }`: exact, or a full-match regex. */
function stringMatch(m: RenderedStringMatch): { type: string; value: string } {
  if (m.exact !== undefined) return { type: 'Exact', value: m.exact };
  if (m.prefix !== undefined) return { type: 'RegularExpression', value: `${escapeRegex(m.prefix)}.*` };
  return { type: 'RegularExpression', value: m.regex };
}

/** A match as a Gateway API `HTTPRouteMatch` (every path condition but an exact one as a full-match regex). */
export function httpRouteMatch(m: RenderedMatch): Json {
  const path = m.uri === undefined || m.uri.prefix === '/' ? { type: 'RegularExpression', value: '/.*' } : stringMatch(m.uri);
  const headers = Object.entries(m.headers ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([name, v]) => ({ name, ...stringMatch(v) }));
  const queryParams = Object.entries(m.queryParams ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([name, v]) => ({ name, ...stringMatch(v) }));
  return {
    path,
    method: m.method?.exact,
    headers: headers.length ? headers : undefined,
    queryParams: queryParams.length ? queryParams : undefined,
  };
}

function precedence(rendered: Json): Precedence {
  const path = rendered.path as { type: string; value: string };
  return {
    rank: path.type === 'Exact' ? 3 : path.type === 'PathPrefix' ? 2 : 1,
    length: path.value.length,
    method: rendered.method !== undefined,
    headers: ((rendered.headers as unknown[]) ?? []).length,
    query: ((rendered.queryParams as unknown[]) ?? []).length,
  };
}

/** Whether `a` comes before `b` in Istio's sort (stable: false for equal precedence). */
function outranks(a: Precedence, b: Precedence): boolean {
  if (a.rank !== b.rank) return a.rank > b.rank;
  if (a.length !== b.length) return a.length > b.length;
  if (a.method !== b.method) return a.method;
  if (a.headers !== b.headers) return a.headers > b.headers;
  return a.query > b.query;
}

/** A Gateway API Duration (`1h30m`, `10s`, `1500ms`: up to five digits per unit). */
export function gatewayDuration(istio: string): string | undefined {
  const ms = parseDurationMs(istio);
  if (ms === undefined) return undefined;
  if (ms % 1000 !== 0) return ms <= 99999 ? `${ms}ms` : undefined;
  let s = ms / 1000;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const min = Math.floor(s / 60);
  s -= min * 60;
  const parts = [h ? `${h}h` : '', min ? `${min}m` : '', s ? `${s}s` : ''].join('');
  return h > 99999 ? undefined : parts || '0s';
}

function backendRef(table: ServiceTable, version: string | undefined, weight?: number): Json {
  const v = version === undefined ? undefined : table.versions.find((x) => x.name === version);
  return { name: v ? versionServiceName(table, v) : table.service.name, port: table.service.port, weight };
}

/** A Gateway API header modifier of header operations. */
export function headerModifier(ops: RouteBehaviour['requestHeaders']): Json {
  const pairs = (o?: { readonly [name: string]: string }) => {
    const list = Object.entries(o ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => ({ name, value }));
    return list.length ? list : undefined;
  };
  return { set: pairs(ops?.set), add: pairs(ops?.add), remove: ops?.remove?.length ? [...ops.remove] : undefined };
}

function filters(table: ServiceTable, r: RouteDef): Json[] {
  const b = r.behaviour;
  const out: Json[] = [];
  if (b.requestHeaders) out.push({ type: 'RequestHeaderModifier', requestHeaderModifier: headerModifier(b.requestHeaders) });
  if (b.responseHeaders) out.push({ type: 'ResponseHeaderModifier', responseHeaderModifier: headerModifier(b.responseHeaders) });
  if (b.mirror) {
    const percent = b.mirror.percent;
    const share = percent === undefined ? {}
      : Number.isInteger(percent) ? { percent } : { fraction: { numerator: Math.round(percent * 10000), denominator: 1000000 } };
    out.push({ type: 'RequestMirror', requestMirror: { backendRef: backendRef(table, b.mirror.version), ...share } });
  }
  if (b.redirect) {
    out.push({
      type: 'RequestRedirect',
      requestRedirect: {
        path: b.redirect.uri !== undefined ? { type: 'ReplaceFullPath', replaceFullPath: b.redirect.uri } : undefined,
        hostname: b.redirect.authority,
        // A VirtualService redirect answers 301 by default, Gateway API 302: write the code.
        statusCode: b.redirect.redirectCode ?? 301,
        // A VirtualService redirect keeps the scheme's default port; Gateway API's takes the request's (the
        // Service port for mesh traffic, e.g. books.example.com:9080). Port 80 is what Istio leaves out of an http Location.
        port: 80,
      },
    });
  }
  if (b.corsPolicy) {
    const cors = gatewayCors(b.corsPolicy);
    if (cors.filter) out.push({ type: 'CORS', cors: cors.filter });
  }
  if (b.rewrite) {
    out.push({
      type: 'URLRewrite',
      urlRewrite: {
        hostname: b.rewrite.authority,
        path: b.rewrite.uri !== undefined ? { type: 'ReplaceFullPath', replaceFullPath: b.rewrite.uri } : undefined,
      },
    });
  }
  return out;
}

function rule(table: ServiceTable, r: RouteDef): Json {
  const f = filters(table, r);
  const timeout = r.behaviour.timeout !== undefined ? gatewayDuration(r.behaviour.timeout) : undefined;
  return {
    name: r.name,
    matches: (r.matches.length ? r.matches : [{}]).map(httpRouteMatch),
    backendRefs: r.backends.length
      ? r.backends.map((x: BackendDef) => backendRef(table, x.version, r.backends.length > 1 ? x.weight : undefined)) : undefined,
    filters: f.length ? f : undefined,
    timeouts: timeout ? { request: timeout } : undefined,
  };
}

/** The HTTPRoute spec of a table: its Service as parent, one rule per route in table order. */
export function renderHttpRouteSpec(table: ServiceTable): Json {
  return {
    parentRefs: [{ group: '', kind: 'Service', name: table.service.name, port: table.service.port }],
    rules: table.orderedRoutesSafe().map((r) => rule(table, r)),
  };
}


/** Features of a route Gateway API cannot carry, as problems with the fix. */
function unsupported(table: ServiceTable, r: RouteDef): string[] {
  const at = `route "${r.name}" of service ${table.key} (${r.owner.node.path})`;
  const out: string[] = [];
  const b = r.behaviour;
  if (b.fault) out.push(`${at} injects a fault, which Gateway API has no form for; route the service with RoutingApi.ISTIO to inject faults`);
  if (b.retries) {
    out.push(`${at} sets 'retries', which Gateway API 1.5 has only in its experimental channel; drop the retries or route the service with RoutingApi.ISTIO`);
  }
  if (b.corsPolicy) out.push(...(gatewayCors(b.corsPolicy).problems ?? []).map((p) => `${at} ${p}`));
  if (r.matches.some((m) => m.sourceLabels || m.sourceNamespace)) {
    out.push(`${at} matches on the sender (source labels or namespace), which Gateway API cannot express; match on a header, or use RoutingApi.ISTIO`);
  }
  if (b.rewrite?.uri !== undefined && !(r.matches.length > 0 && r.matches.every((m) => m.uri?.exact !== undefined))) {
    out.push(`${at} rewrites the path after a match that is not an exact path; Gateway API replaces a prefix only after its own (segment) prefix match: ` +
      'match the exact path, or use RoutingApi.ISTIO');
  }
  if (b.timeout !== undefined && gatewayDuration(b.timeout) === undefined) {
    out.push(`${at} has timeout ${b.timeout}, which a Gateway API duration cannot write (whole milliseconds, at most 99999 per unit); round it`);
  }
  return out;
}

/**
 * Problems of rendering the table with Gateway API: unsupported features, versions without pods
 * of their own to select, and routes whose requests Istio's precedence sort would hand to another
 * route than the table does.
 */
export function gatewayApiProblems(table: ServiceTable): string[] {
  const routes = table.orderedRoutesSafe();
  const problems = routes.flatMap((r) => unsupported(table, r));
  for (const v of table.versions) {
    if (!v.host && !v.labels) problems.push(`version "${v.name}" of service ${table.key} has no pod labels to give its Service; give it a selector`);
  }
  // One entry per match, in table order, as Istio splits the rules before sorting them.
  const entries = routes.flatMap((r, i) => (r.matches.length ? r.matches : [{}])
    .map((m) => ({ index: i, match: m, outcome: JSON.stringify([r.backends, r.behaviour]), route: r })));
  for (const { early, late } of precedenceConflicts(entries)) {
    problems.push(`route "${late.route.name}" of service ${table.key} (${describeRenderedMatch(late.match)}, ${late.route.owner.node.path}) would take ` +
      `requests that route "${early.route.name}" (${describeRenderedMatch(early.match)}) takes first: ${PRECEDENCE_FIX}`);
  }
  return [...new Set(problems)];
}

/** Why a rule order problem exists and how to fix it, for messages. */
export const PRECEDENCE_FIX = 'Gateway API ranks an exact path, a longer path pattern, a method, and more header or query conditions first, ' +
  'whatever the order; make the matches disjoint, put the higher-ranked route first, or use RoutingApi.ISTIO';

/** One match of a rule, in the order the rules are written: `index` is its rule's position, `outcome` what the rule does. */
export interface RankedMatch {
  readonly index: number;
  readonly match: RenderedMatch;
  readonly outcome: string;
}

/**
 * Pairs of matches where Istio's precedence sort puts the later rule first and some request matches
 * both with different outcomes: that request would take another rule than written.
 */
export function precedenceConflicts<T extends RankedMatch>(entries: readonly T[]): Array<{ early: T; late: T }> {
  const ranked = entries.map((e) => ({ e, p: precedence(httpRouteMatch(e.match)) }));
  const out: Array<{ early: T; late: T }> = [];
  for (let j = 0; j < ranked.length; j++) {
    for (let i = 0; i < j; i++) {
      const early = ranked[i];
      const late = ranked[j];
      if (early.e.index === late.e.index || !outranks(late.p, early.p) || early.e.outcome === late.e.outcome) continue;
      if (intersectMatches(early.e.match, late.e.match) === null) continue;
      out.push({ early: early.e, late: late.e });
    }
  }
  return out;
}

/** Gateway API CORS `allowMethods` values (its enum). */
const CORS_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', '*']);

/**
 * A CORS policy (as written for a VirtualService) as a Gateway API `CORS` filter, or why it has none.
 * Istio 1.30 reads the filter back into the same policy; `*` admits any well-formed origin.
 */
export function gatewayCors(cors: Record<string, any>): { filter?: Json; problems?: string[] } {
  const problems: string[] = [];
  const origins = (cors.allowOrigins ?? []).map((o: Record<string, string>) => (o.regex === '.*' ? '*' : o.exact));
  const methods: string[] = cors.allowMethods ?? [];
  const odd = methods.filter((m) => !CORS_METHODS.has(m));
  if (odd.length) {
    problems.push(`allows CORS method ${odd.join(', ')}, which a Gateway API CORS filter cannot list (only ${[...CORS_METHODS].join(', ')}); drop it or use RoutingApi.ISTIO`);
  }
  let maxAge: number | undefined;
  if (cors.maxAge !== undefined) {
    const ms = parseDurationMs(String(cors.maxAge));
    if (ms === undefined || ms % 1000 !== 0) {
      problems.push(`has CORS maxAge ${cors.maxAge}, which a Gateway API CORS filter writes in whole seconds; round it`);
    } else {
      maxAge = ms / 1000;
    }
  }
  if (problems.length) return { problems };
  return {
    filter: {
      allowOrigins: origins,
      allowMethods: methods.length ? [...methods] : undefined,
      allowHeaders: cors.allowHeaders?.length ? [...cors.allowHeaders] : undefined,
      exposeHeaders: cors.exposeHeaders?.length ? [...cors.exposeHeaders] : undefined,
      maxAge,
      allowCredentials: cors.allowCredentials,
    },
  };
}

/** Milliseconds of an Istio duration (`10s`, `1.5s`, `250ms`), undefined when not one. */
function parseDurationMs(d: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(d);
  if (!m) return undefined;
  const ms = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
  return Number.isInteger(ms) ? ms : undefined;
}
