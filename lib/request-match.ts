import { IConstruct } from 'constructs';
import { RenderedMatch } from './private/canary/types';
import { MeshValidationError } from './private/errors';

/** One condition of a match, as declared. */
interface Condition {
  readonly header?: { readonly name: string; readonly kind: 'exact' | 'prefix' | 'regex'; readonly value: string; readonly what: string };
  readonly sourceLabels?: { [key: string]: string };
}

const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

/**
 * Which requests a rule applies to: headers, cookies, or the workload that sends them. Used by
 * `CanaryRelease` to send matching requests to the canary (A/B tests, "route the test user to
 * v2").
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
    return new RequestMatch([{ header: { name: name.toLowerCase(), kind: 'exact', value, what: `header ${name.toLowerCase()}: ${value}` } }]);
  }

  /** Requests whose header `name` starts with `prefix`. */
  public static headerPrefix(name: string, prefix: string): RequestMatch {
    return new RequestMatch([{ header: { name: name.toLowerCase(), kind: 'prefix', value: prefix, what: `header ${name.toLowerCase()}: ${prefix}*` } }]);
  }

  /** Requests whose header `name` matches the RE2 regular expression `regex` (whole value). */
  public static headerRegex(name: string, regex: string): RequestMatch {
    return new RequestMatch([{ header: { name: name.toLowerCase(), kind: 'regex', value: regex, what: `header ${name.toLowerCase()} ~ /${regex}/` } }]);
  }

  /**
   * Requests carrying the cookie `name` with exactly `value` (a regular expression on the
   * `cookie` header, as Istio has no cookie match of its own).
   */
  public static cookie(name: string, value: string): RequestMatch {
    const regex = `^(.*?;\\s*)?(${escapeRegex(name)}=${escapeRegex(value)})(;.*)?$`;
    return new RequestMatch([{ header: { name: 'cookie', kind: 'regex', value: regex, what: `cookie ${name}=${value}` } }]);
  }

  /**
   * Requests sent by workloads whose pods carry all of `labels` (e.g. `{ app: 'qa-bot' }`).
   *
   * Only sidecars know the sender's labels: such a match applies to mesh-internal traffic and is
   * left out of the gateway's VirtualService.
   */
  public static sourceLabels(labels: { [key: string]: string }): RequestMatch {
    return new RequestMatch([{ sourceLabels: { ...labels } }]);
  }

  /** Requests that satisfy every one of `matches`. */
  public static allOf(matches: RequestMatch[]): RequestMatch {
    return new RequestMatch(matches.flatMap((m) => m.conditions), matches.length === 0);
  }

  private constructor(private readonly conditions: Condition[], private readonly emptyAllOf = false) {}

  /**
   * Whether the match depends on the sender's labels (meaningless at a gateway).
   * @internal
   */
  public get _meshOnly(): boolean {
    return this.conditions.some((c) => c.sourceLabels !== undefined);
  }

  /**
   * Human-readable form for the printed plan, e.g. `cookie user=tester and header x-beta: on`.
   * @internal
   */
  public get _description(): string {
    return this.conditions.map((c) => c.header?.what ?? `sender pods labelled ${labelsText(c.sourceLabels!)}`).join(' and ');
  }

  /**
   * Validates and renders the match; errors name `scope` and `prop`.
   * @internal
   */
  public _render(scope: IConstruct, prop: string): RenderedMatch {
    if (this.emptyAllOf || this.conditions.length === 0) {
      throw new MeshValidationError(scope, `'${prop}' is an empty match (RequestMatch.allOf([])), which would match every request; ` +
        'give at least one condition, or use the traffic weight to send all requests');
    }
    const headers: { [name: string]: { [kind: string]: string } } = {};
    let sourceLabels: { [key: string]: string } | undefined;
    for (const c of this.conditions) {
      if (c.header) {
        const h = c.header;
        if (!HEADER_NAME.test(h.name)) {
          throw new MeshValidationError(scope, `'${prop}' header name ${JSON.stringify(h.name)} is not a valid HTTP header name; ` +
            'use letters, digits and -, e.g. "x-canary"');
        }
        if (h.value.length === 0) {
          throw new MeshValidationError(scope, `'${prop}' has an empty value for header "${h.name}", which matches nothing useful; ` +
            'give the value to match');
        }
        if (headers[h.name]) {
          throw new MeshValidationError(scope, `'${prop}' tests header "${h.name}" twice; Istio allows one condition per header in a ` +
            'match: combine them into one headerRegex, or give two matches (OR)');
        }
        headers[h.name] = { [h.kind]: h.value };
      } else {
        const labels = c.sourceLabels!;
        if (Object.keys(labels).length === 0) {
          throw new MeshValidationError(scope, `'${prop}' has an empty sourceLabels match, which would match every sender; give at least one label`);
        }
        for (const [k, v] of Object.entries(labels)) {
          if (k.length === 0 || v.length === 0) {
            throw new MeshValidationError(scope, `'${prop}' sourceLabels has an empty key or value (${JSON.stringify(k)}: ${JSON.stringify(v)}); give both`);
          }
          if (sourceLabels && sourceLabels[k] !== undefined && sourceLabels[k] !== v) {
            throw new MeshValidationError(scope, `'${prop}' requires source label ${k} to be both "${sourceLabels[k]}" and "${v}", which nothing matches; keep one`);
          }
        }
        sourceLabels = { ...(sourceLabels ?? {}), ...labels };
      }
    }
    return {
      headers: Object.keys(headers).length ? sortKeys(headers) : undefined,
      sourceLabels: sourceLabels ? sortKeys(sourceLabels) : undefined,
    };
  }
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function labelsText(labels: { [key: string]: string }): string {
  return Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(',');
}

function sortKeys<T>(o: { [key: string]: T }): { [key: string]: T } {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
