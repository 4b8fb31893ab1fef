// The watch screen (guarded-watch.ts) against the fake API server: events client-node's ListWatch
// would choke on (an object that is null or has no metadata rejected a promise nobody awaited, which
// ends the process), bodies of another kind, junk bookmarks, ERROR events and a resourceVersion the
// server refuses. Each is ignored or ends the watch with a precise line, and the informer goes on.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeApiServer, startFakeApiServer } from '../../../test/kube-api/fake-api-server.js';
import { FAKE_RESOURCES, fakeResource } from '../../../test/kube-api/object-store.js';
import { refusal } from './guarded-watch.js';
import { KindInformer } from './kind-informer.js';
import { KUBE_KINDS } from './kube-kinds.js';

const SERVICE_KIND = KUBE_KINDS.find((k) => k.kind === 'Service')!;
const SERVICES = fakeResource('Service');

const servers: FakeApiServer[] = [];
const informers: KindInformer[] = [];
const aborts: AbortController[] = [];
afterEach(async () => {
  for (const abort of aborts.splice(0)) abort.abort();
  await Promise.all(informers.splice(0).map((i) => i.stop()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

const service = (name: string, port = 80) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'shop' },
  spec: { clusterIP: 'None', ports: [{ port }] },
});

async function started(backoffMs = { initial: 20, max: 100 }) {
  const server = await startFakeApiServer({ resources: FAKE_RESOURCES });
  servers.push(server);
  server.store.apply(service('web'));
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  const abort = new AbortController();
  aborts.push(abort);
  const informer = new KindInformer(server.kubeConfig(), SERVICE_KIND, {
    logger: pino({ level: 'info' }, stream),
    signal: abort.signal,
    maxObjects: 1000,
    crdRetryMs: 60_000,
    backoffMs,
    onTouched: () => undefined,
  });
  informers.push(informer);
  informer.start();
  await informer.synced;
  await waitUntil('the watch', () => server.store.watcherCount() === 1);
  informer.drain();
  const failures = () =>
    lines.filter((l) => String(l.msg).includes('informer failed')).map((l) => Number(l.failures));
  /** The warnings logged: the message, and the error when there is one. */
  const warnings = () =>
    lines.filter((l) => l.level === 40).map((l) => (l.err ? `${l.msg} (${l.err})` : String(l.msg)));
  return { server, informer, warnings, failures };
}

async function waitUntil(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Applies a valid change and waits until the informer reports it: the informer is still watching. */
async function stillWatching(server: FakeApiServer, informer: KindInformer, port: number): Promise<void> {
  server.store.apply(service('web', port));
  const changes: string[] = [];
  await waitUntil(`port ${port} to be reported`, () => {
    for (const change of informer.drain())
      if (change.type !== 'deleted') changes.push(JSON.stringify(change.documents[0]?.value));
    return changes.some((c) => c.includes(`"port":${port}`));
  });
}

describe('GuardedWatch', () => {
  it('ignores events the informer cannot file, with the field path and value, and keeps watching', async () => {
    const { server, informer, warnings } = await started();
    const events: [unknown, string][] = [
      [{ type: 'ADDED', object: null }, 'an ADDED event was ignored: object: must be a mapping, not null'],
      [{ type: 'MODIFIED', object: 'x' }, 'object: must be a mapping, not "x"'],
      [{ type: 'DELETED', object: { kind: 'Service' } }, 'object.metadata: must be a mapping, not nothing'],
      [
        { type: 'ADDED', object: { metadata: { name: 5, namespace: 'shop' } } },
        'object.metadata.name: must be a string, not 5',
      ],
      [
        { type: 'ADDED', object: { metadata: { name: 'a', namespace: ['shop'] } } },
        'object.metadata.namespace: must be a string, not a list',
      ],
      [
        { type: 'ADDED', object: { ...service('vs'), kind: 'VirtualService' } },
        'an ADDED event for shop/vs was ignored: object.kind: must be "Service", the kind watched, not "VirtualService"',
      ],
      [
        { type: 'MODIFIED', object: { ...service('web'), apiVersion: 'v2' } },
        'object.apiVersion: must be "v1", the apiVersion watched, not "v2"',
      ],
      [
        { type: 'BOOKMARK', object: null },
        'a BOOKMARK event was ignored: object: must be a mapping, not null',
      ],
      [
        { type: 'BOOKMARK', object: { metadata: { resourceVersion: 7 } } },
        'object.metadata.resourceVersion: must be a non-empty string, not 7',
      ],
      [{ type: 'SURPRISE', object: {} }, 'an event of type "SURPRISE" was ignored'],
      [{ object: null }, 'an event of type nothing was ignored'],
      ['{"type": "ADDED", "object": {', ''],
      ['null', ''],
    ];
    for (const [event] of events) expect(server.store.sendRaw(SERVICES, event)).toBe(1);
    await stillWatching(server, informer, 81);
    const said = warnings();
    for (const [, words] of events)
      if (words)
        expect(
          said.some((w) => w.includes(words)),
          words,
        ).toBe(true);
    expect(said.every((w) => w.startsWith('the core/Service watch: '))).toBe(true);
    // Only the served Service was ever reported: nothing of the ignored events reached the informer.
    expect(informer.drain()).toEqual([]);
    expect(server.store.watcherCount()).toBe(1);
  });

  it('an ERROR event other than 410 ends the watch with its code, reason and message; the informer restarts', async () => {
    const { server, informer, warnings } = await started();
    server.store.sendRaw(SERVICES, {
      type: 'ERROR',
      object: { kind: 'Status', code: 500, reason: 'InternalError', message: 'etcd is away' },
    });
    await stillWatching(server, informer, 82);
    expect(warnings()).toContain(
      'the core/Service informer failed; restarting it (the API server ended the watch with an ERROR event: 500 InternalError "etcd is away")',
    );
    server.store.sendRaw(SERVICES, { type: 'ERROR', object: 'junk' });
    await stillWatching(server, informer, 83);
    expect(warnings().at(-1)).toContain('with an ERROR event: not a Status but "junk"');
  });

  it('a resourceVersion the server refuses (a junk bookmark) makes the informer list again, not ask forever', async () => {
    const { server, informer, warnings } = await started();
    server.store.sendRaw(SERVICES, {
      type: 'BOOKMARK',
      object: { apiVersion: 'v1', kind: 'Service', metadata: { resourceVersion: 'junk' } },
    });
    // The watch ends; the informer resumes from "junk", which the fake refuses with 400.
    server.store.endWatches();
    server.store.apply(service('api'));
    await stillWatching(server, informer, 84);
    expect(warnings()).toEqual([
      'the core/Service watch: the watch from resourceVersion "junk" was refused (HTTP 400): listing again',
    ]);
    expect(informer.drain()).toEqual([]);
  });

  it('an informer failing again after a quiet while (twice the longest delay) starts its backoff over', async () => {
    const { server, informer, failures } = await started({ initial: 20, max: 1000 });
    const fail = async (port: number) => {
      server.store.sendRaw(SERVICES, { type: 'ERROR', object: { code: 500, reason: 'InternalError' } });
      await stillWatching(server, informer, port);
    };
    // Each error soon after the last: 10-20 ms, 20-40 ms, 40-80 ms, far below the 2 s quiet.
    for (let i = 0; i < 3; i++) await fail(90 + i);
    expect(failures()).toEqual([1, 2, 3]);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await fail(95);
    expect(failures()).toEqual([1, 2, 3, 1]);
  });

  it('a watch that delivered events and then ended soon reconnects at once, however often', async () => {
    const { server, informer } = await started();
    // Were each of these ends counted as a watch ending at once, the waits before reconnecting would
    // double each time: 0.2, 0.4 ... 12.8 s, far past the 5 s each wait below allows.
    for (let round = 0; round < 8; round++) {
      await stillWatching(server, informer, 100 + round);
      server.store.endWatches();
      await waitUntil(`the watch back, round ${round}`, () => server.store.watcherCount() === 1);
    }
    await stillWatching(server, informer, 200);
  });

  it('refusal() passes what a real API server sends', () => {
    const expects = { apiVersion: 'v1', kind: 'Service' };
    expect(refusal('ADDED', service('web'), expects)).toBeUndefined();
    expect(refusal('DELETED', { metadata: { name: 'web' } }, expects)).toBeUndefined();
    expect(refusal('ADDED', { metadata: {} }, expects)).toBeUndefined();
    expect(refusal('BOOKMARK', { kind: 'Service', metadata: { resourceVersion: '12' } })).toBeUndefined();
    expect(refusal('ERROR', null)).toBeUndefined();
  });
});
