import { describe, expect, it } from 'vitest';
import type { RateLimitPolicy } from '../../../model/routing.js';
import { errorStatusName } from './http-status.js';
import { limiter, localRateLimitPlugin } from './local-ratelimit.js';

const policy: RateLimitPolicy = {
  origin: { kind: 'LocalRateLimitPolicy', namespace: 'shop', name: 'api' },
  service: { namespace: 'shop', name: 'web' },
  tokensPerFill: 5,
  fillIntervalMs: 2_000,
  maxTokens: 10,
  status: 503,
};

describe('local rate limits', () => {
  it('are a token bucket enabled and enforced for every request, answering the status asked for', () => {
    expect(limiter(policy)).toEqual({
      stat_prefix: 'local_rate_limit_shop_api',
      status: { code: 'ServiceUnavailable' },
      token_bucket: { max_tokens: 10, tokens_per_fill: 5, fill_interval: '2s' },
      filter_enabled: { default_value: { numerator: 100, denominator: 'HUNDRED' } },
      filter_enforced: { default_value: { numerator: 100, denominator: 'HUNDRED' } },
    });
  });

  it('never refill faster than Envoy allows (50 ms) nor hold an empty bucket', () => {
    const bucket = limiter({ ...policy, fillIntervalMs: 1, maxTokens: 0 }).token_bucket;
    expect(bucket).toEqual({ max_tokens: 1, tokens_per_fill: 5, fill_interval: '0.050s' });
  });

  it('answer 429 for a status Envoy has no name for', () => {
    expect(errorStatusName(429)).toBe('TooManyRequests');
    expect(errorStatusName(299)).toBe('TooManyRequests');
    expect(errorStatusName(500)).toBe('InternalServerError');
  });

  it('hold no bucket in the filter when only some routes are limited', () => {
    const filter = localRateLimitPlugin.connectionFilter({
      client: 'envoy',
      routes: [{ rateLimit: policy }],
    });
    expect(filter?.typed_config).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
      stat_prefix: 'local_rate_limit',
    });
    expect(localRateLimitPlugin.connectionFilter({ client: 'envoy', routes: [{}] })).toBeUndefined();
  });
});
