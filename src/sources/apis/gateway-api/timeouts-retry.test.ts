import { describe, expect, it } from 'vitest';
import { httpRoute, PREFIX, parseYaml } from './test-fixtures.js';

const healthy = `    - backendRefs: [{ name: reviews-v1, port: 9080 }]\n`;

function withRule(fields: string) {
  return parseYaml(httpRoute(`    - backendRefs: [{ name: v1, port: 80 }]\n${fields}${healthy}`));
}

describe('HTTPRoute timeouts and retry', () => {
  it('reads timeouts.request as the whole-request timeout, "0s" as none', () => {
    expect(withRule('      timeouts: { request: 1m30s }\n').http[0]?.timeoutMs).toBe(90_000);
    expect(withRule('      timeouts: { request: 0s }\n').http[0]?.timeoutMs).toBe(0);
  });

  it('carries timeouts.backendRequest without a retry as a per-try timeout on zero retries', () => {
    const parsed = withRule('      timeouts: { request: 10s, backendRequest: 500ms }\n');
    expect(parsed.messages).toEqual([]);
    expect(parsed.http[0]).toMatchObject({
      timeoutMs: 10_000,
      retry: { attempts: 0, perTryTimeoutMs: 500, retryOn: [] },
    });
  });

  it('lowers retry codes, attempts and backoff, retrying connection errors too', () => {
    const parsed = withRule(
      '      timeouts: { backendRequest: 2s }\n      retry: { codes: [500, 503, 503], attempts: 3, backoff: 100ms }\n',
    );
    expect(parsed.messages).toEqual([]);
    expect(parsed.http[0]?.retry).toEqual({
      attempts: 3,
      perTryTimeoutMs: 2000,
      retryOn: ['retriable-status-codes', 'connect-failure', 'refused-stream', 'reset', 'unavailable'],
      retriableStatusCodes: [500, 503],
      backoff: { baseMs: 100 },
    });
  });

  it('retries gRPC UNAVAILABLE only for codes gRPC reads as UNAVAILABLE', () => {
    expect(withRule('      retry: { codes: [500, 409] }\n').http[0]?.retry?.retryOn).toEqual([
      'retriable-status-codes',
      'connect-failure',
      'refused-stream',
      'reset',
    ]);
    expect(withRule('      retry: { codes: [504] }\n').http[0]?.retry?.retryOn).toContain('unavailable');
  });

  it('defaults retry attempts to 1 and retries only connection errors without codes', () => {
    expect(withRule('      retry: {}\n').http[0]?.retry).toEqual({
      attempts: 1,
      retryOn: ['connect-failure', 'refused-stream', 'reset'],
    });
  });

  it('rejects a backendRequest timeout longer than the request timeout', () => {
    const parsed = withRule('      timeouts: { request: 1s, backendRequest: 2s }\n');
    expect(parsed.errors).toEqual([
      `${PREFIX}spec.rules[0].timeouts.backendRequest: must be at most timeouts.request (1s): the request timeout covers every try, got "2s"`,
    ]);
    expect(parsed.http[0]?.action).toEqual({ kind: 'direct', status: 500 });
  });

  it('allows any backendRequest timeout when the request timeout is disabled', () => {
    expect(withRule('      timeouts: { request: 0s, backendRequest: 2s }\n').errors).toEqual([]);
  });

  it.each([['1.5s'], ['10'], ['-1s'], ['1d'], ['123456s'], ['1h1m1s1ms1h']])(
    'rejects the duration %j',
    (value) => {
      const parsed = withRule(`      timeouts: { request: "${value}" }\n`);
      expect(parsed.errors).toEqual([
        `${PREFIX}spec.rules[0].timeouts.request: must be a Gateway API duration: one to four parts of up to 5 digits and a unit h, m, s or ms, such as "10s", "1m30s" or "500ms", got ${JSON.stringify(value)}`,
      ]);
    },
  );

  it('rejects retry codes outside 400..599 and attempts below 1', () => {
    const parsed = withRule('      retry: { codes: [302], attempts: 0 }\n');
    expect(parsed.errors).toEqual([
      `${PREFIX}spec.rules[0].retry.attempts: must be an integer 1..2147483647, got 0`,
      `${PREFIX}spec.rules[0].retry.codes[0]: must be an integer 400..599, got 302`,
    ]);
  });
});
