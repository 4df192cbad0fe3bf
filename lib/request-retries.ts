import { Duration } from 'cdk8s';

/**
 * Retries of failed requests by the client sidecar (VirtualService `http[].retries`).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
 */
export interface RequestRetries {
  /**
   * Most retries of one request (0 turns Istio's default retries off).
   */
  readonly attempts: number;
  /**
   * Timeout of each attempt.
   * @default - the route's `timeout`
   */
  readonly perTryTimeout?: Duration;
  /**
   * Conditions that trigger a retry, Envoy's `x-envoy-retry-on` values, e.g. `['5xx', 'reset']`.
   * @default - Istio's default, `connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes`
   * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on
   */
  readonly retryOn?: string[];
}
