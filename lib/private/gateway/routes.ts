import { IConstruct } from 'constructs';
import { undefinedIfEmpty } from './render';
import { istioDuration } from '../istio-duration';
import { renderRetryPolicy, validateRetryPolicy } from '../retry-policy';
import { validateDuration, validateHeaderMatch, validatePathMatch, validateRateLimit } from './validate';
import { HeaderMatch, MatchType, PathMatch } from '../../http-match';
import { CorsPolicy, HeaderOperations, HttpRewrite, HttpRouteOptions, RouteDestination, RouteDestinationConfig } from '../../http-route';
import { LocalRateLimit } from '../../rate-limit';
import { describeValue, MeshValidationError } from '../errors';
import { objectName } from '../zero-trust/names';
import { validatePort } from '../zero-trust/validate';

/** An HTTP route of a host, validated and resolved. */
export interface ResolvedHttpRoute {
  readonly name: string;
  readonly path: PathMatch;
  readonly headers: HeaderMatch[];
  readonly destination: RouteDestinationConfig;
  readonly options: HttpRouteOptions;
  readonly rateLimit?: LocalRateLimit;
  /** Insertion order among the routes of the host. */
  readonly order: number;
  /** Identity of the match: two routes with the same key conflict. */
  readonly key: string;
  /** The match in words, for error messages. */
  readonly description: string;
}

const TYPE_RANK: Record<MatchType, number> = { [MatchType.EXACT]: 0, [MatchType.PREFIX]: 1, [MatchType.REGEX]: 2 };
const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const ORIGIN = /^https?:\/\/[^/\s]+$/;

/** The match of a route in words: `prefix "/api" with header x-v exact "2"`. */
export function describeMatch(path: PathMatch, headers: HeaderMatch[]): string {
  const h = headers.map((x) => `${x.name} ${x.type} ${JSON.stringify(x.value)}`);
  return `${path.type} ${JSON.stringify(path.value)}${h.length ? ` with header ${h.join(', ')}` : ''}`;
}

/**
 * Validates a route's options and resolves its destination. `order` is its insertion index and
 * `takenNames` the names already used on the host.
 */
export function resolveHttpRoute(scope: IConstruct, options: HttpRouteOptions, order: number, takenNames: Set<string>): ResolvedHttpRoute {
  if (!options || !(options.to instanceof RouteDestination)) {
    throw new MeshValidationError(scope, `'to' is required, got ${String(options?.to)}; use RouteDestination.fromService(service) or RouteDestination.host(host, port)`);
  }
  const path = options.path ?? PathMatch.prefix('/');
  validatePathMatch(scope, 'path', path);
  const headers = [...(options.headers ?? [])];
  headers.forEach((h, i) => validateHeaderMatch(scope, `headers[${i}]`, h));
  const headerNames = headers.map((h) => h.name);
  const duplicate = headerNames.find((n, i) => headerNames.indexOf(n) !== i);
  if (duplicate) {
    throw new MeshValidationError(scope, `'headers' matches header "${duplicate}" twice; keep one match per header (a regex can express alternatives)`);
  }
  const destination = options.to.toRouteDestinationConfig(scope);
  if (destination.port !== undefined) validatePort(scope, 'to port', destination.port);
  if (!destination.host || /\s/.test(destination.host)) {
    throw new MeshValidationError(scope, `'to' host must be a fully qualified host such as "web.shop.svc.cluster.local", got ${JSON.stringify(destination.host)}`);
  }
  validateRouteOptions(scope, options);
  if (options.rateLimit) validateRateLimit(scope, 'rateLimit', options.rateLimit);

  const sortedHeaders = [...headers].sort((a, b) => a.name.localeCompare(b.name));
  const key = JSON.stringify([path.type, path.value, sortedHeaders.map((h) => [h.name, h.type, h.value])]);
  let name: string;
  if (options.name !== undefined) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(options.name) || options.name.length > 63) {
      throw new MeshValidationError(scope, `'name' must be a DNS label (lowercase letters, digits and '-', at most 63 characters), got ${JSON.stringify(options.name)}`);
    }
    if (takenNames.has(options.name)) {
      throw new MeshValidationError(scope, `'name' "${options.name}" is already the name of another route of this host; choose another name`);
    }
    name = options.name;
  } else {
    const base = objectName(path.type, path.value === '/' ? 'root' : path.value, ...sortedHeaders.map((h) => h.name));
    name = base;
    for (let i = 2; takenNames.has(name); i++) name = objectName(base, String(i));
  }
  takenNames.add(name);
  return {
    name,
    path,
    headers,
    destination,
    options,
    rateLimit: options.rateLimit,
    order,
    key,
    description: describeMatch(path, headers),
  };
}

