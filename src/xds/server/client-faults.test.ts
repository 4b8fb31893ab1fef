// Clients that misbehave, over real gRPC on 127.0.0.1: one that goes away in the middle of a push
// and a crowd that rejects everything. The server keeps serving everyone else, and says so.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { cluster, endpoints, QUIET_MS, until } from '../../../test/helpers/xds-fixtures.js';
import {
  expectedVersion,
  FleetClient,
  type Subscriptions,
  stalledStream,
  type Variant,
} from '../../../test/helpers/xds-fleet.js';
import { createLogger } from '../../log.js';
import type { MeshProxy } from '../../model/proxy.js';
import { buildSnapshot, type Snapshot, type SnapshotResource } from '../cache/snapshot.js';
import { SnapshotCache } from '../cache/snapshot-cache.js';
import { TYPE_URL } from '../envoy/type-urls.js';
import { XdsServer } from './ads-server.js';

const { cluster: CDS, endpoint: EDS } = TYPE_URL;
const SUBSCRIPTIONS: Subscriptions = { [CDS]: '*', [EDS]: ['a'] };
const nodeId = (i: number) =>
  `sidecar~10.0.${Math.floor(i / 250)}.${i % 250}~web-${i}.shop~shop.svc.cluster.local`;

function snapshotAt(step: number, extra: readonly SnapshotResource[] = []): Snapshot {
  return buildSnapshot([cluster('a', step + 1), endpoints('a', `10.1.0.${step + 1}`), ...extra]);
}

/** Clusters enough for a push to take many HTTP/2 flow-control windows. */
const manyClusters = (count: number) =>
  Array.from({ length: count }, (_, i) =>
    cluster(`outbound|8080||service-${i}.a-long-namespace.svc.cluster.local`),
  );

describe('clients that misbehave', () => {
  const servers: XdsServer[] = [];
  const clients: { close(): void }[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function start() {
    const cache = new SnapshotCache();
    const logs: { level: number; msg: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean))
          logs.push(JSON.parse(line) as { level: number; msg: string });
        done();
      },
    });
    const opened: MeshProxy[] = [];
    const closed: MeshProxy[] = [];
    const server = new XdsServer({
      cache,
      logger: createLogger('debug', sink),
      hooks: { onStreamOpened: (p) => opened.push(p), onStreamClosed: (p) => closed.push(p) },
    });
    servers.push(server);
    const { port } = await server.listen('127.0.0.1:0');
    const connect = (i: number, variant: Variant, mode: 'ack' | 'nack' = 'ack') => {
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
    return { cache, server, port, connect, logs, opened, closed };
  }

  it('keeps serving the others when clients disconnect in the middle of a push', async () => {
    const { cache, server, port, connect, logs, opened, closed } = await start();
    const big = manyClusters(3_000);
    const ids = Array.from({ length: 7 }, (_, i) => nodeId(i));
    let snapshot = snapshotAt(0, big);
    const publish = () => {
      for (const id of ids) cache.setSnapshot(id, snapshot);
    };
    publish();
    const staying = [connect(0, 'sotw'), connect(1, 'sotw'), connect(2, 'delta'), connect(3, 'delta')];
    const leaving = [connect(4, 'sotw'), connect(5, 'delta')];
    const reader = stalledStream(port, ids[6]!, [CDS]);
    await until(() => [...staying, ...leaving].every((c) => c.holds(snapshot)), 'every client to converge');
    await until(
      () => server.status().some((s) => s.proxyId === ids[6] && s.types[CDS]?.lastSentVersion !== undefined),
      'the slow reader to be part-way through its clusters',
    );

    // The new push is written to the leaving clients' streams in this very tick; they go at once.
    snapshot = snapshotAt(1, big);
    publish();
    for (const c of leaving) c.close();
    reader.close();

    const left = ids.slice(4);
    await until(() => left.every((id) => closed.some((p) => p.id === id)), 'onStreamClosed for every leaver');
    await until(() => staying.every((c) => c.holds(snapshot)), 'the others to converge on the new push');
    snapshot = snapshotAt(2, big);
    publish();
    await until(() => staying.every((c) => c.holds(snapshot)), 'the others to converge once more');
    expect(
      server
        .status()
        .map((s) => s.proxyId)
        .sort(),
    ).toEqual(ids.slice(0, 4).sort());
    expect(closed.map((p) => p.id).sort()).toEqual([...left].sort());
    expect(opened).toHaveLength(ids.length);
    expect(logs.filter((l) => l.msg === 'xDS stream closed')).toHaveLength(left.length);
    expect(logs.filter((l) => l.level >= 50)).toEqual([]);
  });

  it('records the NACKs of 100 rejecting clients and still serves a healthy one', async () => {
    const { cache, server, connect } = await start();
    const count = 100;
    const ids = Array.from({ length: count + 1 }, (_, i) => nodeId(i));
    let snapshot = snapshotAt(0);
    const publish = () => {
      for (const id of ids) cache.setSnapshot(id, snapshot);
    };
    publish();
    const nacking = Array.from({ length: count }, (_, i) =>
      connect(i, i % 2 === 0 ? 'sotw' : 'delta', 'nack'),
    );
    const nackedAll = () => {
      const rejected = server
        .status()
        .filter((s) => s.proxyId !== ids[count])
        .filter((s) =>
          [CDS, EDS].every(
            (t) => s.types[t]?.lastNack?.version === expectedVersion(snapshot, t, SUBSCRIPTIONS),
          ),
        );
      return rejected.length === count;
    };
    await until(nackedAll, 'every NACK of the first snapshot to be recorded', 20_000);
    const healthy = connect(count, 'delta');
    await until(() => healthy.holds(snapshot), 'the healthy client to converge');

    snapshot = snapshotAt(1);
    publish();
    await until(() => healthy.holds(snapshot), 'the healthy client to converge on the change');
    await until(nackedAll, 'every NACK of the change to be recorded', 20_000);
    for (const status of server.status().filter((s) => s.proxyId !== ids[count])) {
      for (const t of [CDS, EDS]) {
        expect(status.types[t]?.lastNack?.message).toBe(`rejected by ${status.proxyId}`);
        expect(status.types[t]?.lastAckedVersion).toBeUndefined();
      }
    }
    // A rejected version is not sent again: one response per type per snapshot.
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    for (const c of nacking) expect([c.received.get(CDS), c.received.get(EDS)]).toEqual([2, 2]);
    expect(server.status()).toHaveLength(count + 1);
  });
});
