// TokenReviewAuthenticator against the fake API server (test/kube-api/), through the real
// @kubernetes/client-node: the wire format, TLS, the caller's credentials and the timeout are real;
// only the clock of the cache is fake.
import { afterEach, describe, expect, it } from 'vitest';
import {
  API_SERVER_AUDIENCE,
  type FakeApiServer,
  fakeJwt,
  serviceAccountAnswer,
  startFakeApiServer,
  TOKEN_REVIEWS_PATH,
} from '../../test/kube-api/fake-api-server.js';
import type { Result } from '../model/result.js';
import type { TokenFailure } from './token-cache.js';
import {
  type AuthenticatedToken,
  DEFAULT_TOKEN_REVIEW_LIMITS,
  readTokenReview,
  TokenReviewAuthenticator,
  type TokenReviewLimits,
} from './token-review.js';

const T0 = Date.UTC(2030, 0, 1);
const HOUR_S = 3600;

const servers: FakeApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

interface Setup {
  readonly server: FakeApiServer;
  readonly auth: TokenReviewAuthenticator;
  readonly clock: { now: number };
  reviews(): number;
}

async function setup(limits: Partial<TokenReviewLimits> = {}, callerToken?: string): Promise<Setup> {
  const server = await startFakeApiServer();
  servers.push(server);
  const clock = { now: T0 };
  const auth = new TokenReviewAuthenticator(server.kubeConfig(callerToken), {
    trustDomain: 'cluster.local',
    now: () => clock.now,
    limits,
  });
  return { server, auth, clock, reviews: () => server.requests(TOKEN_REVIEWS_PATH) };
}

/** A token that expires in an hour (of the fake clock), the way kubelet asks for them. */
function token(expiresInS = HOUR_S): string {
  return fakeJwt({ aud: ['trellis'], exp: Math.floor(T0 / 1000) + expiresInS });
}

