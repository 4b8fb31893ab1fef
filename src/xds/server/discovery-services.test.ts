// The per-type discovery services (CDS, EDS, LDS, RDS, SDS) over real gRPC, in both variants, and
// their names checked against Envoy's own service definitions.
import fs from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { afterEach, describe, expect, it } from 'vitest';
import { AdsTestClient, resourceNames } from '../../../test/helpers/ads-test-client.js';
import { DeltaTestClient, deltaContents } from '../../../test/helpers/delta-test-client.js';
import { cluster, endpoints, listener, routes, secret, until } from '../../../test/helpers/xds-fixtures.js';
import { silentLogger } from '../../log.js';
import type { MeshProxy } from '../../model/proxy.js';
import { buildSnapshot, type SnapshotResource } from '../cache/snapshot.js';
import { SnapshotCache } from '../cache/snapshot-cache.js';
import { envoyIncludeDirs } from '../envoy/proto-root.js';
import { TYPE_URL } from '../envoy/type-urls.js';
import { XdsServer } from './ads-server.js';
import { methodPath, TYPED_DISCOVERY_SERVICES, type TypedDiscoveryService } from './discovery-services.js';

const SIDECAR = 'sidecar~10.0.0.7~web-0.shop~shop.svc.cluster.local';
const node = { id: SIDECAR };

// Two resources of every type, so a wildcard stream shows it gets its own type and no other.
const SNAPSHOT: readonly SnapshotResource[] = [
  cluster('c1'),
  cluster('c2'),
  endpoints('c1'),
  endpoints('c2'),
  listener('l1', 15001),
  listener('l2', 15006),
  routes('r1'),
  routes('r2'),
  secret('default'),
  secret('ROOTCA'),
];

const namesOfType = (typeUrl: string) =>
  SNAPSHOT.filter((r) => r.typeUrl === typeUrl)
    .map((r) => r.name)
    .sort();

/** Envoy's service definitions, read from the same protos the runtime loads its messages from. */
function envoyServiceProtos(): protobuf.Root {
  const dirs = envoyIncludeDirs();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (path.isAbsolute(target) && fs.existsSync(target)) return target;
    return dirs.map((d) => path.join(d, target)).find((c) => fs.existsSync(c)) ?? target;
  };
  root.loadSync(
    ['cluster/v3/cds', 'endpoint/v3/eds', 'listener/v3/lds', 'route/v3/rds', 'secret/v3/sds'].map(
      (p) => `envoy/service/${p}.proto`,
    ),
    { keepCase: true },
  );
  return root;
}

