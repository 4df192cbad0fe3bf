/**
 * CEL for CRD `x-kubernetes-validations`, as the Kubernetes API server evaluates them on create.
 *
 * The evaluator is `@bufbuild/cel` (standard library plus its `strings` extension). Kubernetes adds
 * extension libraries of its own; the ones the Istio CRDs use are implemented here (`url`, `isURL`
 * and the URL accessors). A rule calling any other unknown function is not evaluated: it is
 * reported as such (see `compileRule`), never skipped silently.
 *
 * Simplification: a Kubernetes `URL` value is represented as the (checked) string itself, so the URL
 * accessors are methods on strings. Rules written for the API server behave the same; only rules the
 * API server would reject at CRD creation (calling `getScheme()` on a plain string) are accepted here.
 */
import type { CelEnv, CelResult } from '@bufbuild/cel';
import { cel, celStrings } from '../cel-module';

/** An absolute URI or an absolute path, as Go's `url.ParseRequestURI` (Kubernetes `url()`) accepts. */
interface ParsedUrl {
  scheme: string;
  host: string;
  hostname: string;
  port: string;
  path: string;
  query: string;
}

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):(.*)$/s;
const HOST_CHARS = /^[A-Za-z0-9.\-_~%!$&'()*+,;=]*$/;
const USERINFO_CHARS = /^[A-Za-z0-9.\-_~%!$&'()*+,;=:@]*$/;

/**
 * Parses like Go's url.ParseRequestURI; undefined when Go would return an error. As in Go, a `#` is
 * not a fragment delimiter here, and every `%` must start a valid escape.
 */
export function parseRequestUri(s: string): ParsedUrl | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f]/.test(s) || /%(?![0-9A-Fa-f]{2})/.test(s)) return undefined;
  const [beforeQuery, ...q] = s.split('?');
  const query = q.join('?');
  if (beforeQuery.startsWith('/')) {
    return { scheme: '', host: '', hostname: '', port: '', path: beforeQuery, query };
  }
  const m = SCHEME.exec(beforeQuery);
  if (!m) return undefined;
  const scheme = m[1].toLowerCase();
  const rest = m[2];
  if (!rest.startsWith('//')) {
    // A path (`file:/x`) or an opaque URL (`mailto:x`, `localhost:5000/img`): valid for Go, no host.
    return { scheme, host: '', hostname: '', port: '', path: rest, query };
  }
  const afterSlashes = rest.slice(2);
  const slash = afterSlashes.indexOf('/');
  const authority = slash < 0 ? afterSlashes : afterSlashes.slice(0, slash);
  const path = slash < 0 ? '' : afterSlashes.slice(slash);
  const at = authority.lastIndexOf('@');
  if (at >= 0 && !USERINFO_CHARS.test(authority.slice(0, at))) return undefined;
  const host = authority.slice(at + 1);
  const hp = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]*)(?::(\d*))?$/.exec(host);
  if (!hp || (!hp[1].startsWith('[') && !HOST_CHARS.test(hp[1]))) return undefined;
  const hostname = hp[1].startsWith('[') ? hp[1].slice(1, -1) : hp[1];
  return { scheme, host, hostname, port: hp[2] ?? '', path, query };
}

function mustParse(s: string): ParsedUrl {
  const u = parseRequestUri(s);
  if (!u) throw new Error(`URL parse error during conversion from string: ${JSON.stringify(s)}`);
  return u;
}

/** The Kubernetes URL library (k8s.io/apiserver/pkg/cel/library/urls.go), URL values as strings. */
function kubernetesUrls() {
  const { celFunc, celMethod, CelScalar } = cel();
  return [
    celFunc('url', [CelScalar.STRING], CelScalar.STRING, (s) => (mustParse(s), s)),
    celFunc('isURL', [CelScalar.STRING], CelScalar.BOOL, (s) => parseRequestUri(s) !== undefined),
    celMethod('getScheme', CelScalar.STRING, [], CelScalar.STRING, function () { return mustParse(this).scheme; }),
    celMethod('getHost', CelScalar.STRING, [], CelScalar.STRING, function () { return mustParse(this).host; }),
    celMethod('getHostname', CelScalar.STRING, [], CelScalar.STRING, function () { return mustParse(this).hostname; }),
    celMethod('getPort', CelScalar.STRING, [], CelScalar.STRING, function () { return mustParse(this).port; }),
    celMethod('getEscapedPath', CelScalar.STRING, [], CelScalar.STRING, function () { return mustParse(this).path; }),
  ];
}

/** Operators and macros the planner implements itself (they are not in the function registry). */
const PLANNER_BUILTINS = new Set(['_?_:_', '_&&_', '_||_', '_[_]', '@not_strictly_false', '_[?_]', '_?._', '@in']);

let env: CelEnv | undefined;

