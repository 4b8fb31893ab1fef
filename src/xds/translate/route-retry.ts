// Retries. Envoy takes the model's conditions as they are. gRPC (gRFC A44) retries only on status
// codes, reads retry_on for the five it knows and nothing else of it, has no per-try timeout or
// HTTP status list, and rejects a policy with num_retries 0 or a back-off whose maximum is below
// its base: for gRPC such parts are left out, and a policy with nothing left is no policy.
import type { RetryPolicy as EnvoyRetryPolicy } from '../../generated/envoy/config/route/v3/RetryPolicy.js';
import type { RetryPolicy } from '../../model/routing.js';
import type { XdsClient } from './client-dialect.js';
import { durationFromMs, uint32 } from './route-scalars.js';

export const GRPC_RETRY_ON: ReadonlySet<string> = new Set([
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);

/** Envoy needs base_interval > 0 and max_interval >= base_interval; gRPC checks the same. */
function backOff(backoff: RetryPolicy['backoff']): EnvoyRetryPolicy['retry_back_off'] {
  if (!backoff || !(backoff.baseMs > 0)) return undefined;
  return {
    base_interval: durationFromMs(backoff.baseMs),
    ...(backoff.maxMs !== undefined
      ? { max_interval: durationFromMs(Math.max(backoff.maxMs, backoff.baseMs)) }
      : {}),
  };
}

function envoyRetry(retry: RetryPolicy): EnvoyRetryPolicy {
  const codes = retry.retriableStatusCodes ?? [];
  const on = [...new Set(retry.retryOn)];
  // Envoy looks at retriable_status_codes only when retry_on says so.
  if (codes.length > 0 && !on.includes('retriable-status-codes')) on.push('retriable-status-codes');
  const back = backOff(retry.backoff);
  return {
    ...(on.length > 0 ? { retry_on: on.join(',') } : {}),
    num_retries: uint32(retry.attempts),
    ...(retry.perTryTimeoutMs !== undefined && retry.perTryTimeoutMs > 0
      ? { per_try_timeout: durationFromMs(retry.perTryTimeoutMs) }
      : {}),
    ...(codes.length > 0 ? { retriable_status_codes: codes.map(uint32) } : {}),
    ...(back ? { retry_back_off: back } : {}),
  };
}

function grpcRetry(retry: RetryPolicy): EnvoyRetryPolicy | undefined {
  const on = [...new Set(retry.retryOn)].filter((c) => GRPC_RETRY_ON.has(c));
  const attempts = uint32(retry.attempts);
  if (on.length === 0 || attempts < 1) return undefined;
  const back = backOff(retry.backoff);
  return { retry_on: on.join(','), num_retries: attempts, ...(back ? { retry_back_off: back } : {}) };
}

export function retryPolicy(retry: RetryPolicy, client: XdsClient): EnvoyRetryPolicy | undefined {
  return client === 'grpc' ? grpcRetry(retry) : envoyRetry(retry);
}