describe('the per-type discovery services', () => {
  const servers: XdsServer[] = [];
  const clients: { close(): void }[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function start(hooks?: ConstructorParameters<typeof XdsServer>[0]['hooks']) {
    const cache = new SnapshotCache();
    cache.setSnapshot(SIDECAR, buildSnapshot(SNAPSHOT));
    const server = new XdsServer({ cache, logger: silentLogger(), ...(hooks ? { hooks } : {}) });
    servers.push(server);
    const { port } = await server.listen('127.0.0.1:0');
    const sotw = (typed: TypedDiscoveryService) => {
      const client = new AdsTestClient(port, methodPath(typed.service, typed.sotwMethod));
      clients.push(client);
      return client;
    };
    const delta = (typed: TypedDiscoveryService) => {
      const client = new DeltaTestClient(port, methodPath(typed.service, typed.deltaMethod));
      clients.push(client);
      return client;
    };
    return { cache, server, sotw, delta };
  }

  it('name their services, methods and messages as Envoy does', () => {
    const root = envoyServiceProtos();
    for (const typed of TYPED_DISCOVERY_SERVICES) {
      const service = root.lookupService(typed.service);
      expect(service.methods[typed.sotwMethod]).toMatchObject({
        requestType: 'discovery.v3.DiscoveryRequest',
        responseType: 'discovery.v3.DiscoveryResponse',
        requestStream: true,
        responseStream: true,
      });
      expect(service.methods[typed.deltaMethod]).toMatchObject({
        requestType: 'discovery.v3.DeltaDiscoveryRequest',
        responseType: 'discovery.v3.DeltaDiscoveryResponse',
        requestStream: true,
        responseStream: true,
      });
    }
    expect(TYPED_DISCOVERY_SERVICES.map((t) => t.typeUrl).sort()).toEqual(Object.values(TYPE_URL).sort());
  });

  for (const typed of TYPED_DISCOVERY_SERVICES) {
    const kind = typed.service.split('.').at(-1);

    it(`${kind} serves its type in state of the world, type_url left out`, async () => {
      const { sotw } = await start();
      const client = sotw(typed);
      client.send({ node });
      const response = await client.next();
      expect(response.type_url).toBe(typed.typeUrl);
      expect(resourceNames(response).sort()).toEqual(namesOfType(typed.typeUrl));
    });

    it(`${kind} serves its type in delta`, async () => {
      const { delta } = await start();
      const client = delta(typed);
      client.send({ node, type_url: typed.typeUrl });
      const response = await client.next();
      expect(response.type_url).toBe(typed.typeUrl);
      expect(Object.keys(deltaContents(response).resources).sort()).toEqual(namesOfType(typed.typeUrl));
    });
  }

  it('sends an EDS stream only the ClusterLoadAssignment that changed', async () => {
    const eds = TYPED_DISCOVERY_SERVICES.find((t) => t.typeUrl === TYPE_URL.endpoint)!;
    const { cache, delta } = await start();
    const client = delta(eds);
    client.send({ node, resource_names_subscribe: ['c1', 'c2'] });
    client.ack(await client.next());
    cache.setSnapshot(
      SIDECAR,
      buildSnapshot(
        SNAPSHOT.map((r) =>
          r.typeUrl === TYPE_URL.endpoint && r.name === 'c2' ? endpoints('c2', '10.2.0.1') : r,
        ),
      ),
    );
    const pushed = await client.next();
    expect(Object.keys(deltaContents(pushed).resources)).toEqual(['c2']);
  });

  it('refuses a request for another type on a per-type stream, with INVALID_ARGUMENT', async () => {
    const cds = TYPED_DISCOVERY_SERVICES.find((t) => t.typeUrl === TYPE_URL.cluster)!;
    const { sotw, delta } = await start();
    const s = sotw(cds);
    s.send({ node, type_url: TYPE_URL.listener });
    const d = delta(cds);
    d.send({ node, type_url: TYPE_URL.endpoint });
    for (const status of [await s.ended(), await d.ended()]) {
      expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(status.details).toContain(TYPE_URL.cluster);
    }
  });

  it('calls onStreamOpened and onStreamClosed once per stream, whatever its service', async () => {
    const opened: MeshProxy[] = [];
    const closed: MeshProxy[] = [];
    const { server, sotw, delta } = await start({
      onStreamOpened: (proxy) => opened.push(proxy),
      onStreamClosed: (proxy) => closed.push(proxy),
    });
    const lds = TYPED_DISCOVERY_SERVICES.find((t) => t.typeUrl === TYPE_URL.listener)!;
    const rds = TYPED_DISCOVERY_SERVICES.find((t) => t.typeUrl === TYPE_URL.route)!;
    const streams = [sotw(lds), delta(rds)];
    streams[0]?.send({ node });
    streams[1]?.send({ node, resource_names_subscribe: ['r1'] });
    await Promise.all(streams.map((c) => c.next()));
    expect(opened).toHaveLength(2);
    expect(
      server
        .status()
        .map((p) => p.variant)
        .sort(),
    ).toEqual(['delta', 'sotw']);
    for (const c of streams) c.halfClose();
    await Promise.all(streams.map((c) => c.ended()));
    await until(() => closed.length === 2, 'both streams to close');
    expect(closed.map((p) => p.id)).toEqual([SIDECAR, SIDECAR]);
  });
});
