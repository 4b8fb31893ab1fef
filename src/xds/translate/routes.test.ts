import { describe, expect, it } from 'vitest';
import type { Mesh } from '../../model/mesh.js';
import type { MeshProxy } from '../../model/proxy.js';
import type { HttpRoute, Routing } from '../../model/routing.js';
import { routeReader, serviceRoutes, sidecarRoutes } from './routes.js';
import { mesh, port, proxyless, service, sidecar, workload } from './test-fixtures.js';

const sidecarRouteConfigs = (m: Mesh, proxy: MeshProxy) => sidecarRoutes(m, routeReader(m, proxy));

describe('sidecar route configurations', () => {
  const web = service('default', 'web', [port({ name: 'http', port: 80, protocol: 'HTTP' })], {
    clusterIP: '10.96.0.1',
  });
  const webShop = service('shop', 'web', [port({ name: 'http', port: 80, protocol: 'HTTP' })], {
    clusterIP: '10.96.0.2',
  });
  const api = service('default', 'api', [port({ name: 'grpc', port: 9090, protocol: 'GRPC' })], {
    clusterIP: '10.96.0.3',
  });
  const db = service('default', 'db', [port({ name: 'tcp', port: 5432 })], { clusterIP: '10.96.0.4' });

  it('has one configuration per HTTP port number, none for TCP ports', () => {
    const routes = sidecarRouteConfigs(mesh({ services: [api, db, web, webShop] }), sidecar);
    expect(routes.map((r) => r.name).sort()).toEqual(['80', '9090']);
  });

  it('holds a virtual host per service and allow_any last, with no domain twice', () => {
    const [route] = sidecarRouteConfigs(mesh({ services: [web, webShop] }), sidecar);
    expect(route?.validate_clusters).toBe(false);
    expect(route?.virtual_hosts?.map((v) => v.name)).toEqual([
      'web.default.svc.cluster.local:80',
      'web.shop.svc.cluster.local:80',
      'allow_any',
    ]);
    expect(route?.virtual_hosts?.[1]?.domains).not.toContain('web');
    const all = route?.virtual_hosts?.flatMap((v) => v.domains ?? []) ?? [];
    expect(new Set(all).size).toBe(all.length);
    expect(route?.virtual_hosts?.at(-1)).toMatchObject({
      domains: ['*'],
      routes: [{ route: { cluster: 'PassthroughCluster' } }],
    });
  });

  it('keeps a clashing domain for the first service in namespace/name order', () => {
    const twin = service('shop', 'twin', [port({ name: 'http', port: 80, protocol: 'HTTP' })], {
      clusterIP: '10.96.0.1',
    });
    const [route] = sidecarRouteConfigs(mesh({ services: [web, twin] }), sidecar);
    const host = (name: string) => route?.virtual_hosts?.find((v) => v.name === name)?.domains;
    expect(host('web.default.svc.cluster.local:80')).toContain('10.96.0.1');
    expect(host('twin.shop.svc.cluster.local:80')).not.toContain('10.96.0.1');
  });

  it('routes everything to the service cluster with no route timeout; gRPC honours grpc-timeout', () => {
    const [grpc] = sidecarRouteConfigs(mesh({ services: [api] }), sidecar);
    expect(grpc?.virtual_hosts?.[0]?.routes).toEqual([
      {
        name: 'default',
        match: { prefix: '/' },
        route: {
          cluster: 'outbound|9090||api.default.svc.cluster.local',
          timeout: '0s',
          max_stream_duration: { grpc_timeout_header_max: '0s' },
        },
      },
    ]);
  });
});

describe('route tables in route configurations', () => {
  const web = service('default', 'web', [port({ name: 'http', port: 80, protocol: 'HTTP' })], {
    clusterIP: '10.96.0.1',
  });
  const origin = { kind: 'VirtualService', namespace: 'default', name: 'web' };
  const forward = {
    kind: 'forward',
    backends: [{ kind: 'service', service: { namespace: 'default', name: 'web' }, weight: 1 }],
  } as const;
  const route = (name: string, match: HttpRoute['match']): HttpRoute => ({
    name,
    origin,
    match,
    action: forward,
  });
  const routing = (http: HttpRoute[]): Routing => ({
    routeTables: [
      { service: { namespace: 'default', name: 'web' }, port: 80, http, tcp: [], origins: [origin] },
    ],
    backendPolicies: [],
    rateLimits: [],
  });
  const routeNames = (m: ReturnType<typeof mesh>) =>
    sidecarRouteConfigs(m, sidecar)[0]?.virtual_hosts?.[0]?.routes?.map((r) => r.name);

  it('replace the default route with the table routes in order, with no fallback after them', () => {
    const m = mesh({
      services: [web],
      routing: routing([
        route('b', { path: { kind: 'prefix', value: '/b' } }),
        route('a', { path: { kind: 'exact', value: '/a' } }),
      ]),
    });
    expect(routeNames(m)).toEqual(['b', 'a']);
  });

  it('hold only the routes this proxy pod may see', () => {
    const m = mesh({
      services: [web],
      workloads: [workload('default', 'client-0', { ip: '10.0.0.9', labels: { version: 'v1' } })],
      routing: routing([
        route('mine', { sourceLabels: { version: 'v1' } }),
        route('theirs', { sourceLabels: { version: 'v2' } }),
        route('elsewhere', { sourceNamespace: 'shop' }),
      ]),
    });
    expect(routeNames(m)).toEqual(['mine']);
  });

  it('leave a gRPC client the routes a call can match', () => {
    const m = mesh({
      services: [web],
      routing: routing([
        route('query', { queryParams: [{ name: 'q', match: { kind: 'present' } }] }),
        route('all', {}),
      ]),
    });
    expect(routeNames(m)).toEqual(['query', 'all']);
    expect(serviceRoutes(m, web, web.ports[0]!, routeReader(m, proxyless)).map((r) => r.name)).toEqual([
      'all',
    ]);
  });

  it('add the hash policy of the service DestinationRule to the default route', () => {
    const m = mesh({
      services: [web],
      routing: {
        routeTables: [],
        backendPolicies: [
          {
            service: { namespace: 'default', name: 'web' },
            origin: { ...origin, kind: 'DestinationRule' },
            policy: { loadBalancer: { kind: 'consistentHash', hashOn: { kind: 'header', name: 'x-user' } } },
            subsets: [],
          },
        ],
        rateLimits: [],
      },
    });
    expect(sidecarRouteConfigs(m, sidecar)[0]?.virtual_hosts?.[0]?.routes?.[0]?.route?.hash_policy).toEqual([
      { header: { header_name: 'x-user' } },
    ]);
  });
});
