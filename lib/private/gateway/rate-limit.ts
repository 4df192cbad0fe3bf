import { LocalRateLimit } from '../../rate-limit';
import { istioDuration } from '../istio-duration';

/** Envoy's HTTP local rate limit filter, its config type and the HTTP connection manager it sits in. */
export const LOCAL_RATELIMIT_FILTER = 'envoy.filters.http.local_ratelimit';
export const LOCAL_RATELIMIT_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';
export const TYPED_STRUCT_TYPE_URL = 'type.googleapis.com/udpa.type.v1.TypedStruct';
export const HTTP_CONNECTION_MANAGER = 'envoy.filters.network.http_connection_manager';
export const ROUTER_FILTER = 'envoy.filters.http.router';
export const STAT_PREFIX = 'http_local_rate_limiter';

/**
 * Priority of the EnvoyFilter. Relative patches (INSERT_BEFORE) need one for a stable order
 * (`istioctl analyze` IST0151 otherwise); a positive value applies ours after the defaults.
 */
export const RATE_LIMIT_FILTER_PRIORITY = 10;

/** A rate limit attached to a virtual host (`host:port`) or to one route of it. */
export interface RateLimitTarget {
  readonly vhost: string;
  readonly route?: string;
  readonly limit: LocalRateLimit;
}

/** `{ '@type': TypedStruct, type_url, value }` as Istio's rate-limit task writes it. */
function typedStruct(value: Record<string, unknown>): Record<string, unknown> {
  return { '@type': TYPED_STRUCT_TYPE_URL, 'type_url': LOCAL_RATELIMIT_TYPE_URL, value };
}

const FULL = { numerator: 100, denominator: 'HUNDRED' };

/** The per-route (or per-virtual-host) filter config: a token bucket, enabled and enforced for every request. */
export function localRateLimitConfig(limit: LocalRateLimit): Record<string, unknown> {
  return typedStruct({
    stat_prefix: STAT_PREFIX,
    token_bucket: {
      max_tokens: limit.burst ?? limit.requests,
      tokens_per_fill: limit.requests,
      fill_interval: istioDuration(limit.interval),
    },
    filter_enabled: { runtime_key: 'local_rate_limit_enabled', default_value: FULL },
    filter_enforced: { runtime_key: 'local_rate_limit_enforced', default_value: FULL },
    status: { code: limit.statusCode ?? 429 },
    response_headers_to_add: [{ append_action: 'OVERWRITE_IF_EXISTS_OR_ADD', header: { key: 'x-local-rate-limit', value: 'true' } }],
  });
}

/**
 * The EnvoyFilter config patches of a gateway's rate limits: the filter itself, inserted before
 * the router without a bucket (so it limits nothing by default), then one MERGE per virtual host
 * or route that carries `typed_per_filter_config` with its bucket. A route's config overrides its
 * virtual host's.
 */
export function rateLimitPatches(targets: RateLimitTarget[]): Record<string, unknown>[] {
  const filter = {
    applyTo: 'HTTP_FILTER',
    match: {
      context: 'GATEWAY',
      listener: { filterChain: { filter: { name: HTTP_CONNECTION_MANAGER, subFilter: { name: ROUTER_FILTER } } } },
    },
    patch: {
      operation: 'INSERT_BEFORE',
      value: { name: LOCAL_RATELIMIT_FILTER, typed_config: typedStruct({ stat_prefix: STAT_PREFIX }) },
    },
  };
  const perTarget = targets.map((t) => ({
    applyTo: t.route ? 'HTTP_ROUTE' : 'VIRTUAL_HOST',
    match: {
      context: 'GATEWAY',
      routeConfiguration: { vhost: { name: t.vhost, route: t.route ? { name: t.route } : undefined } },
    },
    patch: {
      operation: 'MERGE',
      value: { typed_per_filter_config: { [LOCAL_RATELIMIT_FILTER]: localRateLimitConfig(t.limit) } },
    },
  }));
  return [filter, ...perTarget];
}