function validateRouteOptions(scope: IConstruct, o: HttpRouteOptions): void {
  if (o.timeout !== undefined) validateDuration(scope, 'timeout', o.timeout, 1);
  validateRetryPolicy(scope, o.retries);
  if (o.rewrite !== undefined) validateRewrite(scope, 'rewrite', o.rewrite);
  if (o.corsPolicy !== undefined) validateCors(scope, o.corsPolicy);
  validateHeaderOperations(scope, 'requestHeaders', o.requestHeaders);
  validateHeaderOperations(scope, 'responseHeaders', o.responseHeaders);
}

/** Throws unless `rewrite` replaces the path, the authority or both, with valid values. */
export function validateRewrite(scope: IConstruct, prop: string, rewrite: HttpRewrite): void {
  if (rewrite.uri === undefined && rewrite.authority === undefined) {
    throw new MeshValidationError(scope, `'${prop}' must set 'uri' or 'authority'; omit '${prop}' to forward requests unchanged`);
  }
  validateUriValue(scope, `${prop}.uri`, rewrite.uri);
  validateAuthorityValue(scope, `${prop}.authority`, rewrite.authority);
}

/** Throws unless `uri` (when given) is a path: starts with '/', no spaces or control characters. */
export function validateUriValue(scope: IConstruct, prop: string, uri: unknown): void {
  if (uri !== undefined && (typeof uri !== 'string' || !uri.startsWith('/') || /[\s\u0000-\u001f]/.test(uri))) {
    throw new MeshValidationError(scope, `'${prop}' must start with '/' and contain no spaces, such as "/v2/", got ${describeValue(uri)}`);
  }
}

/** Throws unless `authority` (when given) is a lowercase host[:port]. */
export function validateAuthorityValue(scope: IConstruct, prop: string, authority: unknown): void {
  if (authority !== undefined && (typeof authority !== 'string' || !/^[a-z0-9.-]+(:\d+)?$/.test(authority))) {
    throw new MeshValidationError(scope, `'${prop}' must be a lowercase host[:port], got ${describeValue(authority)}`);
  }
}

export function validateCors(scope: IConstruct, cors: CorsPolicy): void {
  if (!cors.allowOrigins || cors.allowOrigins.length === 0) {
    throw new MeshValidationError(scope, "'corsPolicy.allowOrigins' must list at least one origin (e.g. \"https://app.example.com\", or \"*\")");
  }
  cors.allowOrigins.forEach((o, i) => {
    if (o !== '*' && !ORIGIN.test(o)) {
      throw new MeshValidationError(scope, `'corsPolicy.allowOrigins[${i}]' must be "*" or an origin such as "https://app.example.com" (scheme and host, no path), got ${JSON.stringify(o)}`);
    }
  });
  if (cors.allowCredentials && cors.allowOrigins.includes('*')) {
    throw new MeshValidationError(scope, "'corsPolicy.allowCredentials' cannot be combined with origin \"*\" (browsers refuse it); list the allowed origins");
  }
  (cors.allowMethods ?? []).forEach((m, i) => {
    if (!/^[A-Z]+$/.test(m)) throw new MeshValidationError(scope, `'corsPolicy.allowMethods[${i}]' must be an upper-case HTTP method such as "GET", got ${JSON.stringify(m)}`);
  });
  for (const prop of ['allowHeaders', 'exposeHeaders'] as const) {
    (cors[prop] ?? []).forEach((h, i) => {
      if (!TOKEN.test(h)) throw new MeshValidationError(scope, `'corsPolicy.${prop}[${i}]' must be an HTTP header name, got ${JSON.stringify(h)}`);
    });
  }
  if (cors.maxAge !== undefined) validateDuration(scope, 'corsPolicy.maxAge', cors.maxAge, 1000);
}

