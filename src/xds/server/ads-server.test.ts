// The ADS server over real gRPC on 127.0.0.1, driven by a raw client that sends exactly what each
// test says, with real encoded Envoy resources in the cache.
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { AdsTestClient, resourceNames } from '../../../test/helpers/ads-test-client.js';
import { silentLogger } from '../../log.js';
import type { MeshProxy, NodeInfo } from '../../model/proxy.js';
import { buildSnapshot, type SnapshotResource } from '../cache/snapshot.js';
import { SnapshotCache } from '../cache/snapshot-cache.js';
import { envoyType } from '../envoy/proto-root.js';
import { TYPE_URL } from '../envoy/type-urls.js';
import { XdsServer } from './ads-server.js';
import type { DiscoveryResponseObject, NodeObject } from './ads-service.js';

const { cluster: CDS, endpoint: EDS, listener: LDS } = TYPE_URL;
const SIDECAR = 'sidecar~10.0.0.7~web-0.shop~shop.svc.cluster.local';
const OTHER_SIDECAR = 'sidecar~10.0.0.8~api-0.shop~shop.svc.cluster.local';
// Long enough for a response already written to arrive over loopback; says nothing about speed.
const QUIET_MS = 300;

function encoded(
  typeName: string,
  typeUrl: string,
  name: string,
  object: Record<string, unknown>,
): SnapshotResource {
  const type = envoyType(typeName);
  return { typeUrl, name, value: type.encode(type.fromObject(object)).finish() };
}

const cluster = (name: string, timeoutSeconds = 1) =>
  encoded('envoy.config.cluster.v3.Cluster', CDS, name, {
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: { ads: {} } },
    connect_timeout: { seconds: timeoutSeconds },
  });

const endpoints = (name: string, ip = '10.1.0.1') =>
  encoded('envoy.config.endpoint.v3.ClusterLoadAssignment', EDS, name, {
    cluster_name: name,
    endpoints: [
      { lb_endpoints: [{ endpoint: { address: { socket_address: { address: ip, port_value: 8080 } } } }] },
    ],
  });

const listener = (name: string, port: number) =>
  encoded('envoy.config.listener.v3.Listener', LDS, name, {
    name,
    address: { socket_address: { address: '0.0.0.0', port_value: port } },
  });

const ack = (client: AdsTestClient, r: DiscoveryResponseObject, resource_names: string[] = []) =>
  client.send({
    type_url: r.type_url,
    version_info: r.version_info,
    response_nonce: r.nonce,
    resource_names,
  });

