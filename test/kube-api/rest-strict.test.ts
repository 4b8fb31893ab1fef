// The fake is strict where the real API server is, so a test of Trellis fails on a malformed
// request: a body of another kind or apiVersion, a name or namespace that is not the path's, a stale
// resourceVersion, a patch of a content type the resource does not take, a method a path does not
// serve. Calls go through client-node where it can send them; the rest are raw requests.
import { request } from 'node:https';
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CALLER_TOKEN, type FakeApiServer, startFakeApiServer } from './fake-api-server.js';
import { ALL_FAKE_RESOURCES } from './object-store.js';

const servers: FakeApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function start(): Promise<FakeApiServer> {
  const server = await startFakeApiServer({ resources: ALL_FAKE_RESOURCES });
  servers.push(server);
  return server;
}

async function failure(call: Promise<unknown>): Promise<{ code: number; reason: string; message: string }> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiException);
  const { code, body } = error as ApiException<string>;
  const status = JSON.parse(body) as { kind: string; reason: string; message: string; code: number };
  expect(status.kind).toBe('Status');
  expect(status.code).toBe(code);
  return { code, reason: status.reason, message: status.message };
}

/** A raw request with the caller's token; the certificate is not checked here (other tests do). */
function raw(
  server: FakeApiServer,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ code: number; body: { reason?: string; message?: string } }> {
  const text = body === undefined ? '' : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.url}${path}`,
      {
        method,
        rejectUnauthorized: false,
        headers: {
          authorization: `Bearer ${DEFAULT_CALLER_TOKEN}`,
          'content-type': contentType,
          'content-length': Buffer.byteLength(text),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve({ code: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) });
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

const PLURAL = {
  group: 'trellis.dev',
  version: 'v1alpha1',
  namespace: 'shop',
  plural: 'localratelimitpolicies',
};
const policy = {
  apiVersion: 'trellis.dev/v1alpha1',
  kind: 'LocalRateLimitPolicy',
  metadata: { name: 'rl', namespace: 'shop' },
  spec: { requestsPerUnit: 1 },
};

describe('fake API server: strict where the API server is', () => {
  it('refuses a body that is not the object of the path', async () => {
    const server = await start();
    const api = server.kubeConfig().makeApiClient(CoreV1Api);
    const namespace = 'shop';
    const wrongKind = await failure(
      api.createNamespacedSecret({
        namespace,
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } },
      }),
    );
    expect(wrongKind).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect(wrongKind.message).toContain('cannot be handled as a Secret');
    const wrongVersion = await failure(
      api.createNamespacedSecret({
        namespace,
        body: { apiVersion: 'v2', kind: 'Secret', metadata: { name: 'x' } },
      }),
    );
    expect(wrongVersion.message).toBe(
      'the API version in the data (v2) does not match the expected API version (v1)',
    );
    const noName = await failure(api.createNamespacedSecret({ namespace, body: { metadata: {} } }));
    expect(noName).toMatchObject({
      code: 422,
      reason: 'Invalid',
      message: 'Secret "" is invalid: metadata.name: Required value: name or generateName is required',
    });
    expect(
      (await failure(api.createNamespacedSecret({ namespace, body: { metadata: { name: 'Not_A_Name' } } })))
        .code,
    ).toBe(422);
    const otherNamespace = await failure(
      api.createNamespacedSecret({ namespace, body: { metadata: { name: 'x', namespace: 'pay' } } }),
    );
    expect(otherNamespace).toMatchObject({ code: 400, reason: 'BadRequest' });
    const withVersion = await failure(
      api.createNamespacedSecret({ namespace, body: { metadata: { name: 'x', resourceVersion: '7' } } }),
    );
    expect(withVersion.message).toBe('resourceVersion should not be set on objects to be created');

    await api.createNamespacedSecret({ namespace, body: { metadata: { name: 'x' } } });
    const renamed = await failure(
      api.replaceNamespacedSecret({ name: 'x', namespace, body: { metadata: { name: 'y' } } }),
    );
    expect(renamed.message).toBe('the name of the object (y) does not match the name on the URL (x)');
    const missing = await failure(
      api.replaceNamespacedSecret({ name: 'y', namespace, body: { metadata: { name: 'y' } } }),
    );
    expect(missing).toMatchObject({ code: 404, message: 'secrets "y" not found' });

    // A custom resource must name its kind, and an update of one must carry a resourceVersion.
    const custom = server.kubeConfig().makeApiClient(CustomObjectsApi);
    const { kind: _kind, ...kindless } = policy;
    expect((await failure(custom.createNamespacedCustomObject({ ...PLURAL, body: kindless }))).code).toBe(
      400,
    );
    await custom.createNamespacedCustomObject({ ...PLURAL, body: policy });
    const unconditional = await failure(
      custom.replaceNamespacedCustomObject({ ...PLURAL, name: 'rl', body: policy }),
    );
    expect(unconditional).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(unconditional.message).toContain(
      'metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
    );
  });

  it('answers 409 Conflict to a stale resourceVersion, in an update, a patch or a delete precondition', async () => {
    const server = await start();
    const api = server.kubeConfig().makeApiClient(CoordinationV1Api);
    const namespace = 'trellis-system';
    const lease = await api.createNamespacedLease({ namespace, body: { metadata: { name: 'l' }, spec: {} } });
    const stale = lease.metadata!.resourceVersion!;
    await api.replaceNamespacedLease({
      name: 'l',
      namespace,
      body: { ...lease, spec: { holderIdentity: 'a' } },
    });
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const patch = await failure(
      api.patchNamespacedLease(
        {
          name: 'l',
          namespace,
          body: { metadata: { resourceVersion: stale }, spec: { holderIdentity: 'b' } },
        },
        merge,
      ),
    );
    expect(patch).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(patch.message).toContain('the object has been modified');
    const jsonTest = await failure(
      api.patchNamespacedLease({
        name: 'l',
        namespace,
        body: [
          { op: 'replace', path: '/metadata/resourceVersion', value: stale },
          { op: 'replace', path: '/spec/holderIdentity', value: 'b' },
        ],
      }),
    );
    expect(jsonTest.code).toBe(409);
    const deletion = await failure(
      api.deleteNamespacedLease({
        name: 'l',
        namespace,
        body: { preconditions: { resourceVersion: stale } },
      }),
    );
    expect(deletion).toMatchObject({ code: 409, reason: 'Conflict' });
    expect((await api.readNamespacedLease({ name: 'l', namespace })).spec?.holderIdentity).toBe('a');
    expect(server.writes({ pathIncludes: '/leases/l' }).map((w) => w.code)).toEqual([200, 409, 409, 409]);
  });

  it('answers 415 to a patch content type the resource does not take, and 400/422 to a bad patch', async () => {
    const server = await start();
    const custom = server.kubeConfig().makeApiClient(CustomObjectsApi);
    await custom.createNamespacedCustomObject({ ...PLURAL, body: policy });
    const patchAs = (contentType: string, body: unknown) =>
      custom.patchNamespacedCustomObject(
        { ...PLURAL, name: 'rl', body },
        setHeaderOptions('Content-Type', contentType),
      );
    const strategic = await failure(
      patchAs(PatchStrategy.StrategicMergePatch, { spec: { requestsPerUnit: 2 } }),
    );
    expect(strategic).toMatchObject({ code: 415, reason: 'UnsupportedMediaType' });
    expect((await failure(patchAs(PatchStrategy.ServerSideApply, { spec: {} }))).code).toBe(415);
    expect((await failure(patchAs('application/json', { spec: {} }))).code).toBe(415);
    expect((await failure(patchAs(PatchStrategy.JsonPatch, { op: 'add' }))).code).toBe(400);
    const unresolvable = await failure(
      patchAs(PatchStrategy.JsonPatch, [{ op: 'replace', path: '/spec/nope/x', value: 1 }]),
    );
    expect(unresolvable.code).toBe(422);
    const failedTest = await failure(
      patchAs(PatchStrategy.JsonPatch, [{ op: 'test', path: '/spec/requestsPerUnit', value: 9 }]),
    );
    expect(failedTest.code).toBe(422);
    expect((await failure(patchAs(PatchStrategy.MergePatch, { kind: 'Other' }))).code).toBe(400);
    // A built-in kind takes a strategic merge patch.
    const core = server.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: 'shop', body: { metadata: { name: 'm' } } });
    const patched = await core.patchNamespacedConfigMap(
      { name: 'm', namespace: 'shop', body: { data: { a: 'b' } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(patched.data).toEqual({ a: 'b' });
    expect(
      (await failure(core.patchNamespacedConfigMap({ name: 'x', namespace: 'shop', body: [] }))).code,
    ).toBe(404);
  });

  it('answers 404 to a path it does not serve and 405 to a method a path does not take', async () => {
    const server = await start();
    const path = '/apis/trellis.dev/v1alpha1/namespaces/shop/localratelimitpolicies';
    expect((await raw(server, 'POST', path, policy)).code).toBe(201);
    expect((await raw(server, 'GET', '/apis/nope.example.com/v1/things')).code).toBe(404);
    expect((await raw(server, 'GET', '/api/v1/pods/x')).code).toBe(404);
    expect((await raw(server, 'GET', '/api/v1/namespaces/shop/secrets/x/status')).code).toBe(404);
    expect(
      (
        await raw(
          server,
          'GET',
          '/apis/admissionregistration.k8s.io/v1/namespaces/shop/mutatingwebhookconfigurations',
        )
      ).code,
    ).toBe(404);
    expect((await raw(server, 'GET', '/api/v1/namespaces/shop/secrets/a/b/c')).code).toBe(404);
    const cases: [string, string][] = [
      ['POST', '/apis/trellis.dev/v1alpha1/localratelimitpolicies'],
      ['PUT', path],
      ['DELETE', path],
      ['POST', `${path}/rl`],
      ['DELETE', `${path}/rl/status`],
      ['POST', '/apis'],
    ];
    for (const [method, at] of cases) {
      const answer = await raw(server, method, at, {});
      expect([method, at, answer.code, answer.body.reason]).toEqual([method, at, 405, 'MethodNotAllowed']);
    }
    const yaml = await raw(server, 'POST', path, policy, 'application/yaml');
    expect(yaml.code).toBe(415);
    const notJson = await raw(server, 'PATCH', `${path}/rl`, { spec: {} }, 'text/plain');
    expect(notJson.code).toBe(415);
    expect(server.writes({ method: 'POST' }).map((w) => w.code)).toEqual([201, 405, 405, 405, 415]);
  });
});