/** The environment every rule is evaluated in (built on first use: importing this module stays cheap). */
export function kubernetesCelEnv(): CelEnv {
  env ??= cel().celEnv({ funcs: [...celStrings(), ...kubernetesUrls()] });
  return env;
}

/** A compiled rule, or why it cannot be evaluated here. */
export type CompiledRule =
  | { readonly ok: true; readonly transition: boolean; readonly run: (self: unknown) => CelResult }
  | { readonly ok: false; readonly reason: string };

/** Every rule compiled so far, by its text (module level: shared by every validator of the process). */
const cache = new Map<string, CompiledRule>();

/**
 * Compiles a rule once per process (cached by text). Fails, with the reason, when the expression does not parse
 * or calls a function this environment lacks (a Kubernetes extension we did not implement).
 * Rules reading `oldSelf` are transition rules: the API server does not run them on create.
 */
export function compileRule(rule: string): CompiledRule {
  const hit = cache.get(rule);
  if (hit) return hit;
  let compiled: CompiledRule;
  try {
    const parsed = cel().parse(rule);
    const celEnvironment = kubernetesCelEnv();
    const missing = [...callNames(parsed.expr)].filter((n) => !PLANNER_BUILTINS.has(n) && !celEnvironment.funcs.find(n));
    if (missing.length > 0) {
      compiled = { ok: false, reason: `uses function(s) not available in @bufbuild/cel nor implemented here: ${missing.join(', ')}` };
    } else {
      const fn = cel().plan(celEnvironment, parsed) as (ctx: Record<string, unknown>) => CelResult;
      const transition = /\boldSelf\b/.test(rule);
      compiled = { ok: true, transition, run: (self) => fn({ self: self as never }) };
    }
  } catch (e) {
    compiled = { ok: false, reason: `does not compile: ${(e as Error).message.split('\n')[0]}` };
  }
  cache.set(rule, compiled);
  return compiled;
}

/** Function names called anywhere in a parsed expression (protobuf-es `cel.expr.Expr`). */
function callNames(expr: unknown, out = new Set<string>()): Set<string> {
  if (!expr || typeof expr !== 'object') return out;
  const kind = (expr as { exprKind?: { case?: string; value?: Record<string, unknown> } }).exprKind;
  if (kind?.case === 'callExpr' && typeof kind.value?.function === 'string') out.add(kind.value.function);
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach(visit);
    } else if (v && typeof v === 'object') {
      if ('exprKind' in v) callNames(v, out);
      else Object.values(v).forEach(visit);
    }
  };
  if (kind?.value) Object.values(kind.value).forEach(visit);
  return out;
}

/** Outcome of one rule on one value. */
export type RuleOutcome = { readonly result: 'pass' } | { readonly result: 'fail' } | { readonly result: 'error'; readonly message: string };

/** Runs a compiled rule with `self` bound to an already converted value (see `toCelValue`). */
export function evaluateRule(compiled: CompiledRule & { ok: true }, self: unknown): RuleOutcome {
  let r: CelResult;
  try {
    r = compiled.run(self);
  } catch (e) {
    return { result: 'error', message: (e as Error).message };
  }
  if (cel().isCelError(r)) return { result: 'error', message: r.message };
  if (r === true) return { result: 'pass' };
  if (r === false) return { result: 'fail' };
  return { result: 'error', message: `rule did not evaluate to a bool (${typeof r})` };
}

/**
 * Converts a JSON value into CEL input the way Kubernetes types it from the schema:
 * `integer` (and int-or-string numbers) become CEL `int`, `number` stays `double`, objects become
 * maps/messages, arrays lists. Unknown (preserved) fields: whole numbers are ints.
 */
export function toCelValue(schema: Schema | undefined, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map((x) => toCelValue(schema?.items, x));
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = toCelValue(childSchema(schema, k), x);
    return out;
  }
  if (typeof v === 'number') return schema?.type === 'number' || !Number.isInteger(v) ? v : BigInt(v);
  return v;
}

/** The subset of a CRD structural schema the validators walk. */
export interface Schema {
  'type'?: string;
  'properties'?: Record<string, Schema>;
  'additionalProperties'?: Schema | boolean;
  'items'?: Schema;
  'required'?: string[];
  'oneOf'?: Schema[];
  'anyOf'?: Schema[];
  'allOf'?: Schema[];
  'not'?: Schema;
  'x-kubernetes-validations'?: Array<{ rule: string; message?: string; messageExpression?: string; fieldPath?: string; reason?: string }>;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  [k: string]: unknown;
}

/** Schema of property `k` of an object schema (declared property, else additionalProperties). */
export function childSchema(schema: Schema | undefined, k: string): Schema | undefined {
  if (!schema) return undefined;
  if (schema.properties && k in schema.properties) return schema.properties[k];
  return typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
}
