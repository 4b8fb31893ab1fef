// A NACK is a config error too, over real gRPC on 127.0.0.1: a SotW and a delta proxy reject a
// change, which the server reports (what /debug/config-errors and the proxies-nacked gauge show)
// until each ACKs a later change or disconnects. Counts and contents only; no timing.
import { afterEach, describe, expect, it } from 'vitest';
import { AdsTestClient } from '../../../test/helpers/ads-test-client.js';
import { DeltaTestClient } from '../../../test/helpers/delta-test-client.js';
import { cluster, until } from '../../../test/helpers/xds-fixtures.js';
import { PrometheusMetrics } from '../../admin/metrics.js';
import { silentLogger } from '../../log.js';
import { buildSnapshot } from '../cache/snapshot.js';
import { SnapshotCache } from '../cache/snapshot-cache.js';
import { TYPE_URL } from '../envoy/type-urls.js';
import { XdsServer } from './ads-server.js';
import type { DiscoveryResponseObject } from './ads-service.js';
import { MAX_NACK_MESSAGE_CHARS } from './nack-record.js';

const { cluster: CDS } = TYPE_URL;
const SOTW_PROXY = 'sidecar~10.0.0.7~web-0.shop~shop.svc.cluster.local';
const DELTA_PROXY = 'sidecar~10.0.0.8~api-0.shop~shop.svc.cluster.local';
/** ACKs everything: it shares what the others reject. */
const PEER_PROXY = 'sidecar~10.0.0.9~db-0.shop~shop.svc.cluster.local';
const PROXIES = [SOTW_PROXY, DELTA_PROXY, PEER_PROXY];

