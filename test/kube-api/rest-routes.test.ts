// The fake's REST routes held to the wire format by client-node's own generated clients and its
// generic KubernetesObjectApi (which finds plurals through discovery): create, read, replace, patch
// and delete answer what the real API server answers, errors included.
import {
  AdmissionregistrationV1Api,
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type V1Secret,
} from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeApiServer, startFakeApiServer } from './fake-api-server.js';
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

/** The ApiException a call rejects with: its code and its parsed Status body. */
async function failure(call: Promise<unknown>): Promise<{ code: number; status: Record<string, unknown> }> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiException);
  const { code, body } = error as ApiException<string>;
  return { code, status: JSON.parse(body) as Record<string, unknown> };
}

const secret = (name: string, value = 'dmFsdWU='): V1Secret => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'trellis-system', labels: { app: 'trellis' } },
  type: 'Opaque',
  data: { key: value },
});

const policy = (name: string) => ({
  apiVersion: 'trellis.dev/v1alpha1',
  kind: 'LocalRateLimitPolicy',
  metadata: { name, namespace: 'shop' },
  spec: { targetRef: { kind: 'Service', name: 'cart' }, requestsPerUnit: 10, unit: 'Second' },
});

describe('fake API server: REST routes through client-node', () => {
  it('creates, reads, replaces and deletes a Secret and a ConfigMap', async () => {
    const server = await start();
    const api = server.kubeConfig().makeApiClient(CoreV1Api);
    const namespace = 'trellis-system';

    const created = await api.createNamespacedSecret({ namespace, body: secret('ca') });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.resourceVersion).toBe(server.store.resourceVersion());
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(created.metadata?.generation).toBe(1);
    expect(created.data).toEqual({ key: 'dmFsdWU=' });

    const again = await failure(api.createNamespacedSecret({ namespace, body: secret('ca') }));
    expect(again.code).toBe(409);
    expect(again.status).toMatchObject({
      kind: 'Status',
      reason: 'AlreadyExists',
      message: 'secrets "ca" already exists',
      details: { name: 'ca', kind: 'secrets' },
    });

    const read = await api.readNamespacedSecret({ name: 'ca', namespace });
    expect(read.metadata?.uid).toBe(created.metadata?.uid);
    const replaced = await api.replaceNamespacedSecret({
      name: 'ca',
      namespace,
      body: { ...read, data: { key: 'bmV3' } },
    });
    expect(replaced.data).toEqual({ key: 'bmV3' });
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(
      Number(read.metadata?.resourceVersion),
    );
    expect(replaced.metadata?.uid).toBe(created.metadata?.uid);

    const deleted = await api.deleteNamespacedSecret({ name: 'ca', namespace });
    expect(deleted.status).toBe('Success');
    const missing = await failure(api.readNamespacedSecret({ name: 'ca', namespace }));
    expect(missing.code).toBe(404);
    expect(missing.status).toMatchObject({
      reason: 'NotFound',
      message: 'secrets "ca" not found',
      details: { name: 'ca', kind: 'secrets' },
    });
    expect((await failure(api.deleteNamespacedSecret({ name: 'ca', namespace }))).code).toBe(404);

    const map = await api.createNamespacedConfigMap({
      namespace: 'shop',
      body: { metadata: { generateName: 'mesh-' }, data: { a: '1' } },
    });
    expect(map.metadata?.name).toMatch(/^mesh-[a-z0-9]{5}$/);
    expect(map.kind).toBe('ConfigMap');
    const maps = await api.listNamespacedConfigMap({ namespace: 'shop' });
    expect(maps.items.map((m) => m.metadata?.name)).toEqual([map.metadata?.name]);
  });

  it('refuses a Lease replaced with a stale resourceVersion, and accepts the current one', async () => {
    const server = await start();
    const api = server.kubeConfig().makeApiClient(CoordinationV1Api);
    const namespace = 'trellis-system';
    const lease = await api.createNamespacedLease({
      namespace,
      body: { metadata: { name: 'trellis-leader' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } },
    });
    const taken = await api.replaceNamespacedLease({
      name: 'trellis-leader',
      namespace,
      body: { ...lease, spec: { ...lease.spec, holderIdentity: 'b' } },
    });
    expect(taken.spec?.holderIdentity).toBe('b');
    const stale = await failure(
      api.replaceNamespacedLease({
        name: 'trellis-leader',
        namespace,
        body: { ...lease, spec: { ...lease.spec, holderIdentity: 'c' } },
      }),
    );
    expect(stale.code).toBe(409);
    expect(stale.status).toMatchObject({
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on leases.coordination.k8s.io "trellis-leader": the object has been ' +
        'modified; please apply your changes to the latest version and try again',
      details: { name: 'trellis-leader', group: 'coordination.k8s.io', kind: 'leases' },
    });
    const read = await api.readNamespacedLease({ name: 'trellis-leader', namespace });
    expect(read.spec?.holderIdentity).toBe('b');
  });

  it('merge-patches a custom resource status: only .status changes, generation stays', async () => {
    const server = await start();
    const api = server.kubeConfig().makeApiClient(CustomObjectsApi);
    const target = {
      group: 'trellis.dev',
      version: 'v1alpha1',
      namespace: 'shop',
      plural: 'localratelimitpolicies',
    };
    const created = await api.createNamespacedCustomObject({ ...target, body: policy('cart-rl') });
    expect(created.metadata.generation).toBe(1);
    const status = { ancestors: [{ conditions: [{ type: 'Accepted', status: 'True' }] }] };
    const patched = await api.patchNamespacedCustomObjectStatus(
      { ...target, name: 'cart-rl', body: { status, spec: { requestsPerUnit: 99 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(patched.status).toEqual(status);
    expect(patched.spec.requestsPerUnit).toBe(10);
    expect(patched.metadata.generation).toBe(1);

    // The main resource ignores .status, and bumps the generation when the spec changes.
    const main = await api.patchNamespacedCustomObject(
      { ...target, name: 'cart-rl', body: { status: { ancestors: [] }, spec: { requestsPerUnit: 20 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(main.status).toEqual(status);
    expect(main.spec.requestsPerUnit).toBe(20);
    expect(main.metadata.generation).toBe(2);

    const statusWrites = server.writes({ method: 'PATCH', subresource: 'status' });
    expect(statusWrites).toHaveLength(1);
    expect(statusWrites[0]).toMatchObject({
      path: '/apis/trellis.dev/v1alpha1/namespaces/shop/localratelimitpolicies/cart-rl/status',
      contentType: 'application/merge-patch+json',
      code: 200,
    });
    expect(server.writes({ subresource: '' }).map((w) => `${w.method} ${w.code}`)).toEqual([
      'POST 201',
      'PATCH 200',
    ]);
  });

  it('JSON-patches and merge-patches a cluster-scoped MutatingWebhookConfiguration', async () => {
    const server = await start();
    const api = server.kubeConfig().makeApiClient(AdmissionregistrationV1Api);
    const webhook = {
      name: 'inject.trellis.dev',
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      clientConfig: { service: { name: 'trellis', namespace: 'trellis-system', path: '/inject' } },
    };
    const created = await api.createMutatingWebhookConfiguration({
      body: { metadata: { name: 'trellis-injector', namespace: 'ignored' }, webhooks: [webhook] },
    });
    expect(created.metadata?.namespace).toBeUndefined();
    // The generated client's default patch content type is a JSON patch.
    const patched = await api.patchMutatingWebhookConfiguration({
      name: 'trellis-injector',
      body: [{ op: 'add', path: '/webhooks/0/clientConfig/caBundle', value: 'Y2E=' }],
    });
    expect(patched.webhooks?.[0]?.clientConfig.caBundle).toBe('Y2E=');
    expect(server.writes({ method: 'PATCH' })[0]?.contentType).toBe('application/json-patch+json');
    const merged = await api.patchMutatingWebhookConfiguration(
      { name: 'trellis-injector', body: { metadata: { labels: { owner: 'trellis' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merged.metadata?.labels).toEqual({ owner: 'trellis' });
    // A merge patch replaces lists whole.
    expect(merged.webhooks?.[0]?.clientConfig.caBundle).toBe('Y2E=');
    const read = await api.readMutatingWebhookConfiguration({ name: 'trellis-injector' });
    expect(read.metadata?.resourceVersion).toBe(merged.metadata?.resourceVersion);
  });

  it('serves the generic KubernetesObjectApi, which finds plurals by discovery', async () => {
    const server = await start();
    const api = KubernetesObjectApi.makeApiClient(server.kubeConfig());
    type Policy = KubernetesObject & { spec: { requestsPerUnit: number } };
    const created = await api.create<Policy>(policy('frontend-rl'));
    expect(created.metadata?.uid).toBeDefined();
    const read = await api.read<Policy>({
      apiVersion: 'trellis.dev/v1alpha1',
      kind: 'LocalRateLimitPolicy',
      metadata: { name: 'frontend-rl', namespace: 'shop' },
    });
    expect(read.spec.requestsPerUnit).toBe(10);
    const patched = await api.patch<Policy>(
      {
        apiVersion: 'trellis.dev/v1alpha1',
        kind: 'LocalRateLimitPolicy',
        metadata: { name: 'frontend-rl', namespace: 'shop' },
        spec: { requestsPerUnit: 5 },
      },
      undefined,
      undefined,
      undefined,
      undefined,
      PatchStrategy.MergePatch,
    );
    expect(patched.spec.requestsPerUnit).toBe(5);
    expect(patched.metadata?.generation).toBe(2);
    // A built-in kind takes the default strategic merge patch; a namespace-less spec lands in `default`.
    const map = await api.create<KubernetesObject>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x' },
    });
    expect(map.metadata?.namespace).toBe('default');
    const labelled = await api.patch({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', labels: { a: 'b' } },
    });
    expect(labelled.metadata?.labels).toEqual({ a: 'b' });
    expect(server.requests('/apis/trellis.dev/v1alpha1')).toBe(1);
  });

  it('answers a write that changes nothing with the object as it is, without a new version', async () => {
    const server = await start();
    const api = server.kubeConfig().makeApiClient(CoreV1Api);
    const created = await api.createNamespacedConfigMap({
      namespace: 'shop',
      body: { metadata: { name: 'same' }, data: { a: '1' } },
    });
    const before = server.store.resourceVersion();
    const patched = await api.patchNamespacedConfigMap(
      { name: 'same', namespace: 'shop', body: { data: { a: '1' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(patched.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    const replaced = await api.replaceNamespacedConfigMap({ name: 'same', namespace: 'shop', body: created });
    expect(replaced.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    expect(server.store.resourceVersion()).toBe(before);
  });

  it('replaces a status through /status only, ignores .status on the main resource, and honours dryRun', async () => {
    const server = await start();
    const api = server.kubeConfig().makeApiClient(CustomObjectsApi);
    const target = {
      group: 'trellis.dev',
      version: 'v1alpha1',
      namespace: 'shop',
      plural: 'localratelimitpolicies',
    };
    const created = await api.createNamespacedCustomObject({
      ...target,
      body: { ...policy('rl'), status: { ancestors: ['set on create'] } },
    });
    expect(created.status).toBeUndefined();
    const withStatus = await api.replaceNamespacedCustomObjectStatus({
      ...target,
      name: 'rl',
      body: { ...created, spec: { requestsPerUnit: 1000 }, status: { ancestors: [] } },
    });
    expect(withStatus.status).toEqual({ ancestors: [] });
    expect(withStatus.spec.requestsPerUnit).toBe(10);
    expect(withStatus.metadata.generation).toBe(1);
    const main = await api.replaceNamespacedCustomObject({
      ...target,
      name: 'rl',
      body: { ...withStatus, spec: { requestsPerUnit: 30 }, status: { ancestors: ['ignored'] } },
    });
    expect(main.status).toEqual({ ancestors: [] });
    expect(main.metadata.generation).toBe(2);

    const before = server.store.resourceVersion();
    const dry = await api.patchNamespacedCustomObject(
      { ...target, name: 'rl', body: { spec: { requestsPerUnit: 1 } }, dryRun: 'All' },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(dry.spec.requestsPerUnit).toBe(1);
    expect(server.store.resourceVersion()).toBe(before);

    // A custom resource's delete answers the object, at the deletion's resourceVersion.
    const deleted = await api.deleteNamespacedCustomObject({ ...target, name: 'rl' });
    expect(deleted.metadata.name).toBe('rl');
    expect(deleted.metadata.resourceVersion).toBe(server.store.resourceVersion());
    expect(server.writes().map((w) => `${w.method} ${w.subresource || 'main'} ${w.code}`)).toEqual([
      'POST main 201',
      'PUT status 200',
      'PUT main 200',
      'PATCH main 200',
      'DELETE main 200',
    ]);
    expect(server.writes()[3]?.query).toBe('dryRun=All');
    server.clearWrites();
    expect(server.writes()).toEqual([]);
  });
});
