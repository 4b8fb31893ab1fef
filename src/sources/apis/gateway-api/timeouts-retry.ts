// HTTPRoute timeouts and retry → timeoutMs and RetryPolicy.
//
// timeouts.request bounds the whole exchange, retries included → timeoutMs ("0s" = none, as the
// model's 0). timeouts.backendRequest bounds one request to a backend → the per-try timeout; with no
// retry stanza it still applies to the one try, so it is carried as a RetryPolicy of 0 attempts
// (Envoy's per_try_timeout lives on the retry policy). retry follows the spec's HTTPRouteRetry:
// attempts default to 1, codes become retriable status codes, and connection failures are retried
// too, as the spec says implementations SHOULD. A gRPC failure travels as HTTP 200 with a
// grpc-status, so codes that gRPC's HTTP mapping reads as UNAVAILABLE (429, 502, 503, 504) also
// retry gRPC UNAVAILABLE: an HTTPRoute in front of a gRPC service then retries what users expect.
import type { Issue } from '../../../model/issue.js';
import type { RetryPolicy } from '../../../model/routing.js';
import { integer, list, object } from '../core/fields.js';
import type { Report } from '../issues.js';
import { duration, parseDuration } from '../shared/gateway-duration.js';
import { validateAt } from '../shared/validate-at.js';

const INT32_MAX = 2_147_483_647;
const DEFAULT_RETRY_ATTEMPTS = 1;
/** Envoy retry_on conditions for "connection errors (disconnect, reset, timeout, TCP failure)". */
const CONNECTION_ERRORS = ['connect-failure', 'refused-stream', 'reset'];
const UNAVAILABLE_CODES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

const timeoutsSchema = object({
  request: duration().nullish(),
  backendRequest: duration().nullish(),
}).superRefine((t, ctx) => {
  const request = t.request ? parseDuration(t.request) : undefined;
  const backend = t.backendRequest ? parseDuration(t.backendRequest) : undefined;
  if (request !== undefined && request > 0 && backend !== undefined && backend > request) {
    ctx.addIssue({
      code: 'custom',
      path: ['backendRequest'],
      message: `must be at most timeouts.request (${t.request}): the request timeout covers every try, got ${JSON.stringify(t.backendRequest)}`,
      params: { complete: true },
    });
  }
});

const retrySchema = object({
  codes: list(integer(400, 599)).nullish(),
  attempts: integer(1, INT32_MAX).nullish(),
  backoff: duration().nullish(),
});

export interface LoweredTimeouts {
  readonly timeoutMs?: number;
  readonly retry?: RetryPolicy;
  readonly issues: Issue[];
  /** A malformed value: the rule as written cannot be served. */
  readonly broken: boolean;
}

export function lowerTimeoutsAndRetry(
  rawTimeouts: unknown,
  rawRetry: unknown,
  report: Report,
  prefix: string,
): LoweredTimeouts {
  const timeouts =
    rawTimeouts === undefined || rawTimeouts === null
      ? undefined
      : validateAt(timeoutsSchema, rawTimeouts, `${prefix}.timeouts`, report);
  const retry =
    rawRetry === undefined || rawRetry === null
      ? undefined
      : validateAt(retrySchema, rawRetry, `${prefix}.retry`, report);
  const issues = [
    ...(timeouts?.ok === false ? timeouts.issues : []),
    ...(retry?.ok === false ? retry.issues : []),
  ];
  if (issues.length > 0) return { issues, broken: true };

  const t = timeouts?.ok ? timeouts.data : undefined;
  const r = retry?.ok ? retry.data : undefined;
  const timeoutMs = t?.request ? parseDuration(t.request) : undefined;
  const perTryMs = t?.backendRequest ? parseDuration(t.backendRequest) : undefined;
  const policy = retryPolicy(r, perTryMs || undefined);
  return {
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(policy ? { retry: policy } : {}),
    issues,
    broken: false,
  };
}

function retryPolicy(
  r: { codes?: number[] | null; attempts?: number | null; backoff?: string | null } | undefined,
  perTryTimeoutMs: number | undefined,
): RetryPolicy | undefined {
  const perTry = perTryTimeoutMs !== undefined ? { perTryTimeoutMs } : {};
  if (!r) return perTryTimeoutMs !== undefined ? { attempts: 0, retryOn: [], ...perTry } : undefined;
  const codes = [...new Set(r.codes ?? [])];
  const backoffMs = r.backoff ? parseDuration(r.backoff) : undefined;
  return {
    attempts: r.attempts ?? DEFAULT_RETRY_ATTEMPTS,
    ...perTry,
    retryOn: [
      ...(codes.length > 0 ? ['retriable-status-codes'] : []),
      ...CONNECTION_ERRORS,
      ...(codes.some((c) => UNAVAILABLE_CODES.has(c)) ? ['unavailable'] : []),
    ],
    ...(codes.length > 0 ? { retriableStatusCodes: codes } : {}),
    // The spec's backoff is a minimum: for "0s" Envoy's own (positive) base interval satisfies it.
    ...(backoffMs ? { backoff: { baseMs: backoffMs } } : {}),
  };
}
