// The Kubernetes source against the fake API server (test/kube-api/), through client-node's own
// informer and watch: the same objects give the same model as the file source, byte for byte once
// translated (issue 14, point 3); changes arrive, unchanged relists do not; an unserved CRD is
// skipped; stop() leaves nothing open.
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeApiServer, startFakeApiServer } from '../../../test/kube-api/fake-api-server.js';
import { FAKE_RESOURCES } from '../../../test/kube-api/object-store.js';
import { silentLogger } from '../../log.js';
import { proxyFromNode } from '../../model/proxy.js';
import { ProxyCompiler } from '../../xds/compile-proxy.js';
import { readManifestDir } from '../files/read-dir.js';
import { readManifestFiles } from '../files/read-file.js';
import { listManifestFiles } from '../files/walk.js';
import type { SourceState } from '../source.js';
import { KubeSource, type KubeSourceOptions } from './kube-source.js';

const EXAMPLES = path.resolve(import.meta.dirname, '../../../examples');

const servers: FakeApiServer[] = [];
const sources: KubeSource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function startServer(): Promise<FakeApiServer> {
  const server = await startFakeApiServer({ resources: FAKE_RESOURCES });
  servers.push(server);
  return server;
}

/** Every document of the examples, as the file source reads them. */
async function exampleObjects(): Promise<unknown[]> {
  const { files } = await listManifestFiles(EXAMPLES);
  const texts = await readManifestFiles(EXAMPLES, files);
  return texts.flatMap((text) => text.documents.map((doc) => doc.value));
}

function kubeSource(
  server: FakeApiServer,
  logger = silentLogger(),
  extra: Partial<KubeSourceOptions> = {},
): KubeSource {
  const source = new KubeSource(server.kubeConfig(), {
    ...extra,
    logger,
    debounceMs: 20,
    backoffMs: { initial: 50, max: 500 },
  });
  sources.push(source);
  return source;
}

