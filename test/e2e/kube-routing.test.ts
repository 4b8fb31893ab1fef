// Kubernetes mode end to end with a real @grpc/grpc-js-xds client: one `trellis serve --kube` (the
// built CLI) against the test API server (test/kube-api/), echo servers v1 and v2 on 127.0.0.1, and
// the client's calls landing where the cluster's routes say. In order:
// 1. a Service, its EndpointSlices and a GAMMA HTTPRoute, created through the API server's REST
//    routes after the start, route the calls to v1;
// 2. an edit of the route (v1 → v2, through the API server) moves them, with no failed call while
//    the client calls;
// 3. the route's status says Accepted, by trellis.dev/mesh-controller, at its metadata.generation;
// 4. every watch is cut mid-stream and a change made before the informers watch again arrives through
//    the resumed watch (one watch request, no list);
// 5. a 410 Gone forces a relist that loses no change made around it; a relist that finds nothing new
//    pushes nothing: a raw ADS stream alongside gets no response, the grpc-js-xds client is sent no
//    version, the push and translation counters stand still;
// 6. GRPCRoute, whose CRD is not installed at the start, is served once it is, without a restart, and
//    its route takes effect (a missing kind is listed again every 2 s: --crd-retry-interval).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type KubernetesObject, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBE_KINDS, kindPath } from '../../src/sources/kube/kube-kinds.js';
import { TYPE_URL } from '../../src/xds/envoy/type-urls.js';
import type { DiscoveryResponseObject } from '../../src/xds/server/ads-service.js';
import { AdsTestClient, resourceNames } from '../helpers/ads-test-client.js';
import { type FakeApiServer, startFakeApiServer } from '../kube-api/fake-api-server.js';
import { ALL_FAKE_RESOURCES, fakeResource } from '../kube-api/resources.js';
import { type EchoCaller, type EchoServer, echoClient, startEchoServer } from './helpers/echo-server.js';
import { callsDuringChange } from './helpers/live-change.js';
import { tally, untilRouted } from './helpers/routing-mesh.js';
import { eventually, getJson, startTrellis, type TrellisProcess } from './helpers/trellis-process.js';
import { useTrellisForXds } from './helpers/xds-bootstrap.js';

const NS = 'default';
const PORT = 50051;
const CONTROLLER = 'trellis.dev/mesh-controller';
const GATEWAY = 'gateway.networking.k8s.io/v1';
const CLIENT_ID = 'kube-routing-client';
const CLIENT_PREFIX = `proxyless~127.0.0.1~${CLIENT_ID}.`;
const WATCHER_NODE = { id: `sidecar~127.0.0.2~watcher-0.${NS}~${NS}.svc.cluster.local` };
const ARGS = [
  '--kube',
  '--debounce-quiet',
  '20ms',
  '--leader-elect-lease-duration',
  '3s',
  '--leader-elect-renew-deadline',
  '2s',
  '--leader-elect-retry-period',
  '250ms',
  '--status-qps',
  '100',
  '--crd-retry-interval',
  '2s',
];
// The paths the informers list and watch (GRPCRoute's CRD is not installed until point 6).
const INFORMER_PATHS = KUBE_KINDS.filter((k) => k.kind !== 'GRPCRoute').map(kindPath);
const HTTP_ROUTES = kindPath(KUBE_KINDS.find((k) => k.kind === 'HTTPRoute')!);
const GRPC_ROUTES = kindPath(KUBE_KINDS.find((k) => k.kind === 'GRPCRoute')!);

const service = (name: string, ip: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: NS },
  spec: {
    clusterIP: ip,
    selector: { app: name },
    ports: [{ name: 'grpc', port: PORT, targetPort: 'grpc', appProtocol: 'grpc' }],
  },
});

const slice = (serviceName: string, name: string, port: number) => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name, namespace: NS, labels: { 'kubernetes.io/service-name': serviceName } },
  addressType: 'IPv4',
  ports: [{ name: 'grpc', port, protocol: 'TCP' }],
  endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true }, zone: 'zone-a' }],
});

