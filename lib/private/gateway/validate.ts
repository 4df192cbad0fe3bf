import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { HeaderMatch, MatchType, PathMatch } from '../../http-match';
import { LocalRateLimit } from '../../rate-limit';
import { describeValue, MeshValidationError } from '../errors';
import { validateRe2 } from '../routing/regex';
import { validateIntRange } from '../validate';
import { validateExternalHostName } from '../zero-trust/validate';

const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

/** HTTP status codes Envoy's `type.v3.StatusCode` defines in the 4xx and 5xx ranges. */
const ENVOY_ERROR_CODES = new Set([
  400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 421, 422, 423, 424, 426, 428, 429, 431,
  500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

/** Throws unless `host` is a lowercase DNS name (`app.example.com`) or a prefix wildcard (`*.example.com`). */
export function validateGatewayHost(scope: IConstruct, prop: string, host: string): void {
  if (typeof host !== 'string') {
    throw new MeshValidationError(scope, `'${prop}' must be a host name such as "app.example.com", got ${String(host)}`);
  }
  validateExternalHostName(scope, prop, host, true);
}

/** True when server host `server` (possibly `*.example.com`) covers `host` (itself possibly a wildcard). */
export function hostCovers(server: string, host: string): boolean {
  if (server === host || server === '*') return true;
  if (!server.startsWith('*.')) return false;
  const suffix = server.slice(1); // ".example.com"
  const name = host.startsWith('*.') ? host.slice(1) : host;
  return name.endsWith(suffix) && name.length > suffix.length;
}

/** Throws unless `path` is a usable path match. */
export function validatePathMatch(scope: IConstruct, prop: string, path: PathMatch): void {
  if (!(path instanceof PathMatch)) {
    throw new MeshValidationError(scope, `'${prop}' must be a PathMatch (PathMatch.exact(), .prefix() or .regex()), got ${JSON.stringify(path)}`);
  }
  if (path.type === MatchType.REGEX) {
    validateRegex(scope, prop, path.value);
    return;
  }
  if (!path.value.startsWith('/') || /\s/.test(path.value)) {
    throw new MeshValidationError(scope,
      `'${prop}' ${path.type} path must start with '/' and contain no spaces, got ${JSON.stringify(path.value)}; e.g. "/api"`);
  }
}

/** Throws unless `header` has a lowercase token name and a usable value. */
export function validateHeaderMatch(scope: IConstruct, prop: string, header: HeaderMatch): void {
  if (!(header instanceof HeaderMatch)) {
    throw new MeshValidationError(scope, `'${prop}' must be a HeaderMatch (HeaderMatch.exact(), .prefix() or .regex()), got ${JSON.stringify(header)}`);
  }
  validateHeaderName(scope, `${prop}.name`, header.name);
  if (typeof header.value === 'string' && /[\u0000-\u001f\u007f]/.test(header.value)) {
    throw new MeshValidationError(scope, `'${prop}.value' of header "${header.name}" contains a control character (newline, tab, NUL), ` +
      `got ${JSON.stringify(header.value)}; header values cannot carry them, so the match could never hold: remove it`);
  }
  if (header.type === MatchType.REGEX) {validateRegex(scope, `${prop}.value`, header.value);} else if (header.value.length === 0) {
    throw new MeshValidationError(scope, `'${prop}.value' must not be empty for a ${header.type} match of header "${header.name}"; give the value`);
  }
}

/** Throws unless `name` is a lowercase HTTP header name. */
export function validateHeaderName(scope: IConstruct, prop: string, name: string): void {
  if (typeof name !== 'string' || !HEADER_NAME.test(name)) {
    throw new MeshValidationError(scope, `'${prop}' must be a lowercase HTTP header name such as "x-request-id", got ${JSON.stringify(name)}`);
  }
}

/** Throws unless `regex` compiles (Istio uses RE2: no look-around, no back-references). */
function validateRegex(scope: IConstruct, prop: string, regex: string): void {
  let ok = typeof regex === 'string' && regex.length > 0;
  try {
    if (ok) validateRe2(scope, prop, regex);
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new MeshValidationError(scope,
      `'${prop}' must be a non-empty RE2 regular expression (no look-around or back-references), got ${JSON.stringify(regex)}; ` +
      'escape literal characters such as ( [ . with \\');
  }
}

/** Throws unless `duration` is at least `minMs` milliseconds. */
export function validateDuration(scope: IConstruct, prop: string, duration: Duration, minMs: number): void {
  if (!(duration instanceof Duration)) {
    throw new MeshValidationError(scope, `'${prop}' must be a Duration (e.g. Duration.seconds(5)), got ${describeValue(duration, 'object')}`);
  }
  const ms = duration.toMilliseconds({ integral: false });
  if (!(ms >= minMs) || !Number.isInteger(ms)) {
    throw new MeshValidationError(scope, `'${prop}' must be a whole number of milliseconds, at least ${minMs}ms, got ${ms}ms`);
  }
}

/** Throws unless `limit` is a valid local rate limit. */
export function validateRateLimit(scope: IConstruct, prop: string, limit: LocalRateLimit): void {
  validateIntRange(scope, `${prop}.requests`, limit.requests, 1, 4294967295, 'allow at least one request per interval');
  validateDuration(scope, `${prop}.interval`, limit.interval, 50);
  if (limit.burst !== undefined) {
    validateIntRange(scope, `${prop}.burst`, limit.burst, limit.requests, 4294967295,
      `the bucket must hold at least 'requests' (${limit.requests}) tokens; raise 'burst' or omit it`);
  }
  if (limit.statusCode !== undefined && !ENVOY_ERROR_CODES.has(limit.statusCode)) {
    throw new MeshValidationError(scope,
      `'${prop}.statusCode' must be a 4xx or 5xx HTTP status Envoy knows (e.g. 429 or 503), got ${limit.statusCode}; omit it for 429`);
  }
}
