// A stream that asks for more than stream-limits.ts allows is ended with RESOURCE_EXHAUSTED and
// says which limit; the other streams on the server carry on.
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { AdsTestClient, resourceNames } from '../../../test/helpers/ads-test-client.js';
import { DeltaTestClient } from '../../../test/helpers/delta-test-client.js';
import { silentLogger } from '../../log.js';
import { buildSnapshot } from '../cache/snapshot.js';
import { SnapshotCache } from '../cache/snapshot-cache.js';
import { TYPE_URL } from '../envoy/type-urls.js';
import { XdsServer } from './ads-server.js';
import { MAX_NAMES_PER_TYPE, MAX_TYPES_PER_STREAM } from './stream-limits.js';

const SIDECAR = 'sidecar~10.0.0.7~web-0.shop~shop.svc.cluster.local';
const OTHER = 'sidecar~10.0.0.8~api-0.shop~shop.svc.cluster.local';
const names = (n: number, prefix = 'n') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('stream limits', () => {
  const servers: XdsServer[] = [];
  const clients: { close(): void }[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function start() {
    const cache = new SnapshotCache();
    const server = new XdsServer({ cache, logger: silentLogger() });
    servers.push(server);
    const { port } = await server.listen('127.0.0.1:0');
    const track = <T extends { close(): void }>(client: T) => {
      clients.push(client);
      return client;
    };
    // A well-behaved neighbour that must keep being served.
    cache.setSnapshot(
      OTHER,
      // The value is Cluster { name: "a" } encoded.
      buildSnapshot([{ typeUrl: TYPE_URL.cluster, name: 'a', value: Uint8Array.from([10, 1, 97]) }]),
    );
    const neighbour = track(new AdsTestClient(port));
    neighbour.send({ node: { id: OTHER }, type_url: TYPE_URL.cluster });
    expect(resourceNames(await neighbour.next())).toEqual(['a']);
    return { port, track, neighbour };
  }

  it(`ends a stream that asks for more than ${MAX_TYPES_PER_STREAM} resource types`, async () => {
    const { port, track } = await start();
    const client = track(new AdsTestClient(port));
    for (let i = 0; i <= MAX_TYPES_PER_STREAM; i++) {
      client.send({ node: { id: SIDECAR }, type_url: `type.googleapis.com/example.Type${i}` });
    }
    const status = await client.ended();
    expect(status.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(status.details).toMatch(/resource types/);
  });

  it('ends a SotW stream whose request names more resources than one type may have', async () => {
    const { port, track, neighbour } = await start();
    const client = track(new AdsTestClient(port));
    client.send({
      node: { id: SIDECAR },
      type_url: TYPE_URL.endpoint,
      resource_names: names(MAX_NAMES_PER_TYPE + 1),
    });
    const status = await client.ended(20_000);
    expect(status.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(status.details).toContain(TYPE_URL.endpoint);
    neighbour.send({ node: { id: OTHER }, type_url: TYPE_URL.endpoint, resource_names: ['x'] });
    expect(await neighbour.receive(200)).toBeUndefined(); // still open: nothing named exists yet
  });

  it('ends a delta stream that grows its subscription past the limit a request at a time', async () => {
    const { port, track } = await start();
    const client = track(new DeltaTestClient(port));
    const half = Math.ceil(MAX_NAMES_PER_TYPE / 2) + 1;
    client.send({
      node: { id: SIDECAR },
      type_url: TYPE_URL.endpoint,
      resource_names_subscribe: names(half, 'a'),
    });
    client.send({ type_url: TYPE_URL.endpoint, resource_names_subscribe: names(half, 'b') });
    const status = await client.ended(20_000);
    expect(status.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });
});