async function until(condition: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the ADS server (state of the world)', () => {
  const servers: XdsServer[] = [];
  const clients: AdsTestClient[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function start(hooks?: ConstructorParameters<typeof XdsServer>[0]['hooks']) {
    const cache = new SnapshotCache();
    const server = new XdsServer({ cache, logger: silentLogger(), ...(hooks ? { hooks } : {}) });
    servers.push(server);
    const bound = await server.listen('127.0.0.1:0');
    const connect = () => {
      const client = new AdsTestClient(bound.port);
      clients.push(client);
      return client;
    };
    return { cache, server, bound, connect };
  }

  it('listens on port 0 and returns the port it really bound', async () => {
    const { bound } = await start();
    expect(bound.port).toBeGreaterThan(0);
    expect(bound.address).toBe(`127.0.0.1:${bound.port}`);
  });

  it('sends every cluster to a wildcard CDS subscription', async () => {
    const { cache, connect } = await start();
    cache.setSnapshot(SIDECAR, buildSnapshot([cluster('b'), cluster('a'), endpoints('a')]));
    const client = connect();
    client.send({ node: { id: SIDECAR }, type_url: CDS });
    const response = await client.next();
    expect(response.type_url).toBe(CDS);
    expect(resourceNames(response)).toEqual(['a', 'b']);
    expect(response.resources.every((r) => r.type_url === CDS)).toBe(true);
    expect(response.version_info).not.toBe('');
    expect(response.nonce).not.toBe('');
  });

  it('sends only the named ClusterLoadAssignments to a named EDS subscription', async () => {
    const { cache, connect } = await start();
    cache.setSnapshot(SIDECAR, buildSnapshot([endpoints('a'), endpoints('b'), endpoints('c')]));
    const client = connect();
    client.send({ node: { id: SIDECAR }, type_url: EDS, resource_names: ['a', 'c', 'missing'] });
    expect(resourceNames(await client.next())).toEqual(['a', 'c']);
  });

  it('records an ACK as the acknowledged version in status()', async () => {
    const { cache, server, connect } = await start();
    cache.setSnapshot(SIDECAR, buildSnapshot([cluster('a')]));
    const client = connect();
    client.send({ node: { id: SIDECAR }, type_url: CDS });
    const response = await client.next();
    ack(client, response);
    await until(() => server.status()[0]?.types[CDS]?.lastAckedVersion !== undefined, 'the ACK');
    expect(server.status()).toEqual([
      expect.objectContaining({
        proxyId: SIDECAR,
        kind: 'sidecar',
        namespace: 'shop',
        types: {
          [CDS]: {
            subscribed: '*',
            lastSentVersion: response.version_info,
            lastSentNonce: response.nonce,
            lastAckedVersion: response.version_info,
          },
        },
      }),
    ]);
  });

  it('records a NACK with its error_detail message and does not send the rejected version again', async () => {
    const { cache, server, connect } = await start();
    cache.setSnapshot(SIDECAR, buildSnapshot([cluster('a')]));
    const client = connect();
    client.send({ node: { id: SIDECAR }, type_url: CDS });
    const rejected = await client.next();
    client.send({
      type_url: CDS,
      version_info: '',
      response_nonce: rejected.nonce,
      error_detail: { code: grpc.status.INVALID_ARGUMENT, message: 'cluster a: bad connect_timeout' },
    });
    await until(() => server.status()[0]?.types[CDS]?.lastNack !== undefined, 'the NACK');
    const cds = server.status()[0]?.types[CDS];
    expect(cds?.lastNack).toMatchObject({
      version: rejected.version_info,
      nonce: rejected.nonce,
      message: 'cluster a: bad connect_timeout',
    });
    expect(cds?.lastAckedVersion).toBeUndefined();
    cache.setSnapshot(SIDECAR, buildSnapshot([cluster('a'), listener('unrelated', 15001)]));
    expect(await client.receive(QUIET_MS)).toBeUndefined();
    cache.setSnapshot(SIDECAR, buildSnapshot([cluster('a', 5)]));
    const fixed = await client.next();
    expect(fixed.version_info).not.toBe(rejected.version_info);
  });

  it('ignores a request whose nonce is not the latest one sent for its type', async () => {
    const { cache, server, connect } = await start();
    cache.setSnapshot(SIDECAR, buildSnapshot([cluster('a')]));
    const client = connect();
    client.send({ node: { id: SIDECAR }, type_url: CDS });
    const first = await client.next();
    ack(client, first);
    cache.setSnapshot(SIDECAR, buildSnapshot([cluster('a'), cluster('b')]));
    const second = await client.next();
    client.send({
      type_url: CDS,
      response_nonce: first.nonce,
      error_detail: { code: grpc.status.INVALID_ARGUMENT, message: 'stale rejection' },
    });
    ack(client, second);
    await until(
      () => server.status()[0]?.types[CDS]?.lastAckedVersion === second.version_info,
      'the second ACK',
    );
    const cds = server.status()[0]?.types[CDS];
    expect(cds?.lastAckedVersion).toBe(second.version_info);
    expect(cds?.lastNack).toBeUndefined();
    expect(await client.receive(QUIET_MS)).toBeUndefined();
  });

  it('pushes only the types whose resources changed', async () => {
    const { cache, server, connect } = await start();
    cache.setSnapshot(SIDECAR, buildSnapshot([cluster('a'), endpoints('a')]));
    const client = connect();
    client.send({ node: { id: SIDECAR }, type_url: CDS });
    ack(client, await client.next());
    client.send({ type_url: EDS, resource_names: ['a'] });
    const eds = await client.next();
    ack(client, eds, ['a']);
    await until(() => server.status()[0]?.types[EDS]?.lastAckedVersion !== undefined, 'the EDS ACK');
    cache.setSnapshot(SIDECAR, buildSnapshot([cluster('a'), endpoints('a', '10.1.0.2')]));
    const pushed = await client.next();
    expect(pushed.type_url).toBe(EDS);
    expect(pushed.version_info).not.toBe(eds.version_info);
    expect(await client.receive(QUIET_MS)).toBeUndefined();
  });

  it('pushes nothing to a stream when only another proxy’s snapshot changes', async () => {
    const { cache, connect } = await start();
    cache.setSnapshot(SIDECAR, buildSnapshot([cluster('a')]));
    cache.setSnapshot(OTHER_SIDECAR, buildSnapshot([cluster('a')]));
    const mine = connect();
    const other = connect();
    mine.send({ node: { id: SIDECAR }, type_url: CDS });
    other.send({ node: { id: OTHER_SIDECAR }, type_url: CDS });
    ack(mine, await mine.next());
    ack(other, await other.next());
    cache.setSnapshot(OTHER_SIDECAR, buildSnapshot([cluster('a'), cluster('b')]));
    expect(resourceNames(await other.next())).toEqual(['a', 'b']);
    expect(await mine.receive(QUIET_MS)).toBeUndefined();
  });

  it('answers a subscription that adds a name', async () => {
    const { cache, connect } = await start();
    cache.setSnapshot(SIDECAR, buildSnapshot([endpoints('a'), endpoints('b')]));
    const client = connect();
    client.send({ node: { id: SIDECAR }, type_url: EDS, resource_names: ['a'] });
    const first = await client.next();
    expect(resourceNames(first)).toEqual(['a']);
    ack(client, first, ['a', 'b']);
    // The client holds a: an EDS response carries only what it lacks.
    expect(resourceNames(await client.next())).toEqual(['b']);
  });

  it('waits for the snapshot of a proxy the cache does not know yet', async () => {
    const { cache, connect } = await start({
      onStreamOpened: (proxy) =>
        setImmediate(() => cache.setSnapshot(proxy.id, buildSnapshot([cluster('late')]))),
    });
    const client = connect();
    client.send({ node: { id: SIDECAR }, type_url: CDS });
    expect(resourceNames(await client.next())).toEqual(['late']);
  });

  it('refuses a stream whose first request carries no node, with INVALID_ARGUMENT', async () => {
    const opened: MeshProxy[] = [];
    const { connect } = await start({ onStreamOpened: (proxy) => opened.push(proxy) });
    const client = connect();
    client.send({ type_url: CDS });
    const status = await client.ended();
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status.details).toMatch(/node/);
    expect(opened).toEqual([]);
  });

  it('refuses a request without type_url, with INVALID_ARGUMENT', async () => {
    const { connect } = await start();
    const client = connect();
    client.send({ node: { id: SIDECAR } });
    const status = await client.ended();
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status.details).toMatch(/type_url/);
  });

  it('ends a stream the client half-closes, and reports it closed', async () => {
    const closed: MeshProxy[] = [];
    const { cache, server, connect } = await start({ onStreamClosed: (proxy) => closed.push(proxy) });
    cache.setSnapshot(SIDECAR, buildSnapshot([cluster('a')]));
    const client = connect();
    client.send({ node: { id: SIDECAR }, type_url: CDS });
    await client.next();
    client.halfClose();
    expect((await client.ended()).code).toBe(grpc.status.OK);
    expect(closed.map((p) => p.id)).toEqual([SIDECAR]);
    expect(server.status()).toEqual([]);
  });

  it('rejects listen() on an address already in use', async () => {
    const { bound } = await start();
    const second = new XdsServer({ cache: new SnapshotCache(), logger: silentLogger() });
    servers.push(second);
    await expect(second.listen(bound.address)).rejects.toThrow();
  });

  it('reads its address as every address flag does: :PORT is loopback, a bad one is refused', async () => {
    const server = new XdsServer({ cache: new SnapshotCache(), logger: silentLogger() });
    servers.push(server);
    await expect(server.listen('localhost')).rejects.toThrow(/xDS address "localhost" has no port/);
    const bound = await server.listen(':0');
    expect(bound.address).toBe(`127.0.0.1:${bound.port}`);
  });

  describe('tells onStreamOpened which proxy connected', () => {
    const cases: { name: string; node: NodeObject; proxy: MeshProxy; metadata?: Record<string, unknown> }[] =
      [
        {
          name: 'a sidecar~ node id',
          node: {
            id: SIDECAR,
            user_agent_name: 'envoy',
            user_agent_build_version: { version: { major_number: 1, minor_number: 30, patch: 2 } },
          },
          proxy: {
            id: SIDECAR,
            kind: 'sidecar',
            namespace: 'shop',
            ip: '10.0.0.7',
            podName: 'web-0',
            profile: { kind: 'envoy', version: { major: 1, minor: 30, patch: 2 } },
          },
        },
        {
          name: 'a gRPC C-core client, its release and its client features',
          node: {
            id: 'proxyless~10.0.0.8~py-0.billing~billing.svc.cluster.local',
            user_agent_name: 'gRPC C-core linux Python',
            user_agent_version: 'C-core 29.0.0 Python 1.51.1',
            client_features: ['envoy.lb.does_not_support_overprovisioning', 'xds.config.resource-in-sotw'],
          },
          proxy: {
            id: 'proxyless~10.0.0.8~py-0.billing~billing.svc.cluster.local',
            kind: 'proxyless',
            namespace: 'billing',
            ip: '10.0.0.8',
            podName: 'py-0',
            profile: {
              kind: 'grpc',
              language: 'c-core',
              version: { major: 1, minor: 51, patch: 1 },
              features: ['envoy.lb.does_not_support_overprovisioning', 'xds.config.resource-in-sotw'],
            },
          },
        },
        {
          name: 'a proxyless~ node id',
          node: { id: 'proxyless~10.0.0.9~client-0.billing~billing.svc.cluster.local' },
          proxy: {
            id: 'proxyless~10.0.0.9~client-0.billing~billing.svc.cluster.local',
            kind: 'proxyless',
            namespace: 'billing',
            ip: '10.0.0.9',
            podName: 'client-0',
            profile: { kind: 'grpc', language: 'unknown' },
          },
        },
        {
          name: 'any other id, namespace from metadata NAMESPACE',
          node: {
            id: 'my-envoy',
            user_agent_name: 'envoy',
            metadata: {
              fields: {
                NAMESPACE: { stringValue: 'payments' },
                LABELS: { structValue: { fields: { app: { stringValue: 'pay' } } } },
                PORTS: { listValue: { values: [{ numberValue: 8080 }, { boolValue: true }] } },
              },
            },
          },
          proxy: { id: 'my-envoy', kind: 'sidecar', namespace: 'payments', profile: { kind: 'envoy' } },
          metadata: { NAMESPACE: 'payments', LABELS: { app: 'pay' }, PORTS: [8080, true] },
        },
      ];
    for (const c of cases) {
      it(c.name, async () => {
        const opened: { proxy: MeshProxy; node: NodeInfo }[] = [];
        const closed: MeshProxy[] = [];
        const { connect } = await start({
          onStreamOpened: (proxy, node) => opened.push({ proxy, node }),
          onStreamClosed: (proxy) => closed.push(proxy),
        });
        const client = connect();
        client.send({ node: c.node, type_url: CDS });
        await until(() => opened.length === 1, 'onStreamOpened');
        expect(opened[0]?.proxy).toEqual(c.proxy);
        expect(opened[0]?.node.id).toBe(c.node.id);
        if (c.metadata) expect(opened[0]?.node.metadata).toEqual(c.metadata);
        client.close();
        await until(() => closed.length === 1, 'onStreamClosed');
        expect(closed[0]).toEqual(c.proxy);
      });
    }
  });

  it('keeps the first request’s node for later requests that omit it', async () => {
    const { cache, server, connect } = await start();
    cache.setSnapshot(SIDECAR, buildSnapshot([cluster('a'), listener('l', 15001)]));
    const client = connect();
    client.send({ node: { id: SIDECAR }, type_url: CDS });
    await client.next();
    client.send({ type_url: LDS });
    expect(resourceNames(await client.next())).toEqual(['l']);
    expect(server.status().map((s) => s.proxyId)).toEqual([SIDECAR]);
  });

  it('ends every open stream on close(), with UNAVAILABLE', async () => {
    const closed: MeshProxy[] = [];
    const { cache, server, connect } = await start({ onStreamClosed: (proxy) => closed.push(proxy) });
    cache.setSnapshot(SIDECAR, buildSnapshot([cluster('a')]));
    const client = connect();
    client.send({ node: { id: SIDECAR }, type_url: CDS });
    await client.next();
    await server.close();
    expect((await client.ended()).code).toBe(grpc.status.UNAVAILABLE);
    expect(closed.map((p) => p.id)).toEqual([SIDECAR]);
    expect(server.status()).toEqual([]);
  });
});
