// /debug/syncz stays bounded whatever clients send: each stream's entry echoes at most a sample of
// its names and 1 KiB of any client text, and the server answers a page of streams at a time.
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { AdsTestClient } from '../../../test/helpers/ads-test-client.js';
import { DeltaTestClient } from '../../../test/helpers/delta-test-client.js';
import { until } from '../../../test/helpers/xds-fixtures.js';
import { silentLogger } from '../../log.js';
import { SnapshotCache } from '../cache/snapshot-cache.js';
import { TYPE_URL } from '../envoy/type-urls.js';
import { XdsServer } from './ads-server.js';
import { MAX_CLIENT_TEXT_CHARS } from './log-throttle.js';
import {
  MAX_STATUS_NAME_CHARS,
  MAX_STATUS_NAMES,
  type ProxySyncStatus,
  type TypeSyncStatus,
  takePage,
} from './status.js';

const { cluster: CDS, endpoint: EDS } = TYPE_URL;
const nodeId = (i: number) => `sidecar~10.0.2.${i}~web-${i}.shop~shop.svc.cluster.local`;
const names = (count: number, length = 0) =>
  Array.from({ length: count }, (_, i) => `name-${String(i).padStart(5, '0')}`.padEnd(length, 'x'));
/** The most a cut client text can be: 1 KiB and its marker. */
const CUT = MAX_CLIENT_TEXT_CHARS + 64;

describe('/debug/syncz bounds', () => {
  const servers: XdsServer[] = [];
  const clients: { close(): void }[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function start() {
    const server = new XdsServer({ cache: new SnapshotCache(), logger: silentLogger() });
    servers.push(server);
    const { port } = await server.listen('127.0.0.1:0');
    const track = <T extends { close(): void }>(client: T) => {
      clients.push(client);
      return client;
    };
    const typeOf = (id: string, typeUrl: string): TypeSyncStatus | undefined =>
      server.status().find((s) => s.proxyId === id)?.types[typeUrl];
    return { server, port, track, typeOf };
  }

  it('lists at most 100 subscribed names of a type, the first asked for, with their count', async () => {
    const { port, track, typeOf } = await start();
    const sotw = track(new AdsTestClient(port));
    // Asked for in reverse: the sample is the first 100 asked for, sorted.
    const many = names(1_000);
    sotw.send({ node: { id: nodeId(1) }, type_url: EDS, resource_names: [...many].reverse() });
    const delta = track(new DeltaTestClient(port));
    delta.send({ node: { id: nodeId(2) }, type_url: EDS, resource_names_subscribe: many.slice(0, 600) });
    delta.send({ type_url: EDS, resource_names_subscribe: many.slice(600) });
    await until(() => typeOf(nodeId(1), EDS) !== undefined, 'the SotW subscription');
    await until(() => typeOf(nodeId(2), EDS)?.subscribedCount === 1_000, 'the delta subscription');
    expect(typeOf(nodeId(1), EDS)).toMatchObject({ subscribed: many.slice(900), subscribedCount: 1_000 });
    expect(typeOf(nodeId(2), EDS)).toMatchObject({
      subscribed: many.slice(0, MAX_STATUS_NAMES),
      subscribedCount: 1_000,
    });
  });

  it('cuts long names and lists no more than 8 KiB of them', async () => {
    const { port, track, typeOf } = await start();
    const client = track(new AdsTestClient(port));
    client.send({ node: { id: nodeId(3) }, type_url: EDS, resource_names: names(50, 3_000) });
    await until(() => typeOf(nodeId(3), EDS) !== undefined, 'the subscription');
    const type = typeOf(nodeId(3), EDS)!;
    const shown = type.subscribed as string[];
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.join('').length).toBeLessThanOrEqual(MAX_STATUS_NAME_CHARS);
    for (const name of shown) expect(name).toMatch(/… \[truncated, 3000 characters in all\]$/);
    expect(type.subscribedCount).toBe(50);
  });

  it('cuts the node id, namespace and a NACK’s version, all client text, to 1 KiB', async () => {
    const { server, port, track } = await start();
    const id = `x${'i'.repeat(3_000)}`;
    const client = track(new AdsTestClient(port));
    client.send({
      node: { id, metadata: { fields: { NAMESPACE: { stringValue: 'n'.repeat(3_000) } } } },
      type_url: CDS,
    });
    // A NACK with no nonce rejects what the client names in version_info.
    client.send({
      type_url: CDS,
      version_info: 'v'.repeat(100_000),
      error_detail: { code: grpc.status.INVALID_ARGUMENT, message: 'm'.repeat(100_000) },
    });
    await until(() => server.status()[0]?.types[CDS]?.lastNack !== undefined, 'the NACK');
    const [entry] = server.status() as [ProxySyncStatus];
    expect(entry.proxyId.startsWith(id.slice(0, MAX_CLIENT_TEXT_CHARS))).toBe(true);
    expect(entry.proxyId.length).toBeLessThan(CUT);
    expect(entry.namespace.length).toBeLessThan(CUT);
    expect(entry.types[CDS]!.lastNack!.version.length).toBeLessThan(CUT);
    expect(entry.types[CDS]!.lastNack!.message.length).toBeLessThan(CUT);
  });

  it('answers a page of streams at a time, by proxy id, ending with an empty page', async () => {
    const { server, port, track } = await start();
    const ids = [5, 3, 1, 4, 2].map(nodeId);
    for (const id of ids) track(new AdsTestClient(port)).send({ node: { id }, type_url: CDS });
    await until(() => server.status().length === ids.length, 'every stream');
    const sorted = [...ids].sort();
    const page = (offset?: number, limit?: number) =>
      server
        .statusPage({
          ...(offset !== undefined ? { offset } : {}),
          ...(limit !== undefined ? { limit } : {}),
        })
        .map((s) => s.proxyId);
    expect(page()).toEqual(sorted);
    expect(page(0, 2)).toEqual(sorted.slice(0, 2));
    expect(page(2, 2)).toEqual(sorted.slice(2, 4));
    expect(page(4, 2)).toEqual(sorted.slice(4));
    expect(page(5, 2)).toEqual([]);
  });

  it('stops a page at its size in characters, with at least one entry', () => {
    const entry = (i: number): ProxySyncStatus => ({
      proxyId: `p${i}`,
      variant: 'sotw',
      kind: 'sidecar',
      namespace: 'n'.repeat(1_000),
      connectedAt: '2025-05-01T10:00:00.000Z',
      types: {},
    });
    const all = Array.from({ length: 10 }, (_, i) => i);
    const one = JSON.stringify(entry(0)).length;
    const rendered: number[] = [];
    const render = (i: number) => {
      rendered.push(i);
      return entry(i);
    };
    const page = takePage(all, { offset: 1, limit: 8 }, render, 3 * one + 10);
    expect(page.map((e) => e.proxyId)).toEqual(['p1', 'p2', 'p3']);
    // Each rendered only if it is in the page, or the one that found the page full.
    expect(rendered).toEqual([1, 2, 3, 4]);
    expect(takePage(all, { offset: 0, limit: 8 }, entry, 1).map((e) => e.proxyId)).toEqual(['p0']);
  });
});
