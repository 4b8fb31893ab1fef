// The budgets of stream-limits.ts over real gRPC on 127.0.0.1, each set small: a stream that goes
// over one is ended with RESOURCE_EXHAUSTED naming the budget's flag (or, per connection, refused
// by HTTP/2 itself), and the streams within their budgets carry on.
import http2 from 'node:http2';
import { Writable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { AdsTestClient, resourceNames } from '../../../test/helpers/ads-test-client.js';
import { DeltaTestClient } from '../../../test/helpers/delta-test-client.js';
import { until } from '../../../test/helpers/xds-fixtures.js';
import { createLogger } from '../../log.js';
import type { MeshProxy } from '../../model/proxy.js';
import { buildSnapshot } from '../cache/snapshot.js';
import { SnapshotCache } from '../cache/snapshot-cache.js';
import { TYPE_URL } from '../envoy/type-urls.js';
import { XdsServer } from './ads-server.js';
import { discoveryCodecs, STREAM_AGGREGATED_RESOURCES } from './ads-service.js';
import { BUDGET_FLAGS, type XdsBudgets } from './stream-limits.js';

const { cluster: CDS, endpoint: EDS, route: RDS } = TYPE_URL;
const NEIGHBOUR = 'sidecar~10.0.0.8~api-0.shop~shop.svc.cluster.local';
const nodeId = (i: number) => `sidecar~10.0.1.${i}~web-${i}.shop~shop.svc.cluster.local`;
/** `count` names of `length` ASCII characters each (so as many bytes). */
const names = (count: number, length: number, prefix = 'n') =>
  Array.from({ length: count }, (_, i) => `${prefix}${i}`.padEnd(length, 'x'));

describe('xDS budgets', () => {
  const servers: XdsServer[] = [];
  const clients: { close(): void }[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function start(budgets: Partial<XdsBudgets>) {
    const cache = new SnapshotCache();
    const logs: { msg: string; [field: string]: unknown }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line));
        done();
      },
    });
    const opened: MeshProxy[] = [];
    const server = new XdsServer({
      cache,
      logger: createLogger('debug', sink),
      budgets,
      hooks: { onStreamOpened: (proxy) => opened.push(proxy) },
    });
    servers.push(server);
    const { port } = await server.listen('127.0.0.1:0');
    const track = <T extends { close(): void }>(client: T) => {
      clients.push(client);
      return client;
    };
    // A well-behaved neighbour, within every budget, that must keep being served.
    const snapshot = buildSnapshot([{ typeUrl: CDS, name: 'a', value: Uint8Array.from([10, 1, 97]) }]);
    cache.setSnapshot(NEIGHBOUR, snapshot);
    const neighbour = track(new AdsTestClient(port));
    neighbour.send({ node: { id: NEIGHBOUR }, type_url: CDS });
    const first = await neighbour.next();
    expect(resourceNames(first)).toEqual(['a']);
    neighbour.send({ type_url: CDS, version_info: first.version_info, response_nonce: first.nonce });
    const stillServed = async () => {
      cache.setSnapshot(
        NEIGHBOUR,
        buildSnapshot([{ typeUrl: CDS, name: 'b', value: Uint8Array.from([10, 1, 98]) }]),
      );
      expect(resourceNames(await neighbour.next())).toEqual(['b']);
    };
    const streamOf = (id: string) => server.status().find((s) => s.proxyId === id);
    return { server, port, track, logs, opened, stillServed, streamOf };
  }

  async function expectExhausted(client: AdsTestClient | DeltaTestClient, flag: string) {
    const status = await client.ended();
    expect(status.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(status.details).toContain(flag);
    return status.details;
  }

  it('ends a SotW stream whose names, summed over its types, pass --xds-max-name-bytes', async () => {
    const { port, track, stillServed, streamOf } = await start({ nameBytesPerStream: 1_000 });
    const client = track(new AdsTestClient(port));
    // 600 bytes of EDS names and the type URL: within the budget.
    client.send({ node: { id: nodeId(1) }, type_url: EDS, resource_names: names(20, 30) });
    await until(() => streamOf(nodeId(1))?.types[EDS] !== undefined, 'the EDS subscription');
    // A new list replaces the type's names rather than adding to them.
    client.send({ type_url: EDS, resource_names: names(20, 30, 'm') });
    await until(
      () =>
        (streamOf(nodeId(1))?.types[EDS]?.subscribed as string[] | undefined)?.[0]?.startsWith('m') === true,
      'the new EDS list',
    );
    // Another 600 bytes of RDS names: the stream's sum is over the budget.
    client.send({ type_url: RDS, resource_names: names(20, 30) });
    const details = await expectExhausted(client, BUDGET_FLAGS.nameBytesPerStream);
    expect(details).toMatch(/bytes of resource names on one stream/);
    await stillServed();
  });

  it('ends a delta stream that gathers names past --xds-max-name-bytes a request at a time', async () => {
    const { port, track, stillServed, streamOf } = await start({ nameBytesPerStream: 1_000 });
    const client = track(new DeltaTestClient(port));
    client.send({ node: { id: nodeId(2) }, type_url: EDS, resource_names_subscribe: names(20, 30, 'a') });
    // Names unsubscribed no longer count: the stream may subscribe as many again.
    client.send({ type_url: EDS, resource_names_unsubscribe: names(20, 30, 'a') });
    client.send({ type_url: EDS, resource_names_subscribe: names(20, 30, 'b') });
    await until(
      () =>
        (streamOf(nodeId(2))?.types[EDS]?.subscribed as string[] | undefined)?.[0]?.startsWith('b') === true,
      'the second set of names',
    );
    // 600 bytes held, another 600 added: over.
    client.send({ type_url: EDS, resource_names_subscribe: names(20, 30, 'c') });
    await expectExhausted(client, BUDGET_FLAGS.nameBytesPerStream);
    await stillServed();
  });

  it('counts the names of initial_resource_versions on a delta stream', async () => {
    const { port, track } = await start({ nameBytesPerStream: 1_000 });
    const client = track(new DeltaTestClient(port));
    const kept = Object.fromEntries(names(40, 30).map((n) => [n, 'v1']));
    client.send({ node: { id: nodeId(3) }, type_url: CDS, initial_resource_versions: kept });
    await expectExhausted(client, BUDGET_FLAGS.nameBytesPerStream);
  });

  it('lets HTTP/2 refuse streams past --xds-max-streams-per-connection', async () => {
    const { port, streamOf } = await start({ streamsPerConnection: 2 });
    const { request } = discoveryCodecs();
    const session = http2.connect(`http://127.0.0.1:${port}`);
    // Destroyed outside the session's own callbacks: Node 20 aborts (std::bad_alloc) when a client
    // session is destroyed in the microtasks of a stream's 'close', as an await right after one is.
    clients.push({ close: () => setImmediate(() => session.destroy()) });
    session.on('error', () => {});
    const settings = new Promise<http2.Settings>((resolve) => session.once('remoteSettings', resolve));
    // Opened at once, before the server's SETTINGS arrive: a client that ignores the limit.
    const streams = [1, 2, 3, 4].map((i) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': STREAM_AGGREGATED_RESOURCES,
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      stream.on('error', () => {});
      const message = request.serialize({ node: { id: nodeId(10 + i) }, type_url: CDS });
      const frame = Buffer.alloc(5 + message.length);
      frame.writeUInt32BE(message.length, 1);
      message.copy(frame, 5);
      stream.write(frame);
      return {
        stream,
        closed: new Promise<number>((resolve) => stream.on('close', () => resolve(stream.rstCode ?? -1))),
      };
    });
    expect((await settings).maxConcurrentStreams).toBe(2);
    expect(await streams[2]!.closed).toBe(http2.constants.NGHTTP2_REFUSED_STREAM);
    expect(await streams[3]!.closed).toBe(http2.constants.NGHTTP2_REFUSED_STREAM);
    await until(
      () => streamOf(nodeId(11)) !== undefined && streamOf(nodeId(12)) !== undefined,
      'the first two',
    );
    expect(streamOf(nodeId(13))).toBeUndefined();
    expect(streamOf(nodeId(14))).toBeUndefined();
  });

  it('refuses a stream past --xds-max-streams, and serves one again once a stream ends', async () => {
    // The neighbour is one of the two.
    const { port, track, stillServed, streamOf } = await start({ streams: 2 });
    const first = track(new AdsTestClient(port));
    first.send({ node: { id: nodeId(20) }, type_url: CDS });
    await until(() => streamOf(nodeId(20)) !== undefined, 'the second stream');
    const refused = track(new AdsTestClient(port));
    refused.send({ node: { id: nodeId(21) }, type_url: CDS });
    const details = await expectExhausted(refused, BUDGET_FLAGS.streams);
    expect(details).toContain('2 xDS streams already open on this server; at most 2');
    first.close();
    await until(() => streamOf(nodeId(20)) === undefined, 'the second stream to end');
    const again = track(new AdsTestClient(port));
    again.send({ node: { id: nodeId(22) }, type_url: CDS });
    await until(() => streamOf(nodeId(22)) !== undefined, 'a new stream to be served');
    await stillServed();
  });

  it('ends a stream whose node.id passes --xds-max-node-id-bytes before anything keeps or logs it', async () => {
    const { port, track, logs, opened, stillServed } = await start({ nodeIdBytes: 64 });
    // 32 two-byte characters: 64 bytes, within the budget.
    const fits = 'é'.repeat(32);
    const ok = track(new AdsTestClient(port));
    ok.send({ node: { id: fits }, type_url: CDS });
    await until(() => opened.some((p) => p.id === fits), 'the stream with a 64-byte id');
    // 33 of them: 66 bytes, though only 33 characters.
    const long = `${'é'.repeat(33)}-marker`;
    const client = track(new AdsTestClient(port));
    client.send({ node: { id: long }, type_url: CDS });
    const details = await expectExhausted(client, BUDGET_FLAGS.nodeIdBytes);
    expect(details).toContain('a node.id of 73 bytes');
    expect(opened.map((p) => p.id)).not.toContain(long);
    expect(JSON.stringify(logs)).not.toContain('-marker');
    await stillServed();
  });

  it('ends a stream whose node metadata passes --xds-max-node-metadata-bytes', async () => {
    const { port, track, opened } = await start({ nodeMetadataBytes: 200 });
    const client = track(new AdsTestClient(port));
    client.send({
      node: { id: nodeId(30), metadata: { fields: { NAMESPACE: { stringValue: 'x'.repeat(300) } } } },
      type_url: CDS,
    });
    const details = await expectExhausted(client, BUDGET_FLAGS.nodeMetadataBytes);
    expect(details).toMatch(/node metadata of \d+ bytes as JSON/);
    // Client features are kept too, and count.
    const features = track(new AdsTestClient(port));
    features.send({ node: { id: nodeId(31), client_features: names(20, 20) }, type_url: CDS });
    await expectExhausted(features, BUDGET_FLAGS.nodeMetadataBytes);
    expect(opened).toHaveLength(1); // the neighbour
  });

  it('ends a stream whose request message passes --xds-max-request-bytes', async () => {
    const { port, track, stillServed, streamOf } = await start({ requestBytes: 1024 });
    const client = track(new AdsTestClient(port));
    client.send({ node: { id: nodeId(40) }, type_url: EDS, resource_names: names(10, 50) });
    await until(() => streamOf(nodeId(40)) !== undefined, 'a request of 600 bytes to be served');
    client.send({ type_url: EDS, resource_names: names(30, 50) });
    const status = await client.ended();
    // grpc-js ends the call below the handler, with its own message.
    expect(status.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(status.details).toMatch(/larger than max \(\d+ vs\.? 1024\)/);
    await stillServed();
  });
});
