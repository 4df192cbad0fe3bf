import { IConstruct } from 'constructs';
import { describeValue, MeshValidationError } from './private/errors';
import { RenderedMatch } from './private/routing/match-algebra';
import { validateRe2, escapeRegex } from './private/routing/regex';
import { isDnsLabel } from './private/validate';

type Kind = 'exact' | 'prefix' | 'regex';

/** One condition of a match, as declared. */
interface Condition {
  readonly field: 'uri' | 'method' | 'header' | 'queryParam' | 'sourceLabels' | 'sourceNamespace';
  /** Header or query parameter name. */
  readonly name?: string;
  readonly kind?: Kind;
  readonly value?: string;
  readonly labels?: { [key: string]: string };
  /** The condition in words. */
  readonly what: string;
  /** A cookie match keeps its own name and value for validation. */
  readonly cookie?: { readonly name: string; readonly value: string };
}

const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const COOKIE_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const METHOD = /^[A-Z]+$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Which requests a route applies to: path, method, headers, cookies, query parameters, or the
 * workload and namespace that send them. Used by `ServiceRouting` routes and by `CanaryRelease`
 * to send matching requests to the canary (A/B tests, "route the test user to v2").
 *
 * All conditions of one match must hold (AND); give several matches for OR.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest
 */
export class RequestMatch {
  /**
   * Requests whose header `name` is exactly `value`.
   * @param name header name (case-insensitive; rendered in lowercase as Istio requires)
   */
  public static headerExact(name: string, value: string): RequestMatch {
    return RequestMatch.header(name, 'exact', value, `header ${lower(name)}: ${value}`);
  }

  /** Requests whose header `name` starts with `prefix`. */
  public static headerPrefix(name: string, prefix: string): RequestMatch {
    return RequestMatch.header(name, 'prefix', prefix, `header ${lower(name)}: ${prefix}*`);
  }

  /** Requests whose header `name` matches the RE2 regular expression `regex` (whole value). */
  public static headerRegex(name: string, regex: string): RequestMatch {
    return RequestMatch.header(name, 'regex', regex, `header ${lower(name)} ~ /${regex}/`);
  }

  /**
   * Requests carrying the cookie `name` with exactly `value` (a regular expression on the
   * `cookie` header, as Istio has no cookie match of its own).
   */
  public static cookie(name: string, value: string): RequestMatch {
    const regex = `^(.*?;\\s*)?(${escapeRegex(String(name))}=${escapeRegex(String(value))})(;.*)?$`;
    return new RequestMatch([{ field: 'header', name: 'cookie', kind: 'regex', value: regex, what: `cookie ${name}=${value}`, cookie: { name, value } }]);
  }

  /** Requests whose path is exactly `path`, e.g. `/productpage`. */
  public static pathExact(path: string): RequestMatch {
    return new RequestMatch([{ field: 'uri', kind: 'exact', value: path, what: `path ${path}` }]);
  }

  /** Requests whose path starts with `prefix`, e.g. `/api/`. */
  public static pathPrefix(prefix: string): RequestMatch {
    return new RequestMatch([{ field: 'uri', kind: 'prefix', value: prefix, what: `path ${prefix}*` }]);
  }

  /** Requests whose whole path matches the RE2 regular expression `regex`. */
  public static pathRegex(regex: string): RequestMatch {
    return new RequestMatch([{ field: 'uri', kind: 'regex', value: regex, what: `path ~ /${regex}/` }]);
  }

  /** Requests with HTTP method `method` (upper case, e.g. `GET`). */
  public static method(method: string): RequestMatch {
    return new RequestMatch([{ field: 'method', kind: 'exact', value: method, what: `method ${method}` }]);
  }

  /** Requests whose query parameter `name` is exactly `value`. */
  public static queryParamExact(name: string, value: string): RequestMatch {
    return new RequestMatch([{ field: 'queryParam', name, kind: 'exact', value, what: `query ${name}=${value}` }]);
  }

  /** Requests whose query parameter `name` matches the RE2 regular expression `regex`. */
  public static queryParamRegex(name: string, regex: string): RequestMatch {
    return new RequestMatch([{ field: 'queryParam', name, kind: 'regex', value: regex, what: `query ${name} ~ /${regex}/` }]);
  }

