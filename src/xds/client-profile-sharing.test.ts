// Proxies share by what they accept: the same gRPC release shares one translation and one encoding;
// releases that read a field differently (gRFC A63 header matchers, total_weight) never share the
// resources they would disagree on, and still share everything else.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import type { Mesh } from '../model/mesh.js';
import { type NodeInfo, proxyFromNode } from '../model/proxy.js';
import type { HttpRoute, Origin } from '../model/routing.js';
import { SnapshotCache } from './cache/snapshot-cache.js';
import { ProxyCompiler } from './compile-proxy.js';
import { TYPE_URL } from './envoy/type-urls.js';
import { SnapshotBuilder } from './snapshot-builder.js';
import { endpoint, mesh, port, service, slice } from './translate/test-fixtures.js';

const grpcPort = port({ name: 'grpc', port: 9090, protocol: 'GRPC', targetPort: 9090 });
const origin: Origin = { kind: 'HTTPRoute', namespace: 'default', name: 'reviews' };
const to = (name: string, weight: number) =>
  ({ kind: 'service', service: { namespace: 'default', name }, port: 9090, weight }) as const;

function reviews(withHeaderMatch: boolean): Mesh {
  const routes: HttpRoute[] = [
    ...(withHeaderMatch
      ? [
          {
            name: 'canary',
            origin,
            match: { headers: [{ name: 'x-canary', match: { kind: 'exact', value: 'yes' } as const }] },
            action: { kind: 'forward', backends: [to('reviews-v2', 1)] } as const,
          },
        ]
      : []),
    {
      name: 'split',
      origin,
      match: {},
      action: { kind: 'forward', backends: [to('reviews-v1', 3), to('reviews-v2', 1)] },
    },
  ];
  const names = ['reviews', 'reviews-v1', 'reviews-v2'];
  return mesh({
    services: names.map((n, i) => service('default', n, [grpcPort], { clusterIP: `10.96.0.${i + 1}` })),
    endpointSlices: names.map((n, i) =>
      slice('default', n, [{ name: 'grpc', port: 9090 }], [endpoint([`10.0.0.${i + 1}`])]),
    ),
    routing: {
      routeTables: [
        {
          service: { namespace: 'default', name: 'reviews' },
          port: 9090,
          http: routes,
          tcp: [],
          origins: [origin],
        },
      ],
      backendPolicies: [],
      rateLimits: [],
    },
  });
}

const grpcClient = (pod: string, userAgentName: string, userAgentVersion: string): NodeInfo => ({
  id: `proxyless~10.0.1.1~${pod}.default~default.svc.cluster.local`,
  userAgentName,
  userAgentVersion,
});
const core151a = proxyFromNode(grpcClient('a', 'gRPC C-core linux Python', 'C-core 29.0.0 Python 1.51.1'));
const core151b = proxyFromNode(grpcClient('b', 'gRPC C-core linux Python', 'C-core 29.0.0 Python 1.51.1'));
const core160 = proxyFromNode(grpcClient('c', 'gRPC C-core linux', 'C-core 37.0.0'));

function started(m: Mesh) {
  const cache = new SnapshotCache();
  const builder = new SnapshotBuilder(cache, silentLogger(), new ProxyCompiler());
  builder.update(m, []);
  for (const p of [core151a, core151b, core160]) builder.connect(p);
  const route = (id: string) => cache.getSnapshot(id)?.resources.get(TYPE_URL.route);
  const clusters = (id: string) => cache.getSnapshot(id)?.resources.get(TYPE_URL.cluster);
  return { cache, builder, route, clusters };
}