/** Polls until `check` passes on the latest state; fails after a bounded wait. */
async function waitFor(states: SourceState[], what: string, check: (s: SourceState) => boolean) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const latest = states.at(-1);
    if (latest && check(latest)) return latest;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function waitUntil(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const PROXIES = [
  'sidecar~127.0.0.1~frontend-0.shop~shop.svc.cluster.local',
  'sidecar~127.0.0.1~catalog-v1-0.shop~shop.svc.cluster.local',
  'proxyless~127.0.0.1~frontend-0.shop~shop.svc.cluster.local',
];

function encoded(state: SourceState, node: string) {
  const parsed = proxyFromNode({ id: node });
  const proxy = node.startsWith('proxyless') ? { ...parsed, kind: 'proxyless' as const } : parsed;
  const compiled = new ProxyCompiler().compile(state.mesh, proxy);
  return {
    resources: compiled.resources.map((r) => ({
      typeUrl: r.typeUrl,
      name: r.name,
      bytes: Buffer.from(r.value).toString('base64'),
    })),
    errors: compiled.errors.length,
  };
}

describe('KubeSource', () => {
  it('gives the same mesh as the file source, and the same Envoy resources byte for byte', async () => {
    const server = await startServer();
    const objects = await exampleObjects();
    expect(objects.length).toBeGreaterThan(10);
    for (const object of objects) server.store.apply(object);

    const fromFiles = await readManifestDir(EXAMPLES);
    const fromKube = await kubeSource(server).start(() => undefined);

    expect(fromFiles.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(fromKube.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(fromFiles.mesh.services.length).toBeGreaterThan(3);
    expect(fromFiles.statuses.length).toBeGreaterThan(0);
    expect(fromKube.mesh).toEqual(fromFiles.mesh);
    expect(fromKube.statuses).toEqual(fromFiles.statuses);
    for (const node of PROXIES) {
      const files = encoded(fromFiles, node);
      expect(files.resources.length).toBeGreaterThan(0);
      expect(encoded(fromKube, node)).toEqual(files);
    }
  });

  it('passes changes on, and an unchanged relist calls nothing', async () => {
    const server = await startServer();
    for (const object of await exampleObjects()) server.store.apply(object);
    const states: SourceState[] = [];
    const first = await kubeSource(server).start((state) => states.push(state));
    const frontend = first.mesh.services.find((s) => s.name === 'frontend');
    expect(frontend).toBeDefined();

    // An endpoint added to the frontend's EndpointSlice.
    const slice = first.mesh.endpointSlices.find(
      (s) => s.namespace === 'shop' && s.serviceName === 'frontend',
    );
    expect(slice).toBeDefined();
    const endpointCount = (s: SourceState) =>
      s.mesh.endpointSlices
        .filter((e) => e.namespace === 'shop' && e.serviceName === 'frontend')
        .reduce((n, e) => n + e.endpoints.length, 0);
    const before = endpointCount(first);
    const objects = await exampleObjects();
    const raw = objects.find(
      (o) =>
        (o as { kind?: string }).kind === 'EndpointSlice' &&
        (o as { metadata: { labels?: Record<string, string> } }).metadata.labels?.[
          'kubernetes.io/service-name'
        ] === 'frontend',
    ) as { endpoints: { addresses: string[] }[] };
    server.store.apply({
      ...raw,
      endpoints: [...raw.endpoints, { ...raw.endpoints[0], addresses: ['127.0.0.9'] }],
    });
    await waitFor(states, 'the new endpoint', (s) => endpointCount(s) === before + 1);

    // The Service deleted.
    const service = objects.find(
      (o) =>
        (o as { kind?: string }).kind === 'Service' &&
        (o as { metadata: { name: string } }).metadata.name === 'frontend',
    );
    expect(server.store.remove(service)).toBe(true);
    await waitFor(states, 'the service gone', (s) => !s.mesh.services.some((x) => x.name === 'frontend'));
    const calls = states.length;

    // A relist (410 Gone on every watch) that finds nothing new: lists again, pushes nothing.
    const lists = server.requests('/api/v1/services');
    server.store.expireWatches();
    await waitUntil('a relist', () => server.requests('/api/v1/services') > lists + 1);
    await waitUntil('the watches back', () => server.store.watcherCount() === FAKE_RESOURCES.length);
    server.store.bookmark();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(states.length).toBe(calls);
  });

  it('says at which generation each state read a routing resource', async () => {
    const server = await startServer();
    const objects = await exampleObjects();
    for (const object of objects) server.store.apply(object);
    const route = objects.find((o) => (o as { kind?: string }).kind === 'VirtualService') as {
      metadata: Record<string, unknown>;
      spec: Record<string, unknown>;
    };
    server.store.apply({ ...route, metadata: { ...route.metadata, generation: 3 } });
    const states: SourceState[] = [];
    const first = await kubeSource(server).start((s) => states.push(s));
    const key = { kind: 'VirtualService', namespace: 'shop', name: String(route.metadata.name) };
    expect(first.generationOf?.(key)).toBe(3);
    expect(first.generationOf?.({ ...key, name: 'other' })).toBeUndefined();
    expect(first.generationOf?.({ kind: 'Service', namespace: 'shop', name: 'frontend' })).toBeUndefined();

    server.store.apply({
      ...route,
      metadata: { ...route.metadata, generation: 4 },
      spec: { ...route.spec, hosts: ['catalog.shop.svc.cluster.local'] },
    });
    const next = await waitFor(states, 'generation 4', (s) => s.generationOf?.(key) === 4);
    expect(next).not.toBe(first);
    // The first state keeps saying what it read.
    expect(first.generationOf?.(key)).toBe(3);
  });

  it('skips a kind the API server does not serve, with one info line, and serves the others', async () => {
    const server = await startServer();
    for (const object of await exampleObjects()) server.store.apply(object);
    const { logger, lines } = captureLogger();
    const state = await kubeSource(server, logger).start(() => undefined);
    expect(state.mesh.services.length).toBeGreaterThan(0);
    const skipped = lines.filter((l) => String(l.msg).includes('is not served'));
    // The default kinds include six the fake does not serve (GRPCRoute, ReferenceGrant, ...).
    expect(skipped.map((l) => l.kind)).toContain('split.smi-spec.io/TrafficSplit');
    expect(new Set(skipped.map((l) => l.kind)).size).toBe(skipped.length);
    expect(skipped.every((l) => l.level === 30)).toBe(true);
    expect(server.requests('/apis/split.smi-spec.io/v1alpha4/trafficsplits')).toBe(1);
  });

  it('picks up a kind whose CRD appears after the start, without a restart, saying so once', async () => {
    const server = await startServer();
    for (const object of await exampleObjects()) server.store.apply(object);
    const path = '/apis/networking.istio.io/v1/virtualservices';
    // The first two lists: the CRD is not installed yet.
    server.store.failRequests(path, 404, 2);
    const { logger, lines } = captureLogger();
    const states: SourceState[] = [];
    const first = await kubeSource(server, logger, { crdRetryMs: 50 }).start((s) => states.push(s));
    const routed = (s: SourceState) => s.statuses.some((x) => JSON.stringify(x).includes('VirtualService'));
    expect(routed(first)).toBe(false);
    await waitFor(states, 'the VirtualService once its CRD is served', routed);
    expect(server.requests(path)).toBeGreaterThanOrEqual(3);
    expect(lines.filter((l) => String(l.msg).includes('VirtualService v1 is not served'))).toHaveLength(1);
  });

  it('stop() leaves no connection open and nothing to keep the process alive', async () => {
    const server = await startServer();
    for (const object of await exampleObjects()) server.store.apply(object);
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const source = kubeSource(server);
    await source.start(() => undefined);
    expect(await server.openConnections()).toBeGreaterThan(0);
    expect(server.store.watcherCount()).toBe(FAKE_RESOURCES.length);
    await source.stop();
    await waitUntil('every connection closed', async () => (await server.openConnections()) === 0);
    expect(server.store.watcherCount()).toBe(0);
    // Nothing reconnects later.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await server.openConnections()).toBe(0);
    const timers = process.getActiveResourcesInfo().filter((r) => r === 'Timeout');
    expect(timers.length).toBeLessThanOrEqual(timersBefore);
  });

  it('stop() during start: start rejects, and nothing stays open', async () => {
    const server = await startServer();
    for (const object of await exampleObjects()) server.store.apply(object);
    const source = kubeSource(server);
    const started = source.start(() => undefined);
    const outcome = started.then(
      () => 'resolved',
      (err: unknown) => String(err),
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    await source.stop();
    expect(await outcome).toContain('stopped');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await waitUntil('every connection closed', async () => (await server.openConnections()) === 0);
    expect(server.store.watcherCount()).toBe(0);
  });

  it('restarts a failing informer with backoff until it lists, then serves', async () => {
    const server = await startServer();
    for (const object of await exampleObjects()) server.store.apply(object);
    server.store.failRequests('/api/v1/services', 500, 2);
    const { logger, lines } = captureLogger();
    const state = await kubeSource(server, logger).start(() => undefined);
    expect(state.mesh.services.length).toBeGreaterThan(3);
    const failures = lines.filter((l) => String(l.msg).includes('informer failed'));
    expect(failures.map((l) => l.kind)).toEqual(['core/Service', 'core/Service']);
    expect(server.requests('/api/v1/services')).toBeGreaterThanOrEqual(4);
  });

  it('stop() during backoff: start rejects, no timer is left and no request follows', async () => {
    const server = await startServer();
    server.store.failRequests('/api/v1/services', 503, 1000);
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const source = kubeSource(server);
    const outcome = source
      .start(() => undefined)
      .then(
        () => 'resolved',
        (err: unknown) => String(err),
      );
    await waitUntil('two failed lists', () => server.requests('/api/v1/services') >= 2);
    await source.stop();
    expect(await outcome).toContain('stopped');
    const requests = server.requests('/api/v1/services');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(server.requests('/api/v1/services')).toBe(requests);
    await waitUntil('every connection closed', async () => (await server.openConnections()) === 0);
    const timers = process.getActiveResourcesInfo().filter((r) => r === 'Timeout');
    expect(timers.length).toBeLessThanOrEqual(timersBefore);
  });

  it('serves at most maxObjectsPerKind objects of a kind, and says so once', async () => {
    const server = await startServer();
    for (const object of await exampleObjects()) server.store.apply(object);
    const { logger, lines } = captureLogger();
    const states: SourceState[] = [];
    const first = await kubeSource(server, logger, { maxObjectsPerKind: 2 }).start((s) => states.push(s));
    expect(first.mesh.services).toHaveLength(2);
    const capped = () => lines.filter((l) => String(l.msg).includes('more than the 2 served'));
    expect(capped().length).toBeGreaterThan(0);
    const before = capped().length;
    server.store.apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'zz-extra', namespace: 'shop' },
      spec: { ports: [{ port: 80 }] },
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(capped().length).toBe(before);
  });
});