const routeSpec = (backend: string) => ({
  parentRefs: [{ group: '', kind: 'Service', name: 'echo', port: PORT }],
  rules: [{ backendRefs: [{ name: backend, port: PORT }] }],
});

const httpRoute = (backend: string) => ({
  apiVersion: GATEWAY,
  kind: 'HTTPRoute',
  metadata: { name: 'echo', namespace: NS },
  spec: routeSpec(backend),
});

/** Every call of the gRPC method Call on echo-rpc goes to echo-v2. */
const grpcRoute = {
  apiVersion: GATEWAY,
  kind: 'GRPCRoute',
  metadata: { name: 'echo-rpc', namespace: NS },
  spec: {
    parentRefs: [{ group: '', kind: 'Service', name: 'echo-rpc', port: PORT }],
    rules: [
      {
        matches: [{ method: { service: 'trellis.test.Echo', method: 'Call' } }],
        backendRefs: [{ name: 'echo-v2', port: PORT }],
      },
    ],
  },
};

type Obj = Record<string, unknown> & { metadata: Record<string, unknown>; status?: Record<string, unknown> };
interface Parent {
  controllerName: string;
  conditions: { type: string; status: string; observedGeneration?: number }[];
}

/**
 * A raw ADS stream of a sidecar (CDS and LDS wildcard, RDS of the route config of port 50051):
 * ACKs every response and counts them by type.
 */
class CountingAds {
  readonly counts = new Map<string, number>();
  readonly latest = new Map<string, DiscoveryResponseObject>();
  private lastAt = Date.now();
  private closed = false;
  private readonly pump: Promise<void>;
  private readonly client: AdsTestClient;
  private readonly names: Record<string, string[]> = {
    [TYPE_URL.cluster]: [],
    [TYPE_URL.listener]: [],
    [TYPE_URL.route]: [String(PORT)],
  };

  constructor(port: number) {
    const client = new AdsTestClient(port);
    this.client = client;
    let first = true;
    for (const [type_url, resource_names] of Object.entries(this.names)) {
      client.send({ ...(first ? { node: WATCHER_NODE } : {}), type_url, resource_names });
      first = false;
    }
    this.pump = (async () => {
      while (!this.closed) {
        const response = await client.receive(200);
        if (!response || this.closed) continue;
        this.lastAt = Date.now();
        this.counts.set(response.type_url, (this.counts.get(response.type_url) ?? 0) + 1);
        this.latest.set(response.type_url, response);
        client.send({
          type_url: response.type_url,
          version_info: response.version_info,
          response_nonce: response.nonce,
          resource_names: this.names[response.type_url] ?? [],
        });
      }
    })();
  }

