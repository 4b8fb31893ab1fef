// Flow control over real gRPC on 127.0.0.1: a client that never answers, or never reads, holds
// back only itself, and a late answer gets the newest state directly, never the backlog.
import { afterEach, describe, expect, it } from 'vitest';
import { cluster, endpoints, listener, QUIET_MS, routes, until } from '../../../test/helpers/xds-fixtures.js';
import {
  expectedVersion,
  FleetClient,
  type Subscriptions,
  stalledStream,
  type Variant,
} from '../../../test/helpers/xds-fleet.js';
import { silentLogger } from '../../log.js';
import { buildSnapshot, type Snapshot, type SnapshotResource } from '../cache/snapshot.js';
import { SnapshotCache } from '../cache/snapshot-cache.js';
import { TYPE_URL } from '../envoy/type-urls.js';
import { XdsServer } from './ads-server.js';

const { cluster: CDS, endpoint: EDS, listener: LDS, route: RDS } = TYPE_URL;
const TYPES = [CDS, EDS, LDS, RDS];
const SUBSCRIPTIONS: Subscriptions = { [CDS]: '*', [EDS]: ['a'], [LDS]: '*', [RDS]: ['r'] };
const CHANGES = 5;

const nodeId = (i: number) => `sidecar~10.0.0.${i}~web-${i}.shop~shop.svc.cluster.local`;

/** Every type changes at every step, so each step is a push of all four types. */
function snapshotAt(step: number, extra: readonly SnapshotResource[] = []): Snapshot {
  return buildSnapshot([
    cluster('a', step + 1),
    endpoints('a', `10.1.0.${step + 1}`),
    listener('l', 15000 + step),
    routes('r', `a-${step}`),
    ...extra,
  ]);
}

/** Clusters enough to fill a stream's HTTP/2 flow-control window many times over. */
const manyClusters = (count: number) =>
  Array.from({ length: count }, (_, i) =>
    cluster(`outbound|8080||service-${i}.a-long-namespace.svc.cluster.local`),
  );

describe('streams that do not keep up', () => {
  const servers: XdsServer[] = [];
  const clients: { close(): void }[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function start(gate: { writeBudgetBytes?: number; writeLeaseMs?: number } = {}) {
    const cache = new SnapshotCache();
    const server = new XdsServer({ cache, logger: silentLogger(), ...gate });
    servers.push(server);
    const { port } = await server.listen('127.0.0.1:0');
    const connect = (i: number, variant: Variant, mode: 'ack' | 'silent' = 'ack') => {
      const client = new FleetClient({
        port,
        variant,
        nodeId: nodeId(i),
        subscriptions: SUBSCRIPTIONS,
        mode,
      });
      clients.push(client);
      return client;
    };
    return { cache, server, port, connect };
  }

  it('sends a client that never ACKs one response per type while the others converge, and the newest when it answers', async () => {
    const { cache, server, connect } = await start();
    const ids = [0, 1, 2, 3, 4, 5].map(nodeId);
    let snapshot = snapshotAt(0);
    const publish = () => {
      for (const id of ids) cache.setSnapshot(id, snapshot);
    };
    publish();
    const acking = [connect(0, 'sotw'), connect(1, 'sotw'), connect(2, 'delta'), connect(3, 'delta')];
    const silent = [connect(4, 'sotw', 'silent'), connect(5, 'delta', 'silent')];
    const receivedPerType = (c: FleetClient) => TYPES.map((t) => c.received.get(t) ?? 0);
    await until(
      () =>
        acking.every((c) => c.holds(snapshot)) &&
        silent.every((c) => receivedPerType(c).every((n) => n === 1)),
      'every client to get the first snapshot',
    );
    const first = silent.map((c) => TYPES.map((t) => c.lastReceived(t)));

    for (let step = 1; step <= CHANGES; step++) {
      snapshot = snapshotAt(step);
      publish();
      await until(
        () => acking.every((c) => c.holds(snapshot)),
        `the ACKing clients to converge on change ${step}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    expect(silent.map(receivedPerType)).toEqual([
      [1, 1, 1, 1],
      [1, 1, 1, 1],
    ]);
    expect(silent.map((c) => TYPES.map((t) => c.lastReceived(t)))).toEqual(first);
    for (const status of server.status().filter((s) => s.proxyId === ids[4] || s.proxyId === ids[5]))
      for (const t of TYPES) expect(status.types[t]?.lastAckedVersion).toBeUndefined();

    for (const c of silent) c.ackAll();
    await until(
      () => silent.every((c) => receivedPerType(c).every((n) => n === 2)),
      'the silent clients to get one more response per type',
    );
    const newest = TYPES.map((t) => expectedVersion(snapshot, t, SUBSCRIPTIONS));
    expect(silent.map((c) => TYPES.map((t) => c.lastReceived(t)))).toEqual([newest, newest]);
    for (const c of silent) c.ackAll();
    await until(() => silent.every((c) => c.holds(snapshot)), 'the silent clients to hold the newest state');
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    expect(silent.map(receivedPerType)).toEqual([
      [2, 2, 2, 2],
      [2, 2, 2, 2],
    ]);
  });

  it('holds one response for a client that stopped reading, and serves the others meanwhile', async () => {
    await stoppedReading(await start());
  });

  it('lets a client that stopped reading hold the whole write budget no longer than its lease', async () => {
    await stoppedReading(await start({ writeBudgetBytes: 1, writeLeaseMs: 200 }));
  });

  async function stoppedReading({ cache, server, port, connect }: Awaited<ReturnType<typeof start>>) {
    const big = manyClusters(3_000);
    const ids = [0, 1, 2].map(nodeId);
    let snapshot = snapshotAt(0, big);
    const publish = () => {
      for (const id of ids) cache.setSnapshot(id, snapshot);
    };
    publish();
    const stalled = stalledStream(port, ids[2]!, [CDS, LDS]);
    clients.push(stalled);
    const others = [connect(0, 'sotw'), connect(1, 'delta')];
    await until(() => others.every((c) => c.holds(snapshot)), 'the reading clients to converge');
    await until(
      () => server.status().some((s) => s.proxyId === ids[2] && s.types[CDS]?.lastSentVersion !== undefined),
      'the stalled stream to be sent its clusters',
    );

    for (let step = 1; step <= CHANGES; step++) {
      snapshot = snapshotAt(step, big);
      publish();
      await until(
        () => others.every((c) => c.holds(snapshot)),
        `the reading clients to converge on change ${step}`,
      );
    }
    // Its clusters never left the HTTP/2 buffers: its listeners were never even written.
    const stuck = server.status().find((s) => s.proxyId === ids[2]);
    expect(stuck?.types[CDS]?.lastSentVersion).toBe(expectedVersion(snapshotAt(0, big), CDS, SUBSCRIPTIONS));
    expect(stuck?.types[LDS]).toEqual({ subscribed: '*' });

    stalled.close();
    await until(() => !server.status().some((s) => s.proxyId === ids[2]), 'the stalled stream to be gone');
    expect(server.status().map((s) => s.proxyId)).toEqual(ids.slice(0, 2));
  }
});