  /**
   * Requests sent by workloads whose pods carry all of `labels` (e.g. `{ app: 'qa-bot' }`).
   *
   * Only sidecars know the sender's labels: such a match applies to mesh-internal traffic and is
   * left out of gateway routes.
   */
  public static sourceLabels(labels: { [key: string]: string }): RequestMatch {
    return new RequestMatch([{ field: 'sourceLabels', labels: labels && typeof labels === 'object' ? { ...labels } : labels, what: `sender pods labelled ${labelsText(labels)}` }]);
  }

  /**
   * Requests sent by workloads of namespace `namespace`. Mesh-internal only, like
   * `sourceLabels`.
   */
  public static sourceNamespace(namespace: string): RequestMatch {
    return new RequestMatch([{ field: 'sourceNamespace', value: namespace, what: `senders in namespace ${namespace}` }]);
  }

  /** Requests that satisfy every one of `matches`. */
  public static allOf(matches: RequestMatch[]): RequestMatch {
    return new RequestMatch((matches ?? []).flatMap((m) => m.conditions), (matches ?? []).length === 0);
  }

  private static header(name: string, kind: Kind, value: string, what: string): RequestMatch {
    return new RequestMatch([{ field: 'header', name: lower(name), kind, value, what }]);
  }

  private constructor(private readonly conditions: Condition[], private readonly emptyAllOf = false) {}

  /**
   * Whether the match depends on the sender (labels or namespace), which only sidecars know.
   * @internal
   */
  public get _meshOnly(): boolean {
    return this.conditions.some((c) => c.field === 'sourceLabels' || c.field === 'sourceNamespace');
  }

  /**
   * Human-readable form for plans and errors, e.g. `cookie user=tester and header x-beta: on`.
   * @internal
   */
  public get _description(): string {
    return this.conditions.map((c) => c.what).join(' and ');
  }

  /**
   * Validates and renders the match; errors name `scope` and `prop`.
   * @internal
   */
  public _render(scope: IConstruct, prop: string): RenderedMatch {
    if (this.emptyAllOf || this.conditions.length === 0) {
      throw new MeshValidationError(scope, `'${prop}' is an empty match (RequestMatch.allOf([])), which would match every request; ` +
        'give at least one condition, or leave the matches out to match every request');
    }
    const out: { -readonly [K in keyof RenderedMatch]: RenderedMatch[K] } = {};
    const once = (field: string, what: string) => {
      throw new MeshValidationError(scope, `'${prop}' tests ${field} twice (${what}); Istio allows one condition per ${field.replace(/ ".*/, '')} in a match: ` +
        'combine them into one regex, or give two matches (OR)');
    };
    for (const c of this.conditions) {
      switch (c.field) {
        case 'header': {
          const name = c.name!;
          if (typeof name !== 'string' || !HEADER_NAME.test(name)) {
            throw new MeshValidationError(scope, `'${prop}' header name ${describeValue(name)} is not a valid HTTP header name; use letters, digits and -, e.g. "x-canary"`);
          }
          if (c.cookie) validateCookie(scope, prop, c.cookie);
          const value = this.stringValue(scope, prop, c, `header "${name}"`);
          out.headers = { ...(out.headers ?? {}) };
          if (out.headers[name]) once(`header "${name}"`, c.what);
          out.headers[name] = { [c.kind!]: value };
          break;
        }
        case 'queryParam': {
          const name = c.name!;
          if (typeof name !== 'string' || !/^[A-Za-z0-9._~-]+$/.test(name)) {
            throw new MeshValidationError(scope, `'${prop}' query parameter name ${describeValue(name)} is not valid; use letters, digits, '.', '_', '~' and '-'`);
          }
          const value = this.stringValue(scope, prop, c, `query parameter "${name}"`);
          out.queryParams = { ...(out.queryParams ?? {}) };
          if (out.queryParams[name]) once(`query parameter "${name}"`, c.what);
          out.queryParams[name] = { [c.kind!]: value };
          break;
        }
        case 'uri': {
          const value = this.stringValue(scope, prop, c, 'path');
          if (c.kind !== 'regex' && (!value.startsWith('/') || /\s/.test(value))) {
            throw new MeshValidationError(scope, `'${prop}' path ${JSON.stringify(value)} must start with '/' and contain no spaces, e.g. "/api/"`);
          }
          if (out.uri) once('path', c.what);
          out.uri = { [c.kind!]: value };
          break;
        }
        case 'method': {
          if (typeof c.value !== 'string' || !METHOD.test(c.value)) {
            throw new MeshValidationError(scope, `'${prop}' method must be an upper-case HTTP method such as "GET", got ${describeValue(c.value)}`);
          }
          if (out.method) once('method', c.what);
          out.method = { exact: c.value };
          break;
        }
        case 'sourceNamespace': {
          if (!isDnsLabel(c.value)) {
            throw new MeshValidationError(scope, `'${prop}' sourceNamespace must be a namespace name (DNS label) such as "web", got ${describeValue(c.value)}`);
          }
          if (out.sourceNamespace !== undefined && out.sourceNamespace !== c.value) once('source namespace', c.what);
          out.sourceNamespace = c.value;
          break;
        }
        case 'sourceLabels': {
          const labels = c.labels;
          if (!labels || typeof labels !== 'object' || Object.keys(labels).length === 0) {
            throw new MeshValidationError(scope, `'${prop}' has an empty sourceLabels match (${describeValue(labels)}), which would match every sender; give at least one label`);
          }
          for (const [k, v] of Object.entries(labels)) {
            if (k.length === 0 || typeof v !== 'string' || v.length === 0) {
              throw new MeshValidationError(scope, `'${prop}' sourceLabels has an empty or non-string key or value (${JSON.stringify(k)}: ${describeValue(v)}); give both as strings`);
            }
            if (out.sourceLabels?.[k] !== undefined && out.sourceLabels[k] !== v) {
              throw new MeshValidationError(scope, `'${prop}' requires source label ${k} to be both "${out.sourceLabels[k]}" and "${v}", which nothing matches; keep one`);
            }
          }
          out.sourceLabels = { ...(out.sourceLabels ?? {}), ...labels };
          break;
        }
      }
    }
    return {
      uri: out.uri,
      method: out.method,
      headers: out.headers ? sortKeys(out.headers) : undefined,
      queryParams: out.queryParams ? sortKeys(out.queryParams) : undefined,
      sourceLabels: out.sourceLabels ? sortKeys(out.sourceLabels) : undefined,
      sourceNamespace: out.sourceNamespace,
    };
  }

