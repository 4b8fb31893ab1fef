// Lists and watches on the namespaced and cluster-wide paths, held to the wire format by client-node:
// pagination with `limit` and `_continue` (a consistent snapshot), selectors, and client-node's
// informer fed by writes made through the REST routes.
import {
  ApiException,
  CoreV1Api,
  type ListWatch,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  type V1ConfigMap,
  type V1Pod,
  Watch,
} from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeApiServer, startFakeApiServer } from './fake-api-server.js';
import { ALL_FAKE_RESOURCES } from './object-store.js';

const servers: FakeApiServer[] = [];
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function start(): Promise<FakeApiServer> {
  const server = await startFakeApiServer({ resources: ALL_FAKE_RESOURCES });
  servers.push(server);
  return server;
}

async function waitUntil(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const pod = (name: string, labels: Record<string, string> = {}): V1Pod => ({
  metadata: { name, labels },
  spec: { containers: [{ name: 'app', image: 'example.com/app:1' }] },
});

async function codeOf(call: Promise<unknown>): Promise<number> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiException);
  return (error as ApiException<string>).code;
}

describe('fake API server: lists and watches', () => {
  it('pages a namespaced list with limit and _continue, at the first page’s resourceVersion', async () => {
    const server = await start();
    const api = server.kubeConfig().makeApiClient(CoreV1Api);
    for (const name of ['e', 'c', 'a', 'd', 'b'])
      await api.createNamespacedPod({ namespace: 'shop', body: pod(name) });
    await api.createNamespacedPod({ namespace: 'other', body: pod('x') });

    const first = await api.listNamespacedPod({ namespace: 'shop', limit: 2 });
    expect(first.kind).toBe('PodList');
    expect(first.items.map((p) => p.metadata?.name)).toEqual(['a', 'b']);
    expect(first.metadata?._continue).toBeTruthy();
    expect(first.metadata?.remainingItemCount).toBe(3);
    // A change after the first page is not in the later ones: they are read at its version.
    await api.createNamespacedPod({ namespace: 'shop', body: pod('bb') });
    await api.deleteNamespacedPod({ name: 'e', namespace: 'shop' });

    const names = first.items.map((p) => p.metadata?.name);
    let token = first.metadata?._continue;
    while (token) {
      const page = await api.listNamespacedPod({ namespace: 'shop', limit: 2, _continue: token });
      expect(page.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
      names.push(...page.items.map((p) => p.metadata?.name));
      token = page.metadata?._continue;
    }
    expect(names).toEqual(['a', 'b', 'c', 'd', 'e']);
    const now = await api.listNamespacedPod({ namespace: 'shop' });
    expect(now.items.map((p) => p.metadata?.name)).toEqual(['a', 'b', 'bb', 'c', 'd']);
    expect(now.metadata?._continue).toBeUndefined();
    const all = await api.listPodForAllNamespaces({ limit: 100 });
    expect(all.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`)).toContain('other/x');

    expect(
      await codeOf(api.listNamespacedPod({ namespace: 'shop', limit: 2, _continue: 'not-a-token!' })),
    ).toBe(400);
    expect(
      await codeOf(
        api.listNamespacedPod({
          namespace: 'shop',
          limit: 2,
          _continue: first.metadata?._continue,
          resourceVersion: '1',
        }),
      ),
    ).toBe(400);
    server.store.compact();
    await api.createNamespacedPod({ namespace: 'shop', body: pod('f') });
    expect(
      await codeOf(
        api.listNamespacedPod({ namespace: 'shop', limit: 2, _continue: first.metadata?._continue }),
      ),
    ).toBe(410);
  });

  it('filters lists by label and field selectors, and refuses a field it cannot select on', async () => {
    const server = await start();
    const api = server.kubeConfig().makeApiClient(CoreV1Api);
    await api.createNamespacedPod({ namespace: 'shop', body: pod('cart-0', { app: 'cart', tier: 'web' }) });
    await api.createNamespacedPod({ namespace: 'shop', body: pod('cart-1', { app: 'cart' }) });
    await api.createNamespacedPod({ namespace: 'pay', body: pod('ledger-0', { app: 'ledger' }) });
    const names = async (options: { labelSelector?: string; fieldSelector?: string }) =>
      (await api.listPodForAllNamespaces(options)).items.map((p) => p.metadata?.name);
    expect(await names({ labelSelector: 'app=cart' })).toEqual(['cart-0', 'cart-1']);
    expect(await names({ labelSelector: 'app!=cart' })).toEqual(['ledger-0']);
    expect(await names({ labelSelector: 'tier' })).toEqual(['cart-0']);
    expect(await names({ labelSelector: '!tier,app in (cart, ledger)' })).toEqual(['ledger-0', 'cart-1']);
    expect(await names({ fieldSelector: 'metadata.name=cart-1' })).toEqual(['cart-1']);
    expect(await names({ fieldSelector: 'metadata.namespace!=shop' })).toEqual(['ledger-0']);
    expect(await codeOf(api.listPodForAllNamespaces({ fieldSelector: 'spec.image=x' }))).toBe(400);
    expect(await codeOf(api.listPodForAllNamespaces({ labelSelector: 'a=(b' }))).toBe(400);
  });

  it('feeds client-node’s informer on a namespaced path from writes made through the REST routes', async () => {
    const server = await start();
    const config = server.kubeConfig();
    const api = config.makeApiClient(CoreV1Api);
    await api.createNamespacedConfigMap({ namespace: 'shop', body: { metadata: { name: 'before' } } });
    const informer = makeInformer<V1ConfigMap>(config, '/api/v1/namespaces/shop/configmaps', () =>
      api.listNamespacedConfigMap({ namespace: 'shop' }),
    );
    const events: string[] = [];
    informer.on('add', (m) => events.push(`add ${m.metadata?.name}`));
    informer.on('update', (m) => events.push(`update ${m.metadata?.name} ${JSON.stringify(m.data)}`));
    informer.on('delete', (m) => events.push(`delete ${m.metadata?.name}`));
    await informer.start();
    cleanups.push(() => informer.stop());
    await waitUntil('the watch', () => server.store.watcherCount() === 1);

    await api.createNamespacedConfigMap({
      namespace: 'shop',
      body: { metadata: { name: 'mesh' }, data: { a: '1' } },
    });
    await api.createNamespacedConfigMap({ namespace: 'elsewhere', body: { metadata: { name: 'mesh' } } });
    await api.patchNamespacedConfigMap(
      { name: 'mesh', namespace: 'shop', body: { data: { a: '2' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    // Changes nothing: no event.
    await api.patchNamespacedConfigMap(
      { name: 'mesh', namespace: 'shop', body: { data: { a: '2' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await api.deleteNamespacedConfigMap({ name: 'mesh', namespace: 'shop' });
    await waitUntil('four events', () => events.length >= 4);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events).toEqual(['add before', 'add mesh', 'update mesh {"a":"2"}', 'delete mesh']);
    // makeInformer's informer is a ListWatch, whose cache holds what is left.
    expect((informer as ListWatch<V1ConfigMap>).list().map((m) => m.metadata?.name)).toEqual(['before']);
  });

  it('tells a watch with a label selector when an object starts and stops matching', async () => {
    const server = await start();
    const config = server.kubeConfig();
    const api = config.makeApiClient(CoreV1Api);
    const events: string[] = [];
    const controller = await new Watch(config).watch(
      '/api/v1/namespaces/shop/pods',
      { labelSelector: 'app=cart', resourceVersion: server.store.resourceVersion() },
      (type, object: V1Pod) => events.push(`${type} ${object.metadata?.name}`),
      () => undefined,
    );
    cleanups.push(() => controller.abort());
    await api.createNamespacedPod({ namespace: 'shop', body: pod('p', { app: 'web' }) });
    await api.createNamespacedPod({ namespace: 'other', body: pod('q', { app: 'cart' }) });
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    await api.patchNamespacedPod(
      { name: 'p', namespace: 'shop', body: { metadata: { labels: { app: 'cart' } } } },
      merge,
    );
    await api.patchNamespacedPod(
      { name: 'p', namespace: 'shop', body: { metadata: { labels: { v: '2' } } } },
      merge,
    );
    await api.patchNamespacedPod(
      { name: 'p', namespace: 'shop', body: { metadata: { labels: { app: 'web' } } } },
      merge,
    );
    await waitUntil('three events', () => events.length === 3);
    expect(events).toEqual(['ADDED p', 'MODIFIED p', 'DELETED p']);
  });

  it('ends a watch after its timeoutSeconds', async () => {
    const server = await start();
    const ended: unknown[] = [];
    const started = Date.now();
    const controller = await new Watch(server.kubeConfig()).watch(
      '/apis/coordination.k8s.io/v1/namespaces/trellis-system/leases',
      { timeoutSeconds: 1 },
      () => undefined,
      (err) => ended.push(err),
    );
    cleanups.push(() => controller.abort());
    await waitUntil('the end of the watch', () => ended.length === 1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(server.store.watcherCount()).toBe(0);
  });
});