export function validateHeaderOperations(scope: IConstruct, prop: string, ops?: HeaderOperations): void {
  if (!ops) return;
  const names = [...Object.keys(ops.set ?? {}), ...Object.keys(ops.add ?? {}), ...(ops.remove ?? [])];
  names.forEach((n) => {
    if (!TOKEN.test(n)) throw new MeshValidationError(scope, `'${prop}' names an invalid HTTP header ${JSON.stringify(n)}; use a header name such as "x-request-id"`);
  });
  for (const op of ['set', 'add'] as const) {
    for (const [name, value] of Object.entries(ops[op] ?? {})) {
      if (typeof value !== 'string' || /[\u0000-\u001f\u007f]/.test(value)) {
        throw new MeshValidationError(scope, `'${prop}.${op}.${name}' must be a header value without control characters (a string such as "v2"), ` +
          `got ${describeValue(value)}; header values are text on one line`);
      }
    }
  }
  if (ops.remove !== undefined && !Array.isArray(ops.remove)) {
    throw new MeshValidationError(scope, `'${prop}.remove' must be a list of header names such as ["x-debug"], got ${describeValue(ops.remove, 'object')}`);
  }
}

/**
 * Orders the routes of a host: exact paths, then prefixes (longest first), then regular
 * expressions; within each, routes with more header conditions first; then insertion order.
 */
export function sortRoutes(routes: ResolvedHttpRoute[]): ResolvedHttpRoute[] {
  return [...routes].sort((a, b) =>
    TYPE_RANK[a.path.type] - TYPE_RANK[b.path.type]
    || (a.path.type === MatchType.PREFIX ? b.path.value.length - a.path.value.length : 0)
    || b.headers.length - a.headers.length
    || a.order - b.order);
}

/** A route in the order Envoy evaluates it that can never match because an earlier one takes every request. */
export function findUnreachable(sorted: ResolvedHttpRoute[]): { route: ResolvedHttpRoute; shadowedBy: ResolvedHttpRoute } | undefined {
  const catchAll = sorted.find((r) => r.path.type === MatchType.PREFIX && r.path.value === '/' && r.headers.length === 0);
  if (!catchAll) return undefined;
  const after = sorted.slice(sorted.indexOf(catchAll) + 1).find((r) => r.path.type === MatchType.REGEX);
  return after ? { route: after, shadowedBy: catchAll } : undefined;
}

/** A VirtualService `http` entry. */
export function renderHttpRoute(r: ResolvedHttpRoute): Record<string, unknown> {
  const o = r.options;
  const headers = r.headers.length
    ? Object.fromEntries([...r.headers].sort((a, b) => a.name.localeCompare(b.name)).map((h) => [h.name, { [h.type]: h.value }]))
    : undefined;
  return {
    name: r.name,
    match: [{ uri: { [r.path.type]: r.path.value }, headers }],
    route: [{ destination: { host: r.destination.host, port: r.destination.port !== undefined ? { number: r.destination.port } : undefined } }],
    rewrite: o.rewrite ? { uri: o.rewrite.uri, authority: o.rewrite.authority } : undefined,
    timeout: o.timeout ? istioDuration(o.timeout) : undefined,
    retries: renderRetryPolicy(o.retries),
    corsPolicy: o.corsPolicy ? renderCors(o.corsPolicy) : undefined,
    headers: o.requestHeaders || o.responseHeaders ? {
      request: renderHeaderOperations(o.requestHeaders),
      response: renderHeaderOperations(o.responseHeaders),
    } : undefined,
  };
}

export function renderCors(cors: CorsPolicy): Record<string, unknown> {
  return {
    allowOrigins: cors.allowOrigins.map((origin) => (origin === '*' ? { regex: '.*' } : { exact: origin })),
    allowMethods: undefinedIfEmpty(cors.allowMethods ? [...cors.allowMethods] : undefined),
    allowHeaders: undefinedIfEmpty(cors.allowHeaders ? [...cors.allowHeaders] : undefined),
    exposeHeaders: undefinedIfEmpty(cors.exposeHeaders ? [...cors.exposeHeaders] : undefined),
    maxAge: cors.maxAge ? istioDuration(cors.maxAge) : undefined,
    allowCredentials: cors.allowCredentials,
  };
}

function renderHeaderOperations(ops?: HeaderOperations): Record<string, unknown> | undefined {
  if (!ops) return undefined;
  return undefinedIfEmpty({
    set: ops.set && Object.keys(ops.set).length ? { ...ops.set } : undefined,
    add: ops.add && Object.keys(ops.add).length ? { ...ops.add } : undefined,
    remove: ops.remove?.length ? [...ops.remove] : undefined,
  });
}
