import { Duration } from 'cdk8s';

/**
 * A local rate limit: a token bucket kept by each gateway pod (Envoy's
 * `envoy.filters.http.local_ratelimit`). Every request takes one token; `requests` tokens are
 * added every `interval`, up to `burst`. A request finding the bucket empty is answered with
 * `statusCode` and the header `x-local-rate-limit: true`, without reaching the backend.
 *
 * The limit is per pod: with N gateway replicas, up to N times `requests` pass per interval.
 *
 * Istio has no API of its own for this; it is rendered as an EnvoyFilter (see
 * `IngressGateway.addHost` and `addRoute`).
 *
 * @see https://istio.io/latest/docs/tasks/policy-enforcement/rate-limit/#local-rate-limit
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/local_rate_limit_filter
 */
export interface LocalRateLimit {
  /**
   * Requests allowed per interval (tokens added to the bucket every `interval`). At least 1.
   */
  readonly requests: number;
  /**
   * How often the bucket is refilled. At least 50 milliseconds (Envoy's minimum).
   */
  readonly interval: Duration;
  /**
   * Size of the bucket: how many requests may arrive at once after a quiet period. At least
   * `requests`.
   * @default - same as `requests`
   */
  readonly burst?: number;
  /**
   * HTTP status of rejected requests (a 4xx or 5xx status Envoy knows).
   * @default 429
   */
  readonly statusCode?: number;
}
