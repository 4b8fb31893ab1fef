// One kind's informer as a change-emitting layer, against the fake API server (test/kube-api/): what
// drain() reports for an update, a delete, a relist that finds the same objects, a write that changes
// nothing the parsers read; and that the informer holds the trimmed object, once.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeApiServer, startFakeApiServer } from '../../../test/kube-api/fake-api-server.js';
import { FAKE_RESOURCES } from '../../../test/kube-api/object-store.js';
import { silentLogger } from '../../log.js';
import type { ManifestChange } from '../state/manifest-index.js';
import { KindInformer } from './kind-informer.js';
import { KUBE_KINDS } from './kube-kinds.js';

const servers: FakeApiServer[] = [];
const informers: KindInformer[] = [];
const aborts: AbortController[] = [];
afterEach(async () => {
  for (const abort of aborts.splice(0)) abort.abort();
  await Promise.all(informers.splice(0).map((i) => i.stop()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

const SERVICE = KUBE_KINDS.find((k) => k.kind === 'Service')!;
const POD = KUBE_KINDS.find((k) => k.kind === 'Pod')!;
const TYPICAL_POD = JSON.parse(
  readFileSync(path.join(import.meta.dirname, 'testdata/typical-pod.json'), 'utf8'),
);

const service = (name: string, port = 80) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name,
    namespace: 'shop',
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
  },
  spec: { clusterIP: 'None', ports: [{ port }] },
});

async function started(kind = SERVICE, objects: unknown[] = []) {
  const server = await startFakeApiServer({ resources: FAKE_RESOURCES });
  servers.push(server);
  for (const object of objects) server.store.apply(object);
  const abort = new AbortController();
  aborts.push(abort);
  let touched = 0;
  const informer = new KindInformer(server.kubeConfig(), kind, {
    logger: silentLogger(),
    signal: abort.signal,
    maxObjects: 1000,
    crdRetryMs: 60_000,
    backoffMs: { initial: 50, max: 500 },
    onTouched: () => {
      touched++;
    },
  });
  informers.push(informer);
  informer.start();
  await informer.synced;
  await waitUntil('the watch', () => server.store.watcherCount() === 1);
  return { server, informer, touched: () => touched };
}

async function waitUntil(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const summary = (changes: readonly ManifestChange[]) => changes.map((c) => `${c.type} ${c.origin}`);

describe('KindInformer', () => {
  it('reports each object once as added, then only what changes', async () => {
    const { server, informer, touched } = await started(SERVICE, [service('web'), service('api')]);
    expect(summary(informer.drain()).sort()).toEqual([
      'added kube:core/Service/shop/api',
      'added kube:core/Service/shop/web',
    ]);
    expect(informer.drain()).toEqual([]);

    // An update of one object: one change, carrying the trimmed object.
    const before = touched();
    server.store.apply(service('web', 81));
    await waitUntil('the event', () => touched() > before);
    const changes = informer.drain();
    expect(summary(changes)).toEqual(['updated kube:core/Service/shop/web']);
    const change = changes[0]!;
    const value = change.type === 'deleted' ? undefined : change.documents[0]?.value;
    expect(value).toMatchObject({ apiVersion: 'v1', kind: 'Service', spec: { ports: [{ port: 81 }] } });
    expect(value).not.toHaveProperty('metadata.annotations');

    // A delete: one change.
    const deleted = touched();
    server.store.remove(service('api'));
    await waitUntil('the event', () => touched() > deleted);
    expect(summary(informer.drain())).toEqual(['deleted kube:core/Service/shop/api']);
  });

  it('a relist that finds the same objects reports nothing, and so does a write that changes no field read', async () => {
    const { server, informer, touched } = await started(SERVICE, [service('web'), service('api')]);
    informer.drain();
    // 410 Gone: the informer lists again and finds the same objects.
    const lists = server.requests('/api/v1/services');
    server.store.expireWatches();
    await waitUntil('a relist', () => server.requests('/api/v1/services') > lists);
    await waitUntil('the watch back', () => server.store.watcherCount() === 1);
    expect(informer.drain()).toEqual([]);

    // A new resourceVersion with the same content, and a change to an annotation the parsers do not
    // read: the informer sees the version it holds, and calls nothing.
    const before = touched();
    server.store.apply(service('web'));
    const other = service('api');
    server.store.apply({ ...other, metadata: { ...other.metadata, annotations: { note: 'changed' } } });
    server.store.bookmark();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(touched()).toBe(before);
    expect(informer.drain()).toEqual([]);
    // The relist after that resumes from the newest resourceVersion and still finds nothing new.
    server.store.expireWatches();
    await waitUntil('the watch back', () => server.store.watcherCount() === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(informer.drain()).toEqual([]);
  });

  it('a Pod whose status conditions change reports nothing; one whose IP changes reports one update', async () => {
    const { server, informer, touched } = await started(POD, [TYPICAL_POD]);
    const [added] = informer.drain();
    expect(added?.type).toBe('added');
    const held = added?.type === 'added' ? added.documents[0]!.value : undefined;
    // What the document holds is the trimmed object, a few hundred bytes of the 5 kB read.
    expect(JSON.stringify(held).length).toBeLessThan(600);
    expect(held).not.toHaveProperty('metadata.managedFields');

    const before = touched();
    server.store.apply({
      ...TYPICAL_POD,
      status: { ...TYPICAL_POD.status, conditions: [{ type: 'Ready', status: 'False' }] },
    });
    server.store.bookmark();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(touched()).toBe(before);
    expect(informer.drain()).toEqual([]);

    server.store.apply({
      ...TYPICAL_POD,
      status: { ...TYPICAL_POD.status, podIP: '10.244.1.24', podIPs: [] },
    });
    await waitUntil('the event', () => touched() > before);
    expect(summary(informer.drain())).toEqual([`updated kube:core/Pod/shop/${TYPICAL_POD.metadata.name}`]);
  });
});