  private stringValue(scope: IConstruct, prop: string, c: Condition, what: string): string {
    const value = c.value;
    if (typeof value !== 'string') {
      throw new MeshValidationError(scope, `'${prop}' value of ${what} must be a string such as ${what === 'path' ? '"/api/"' : '"jason"'}, got ${describeValue(value)}`);
    }
    if (value.length === 0) {
      throw new MeshValidationError(scope, `'${prop}' has an empty value for ${what}, which matches nothing useful; give the value to match`);
    }
    if (CONTROL.test(value)) {
      throw new MeshValidationError(scope, `'${prop}' value of ${what} ${JSON.stringify(value)} contains a control character (newline, tab, NUL); ` +
        'HTTP header and path values cannot carry them, so the match could never hold: remove it');
    }
    if (c.kind === 'regex' && !c.cookie) validateRe2(scope, prop, value, `${what} regex`);
    return value;
  }
}

function validateCookie(scope: IConstruct, prop: string, cookie: { name: string; value: string }): void {
  if (typeof cookie.name !== 'string' || !COOKIE_NAME.test(cookie.name)) {
    throw new MeshValidationError(scope, `'${prop}' cookie name ${describeValue(cookie.name)} is not a cookie name (RFC 6265 token: no spaces, '=', ';' or ','); e.g. "beta"`);
  }
  if (typeof cookie.value !== 'string' || cookie.value.length === 0 || /[;,\s"\\\u0000-\u001f\u007f]/.test(cookie.value)) {
    throw new MeshValidationError(scope, `'${prop}' cookie value ${describeValue(cookie.value)} for cookie "${cookie.name}" cannot be sent by a browser ` +
      "(RFC 6265: non-empty, no ';', ',', spaces, quotes or backslashes); use the value exactly as the cookie carries it, e.g. \"checkout-v2\"");
  }
}

function lower(name: string): string {
  return typeof name === 'string' ? name.toLowerCase() : name;
}


function labelsText(labels: { [key: string]: string }): string {
  if (!labels || typeof labels !== 'object') return String(labels);
  return Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(',');
}

function sortKeys<T>(o: { [key: string]: T }): { [key: string]: T } {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
