import { describe, expect, it } from 'vitest';
import { sidecarRouteConfigs } from './routes.js';
import { mesh, port, service } from './test-fixtures.js';

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
    const routes = sidecarRouteConfigs(mesh({ services: [api, db, web, webShop] }), 'default');
    expect(routes.map((r) => r.name).sort()).toEqual(['80', '9090']);
  });

  it('holds a virtual host per service and allow_any last, with no domain twice', () => {
    const [route] = sidecarRouteConfigs(mesh({ services: [web, webShop] }), 'default');
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
    const [route] = sidecarRouteConfigs(mesh({ services: [web, twin] }), 'default');
    const host = (name: string) => route?.virtual_hosts?.find((v) => v.name === name)?.domains;
    expect(host('web.default.svc.cluster.local:80')).toContain('10.96.0.1');
    expect(host('twin.shop.svc.cluster.local:80')).not.toContain('10.96.0.1');
  });

  it('routes everything to the service cluster with no route timeout; gRPC honours grpc-timeout', () => {
    const [grpc] = sidecarRouteConfigs(mesh({ services: [api] }), 'default');
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
