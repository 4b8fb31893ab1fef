// The fake speaks the API server's wire format to the real client: these tests hold it to that, so
// that the tests built on it test Trellis, not the fake.
import { request } from 'node:https';
import { ApiException, AuthenticationV1Api } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import {
  API_SERVER_AUDIENCE,
  type FakeApiServer,
  fakeJwt,
  serviceAccountAnswer,
  startFakeApiServer,
  TOKEN_REVIEWS_PATH,
} from './fake-api-server.js';

const servers: FakeApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function start(): Promise<FakeApiServer> {
  const server = await startFakeApiServer();
  servers.push(server);
  return server;
}

function review(server: FakeApiServer, token: string, audiences?: string[], caller?: string) {
  return server
    .kubeConfig(caller)
    .makeApiClient(AuthenticationV1Api)
    .createTokenReview({
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences } },
    });
}

describe('fake API server', () => {
  it('answers a TokenReview as the API server does, over TLS it can verify', async () => {
    const server = await start();
    const token = fakeJwt();
    server.tokens.set(token, serviceAccountAnswer('shop', 'cart', { podName: 'cart-0' }));
    const answer = await review(server, token, ['trellis']);
    expect(answer.apiVersion).toBe('authentication.k8s.io/v1');
    expect(answer.kind).toBe('TokenReview');
    expect(answer.spec.token).toBe(token);
    expect(answer.status?.authenticated).toBe(true);
    expect(answer.status?.audiences).toEqual(['trellis']);
    expect(answer.status?.user?.username).toBe('system:serviceaccount:shop:cart');
    expect(answer.status?.user?.extra?.['authentication.kubernetes.io/pod-name']).toEqual(['cart-0']);
    expect(server.requests(TOKEN_REVIEWS_PATH)).toBe(1);
    expect(server.reviewSpecs).toEqual([{ token, audiences: ['trellis'] }]);
  });

  it('grants the intersection of audiences, and the API server audience when none is asked', async () => {
    const server = await start();
    const token = fakeJwt();
    server.tokens.set(token, serviceAccountAnswer('shop', 'cart', { audiences: [API_SERVER_AUDIENCE] }));
    const asked = await review(server, token, ['trellis']);
    expect(asked.status?.authenticated).toBeUndefined();
    expect(asked.status?.error).toContain('is invalid for the target audiences ["trellis"]');
    const unasked = await review(server, token);
    expect(unasked.status?.audiences).toEqual([API_SERVER_AUDIENCE]);
  });

  it('does not authenticate an unknown token', async () => {
    const server = await start();
    const answer = await review(server, fakeJwt(), ['trellis']);
    expect(answer.status?.authenticated).toBeUndefined();
    expect(answer.status?.error).toContain('invalid bearer token');
  });

  it('refuses a caller without the right bearer token, and fails with the status a test sets', async () => {
    const server = await start();
    await expect(review(server, fakeJwt(), ['trellis'], 'wrong')).rejects.toMatchObject({ code: 401 });
    const token = fakeJwt();
    server.tokens.set(token, { kind: 'status', code: 403, message: 'forbidden: no RBAC' });
    const error = await review(server, token, ['trellis']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<string>).code).toBe(403);
    expect(JSON.parse((error as ApiException<string>).body)).toMatchObject({
      kind: 'Status',
      reason: 'Forbidden',
      message: 'forbidden: no RBAC',
      code: 403,
    });
    expect(server.requests(TOKEN_REVIEWS_PATH)).toBe(2);
  });

  it('answers 404 for a path it has no route for, and counts it', async () => {
    const server = await start();
    const response = await fetchInsecure(`${server.url}/api/v1/pods`);
    expect(response).toBe(404);
    expect(server.requests('/api/v1/pods')).toBe(1);
  });
});

/** A raw GET with the caller's token; the certificate is not checked here (the tests above do). */
function fetchInsecure(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { rejectUnauthorized: false, headers: { authorization: 'Bearer trellis-test-caller-token' } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