/** The value of one series in Prometheus text. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const ack = (client: AdsTestClient, r: DiscoveryResponseObject) =>
  client.send({ type_url: r.type_url, version_info: r.version_info, response_nonce: r.nonce });

const nack = (client: AdsTestClient, r: DiscoveryResponseObject, message: string) =>
  client.send({
    type_url: r.type_url,
    version_info: '',
    response_nonce: r.nonce,
    error_detail: { code: 3, message },
  });

describe('NACKs the connected proxies hold', () => {
  const servers: XdsServer[] = [];
  const clients: { close(): void }[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function start() {
    const metrics = new PrometheusMetrics({ processMetrics: false });
    const cache = new SnapshotCache();
    const server = new XdsServer({ cache, logger: silentLogger(), metrics });
    metrics.countNackedProxies(() => server.nackedProxies());
    servers.push(server);
    const { port } = await server.listen('127.0.0.1:0');
    const publish = (...clusters: Parameters<typeof cluster>[]) => {
      const snapshot = buildSnapshot(clusters.map((args) => cluster(...args)));
      for (const id of PROXIES) cache.setSnapshot(id, snapshot);
    };
    const nackedGauge = async () => sample(await metrics.render(), 'trellis_xds_proxies_nacked{type="cds"}');
    return { server, port, publish, nackedGauge };
  }

  async function sotwClient(port: number, id: string) {
    const client = new AdsTestClient(port);
    clients.push(client);
    client.send({ node: { id }, type_url: CDS });
    ack(client, await client.next());
    return client;
  }

  it('reports a SotW and a delta NACK with proxy, resources, message and sharers, until each ACKs a later change', async () => {
    const { server, port, publish, nackedGauge } = await start();
    publish(['a'], ['b']);
    const sotw = await sotwClient(port, SOTW_PROXY);
    const peer = await sotwClient(port, PEER_PROXY);
    const delta = new DeltaTestClient(port);
    clients.push(delta);
    delta.send({ node: { id: DELTA_PROXY }, type_url: CDS });
    delta.ack(await delta.next());
    expect(server.nacks()).toEqual({ nacks: [] });
    expect(await nackedGauge()).toBe(0);

    // Cluster a changes; the SotW proxy rejects the response with a very long message, the delta
    // proxy with a short one, and the peer takes it.
    publish(['a', 5], ['b']);
    const sotwChange = await sotw.next();
    const longMessage = `cluster a: bad connect_timeout; ${'details '.repeat(1_000)}`;
    nack(sotw, sotwChange, longMessage);
    const deltaChange = await delta.next();
    delta.nack(deltaChange, 'cluster a: bad connect_timeout');
    const peerChange = await peer.next();
    ack(peer, peerChange);
    await until(() => server.nacks().nacks.length === 2, 'both NACKs to be held');
    await until(
      () => server.status().find((p) => p.proxyId === PEER_PROXY)?.types[CDS]?.lastAckedVersion !== undefined,
      "the peer's ACK",
    );

    // All three were sent the same clusters: one version, SotW or delta.
    expect(deltaChange.system_version_info).toBe(sotwChange.version_info);
    expect(peerChange.version_info).toBe(sotwChange.version_info);
    const { nacks } = server.nacks();
    const bySotw = nacks.find((e) => e.proxies[0]?.proxyId === SOTW_PROXY);
    const byDelta = nacks.find((e) => e.proxies[0]?.proxyId === DELTA_PROXY);
    expect(bySotw).toEqual({
      typeUrl: CDS,
      version: sotwChange.version_info,
      message: `${longMessage.slice(0, MAX_NACK_MESSAGE_CHARS)}… [truncated, ${longMessage.length} characters in all]`,
      // A SotW NACK names no resource: the whole response is rejected.
      resources: { wholeResponse: true, count: 2, names: ['a', 'b'] },
      proxyCount: 1,
      proxies: [{ proxyId: SOTW_PROXY, variant: 'sotw', nonce: sotwChange.nonce, at: expect.any(String) }],
      sharedWith: 2,
    });
    expect(byDelta).toEqual({
      typeUrl: CDS,
      version: sotwChange.version_info,
      message: 'cluster a: bad connect_timeout',
      // A delta response names what it changes: only a.
      resources: { wholeResponse: false, count: 1, names: ['a'] },
      proxyCount: 1,
      proxies: [{ proxyId: DELTA_PROXY, variant: 'delta', nonce: deltaChange.nonce, at: expect.any(String) }],
      sharedWith: 2,
    });
    expect(await nackedGauge()).toBe(2);

    // Fixed: the SotW proxy ACKs the next change, and its NACK is gone; the delta one is still held.
    publish(['a', 7], ['b']);
    ack(sotw, await sotw.next());
    await until(() => server.nacks().nacks.length === 1, 'the SotW NACK to clear');
    expect(server.nacks().nacks[0]?.proxies[0]?.proxyId).toBe(DELTA_PROXY);
    expect(await nackedGauge()).toBe(1);
    // /debug/syncz keeps the last NACK, bounded as well.
    const sotwStatus = server.status().find((p) => p.proxyId === SOTW_PROXY)?.types[CDS];
    expect(sotwStatus?.lastNack?.message).toBe(bySotw?.message);

    delta.ack(await delta.next());
    await until(() => server.nacks().nacks.length === 0, 'the delta NACK to clear');
    expect(await nackedGauge()).toBe(0);
  });

  it('keeps a SotW NACK when the proxy then changes its subscription, which accepts nothing', async () => {
    const { server, port, publish } = await start();
    publish(['a'], ['b']);
    const sotw = new AdsTestClient(port);
    clients.push(sotw);
    sotw.send({ node: { id: SOTW_PROXY }, type_url: CDS, resource_names: ['a'] });
    const first = await sotw.next();
    ack(sotw, first);
    publish(['a', 5], ['b']);
    const change = await sotw.next();
    nack(sotw, change, 'cluster a: bad connect_timeout');
    await until(() => server.nacks().nacks.length === 1, 'the NACK to be held');
    // What gRPC clients send when they subscribe to more after a NACK: the same nonce, the version
    // they kept, no error.
    sotw.send({
      type_url: CDS,
      version_info: first.version_info,
      response_nonce: change.nonce,
      resource_names: ['a', 'b'],
    });
    await sotw.next();
    const status = server.status()[0]?.types[CDS];
    expect(status?.lastAckedVersion).toBe(first.version_info);
    expect(status?.nackHeld).toBe(true);
    expect(server.nacks().nacks).toHaveLength(1);
  });

  it('keeps a delta NACK while the rejected resource is held back, though the proxy ACKs others', async () => {
    const { server, port, publish } = await start();
    publish(['a'], ['b']);
    const delta = new DeltaTestClient(port);
    clients.push(delta);
    delta.send({ node: { id: DELTA_PROXY }, type_url: CDS, resource_names_subscribe: ['a'] });
    delta.ack(await delta.next());
    publish(['a', 5], ['b']);
    delta.nack(await delta.next(), 'cluster a: bad connect_timeout');
    await until(() => server.nacks().nacks.length === 1, 'the NACK to be held');
    // A new name is sent and ACKed; the rejected a is still not.
    delta.send({ type_url: CDS, resource_names_subscribe: ['b'] });
    const onlyB = await delta.next();
    expect(onlyB.resources.map((r) => r.name)).toEqual(['b']);
    delta.ack(onlyB);
    await until(
      () => server.status()[0]?.types[CDS]?.lastAckedVersion === onlyB.system_version_info,
      'the ACK of b',
    );
    expect(server.nacks().nacks).toHaveLength(1);
    expect(server.status()[0]?.types[CDS]?.nackHeld).toBe(true);
    // a changes again: sent, ACKed, and the NACK is over.
    publish(['a', 7], ['b']);
    delta.ack(await delta.next());
    await until(() => server.nacks().nacks.length === 0, 'the NACK to clear');
  });

  it('forgets the NACK of a proxy that disconnects', async () => {
    const { server, port, publish, nackedGauge } = await start();
    publish(['a']);
    const sotw = await sotwClient(port, SOTW_PROXY);
    await sotwClient(port, PEER_PROXY);
    publish(['a', 5]);
    nack(sotw, await sotw.next(), 'cluster a: bad connect_timeout');
    await until(() => server.nacks().nacks.length === 1, 'the NACK to be held');
    expect(await nackedGauge()).toBe(1);
    // The peer was sent the same change and never answers it: it shares the content all the same.
    expect(server.nacks().nacks[0]).toMatchObject({ proxyCount: 1, sharedWith: 1 });

    sotw.close();
    await until(() => server.status().length === 1, 'the NACKing stream to end');
    expect(server.nacks()).toEqual({ nacks: [] });
    expect(await nackedGauge()).toBe(0);
    expect(server.status().map((p) => p.proxyId)).toEqual([PEER_PROXY]);
  });
});
