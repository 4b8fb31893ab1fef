// A server that goes away and comes back on the same port, over real gRPC on 127.0.0.1: clients
// that reconnect as proxies do (resubscribing with what they hold) end up where they were.
import { afterEach, describe, expect, it } from 'vitest';
import { cluster, endpoints, listener, QUIET_MS, routes, until } from '../../../test/helpers/xds-fixtures.js';
import { FleetClient, type Subscriptions } from '../../../test/helpers/xds-fleet.js';
import { silentLogger } from '../../log.js';
import { buildSnapshot, type Snapshot } from '../cache/snapshot.js';
import { SnapshotCache } from '../cache/snapshot-cache.js';
import { TYPE_URL } from '../envoy/type-urls.js';
import { XdsServer } from './ads-server.js';

const { cluster: CDS, endpoint: EDS, listener: LDS, route: RDS } = TYPE_URL;
const TYPES = [CDS, EDS, LDS, RDS];
const SUBSCRIPTIONS: Subscriptions = { [CDS]: '*', [EDS]: ['a', 'b'], [LDS]: '*', [RDS]: ['r'] };
const CLIENTS = 20;

const nodeId = (i: number) => `sidecar~10.0.0.${i}~web-${i}.shop~shop.svc.cluster.local`;

describe('a server restart', () => {
  const servers: XdsServer[] = [];
  const clients: FleetClient[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function serve(snapshot: Snapshot, address: string) {
    const cache = new SnapshotCache();
    for (let i = 0; i < CLIENTS; i++) cache.setSnapshot(nodeId(i), snapshot);
    const server = new XdsServer({ cache, logger: silentLogger() });
    servers.push(server);
    const bound = await server.listen(address);
    return { server, port: bound.port };
  }

  it('lets every client, SotW and delta, reconverge to the same versions on a new server on the same port', async () => {
    const snapshot = buildSnapshot([
      cluster('a'),
      cluster('b', 2),
      endpoints('a'),
      endpoints('b', '10.1.0.2'),
      listener('l', 15001),
      routes('r', 'a'),
    ]);
    const first = await serve(snapshot, '127.0.0.1:0');
    for (let i = 0; i < CLIENTS; i++) {
      clients.push(
        new FleetClient({
          port: first.port,
          nodeId: nodeId(i),
          variant: i % 2 === 0 ? 'sotw' : 'delta',
          subscriptions: SUBSCRIPTIONS,
          reconnect: true,
        }),
      );
    }
    await until(() => clients.every((c) => c.holds(snapshot)), 'every client to converge', 20_000);
    const before = clients.map((c) => TYPES.map((t) => c.version(t)));
    // SotW streams ACK every type; delta streams get nothing of a named type on reconnect.
    const sotwIds = new Set(clients.filter((c) => c.options.variant === 'sotw').map((c) => c.options.nodeId));
    const ackedBy = (server: XdsServer) =>
      server
        .status()
        .filter((s) => sotwIds.has(s.proxyId))
        .map((s) => ({ proxy: s.proxyId, acked: TYPES.map((t) => s.types[t]?.lastAckedVersion) }));
    const allAcked = (server: XdsServer) =>
      ackedBy(server).every((s) => s.acked.every((v) => v !== undefined));
    await until(() => allAcked(first.server), 'the first server to see every SotW ACK');
    const acked = ackedBy(first.server);

    await first.server.close();
    const second = await serve(snapshot, `127.0.0.1:${first.port}`);
    await until(
      () =>
        clients.every((c) => c.streams >= 2 && c.holds(snapshot)) &&
        second.server.status().length === CLIENTS,
      'every client to reconnect and converge again',
      20_000,
    );
    expect(clients.map((c) => TYPES.map((t) => c.version(t)))).toEqual(before);

    // SotW clients ask again with the version they hold, are answered and ACK the same version.
    await until(() => allAcked(second.server), 'the new server to see every SotW ACK');
    expect(ackedBy(second.server)).toEqual(acked);
    // Delta clients say what they hold: nothing is resent, only the (empty) first answer that a
    // wildcard subscription always gets.
    const deltaCounts = () =>
      clients.filter((c) => c.options.variant === 'delta').map((c) => TYPES.map((t) => c.received.get(t)));
    await until(() => deltaCounts().every((n) => n[0] === 2 && n[2] === 2), 'the wildcard answers');
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    expect(deltaCounts()).toEqual(Array.from({ length: CLIENTS / 2 }, () => [2, 1, 2, 1]));
  });
});
