import { describe, expect, it } from 'vitest';
import { retryPolicy } from './route-retry.js';

describe('retry policies', () => {
  const retry = {
    attempts: 2,
    perTryTimeoutMs: 500,
    retryOn: ['5xx', 'unavailable', '5xx'],
    retriableStatusCodes: [503],
    backoff: { baseMs: 100, maxMs: 50 },
  };

  it('give Envoy every condition, and turn on retriable-status-codes when codes are listed', () => {
    expect(retryPolicy(retry, 'envoy')).toEqual({
      retry_on: '5xx,unavailable,retriable-status-codes',
      num_retries: 2,
      per_try_timeout: '0.500s',
      retriable_status_codes: [503],
      retry_back_off: { base_interval: '0.100s', max_interval: '0.100s' },
    });
  });

  it('give gRPC only the status-code conditions it knows, without per-try timeout or HTTP codes', () => {
    expect(retryPolicy(retry, 'grpc')).toEqual({
      retry_on: 'unavailable',
      num_retries: 2,
      retry_back_off: { base_interval: '0.100s', max_interval: '0.100s' },
    });
  });

  it('are no policy for gRPC with no condition it knows, or with 0 attempts (which it rejects)', () => {
    expect(retryPolicy({ attempts: 2, retryOn: ['5xx', 'reset'] }, 'grpc')).toBeUndefined();
    expect(retryPolicy({ attempts: 0, retryOn: ['unavailable'] }, 'grpc')).toBeUndefined();
    expect(retryPolicy({ attempts: 0, retryOn: [] }, 'envoy')).toEqual({ num_retries: 0 });
  });

  it('leave out a back-off with no positive base', () => {
    expect(retryPolicy({ attempts: 1, retryOn: ['5xx'], backoff: { baseMs: 0 } }, 'envoy')).toEqual({
      retry_on: '5xx',
      num_retries: 1,
    });
  });
});
