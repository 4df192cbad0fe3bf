/** A string condition of a match: `{ exact: v }`, `{ prefix: v }` or `{ regex: v }`. */
export type RenderedStringMatch = { readonly [kind: string]: string };

/** A request match rendered for Istio (HTTPMatchRequest) and Flagger (`analysis.match`). */
export interface RenderedMatch {
  readonly uri?: RenderedStringMatch;
  readonly method?: RenderedStringMatch;
  readonly headers?: { [name: string]: RenderedStringMatch };
  readonly queryParams?: { [name: string]: RenderedStringMatch };
  readonly sourceLabels?: { [key: string]: string };
  readonly sourceNamespace?: string;
}

/**
 * Set relations between HTTP matches, used to order the routes of a table (specific before
 * general), to find routes an earlier one shadows, and to combine a gateway route with the routes
 * of the service it sends to. Sound, not complete: `covers` answers true only when every request
 * matching `b` certainly matches `a`.
 */

type Labels = { readonly [key: string]: string };

/**
 * The match without conditions every request satisfies: every HTTP path starts with '/', so a path
 * prefix "/" is the same as no path condition.
 */
function normal(m: RenderedMatch): RenderedMatch {
  return m.uri?.prefix === '/' ? { ...m, uri: undefined } : m;
}

/** Whether a match holds for every request (no condition left once `normal`). */
function matchesEverything(m: RenderedMatch): boolean {
  return Object.values(normal(m)).every((v) => v === undefined);
}

/** A match's identity: equal keys match exactly the same requests. */
export function matchKey(m: RenderedMatch): string {
  const n = normal(m);
  return JSON.stringify([n.uri, n.method, n.headers, n.queryParams, n.sourceLabels, n.sourceNamespace]);
}

/** A route's identity (its alternatives, OR): equal keys route exactly the same requests; '' for every request. */
export function routeKey(matches: readonly RenderedMatch[]): string {
  return matches.length === 0 || matches.some(matchesEverything) ? '' : matches.map(matchKey).sort().join('|');
}

function stringCovers(a: RenderedStringMatch | undefined, b: RenderedStringMatch | undefined): boolean {
  if (a === undefined) return true;
  if (b === undefined) return false;
  if (a.exact !== undefined) return b.exact === a.exact;
  if (a.prefix !== undefined) {
    const bv = b.exact ?? b.prefix;
    return bv !== undefined && bv.startsWith(a.prefix);
  }
  return a.regex !== undefined && b.regex === a.regex;
}

function mapCovers(a: { [k: string]: RenderedStringMatch } | undefined, b: { [k: string]: RenderedStringMatch } | undefined): boolean {
  return Object.entries(a ?? {}).every(([k, v]) => stringCovers(v, b?.[k]));
}

function labelsCover(a: Labels | undefined, b: Labels | undefined): boolean {
  return Object.entries(a ?? {}).every(([k, v]) => b?.[k] === v);
}

/** Every request matching `b` matches `a`. */
export function matchCovers(ma: RenderedMatch, mb: RenderedMatch): boolean {
  const a = normal(ma);
  const b = normal(mb);
  return stringCovers(a.uri, b.uri) && stringCovers(a.method, b.method) && mapCovers(a.headers, b.headers)
    && mapCovers(a.queryParams, b.queryParams) && labelsCover(a.sourceLabels, b.sourceLabels)
    && (a.sourceNamespace === undefined || a.sourceNamespace === b.sourceNamespace);
}

/** A route's alternatives (OR; none = every request) cover every alternative of `b`. */
export function routeCovers(a: readonly RenderedMatch[], b: readonly RenderedMatch[]): boolean {
  if (a.length === 0 || a.some(matchesEverything)) return true;
  if (b.length === 0 || b.some(matchesEverything)) return false;
  return b.every((mb) => a.some((ma) => matchCovers(ma, mb)));
}

/** Result of combining two string conditions: the condition, `null` when nothing satisfies both, `'unknown'` when it cannot be expressed. */
type Combined<T> = T | undefined | null | 'unknown';

function intersectString(a: RenderedStringMatch | undefined, b: RenderedStringMatch | undefined): Combined<RenderedStringMatch> {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (stringCovers(a, b)) return b;
  if (stringCovers(b, a)) return a;
  if (a.regex !== undefined || b.regex !== undefined) return 'unknown';
  return null;
}

/**
 * The requests matching both `a` and `b`, as one match; `null` when no request matches both;
 * `undefined` when the intersection cannot be written as one Istio match (two different regexes
 * on one field), in which case the caller reports a conflict.
 */
export function intersectMatches(ma: RenderedMatch, mb: RenderedMatch): RenderedMatch | null | undefined {
  const a = normal(ma);
  const b = normal(mb);
  const out: { -readonly [K in keyof RenderedMatch]: RenderedMatch[K] } = {};
  for (const field of ['uri', 'method'] as const) {
    const c = intersectString(a[field], b[field]);
    if (c === null) return null;
    if (c === 'unknown') return undefined;
    if (c) out[field] = c;
  }
  for (const field of ['headers', 'queryParams'] as const) {
    const names = [...new Set([...Object.keys(a[field] ?? {}), ...Object.keys(b[field] ?? {})])].sort();
    if (names.length === 0) continue;
    const merged: { [k: string]: RenderedStringMatch } = {};
    for (const n of names) {
      const c = intersectString(a[field]?.[n], b[field]?.[n]);
      if (c === null) return null;
      if (c === 'unknown') return undefined;
      merged[n] = c!;
    }
    out[field] = merged;
  }
  if (a.sourceLabels || b.sourceLabels) {
    const merged: { [k: string]: string } = { ...(a.sourceLabels ?? {}) };
    for (const [k, v] of Object.entries(b.sourceLabels ?? {})) {
      if (merged[k] !== undefined && merged[k] !== v) return null;
      merged[k] = v;
    }
    out.sourceLabels = Object.fromEntries(Object.entries(merged).sort(([x], [y]) => x.localeCompare(y)));
  }
  if (a.sourceNamespace !== undefined && b.sourceNamespace !== undefined && a.sourceNamespace !== b.sourceNamespace) return null;
  const ns = a.sourceNamespace ?? b.sourceNamespace;
  if (ns !== undefined) out.sourceNamespace = ns;
  return out;
}

/** Whether the match depends on the sender, which only a sidecar knows (never true at a gateway). */
export function isMeshOnly(m: RenderedMatch): boolean {
  return m.sourceLabels !== undefined || m.sourceNamespace !== undefined;
}

/** The match in words, for errors. */
export function describeRenderedMatch(m: RenderedMatch): string {
  const parts: string[] = [];
  const s = (x: RenderedStringMatch) => Object.entries(x).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join('');
  if (m.uri) parts.push(`path ${s(m.uri)}`);
  if (m.method) parts.push(`method ${s(m.method)}`);
  for (const [n, v] of Object.entries(m.headers ?? {})) parts.push(`header ${n} ${s(v)}`);
  for (const [n, v] of Object.entries(m.queryParams ?? {})) parts.push(`query ${n} ${s(v)}`);
  if (m.sourceLabels) parts.push(`sender labels ${Object.entries(m.sourceLabels).map(([k, v]) => `${k}=${v}`).join(',')}`);
  if (m.sourceNamespace) parts.push(`sender namespace ${m.sourceNamespace}`);
  return parts.join(' and ') || 'every request';
}
