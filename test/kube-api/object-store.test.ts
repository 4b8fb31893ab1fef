// The fake's list and watch routes, held to the wire format by client-node's own client, Watch and
// informer: lists are `<Kind>List`s with a resourceVersion, watches stream events after a version,
// with bookmarks when asked and 410 Gone when the version is too old.
import { CoreV1Api, ListWatch, type V1Service, Watch } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeApiServer, startFakeApiServer } from './fake-api-server.js';
import { FAKE_RESOURCES } from './object-store.js';

const servers: FakeApiServer[] = [];
const controllers: AbortController[] = [];
afterEach(async () => {
  for (const c of controllers.splice(0)) c.abort();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function start(): Promise<FakeApiServer> {
  const server = await startFakeApiServer({ resources: FAKE_RESOURCES });
  servers.push(server);
  return server;
}

const service = (name: string, port = 80) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'shop' },
  spec: { ports: [{ port }] },
});

async function waitUntil(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('fake API server: list and watch', () => {
  it('lists in the wire format the generated client reads', async () => {
    const server = await start();
    server.store.apply(service('b'));
    const rv = server.store.apply(service('a', 81));
    const list = await server.kubeConfig().makeApiClient(CoreV1Api).listServiceForAllNamespaces();
    expect(list.kind).toBe('ServiceList');
    expect(list.metadata?.resourceVersion).toBe(rv);
    expect(list.items.map((s) => s.metadata?.name)).toEqual(['a', 'b']);
    expect(list.items[0]?.spec?.ports?.[0]?.port).toBe(81);
  });

  it('streams events after a resourceVersion, bookmarks when asked, and 410 when too old', async () => {
    const server = await start();
    const from = server.store.apply(service('a'));
    const events: string[] = [];
    const ended: unknown[] = [];
    const controller = await new Watch(server.kubeConfig()).watch(
      '/api/v1/services',
      { resourceVersion: from, allowWatchBookmarks: true },
      (type, object: { metadata?: { name?: string; resourceVersion?: string } }) =>
        events.push(`${type} ${object.metadata?.name ?? ''}`),
      (err) => ended.push(err),
    );
    controllers.push(controller);
    server.store.apply(service('b'));
    server.store.apply(service('b', 82));
    server.store.remove(service('a'));
    server.store.bookmark();
    await waitUntil('four events', () => events.length === 4);
    expect(events).toEqual(['ADDED b', 'MODIFIED b', 'DELETED a', 'BOOKMARK ']);
    server.store.expireWatches();
    await waitUntil('the end of the stream', () => ended.length === 1);
    expect(server.store.watcherCount()).toBe(0);
  });

  it('feeds client-node informer, which relists after 410 and stops cleanly', async () => {
    const server = await start();
    server.store.apply(service('a'));
    const config = server.kubeConfig();
    const api = config.makeApiClient(CoreV1Api);
    const informer = new ListWatch<V1Service>(
      '/api/v1/services',
      new Watch(config),
      () => api.listServiceForAllNamespaces(),
      false,
    );
    await informer.start();
    expect(informer.list().map((s) => s.metadata?.name)).toEqual(['a']);
    server.store.apply(service('b'));
    await waitUntil('b', () => informer.list().length === 2);
    server.store.expireWatches();
    await waitUntil('a relist', () => server.requests('/api/v1/services') >= 4);
    server.store.remove(service('a'));
    await waitUntil('a gone', () => informer.list().length === 1);
    await informer.stop();
    await waitUntil('no watcher', () => server.store.watcherCount() === 0);
  });

  it('fails the requests a test asks to fail, with a Status', async () => {
    const server = await start();
    server.store.failRequests('/api/v1/services', 500, 1);
    const api = server.kubeConfig().makeApiClient(CoreV1Api);
    await expect(api.listServiceForAllNamespaces()).rejects.toMatchObject({ code: 500 });
    await expect(api.listServiceForAllNamespaces()).resolves.toMatchObject({ kind: 'ServiceList' });
  });
});
