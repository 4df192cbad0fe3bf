import { IConstruct } from 'constructs';
import { describeValue, MeshValidationError } from './errors';
import { istioDuration } from './istio-duration';
import { validateIntRange } from './validate';

/**
 * The conditions Istio passes to Envoy's `x-envoy-retry-on` (HTTP and gRPC); Istio also accepts
 * HTTP status codes, which it adds to Envoy's retriable status codes.
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on
 */
const RETRY_CONDITIONS = [
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'envoy-ratelimited', 'retriable-4xx', 'refused-stream',
  'retriable-status-codes', 'retriable-headers', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
];
import type { RetryPolicy } from '../shared-interfaces';

/** Throws unless `retries` is a valid VirtualService retry policy. */
export function validateRetryPolicy(scope: IConstruct, retries: RetryPolicy | undefined, prop = 'retries'): void {
  if (!retries) return;
  validateIntRange(scope, `${prop}.attempts`, retries.attempts, 0, 100, 'use 0 to turn retries off');
  const perTry = retries.perTryTimeout?.toMilliseconds({ integral: false });
  if (perTry !== undefined && !(perTry >= 1 && Number.isInteger(perTry))) {
    throw new MeshValidationError(scope, `'${prop}.perTryTimeout' must be a whole number of milliseconds, at least 1ms, got ${perTry}ms`);
  }
  if (retries.retryOn && retries.retryOn.length === 0) {
    throw new MeshValidationError(scope, `'${prop}.retryOn' is empty; omit it to keep Istio's default conditions`);
  }
  (retries.retryOn ?? []).forEach((c, i) => {
    const status = /^[1-5][0-9][0-9]$/.test(String(c));
    if (!RETRY_CONDITIONS.includes(c) && !status) {
      throw new MeshValidationError(scope, `'${prop}.retryOn[${i}]' must be an Envoy retry condition (${RETRY_CONDITIONS.join(', ')}) or an HTTP status ` +
        `code such as "503", got ${describeValue(c)}`);
    }
  });
}

/** VirtualService `http[].retries` (also Flagger's `service.retries`). */
export function renderRetryPolicy(retries: RetryPolicy | undefined): { attempts: number; perTryTimeout?: string; retryOn?: string } | undefined {
  if (!retries) return undefined;
  return {
    attempts: retries.attempts,
    perTryTimeout: retries.perTryTimeout ? istioDuration(retries.perTryTimeout) : undefined,
    retryOn: retries.retryOn?.length ? retries.retryOn.join(',') : undefined,
  };
}
