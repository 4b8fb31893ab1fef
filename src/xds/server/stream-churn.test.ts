// Streams opened and closed by the thousand, over real gRPC on 127.0.0.1: every one is forgotten
// once it ends (no watch, no status entry, no heap left behind).
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { cluster, endpoints, until } from '../../../test/helpers/xds-fixtures.js';
import { FleetClient, type Subscriptions } from '../../../test/helpers/xds-fleet.js';
import { silentLogger } from '../../log.js';
import { buildSnapshot, type Snapshot } from '../cache/snapshot.js';
import { SnapshotCache, type SnapshotListener, type SnapshotWatcher } from '../cache/snapshot-cache.js';
import { TYPE_URL } from '../envoy/type-urls.js';
import { XdsServer } from './ads-server.js';

const { cluster: CDS, endpoint: EDS } = TYPE_URL;
const SUBSCRIPTIONS: Subscriptions = { [CDS]: '*', [EDS]: ['a'] };
const BATCHES = 10;
const PER_BATCH = 100;
// Generous: the point is that the heap does not grow with the number of streams served.
const HEAP_SLACK_BYTES = 20 * 1024 * 1024;

const nodeId = (i: number) => `sidecar~10.0.0.${i}~web-${i}.shop~shop.svc.cluster.local`;

/** The collector, exposed at run time: the test runner starts this process without --expose-gc. */
function exposeGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/** The cache, counting the watches that streams hold on it. */
class CountingWatcher implements SnapshotWatcher {
  active = 0;
  constructor(private readonly cache: SnapshotCache) {}

  getSnapshot(proxyId: string): Snapshot | undefined {
    return this.cache.getSnapshot(proxyId);
  }

  watch(proxyId: string, listener: SnapshotListener): () => void {
    const stop = this.cache.watch(proxyId, listener);
    this.active += 1;
    let stopped = false;
    return () => {
      if (!stopped) this.active -= 1;
      stopped = true;
      stop();
    };
  }
}

describe('a server that has served many short streams', () => {
  const cache = new SnapshotCache();
  const watcher = new CountingWatcher(cache);
  let opened = 0;
  let closed = 0;
  const server = new XdsServer({
    cache: watcher,
    logger: silentLogger(),
    hooks: { onStreamOpened: () => (opened += 1), onStreamClosed: () => (closed += 1) },
  });

  afterAll(() => server.close());

  it('holds no per-stream state once 1,000 streams have opened and closed', async () => {
    const gc = exposeGc();
    const { port } = await server.listen('127.0.0.1:0');
    const ids = Array.from({ length: PER_BATCH }, (_, i) => nodeId(i));

    async function batch(step: number): Promise<void> {
      const snapshot = buildSnapshot([cluster('a', step + 1), endpoints('a', `10.1.${step}.1`)]);
      for (const id of ids) cache.setSnapshot(id, snapshot);
      const clients = ids.map(
        (nodeId, i) =>
          new FleetClient({
            port,
            nodeId,
            variant: i % 2 === 0 ? 'sotw' : 'delta',
            subscriptions: SUBSCRIPTIONS,
          }),
      );
      await until(() => clients.every((c) => c.holds(snapshot)), `batch ${step} to converge`, 20_000);
      for (const c of clients) c.close();
      await until(() => server.status().length === 0 && closed === opened, `batch ${step} to close`, 20_000);
    }

    async function settledHeap(): Promise<number> {
      for (let i = 0; i < 5; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        gc();
      }
      return process.memoryUsage().heapUsed;
    }

    // One batch first, so what is loaded once (protos, codecs, grpc-js internals) is in the baseline.
    await batch(0);
    const baseline = await settledHeap();
    for (let step = 1; step <= BATCHES; step++) await batch(step);
    const after = await settledHeap();

    expect(opened).toBe((BATCHES + 1) * PER_BATCH);
    expect(closed).toBe(opened);
    expect(server.status()).toEqual([]);
    expect(watcher.active).toBe(0);
    expect(after - baseline).toBeLessThan(HEAP_SLACK_BYTES);
  });
});