function reason(result: Result<AuthenticatedToken, TokenFailure>): string {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.value)}`);
  expect(result.errors).toHaveLength(1);
  return result.errors[0]?.reason ?? '';
}

describe('TokenReviewAuthenticator: verdicts', () => {
  it('accepts a ServiceAccount token for the audience: ns/sa and the pod it is bound to', async () => {
    const { server, auth } = await setup();
    const t = token();
    server.tokens.set(t, serviceAccountAnswer('shop', 'cart', { podName: 'cart-7d9f-x2' }));
    expect(await auth.authenticate(t)).toEqual({
      ok: true,
      value: {
        identity: { trustDomain: 'cluster.local', namespace: 'shop', serviceAccount: 'cart' },
        podName: 'cart-7d9f-x2',
      },
    });
    expect(server.reviewSpecs).toEqual([{ token: t, audiences: ['trellis'] }]);
  });

  it('accepts a token bound to no pod, without a pod name', async () => {
    const { server, auth } = await setup();
    const t = token();
    server.tokens.set(t, serviceAccountAnswer('shop', 'cart'));
    expect(await auth.authenticate(t)).toEqual({
      ok: true,
      value: { identity: { trustDomain: 'cluster.local', namespace: 'shop', serviceAccount: 'cart' } },
    });
  });

  it('refuses a token for another audience, as an audience-aware API server reports it', async () => {
    const { server, auth } = await setup();
    const t = token();
    server.tokens.set(t, serviceAccountAnswer('shop', 'cart', { audiences: [API_SERVER_AUDIENCE] }));
    const why = reason(await auth.authenticate(t));
    expect(why).toMatch(
      /^the API server did not authenticate the token: \[invalid bearer token, token audiences/,
    );
    expect(why).toContain('is invalid for the target audiences ["trellis"]');
  });

  it('refuses a token when the API server does not confirm the audience (not audience-aware)', async () => {
    const { server, auth } = await setup();
    const other = token();
    server.tokens.set(other, {
      ...serviceAccountAnswer('shop', 'cart'),
      reportAudiences: [API_SERVER_AUDIENCE],
    });
    expect(reason(await auth.authenticate(other))).toBe(
      `the token is not for the audience "trellis": the API server confirmed only "${API_SERVER_AUDIENCE}"`,
    );
    const none = token();
    server.tokens.set(none, { ...serviceAccountAnswer('shop', 'cart'), reportAudiences: [] });
    expect(reason(await auth.authenticate(none))).toBe(
      'the token is not for the audience "trellis": the API server confirmed no audience, so it checked the token for its own',
    );
  });

  it('refuses an expired token with the API server error', async () => {
    const { server, auth } = await setup();
    const t = token();
    server.tokens.set(t, {
      kind: 'rejected',
      error: '[invalid bearer token, service account token has expired]',
    });
    expect(reason(await auth.authenticate(t))).toBe(
      'the API server did not authenticate the token: [invalid bearer token, service account token has expired]',
    );
  });

  it('cuts a long API server error to 1 KiB and never quotes the token', async () => {
    const { server, auth } = await setup();
    const t = token();
    server.tokens.set(t, { kind: 'rejected', error: `token ${t} is bad; ${'x'.repeat(5000)}` });
    const why = reason(await auth.authenticate(t));
    expect(why).not.toContain(t);
    expect(why).toContain('token <token> is bad');
    expect(why).toMatch(/… \(\d+ characters\)$/);
    expect(why.length).toBeLessThan(1200);
  });

  it("refuses a user's token", async () => {
    const { server, auth } = await setup();
    const t = token();
    server.tokens.set(t, { kind: 'valid', username: 'alice@example.com', audiences: ['trellis'] });
    expect(reason(await auth.authenticate(t))).toBe(
      `the token is a user's ("alice@example.com"), not a ServiceAccount's`,
    );
  });

  it.each([
    ['system:serviceaccount:shop', /which is not system:serviceaccount:<namespace>:<name>$/],
    ['system:serviceaccount:shop:cart:extra', /which is not system:serviceaccount:<namespace>:<name>$/],
    ['system:serviceaccount:Shop_1:cart', /, but its namespace "Shop_1" is not a Kubernetes name$/],
    ['system:serviceaccount:shop:', /, but its service account "" is not a Kubernetes name$/],
  ])('refuses the malformed ServiceAccount name %s', async (username, expected) => {
    const { server, auth } = await setup();
    const t = token();
    server.tokens.set(t, { kind: 'valid', username, audiences: ['trellis'] });
    const why = reason(await auth.authenticate(t));
    expect(why).toMatch(/^the API server named the ServiceAccount "system:serviceaccount:/);
    expect(why).toMatch(expected);
  });

  it('leaves out a pod name that is not one pod name', async () => {
    const review = (extra: Record<string, string[]>) =>
      readTokenReview(
        {
          spec: {},
          status: {
            authenticated: true,
            audiences: ['trellis'],
            user: { username: 'system:serviceaccount:a:b', extra },
          },
        },
        'trellis',
        'cluster.local',
      );
    for (const names of [[], ['a', 'b'], ['Not_A_Name']])
      expect(review({ 'authentication.kubernetes.io/pod-name': names })).toEqual({
        ok: true,
        value: { identity: { trustDomain: 'cluster.local', namespace: 'a', serviceAccount: 'b' } },
      });
  });

  it('refuses a malformed token without asking the API server', async () => {
    const { auth, reviews } = await setup();
    expect(reason(await auth.authenticate('not-a-jwt'))).toBe(
      'the Bearer token is not a JWT: it has 1 dot-separated parts, not 3',
    );
    expect(reviews()).toBe(0);
  });
});

describe('TokenReviewAuthenticator: the API server failing', () => {
  it('says Trellis may not create tokenreviews on a 403, and keeps no verdict', async () => {
    const { server, auth, reviews } = await setup();
    const t = token();
    server.tokens.set(t, {
      kind: 'status',
      code: 403,
      message:
        'tokenreviews.authentication.k8s.io is forbidden: User "system:serviceaccount:trellis:trellis" cannot create resource "tokenreviews" in API group "authentication.k8s.io" at the cluster scope',
    });
    const why = reason(await auth.authenticate(t));
    expect(why).toMatch(
      /^Trellis is not allowed to create tokenreviews \(403 Forbidden from the API server\): its RBAC role needs the verb create on tokenreviews.authentication.k8s.io: tokenreviews.authentication.k8s.io is forbidden: User/,
    );
    await auth.authenticate(t);
    expect(reviews()).toBe(2);
    expect(auth.cachedReviews).toBe(0);
  });

  it("says the API server refused Trellis's own credentials on a 401", async () => {
    const { auth } = await setup({}, 'a-wrong-caller-token');
    expect(reason(await auth.authenticate(token()))).toBe(
      "the API server did not accept Trellis's own credentials (401 Unauthorized), so the token could not be reviewed",
    );
  });

  it('treats a 5xx as the API server unreachable, and keeps no verdict', async () => {
    const { server, auth, reviews } = await setup();
    const t = token();
    server.tokens.set(t, { kind: 'status', code: 503, message: 'the server is shutting down' });
    expect(reason(await auth.authenticate(t))).toBe(
      'could not reach the API server to review the token: HTTP 503: the server is shutting down',
    );
    server.tokens.set(t, serviceAccountAnswer('shop', 'cart'));
    expect((await auth.authenticate(t)).ok).toBe(true);
    expect(reviews()).toBe(2);
  });

  it('says so when the API server cannot be reached (closed port)', async () => {
    const { server, auth } = await setup();
    await server.stop();
    const why = reason(await auth.authenticate(token()));
    expect(why).toMatch(/^could not reach the API server to review the token: .*ECONNREFUSED/);
    expect(auth.cachedReviews).toBe(0);
  });

  it('gives up after the timeout on an API server that never answers, and closes the request', async () => {
    const { server, auth, reviews } = await setup({ timeoutMs: 150 });
    const t = token();
    server.tokens.set(t, { kind: 'hang' });
    const started = performance.now();
    expect(reason(await auth.authenticate(t))).toBe(
      'could not reach the API server to review the token: no answer within 150 ms',
    );
    expect(performance.now() - started).toBeLessThan(2_000);
    // The abandoned request's connection is closed by the client, not left to the server.
    await expect.poll(() => server.openConnections(), { timeout: 2_000 }).toBe(0);
    // Not kept: the next call asks again.
    server.tokens.set(t, serviceAccountAnswer('shop', 'cart'));
    expect((await auth.authenticate(t)).ok).toBe(true);
    expect(reviews()).toBe(2);
  });
});

describe('TokenReviewAuthenticator: cache', () => {
  it('answers again from the cache until the positive TTL ends', async () => {
    const { server, auth, clock, reviews } = await setup();
    const t = token(10 * HOUR_S);
    server.tokens.set(t, serviceAccountAnswer('shop', 'cart'));
    const first = await auth.authenticate(t);
    expect(await auth.authenticate(t)).toEqual(first);
    expect(reviews()).toBe(1);
    clock.now = T0 + DEFAULT_TOKEN_REVIEW_LIMITS.okTtlMs - 1;
    await auth.authenticate(t);
    expect(reviews()).toBe(1);
    clock.now = T0 + DEFAULT_TOKEN_REVIEW_LIMITS.okTtlMs;
    expect(await auth.authenticate(t)).toEqual(first);
    expect(reviews()).toBe(2);
  });

  it('ends the positive TTL before the JWT exp', async () => {
    const { server, auth, clock, reviews } = await setup();
    const t = token(60); // expires a minute from now; reviewed again 30 s before that
    server.tokens.set(t, serviceAccountAnswer('shop', 'cart'));
    await auth.authenticate(t);
    clock.now = T0 + 29_999;
    await auth.authenticate(t);
    expect(reviews()).toBe(1);
    clock.now = T0 + 30_000;
    server.tokens.set(t, {
      kind: 'rejected',
      error: '[invalid bearer token, service account token has expired]',
    });
    expect((await auth.authenticate(t)).ok).toBe(false);
    expect(reviews()).toBe(2);
  });

  it('does not keep an accepted token about to expire', async () => {
    const { server, auth, reviews } = await setup();
    const t = token(10);
    server.tokens.set(t, serviceAccountAnswer('shop', 'cart'));
    await auth.authenticate(t);
    await auth.authenticate(t);
    expect(reviews()).toBe(2);
  });

  it('keeps a rejection briefly', async () => {
    const { auth, clock, reviews } = await setup();
    const unknown = token();
    const first = reason(await auth.authenticate(unknown));
    expect(reason(await auth.authenticate(unknown))).toBe(first);
    clock.now = T0 + DEFAULT_TOKEN_REVIEW_LIMITS.failureTtlMs - 1;
    await auth.authenticate(unknown);
    expect(reviews()).toBe(1);
    clock.now = T0 + DEFAULT_TOKEN_REVIEW_LIMITS.failureTtlMs;
    await auth.authenticate(unknown);
    expect(reviews()).toBe(2);
  });

  it('makes one request for 50 concurrent calls with one token', async () => {
    const { server, auth, reviews } = await setup();
    const t = token();
    server.tokens.set(t, serviceAccountAnswer('shop', 'cart', { podName: 'cart-0' }));
    const results = await Promise.all(Array.from({ length: 50 }, () => auth.authenticate(t)));
    expect(reviews()).toBe(1);
    for (const result of results) expect(result).toEqual(results[0]);
    expect(results[0]?.ok).toBe(true);
  });

  it('keeps at most maxEntries reviews, evicting the least recently used', async () => {
    const { server, auth, reviews } = await setup({ maxEntries: 3 });
    const tokens = Array.from({ length: 4 }, () => token());
    for (const t of tokens) server.tokens.set(t, serviceAccountAnswer('shop', 'cart'));
    for (const t of tokens) await auth.authenticate(t);
    expect(reviews()).toBe(4);
    expect(auth.cachedReviews).toBe(3);
    await auth.authenticate(tokens[3] ?? '');
    expect(reviews()).toBe(4);
    await auth.authenticate(tokens[0] ?? '');
    expect(reviews()).toBe(5);
  });

  it('refuses at once a token past maxInFlight reviews of others', async () => {
    const { server, auth } = await setup({ maxInFlight: 2, timeoutMs: 300 });
    const hanging = [token(), token()];
    for (const t of hanging) server.tokens.set(t, { kind: 'hang' });
    const pending = hanging.map((t) => auth.authenticate(t));
    const refused = reason(await auth.authenticate(token()));
    expect(refused).toBe('the most token reviews allowed at once (2) are already running; try again');
    // Waiting for a token already under review is sharing, not a new review.
    const shared = auth.authenticate(hanging[0] ?? '');
    for (const result of await Promise.all([...pending, shared]))
      expect(reason(result)).toMatch(/no answer within 300 ms$/);
  });
});

describe('TokenReviewAuthenticator: configuration', () => {
  it('refuses a bad trust domain or audience when built', async () => {
    const server = await startFakeApiServer();
    servers.push(server);
    expect(() => new TokenReviewAuthenticator(server.kubeConfig(), { trustDomain: 'Not A Domain' })).toThrow(
      /trust domain "Not A Domain" is not a valid SPIFFE trust domain/,
    );
    expect(
      () => new TokenReviewAuthenticator(server.kubeConfig(), { trustDomain: 'cluster.local', audience: '' }),
    ).toThrow(/audience/);
  });
});
