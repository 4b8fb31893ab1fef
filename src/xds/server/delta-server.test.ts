// DeltaAggregatedResources over real gRPC on 127.0.0.1, beside state-of-the-world ADS on the same
// port and cache, driven by raw clients that send exactly what each test says.
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { AdsTestClient, resourceNames } from '../../../test/helpers/ads-test-client.js';
import { DeltaTestClient, deltaContents } from '../../../test/helpers/delta-test-client.js';
import { cluster, endpoints, listener, QUIET_MS, until } from '../../../test/helpers/xds-fixtures.js';
import { silentLogger } from '../../log.js';
import type { MeshProxy } from '../../model/proxy.js';
import { buildSnapshot, contentHash, type SnapshotResource } from '../cache/snapshot.js';
import { SnapshotCache } from '../cache/snapshot-cache.js';
import { TYPE_URL } from '../envoy/type-urls.js';
import { XdsServer } from './ads-server.js';

const { cluster: CDS, endpoint: EDS } = TYPE_URL;
const SIDECAR = 'sidecar~10.0.0.7~web-0.shop~shop.svc.cluster.local';
const node = { id: SIDECAR };

const versionOf = (r: SnapshotResource) => contentHash(r.value);

describe('the ADS server (delta)', () => {
  const servers: XdsServer[] = [];
  const clients: { close(): void }[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function start(hooks?: ConstructorParameters<typeof XdsServer>[0]['hooks']) {
    const cache = new SnapshotCache();
    const server = new XdsServer({ cache, logger: silentLogger(), ...(hooks ? { hooks } : {}) });
    servers.push(server);
    const { port } = await server.listen('127.0.0.1:0');
    const delta = () => {
      const client = new DeltaTestClient(port);
      clients.push(client);
      return client;
    };
    const sotw = () => {
      const client = new AdsTestClient(port);
      clients.push(client);
      return client;
    };
    return { cache, server, delta, sotw };
  }

  it('sends a wildcard subscription every cluster, each named, versioned and typed', async () => {
    const { cache, delta } = await start();
    const a = cluster('a');
    const b = cluster('b', 2);
    cache.setSnapshot(SIDECAR, buildSnapshot([b, a, endpoints('a')]));
    const client = delta();
    client.send({ node, type_url: CDS });
    const response = await client.next();
    expect(response.type_url).toBe(CDS);
    expect(deltaContents(response)).toEqual({
      resources: { a: versionOf(a), b: versionOf(b) },
      removed: [],
    });
    expect(response.resources.map((r) => r.name)).toEqual(['a', 'b']);
    expect(response.resources.every((r) => r.resource.type_url === CDS)).toBe(true);
    expect(response.system_version_info).not.toBe('');
    expect(response.nonce).not.toBe('');
  });

  it('records an ACK in status() as a delta stream, beside a SotW stream of the same proxy', async () => {
    const { cache, server, delta, sotw } = await start();
    cache.setSnapshot(SIDECAR, buildSnapshot([cluster('a')]));
    const d = delta();
    d.send({ node, type_url: CDS });
    const response = await d.next();
    d.ack(response);
    const s = sotw();
    s.send({ node, type_url: CDS });
    await s.next();
    await until(
      () =>
        server.status().some((p) => p.variant === 'delta' && p.types[CDS]?.lastAckedVersion !== undefined),
      'the delta ACK',
    );
    expect(
      server
        .status()
        .map((p) => p.variant)
        .sort(),
    ).toEqual(['delta', 'sotw']);
    expect(server.status().find((p) => p.variant === 'delta')).toMatchObject({
      proxyId: SIDECAR,
      kind: 'sidecar',
      namespace: 'shop',
      types: {
        [CDS]: {
          subscribed: '*',
          lastSentVersion: response.system_version_info,
          lastSentNonce: response.nonce,
          lastAckedVersion: response.system_version_info,
        },
      },
    });
  });

  it('follows subscribe and unsubscribe, sending only what each change adds', async () => {
    const { cache, server, delta } = await start();
    cache.setSnapshot(SIDECAR, buildSnapshot([endpoints('a'), endpoints('b'), endpoints('c')]));
    const client = delta();
    client.send({ node, type_url: EDS, resource_names_subscribe: ['a', 'missing'] });
    const first = await client.next();
    expect(deltaContents(first)).toEqual({
      resources: { a: versionOf(endpoints('a')) },
      removed: ['missing'],
    });
    client.send({ type_url: EDS, response_nonce: first.nonce, resource_names_subscribe: ['b'] });
    expect(deltaContents(await client.next())).toEqual({
      resources: { b: versionOf(endpoints('b')) },
      removed: [],
    });
    client.send({ type_url: EDS, resource_names_unsubscribe: ['a'] });
    await until(() => server.status()[0]?.types[EDS]?.subscribed.length === 2, 'the unsubscription');
    expect(server.status()[0]?.types[EDS]?.subscribed).toEqual(['b', 'missing']);
    cache.setSnapshot(SIDECAR, buildSnapshot([endpoints('a', '10.9.9.9'), endpoints('b'), endpoints('c')]));
    expect(await client.receive(QUIET_MS)).toBeUndefined();
  });

  it('treats an explicit "*" as a wildcard subscription', async () => {
    const { cache, delta } = await start();
    cache.setSnapshot(SIDECAR, buildSnapshot([cluster('a'), cluster('b')]));
    const client = delta();
    client.send({ node, type_url: CDS, resource_names_subscribe: ['*'] });
    expect(Object.keys(deltaContents(await client.next()).resources)).toEqual(['a', 'b']);
  });

  it('lists a cluster that disappeared in removed_resources', async () => {
    const { cache, delta } = await start();
    cache.setSnapshot(SIDECAR, buildSnapshot([cluster('a'), cluster('b')]));
    const client = delta();
    client.send({ node, type_url: CDS });
    client.ack(await client.next());
    cache.setSnapshot(SIDECAR, buildSnapshot([cluster('a')]));
    const removal = await client.next();
    expect(deltaContents(removal)).toEqual({ resources: {}, removed: ['b'] });
  });

  it('on reconnect with initial_resource_versions sends only what differs', async () => {
    const { cache, delta } = await start();
    cache.setSnapshot(SIDECAR, buildSnapshot([cluster('a'), cluster('b'), cluster('gone')]));
    const before = delta();
    before.send({ node, type_url: CDS });
    const held = await before.next();
    before.close();
    const changedB = cluster('b', 7);
    cache.setSnapshot(SIDECAR, buildSnapshot([cluster('a'), changedB, cluster('new')]));
    const after = delta();
    after.send({
      node,
      type_url: CDS,
      initial_resource_versions: Object.fromEntries(held.resources.map((r) => [r.name, r.version])),
    });
    expect(deltaContents(await after.next())).toEqual({
      resources: { b: versionOf(changedB), new: versionOf(cluster('new')) },
      removed: ['gone'],
    });
  });

  it('on a NACK keeps the last good state and resends nothing until the next change', async () => {
    const { cache, server, delta } = await start();
    cache.setSnapshot(SIDECAR, buildSnapshot([cluster('a')]));
    const client = delta();
    client.send({ node, type_url: CDS });
    const good = await client.next();
    client.ack(good);
    cache.setSnapshot(SIDECAR, buildSnapshot([cluster('a', 99)]));
    const rejected = await client.next();
    client.nack(rejected, 'cluster a: bad connect_timeout');
    await until(() => server.status()[0]?.types[CDS]?.lastNack !== undefined, 'the NACK');
    expect(server.status()[0]?.types[CDS]).toMatchObject({
      lastAckedVersion: good.system_version_info,
      lastNack: {
        version: rejected.system_version_info,
        nonce: rejected.nonce,
        message: 'cluster a: bad connect_timeout',
      },
    });
    cache.setSnapshot(SIDECAR, buildSnapshot([cluster('a', 99), listener('unrelated', 15001)]));
    expect(await client.receive(QUIET_MS)).toBeUndefined();
    const fixed = cluster('a', 5);
    cache.setSnapshot(SIDECAR, buildSnapshot([fixed]));
    expect(deltaContents(await client.next())).toEqual({ resources: { a: versionOf(fixed) }, removed: [] });
  });

  it('ignores the ACK or NACK of a stale nonce', async () => {
    const { cache, server, delta } = await start();
    cache.setSnapshot(SIDECAR, buildSnapshot([cluster('a')]));
    const client = delta();
    client.send({ node, type_url: CDS });
    const first = await client.next();
    client.ack(first);
    client.nack(first, 'a second answer to the same response');
    client.send({
      type_url: CDS,
      response_nonce: 'never-sent',
      error_detail: { code: 3, message: 'unknown' },
    });
    client.send({ type_url: EDS, resource_names_subscribe: ['x'] });
    await client.next(); // the EDS answer: every CDS request before it was handled
    const cds = server.status()[0]?.types[CDS];
    expect(cds?.lastAckedVersion).toBe(first.system_version_info);
    expect(cds?.lastNack).toBeUndefined();
    expect(await client.receive(QUIET_MS)).toBeUndefined();
  });

  it('sends an endpoint-only change as that ClusterLoadAssignment alone, to its subscribers alone', async () => {
    const { cache, delta, sotw } = await start();
    const snapshot = (ipOfA: string) =>
      buildSnapshot([cluster('a'), cluster('b'), endpoints('a', ipOfA), endpoints('b')]);
    cache.setSnapshot(SIDECAR, snapshot('10.1.0.1'));
    const deltaA = delta();
    const deltaB = delta();
    const sotwA = sotw();
    const sotwB = sotw();
    for (const [client, name] of [
      [deltaA, 'a'],
      [deltaB, 'b'],
    ] as const) {
      client.send({ node, type_url: CDS });
      client.ack(await client.next());
      client.send({ type_url: EDS, resource_names_subscribe: [name] });
      client.ack(await client.next());
    }
    for (const [client, name] of [
      [sotwA, 'a'],
      [sotwB, 'b'],
    ] as const) {
      client.send({ node, type_url: CDS });
      const cds = await client.next();
      client.send({ type_url: CDS, version_info: cds.version_info, response_nonce: cds.nonce });
      client.send({ type_url: EDS, resource_names: [name] });
      const eds = await client.next();
      client.send({
        type_url: EDS,
        version_info: eds.version_info,
        response_nonce: eds.nonce,
        resource_names: [name],
      });
    }
    const moved = endpoints('a', '10.1.0.2');
    cache.setSnapshot(SIDECAR, snapshot('10.1.0.2'));
    const pushed = await deltaA.next();
    expect(pushed.type_url).toBe(EDS);
    expect(deltaContents(pushed)).toEqual({ resources: { a: versionOf(moved) }, removed: [] });
    const full = await sotwA.next();
    expect(full.type_url).toBe(EDS);
    expect(resourceNames(full)).toEqual(['a']);
    const quiet = await Promise.all([deltaA, deltaB, sotwA, sotwB].map((c) => c.receive(QUIET_MS)));
    expect(quiet).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('calls onStreamOpened and onStreamClosed once for a delta stream', async () => {
    const opened: MeshProxy[] = [];
    const closed: MeshProxy[] = [];
    const { cache, server, delta } = await start({
      onStreamOpened: (proxy) => opened.push(proxy),
      onStreamClosed: (proxy) => closed.push(proxy),
    });
    cache.setSnapshot(SIDECAR, buildSnapshot([cluster('a'), endpoints('a')]));
    const client = delta();
    client.send({ node, type_url: CDS });
    client.ack(await client.next());
    client.send({ type_url: EDS, resource_names_subscribe: ['a'] });
    await client.next();
    client.halfClose();
    expect((await client.ended()).code).toBe(grpc.status.OK);
    expect(opened.map((p) => p.id)).toEqual([SIDECAR]);
    expect(closed.map((p) => p.id)).toEqual([SIDECAR]);
    expect(server.status()).toEqual([]);
  });

  it('refuses a delta stream whose first request carries no node, with INVALID_ARGUMENT', async () => {
    const { delta } = await start();
    const client = delta();
    client.send({ type_url: CDS });
    const status = await client.ended();
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status.details).toMatch(/node/);
  });

  it('refuses a delta request without type_url on ADS, with INVALID_ARGUMENT', async () => {
    const { delta } = await start();
    const client = delta();
    client.send({ node });
    const status = await client.ended();
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status.details).toMatch(/type_url/);
  });

  it('ends open delta streams on close(), with UNAVAILABLE', async () => {
    const { cache, server, delta } = await start();
    cache.setSnapshot(SIDECAR, buildSnapshot([cluster('a')]));
    const client = delta();
    client.send({ node, type_url: CDS });
    await client.next();
    await server.close();
    expect((await client.ended()).code).toBe(grpc.status.UNAVAILABLE);
  });
});
