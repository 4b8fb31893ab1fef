// The cache's own rules, with a review function instead of an API server (token-review.test.ts runs
// them against the fake one).
import { describe, expect, it } from 'vitest';
import { fail, ok, type Result } from '../model/result.js';
import { type ReviewOutcome, TokenCache, type TokenCacheOptions, type TokenFailure } from './token-cache.js';

const T0 = 2_000_000_000_000;

function jwt(payload: Record<string, unknown>): string {
  return `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2ln`;
}

function harness(options: Partial<TokenCacheOptions> = {}) {
  const clock = { now: T0 };
  const cache = new TokenCache<{ readonly who: string }>({
    okTtlMs: 60_000,
    expiryMarginMs: 10_000,
    failureTtlMs: 1_000,
    maxEntries: 100,
    maxInFlight: 10,
    now: () => clock.now,
    ...options,
  });
  let calls = 0;
  const answer = (outcome: ReviewOutcome<{ readonly who: string }>) => (_token: string) => {
    calls++;
    return Promise.resolve(outcome);
  };
  return { cache, clock, calls: () => calls, answer };
}

const accepted = { kind: 'verdict', result: ok({ who: 'a' }) } as const;

describe('TokenCache', () => {
  it('keeps a token without exp for okTtlMs', async () => {
    const { cache, clock, calls, answer } = harness();
    const token = jwt({});
    await cache.lookup(token, answer(accepted));
    clock.now = T0 + 59_999;
    await cache.lookup(token, answer(accepted));
    expect(calls()).toBe(1);
    clock.now = T0 + 60_000;
    await cache.lookup(token, answer(accepted));
    expect(calls()).toBe(2);
  });

  it('keeps an accepted token until expiryMarginMs before its exp', async () => {
    const { cache, clock, calls, answer } = harness();
    const token = jwt({ exp: (T0 + 20_000) / 1000 });
    await cache.lookup(token, answer(accepted));
    clock.now = T0 + 9_999;
    await cache.lookup(token, answer(accepted));
    expect(calls()).toBe(1);
    clock.now = T0 + 10_000;
    await cache.lookup(token, answer(accepted));
    expect(calls()).toBe(2);
  });

  it('keeps a rejection for failureTtlMs, and an unavailable outcome not at all', async () => {
    const { cache, clock, calls, answer } = harness();
    const rejected: ReviewOutcome<{ who: string }> = { kind: 'verdict', result: fail(['no']) };
    await cache.lookup('x', answer(rejected));
    await cache.lookup('x', answer(rejected));
    expect(calls()).toBe(1);
    clock.now = T0 + 1_000;
    await cache.lookup('x', answer(rejected));
    expect(calls()).toBe(2);
    const down: ReviewOutcome<{ who: string }> = { kind: 'unavailable', reason: 'down' };
    expect(await cache.lookup('y', answer(down))).toEqual(fail([{ reason: 'down', transient: true }]));
    await cache.lookup('y', answer(down));
    expect(calls()).toBe(4);
    expect(cache.size).toBe(1);
  });

  it('turns a review that throws into a reason, and keeps nothing', async () => {
    const { cache } = harness();
    const result: Result<{ who: string }, TokenFailure> = await cache.lookup('x', () => {
      throw new Error('boom');
    });
    // No verdict was reached: a transient failure, which a caller answers as UNAVAILABLE.
    expect(result).toEqual(fail([{ reason: 'the token review failed: boom', transient: true }]));
    expect(cache.size).toBe(0);
    expect(cache.reviewsInFlight).toBe(0);
  });

  it('shares a running review and frees its slot when done', async () => {
    const { cache } = harness({ maxInFlight: 1 });
    let release: (outcome: ReviewOutcome<{ who: string }>) => void = () => {};
    let calls = 0;
    const review = () => {
      calls++;
      return new Promise<ReviewOutcome<{ who: string }>>((resolve) => {
        release = resolve;
      });
    };
    const a = cache.lookup('x', review);
    const b = cache.lookup('x', review);
    expect(await cache.lookup('other', review)).toEqual(
      fail([
        {
          reason: 'the most token reviews allowed at once (1) are already running; try again',
          transient: true,
        },
      ]),
    );
    await expect.poll(() => calls).toBe(1);
    release(accepted);
    expect(await a).toEqual(ok({ who: 'a' }));
    expect(await b).toEqual(ok({ who: 'a' }));
    expect(calls).toBe(1);
    expect(cache.reviewsInFlight).toBe(0);
  });

  it('refuses bounds below 1', () => {
    expect(() => harness({ maxEntries: 0 })).toThrow(/maxEntries/);
    expect(() => harness({ maxInFlight: 0 })).toThrow(/maxInFlight/);
  });
});
