import { Duration } from 'cdk8s';

/**
 * Faults Envoy injects into a share of the requests of one route, to test how clients cope with a
 * slow or failing service (VirtualService `http[].fault`). At least one of `delay` and
 * `abortHttpStatus`. Give the route a match (`ServiceRouting` route `matches`, or a
 * `CanaryRelease` canary match) to inject it for a test user only.
 *
 * Istio does not retry or time out injected faults on the same route; timeouts and retries
 * configured on the route do not apply to them.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPFaultInjection
 */
export interface FaultInjection {
  /**
   * Delay added before forwarding the request.
   * @default - no delay
   */
  readonly delay?: Duration;
  /**
   * Percentage of requests delayed (0–100, fractions allowed).
   * @default 100
   */
  readonly delayPercent?: number;
  /**
   * HTTP status returned instead of forwarding the request (200–599).
   * @default - no abort
   */
  readonly abortHttpStatus?: number;
  /**
   * Percentage of requests aborted (0–100, fractions allowed).
   * @default 100
   */
  readonly abortPercent?: number;
}