describe('proxies and their client profiles', () => {
  it('give two clients of the same release one snapshot, one translation and one encoding', () => {
    const { cache, route } = started(reviews(true));
    expect(cache.getSnapshot(core151b.id)).toBe(cache.getSnapshot(core151a.id));
    const name = 'reviews.default.svc.cluster.local:9090';
    expect(route(core151b.id)?.get(name)).toBe(route(core151a.id)?.get(name));
  });

  it('never give releases that read header matchers and weights differently the same route bytes', () => {
    const { cache, route } = started(reviews(true));
    const name = 'reviews.default.svc.cluster.local:9090';
    const old = route(core151a.id)?.get(name);
    const recent = route(core160.id)?.get(name);
    expect(old && recent).toBeTruthy();
    expect(old?.version).not.toBe(recent?.version);
    expect(Buffer.from(old?.value ?? []).equals(Buffer.from(recent?.value ?? []))).toBe(false);
    expect(cache.getSnapshot(core160.id)).not.toBe(cache.getSnapshot(core151a.id));
  });

  it('still share the clusters, listeners and endpoints, which the releases agree on', () => {
    const { cache, route } = started(reviews(false));
    // Without a header match the only difference left is total_weight on the 3:1 split.
    const name = 'reviews.default.svc.cluster.local:9090';
    expect(route(core151a.id)?.get(name)?.version).not.toBe(route(core160.id)?.get(name)?.version);
    for (const typeUrl of [TYPE_URL.cluster, TYPE_URL.listener, TYPE_URL.endpoint]) {
      const old = cache.getSnapshot(core151a.id)?.resources.get(typeUrl);
      expect(old?.size, typeUrl).toBeGreaterThan(0);
      expect(cache.getSnapshot(core160.id)?.resources.get(typeUrl), typeUrl).toBe(old);
    }
  });

  it('give streams of one node id from different releases the forms both read', () => {
    const m = reviews(true);
    const cache = new SnapshotCache();
    const shared = new SnapshotBuilder(cache, silentLogger(), new ProxyCompiler());
    shared.update(m, []);
    const id = 'proxyless~10.0.1.1~shared.default~default.svc.cluster.local';
    const recent = proxyFromNode({
      id,
      userAgentName: 'gRPC C-core linux',
      userAgentVersion: 'C-core 40.0.0',
    });
    const old = proxyFromNode({
      id,
      userAgentName: 'gRPC C-core linux Python',
      userAgentVersion: 'C-core 29.0.0 Python 1.51.1',
    });
    const routeOf = () =>
      cache.getSnapshot(id)?.resources.get(TYPE_URL.route)?.get('reviews.default.svc.cluster.local:9090');
    shared.connect(recent);
    const forRecent = routeOf()?.version;
    shared.connect(old);
    const forBoth = routeOf()?.version;
    expect(forBoth).not.toBe(forRecent);
    // The same version a lone 1.51 client gets: the older header matcher and total_weight.
    const alone = started(m);
    expect(forBoth).toBe(alone.route(core151a.id)?.get('reviews.default.svc.cluster.local:9090')?.version);
  });
});

describe('a proxy whose gRPC release goes without some features', () => {
  function logged(node: NodeInfo): Record<string, unknown>[] {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const builder = new SnapshotBuilder(
      new SnapshotCache(),
      pino({ level: 'info' }, stream),
      new ProxyCompiler(),
    );
    builder.update(reviews(true), []);
    builder.connect(proxyFromNode(node));
    return lines;
  }

  it('is reported by name with each feature, its gRFC and the release that has it', () => {
    const lines = logged(grpcClient('old', 'gRPC Go', '1.38.0'));
    const warning = lines.find((l) => l.level === 40);
    expect(warning).toMatchObject({
      proxy: 'proxyless~10.0.1.1~old.default~default.svc.cluster.local',
      client: 'gRPC go 1.38.0',
    });
    expect(warning?.without).toEqual([
      expect.stringContaining('Retries'),
      expect.stringMatching(/^mTLS, client side.*gRFC A29, from 1\.41\.0/),
      expect.stringMatching(/^Ring hash.*gRFC A42, from 1\.41\.0/),
    ]);
  });

  it('is listed in /debug/config-errors once per release, with how many proxies run it', () => {
    const builder = new SnapshotBuilder(new SnapshotCache(), silentLogger(), new ProxyCompiler());
    builder.update(reviews(true), []);
    for (const pod of ['go-a', 'go-b', 'go-c'])
      builder.connect(proxyFromNode(grpcClient(pod, 'gRPC Go', '1.38.0')));
    builder.connect(proxyFromNode(grpcClient('go-new', 'gRPC Go', '1.60.0')));
    builder.connect(proxyFromNode({ id: 'proxyless~10.0.1.9~what.default~default.svc.cluster.local' }));
    const { clients } = builder.configErrors();
    expect(clients).toEqual([
      {
        client: 'gRPC go 1.38.0',
        without: [
          expect.stringContaining('gRFC A44, from 1.41.0'),
          expect.stringContaining('gRFC A29, from 1.41.0'),
          expect.stringContaining('gRFC A42, from 1.41.0'),
        ],
        proxyCount: 3,
        proxies: ['go-a', 'go-b', 'go-c'].map(
          (pod) => `proxyless~10.0.1.1~${pod}.default~default.svc.cluster.local`,
        ),
      },
      {
        client: 'gRPC (release unknown)',
        without: [expect.stringMatching(/^Ring hash.*gRFC A42, from a release it did not name/)],
        proxyCount: 1,
        proxies: ['proxyless~10.0.1.9~what.default~default.svc.cluster.local'],
      },
    ]);
  });

  it('is not reported when its release has everything', () => {
    expect(logged(grpcClient('new', 'gRPC Go', '1.60.0')).filter((l) => l.level === 40)).toEqual([]);
  });
});
