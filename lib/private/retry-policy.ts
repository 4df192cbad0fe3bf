import { IConstruct } from 'constructs';
import { MeshValidationError } from './errors';
import { istioDuration } from './istio-duration';
import { validateIntRange } from './validate';
import type { RetryPolicy } from '../shared-interfaces';

/** Throws unless `retries` is a valid VirtualService retry policy. */
export function validateRetryPolicy(scope: IConstruct, retries: RetryPolicy | undefined): void {
  if (!retries) return;
  validateIntRange(scope, 'retries.attempts', retries.attempts, 0, 100, 'use 0 to turn retries off');
  const perTry = retries.perTryTimeout?.toMilliseconds({ integral: false });
  if (perTry !== undefined && !(perTry >= 1 && Number.isInteger(perTry))) {
    throw new MeshValidationError(scope, `'retries.perTryTimeout' must be a whole number of milliseconds, at least 1ms, got ${perTry}ms`);
  }
  if (retries.retryOn && retries.retryOn.length === 0) {
    throw new MeshValidationError(scope, "'retries.retryOn' is empty; omit it to keep Istio's default conditions");
  }
  (retries.retryOn ?? []).forEach((c, i) => {
    if (!/^[a-z0-9-]+$/.test(c)) {
      throw new MeshValidationError(scope, `'retries.retryOn[${i}]' must be an Envoy retry condition such as "5xx", "reset" or "connect-failure", got ${JSON.stringify(c)}`);
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