  total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  /** Waits (bounded) until no response came for `quietMs`. */
  async settled(quietMs = 1_000, timeoutMs = 15_000): Promise<void> {
    await eventually(() => Date.now() - this.lastAt >= quietMs, 'the ADS stream to go quiet', timeoutMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pump;
    this.client.close();
  }
}

describe('trellis serve --kube, routing a grpc-js-xds client', () => {
  let dir: string;
  let fake: FakeApiServer;
  let api: KubernetesObjectApi;
  let trellis: TrellisProcess;
  let v1: EchoServer;
  let v2: EchoServer;
  let ads: CountingAds;
  let client: EchoCaller;
  let rpcClient: EchoCaller;

  const route = (kind: string, name: string): Obj | undefined =>
    fake.store.get(fakeResource(kind), NS, name) as Obj | undefined;
  /** The route's Accepted condition by our controller, when it was written at its current generation. */
  const acceptedNow = (kind: string, name: string): boolean => {
    const object = route(kind, name);
    const parents = (object?.status?.parents ?? []) as Parent[];
    const ours = parents.filter((p) => p.controllerName === CONTROLLER);
    const accepted = ours[0]?.conditions.find((c) => c.type === 'Accepted');
    return (
      ours.length === 1 &&
      accepted?.status === 'True' &&
      accepted.observedGeneration === object?.metadata.generation
    );
  };
  /**
   * Edits the HTTPRoute in the store, at once (no request in between), as the API server would: a
   * new spec bumps metadata.generation.
   */
  const editRouteInStore = (backend: string): number => {
    const current = route('HTTPRoute', 'echo') as Obj;
    const generation = Number(current.metadata.generation) + 1;
    fake.store.apply({ ...current, metadata: { ...current.metadata, generation }, spec: routeSpec(backend) });
    return generation;
  };
  const statusWrites = () => fake.writes({ method: 'PATCH' }).filter((w) => w.subresource === 'status');
  const informerRequests = () => INFORMER_PATHS.map((p) => fake.requests(p));
  /** Versions last sent to the grpc-js-xds client, per type; undefined while a push is not ACKed. */
  const clientVersions = async (): Promise<Record<string, string> | undefined> => {
    const all = (await getJson(trellis.adminPort, '/debug/syncz')) as {
      proxyId: string;
      types: Record<string, { lastSentVersion?: string; lastAckedVersion?: string }>;
    }[];
    const me = all.find((p) => p.proxyId.startsWith(CLIENT_PREFIX));
    if (!me) return undefined;
    const versions: Record<string, string> = {};
    for (const [type, t] of Object.entries(me.types)) {
      if (t.lastSentVersion !== t.lastAckedVersion) return undefined;
      versions[type] = t.lastSentVersion ?? '';
    }
    return versions;
  };
  const counters = async () => {
    const text = await (await fetch(`http://127.0.0.1:${trellis.adminPort}/metrics`)).text();
    const sum = (prefix: string) =>
      text
        .split('\n')
        .filter((line) => line.startsWith(prefix))
        .reduce((total, line) => total + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    return {
      pushes: sum('trellis_xds_pushes_total{'),
      translations: sum('trellis_translation_duration_seconds_count'),
    };
  };
  const allFrom = async (caller: EchoCaller, server: string, n = 20) => {
    const result = await tally(caller, n);
    expect(result.failures).toEqual({});
    expect(result.byServer).toEqual({ [server]: n });
  };

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trellis-kube-routing-'));
    v1 = await startEchoServer('v1');
    v2 = await startEchoServer('v2');
    // Every kind Trellis reads or writes, but GRPCRoute: its CRD comes in point 6.
    fake = await startFakeApiServer({ resources: ALL_FAKE_RESOURCES.filter((r) => r.kind !== 'GRPCRoute') });
    api = KubernetesObjectApi.makeApiClient(fake.kubeConfig());
    const kubeconfig = path.join(dir, 'kubeconfig');
    await fs.writeFile(kubeconfig, fake.kubeConfig().exportConfig());
    trellis = await startTrellis(null, [...ARGS, '--kubeconfig', kubeconfig], {
      POD_NAME: 'trellis-0',
      POD_NAMESPACE: 'trellis-system',
    });
    ads = new CountingAds(trellis.xdsPort);
    await useTrellisForXds(trellis.xdsPort, `${CLIENT_PREFIX}${NS}~${NS}.svc.cluster.local`);
  }, 60_000);

  afterAll(async () => {
    client?.close();
    rpcClient?.close();
    await ads?.close();
    await trellis?.stop();
    await fake?.stop();
    await Promise.all([v1?.stop(), v2?.stop()]);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('1. routes to v1 once the Service, its EndpointSlices and the HTTPRoute are created through the API server', async () => {
    // Said once at the start: the GRPCRoute CRD is not installed.
    expect(
      trellis
        .logs()
        .filter((l) => String(l.msg).startsWith('gateway.networking.k8s.io/GRPCRoute v1 is not served')),
    ).toHaveLength(1);
    const objects = [
      service('echo', '10.96.7.10'),
      service('echo-v1', '10.96.7.11'),
      service('echo-v2', '10.96.7.12'),
      service('echo-rpc', '10.96.7.13'),
      slice('echo', 'echo-v1', v1.port),
      slice('echo', 'echo-v2', v2.port),
      slice('echo-v1', 'echo-v1-a', v1.port),
      slice('echo-v2', 'echo-v2-a', v2.port),
      slice('echo-rpc', 'echo-rpc-a', v1.port),
      httpRoute('echo-v1'),
    ];
    for (const object of objects) await api.create(object);
    // The sidecar stream sees the new clusters: the configuration is there before the client asks.
    await eventually(() => {
      const clusters = ads.latest.get(TYPE_URL.cluster);
      return (
        clusters !== undefined &&
        resourceNames(clusters).includes(`outbound|${PORT}||echo.${NS}.svc.cluster.local`) &&
        resourceNames(clusters).includes(`outbound|${PORT}||echo-rpc.${NS}.svc.cluster.local`)
      );
    }, 'the echo clusters on the sidecar stream');
    client = echoClient(`xds:///echo.${NS}.svc.cluster.local:${PORT}`);
    await untilRouted(client, (from) => from === 'v1', {}, 'the first routes');
    await allFrom(client, 'v1', 50);
  });

  it('2. moves the traffic to v2 when the route is edited through the API server, with no failed call', async () => {
    const { seen, failures } = await callsDuringChange(
      client,
      async () => {
        const edit: KubernetesObject & { spec: unknown } = {
          apiVersion: GATEWAY,
          kind: 'HTTPRoute',
          metadata: { name: 'echo', namespace: NS },
          spec: routeSpec('echo-v2'),
        };
        const patched = await api.patch(
          edit,
          undefined,
          undefined,
          undefined,
          undefined,
          PatchStrategy.MergePatch,
        );
        expect(patched.metadata?.generation).toBe(2);
      },
      { server: 'v2', calls: 50 },
    );
    expect(failures).toBe(0);
    expect(seen.v1).toBeGreaterThan(0);
    expect(seen.v2).toBeGreaterThanOrEqual(50);
    await allFrom(client, 'v2');
  });

  it('3. writes the route’s status: Accepted by trellis.dev/mesh-controller at its generation', async () => {
    await eventually(() => acceptedNow('HTTPRoute', 'echo'), 'Accepted at generation 2');
    const object = route('HTTPRoute', 'echo') as Obj;
    expect(object.metadata.generation).toBe(2);
    const parents = object.status?.parents as Parent[];
    expect(parents).toHaveLength(1);
    expect(parents[0]).toMatchObject({
      controllerName: CONTROLLER,
      parentRef: { group: '', kind: 'Service', name: 'echo', port: PORT },
    });
    expect(parents[0]?.conditions.find((c) => c.type === 'Accepted')).toMatchObject({
      status: 'True',
      observedGeneration: 2,
    });
  });

  it('4. resumes a watch cut mid-stream from its resourceVersion: a change made before it re-watches arrives', async () => {
    await untilRouted(client, (from) => from === 'v2');
    const watchers = fake.store.watcherCount();
    expect(watchers).toBeGreaterThanOrEqual(INFORMER_PATHS.length);
    const before = fake.requests(HTTP_ROUTES);
    fake.store.endWatches();
    // Synchronously after the cut: no informer can have watched again yet.
    expect(fake.store.watcherCount()).toBe(0);
    const generation = editRouteInStore('echo-v1');
    await untilRouted(client, (from) => from === 'v1');
    await allFrom(client, 'v1');
    // The change came through the resumed watch: one watch request, no list.
    expect(fake.requests(HTTP_ROUTES) - before).toBe(1);
    await eventually(() => fake.store.watcherCount() >= watchers, 'every watch open again');
    await eventually(() => acceptedNow('HTTPRoute', 'echo'), `Accepted at generation ${generation}`);
  });

  it('5a. relists after 410 Gone, losing no change made around it', async () => {
    await ads.settled();
    const routePushes = ads.counts.get(TYPE_URL.route) ?? 0;
    const before = fake.requests(HTTP_ROUTES);
    fake.store.expireWatches();
    const generation = editRouteInStore('echo-v2');
    await untilRouted(client, (from) => from === 'v2');
    await allFrom(client, 'v2');
    // A relist: the list, then a new watch (which may wait a moment after a watch that ended quickly).
    await eventually(() => fake.requests(HTTP_ROUTES) - before >= 2, 'the HTTPRoute watch open again');
    expect(fake.requests(HTTP_ROUTES) - before).toBe(2);
    // The sidecar stream alongside was pushed the new route configuration.
    await eventually(() => (ads.counts.get(TYPE_URL.route) ?? 0) > routePushes, 'an RDS push to the sidecar');
    await eventually(() => acceptedNow('HTTPRoute', 'echo'), `Accepted at generation ${generation}`);
  });

  it('5b. pushes nothing after a relist that finds nothing new', async () => {
    const watchers = fake.store.watcherCount();
    await eventually(async () => (await clientVersions()) !== undefined, 'the client in sync');
    await ads.settled();
    const versions = await clientVersions();
    const adsBefore = ads.total();
    const countersBefore = await counters();
    const statusWritesBefore = statusWrites().length;
    const requestsBefore = informerRequests();

    fake.store.expireWatches();
    // Every informer lists again and watches again (bounded).
    await eventually(
      () =>
        informerRequests().every((n, i) => n - (requestsBefore[i] as number) >= 2) &&
        fake.store.watcherCount() >= watchers,
      'every informer to relist and watch again',
    );
    // A bounded quiet period: longer than every debounce (the source's 50 ms, serve's 20 ms quiet
    // and 1 s at most).
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    expect(ads.total()).toBe(adsBefore);
    expect(await clientVersions()).toEqual(versions);
    expect(await counters()).toEqual(countersBefore);
    expect(statusWrites()).toHaveLength(statusWritesBefore);
    await allFrom(client, 'v2');
  });

  it('6. picks up a CRD installed after the start (GRPCRoute), and its route takes effect', async () => {
    rpcClient = echoClient(`xds:///echo-rpc.${NS}.svc.cluster.local:${PORT}`);
    // Without a route, echo-rpc's one endpoint (v1) answers.
    await untilRouted(rpcClient, (from) => from === 'v1', {}, 'echo-rpc served by v1');
    await allFrom(rpcClient, 'v1');
    await expect(api.create(grpcRoute)).rejects.toThrow();

    expect(fake.store.install(fakeResource('GRPCRoute'))).toBe(true);
    const created = await api.create<KubernetesObject>(grpcRoute);
    expect(created.metadata?.generation).toBe(1);
    const listsBefore = fake.requests(GRPC_ROUTES);
    // The source lists a missing kind again every 2 s (--crd-retry-interval).
    const deadline = 20_000;
    await eventually(
      async () => {
        if (fake.requests(GRPC_ROUTES) === listsBefore) return false;
        return (await rpcClient.call(5_000)).from === 'v2';
      },
      'the GRPCRoute to move echo-rpc to v2',
      deadline,
    );
    await allFrom(rpcClient, 'v2', 50);
    // Its status too, and the HTTPRoute's traffic is where it was.
    await eventually(() => acceptedNow('GRPCRoute', 'echo-rpc'), 'the GRPCRoute Accepted at generation 1');
    await allFrom(client, 'v2');
    // Said once: the retries that found the CRD missing logged nothing more.
    expect(
      trellis
        .logs()
        .filter((l) => String(l.msg).startsWith('gateway.networking.k8s.io/GRPCRoute v1 is not served')),
    ).toHaveLength(1);
  }, 180_000);
});
