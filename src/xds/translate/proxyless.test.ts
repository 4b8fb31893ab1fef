import { describe, expect, it } from 'vitest';
import { endpoint, mesh, port, proxyless, service, slice } from './test-fixtures.js';
import { translateProxy } from './translate-proxy.js';

describe('a proxyless gRPC client', () => {
  const api = service('default', 'api', [port({ name: 'grpc', port: 9090, protocol: 'GRPC' })], {
    clusterIP: '10.96.0.3',
  });
  const headless = service('shop', 'db', [port({ name: 'tcp', port: 5432 })]);
  const m = mesh({
    services: [api, headless],
    endpointSlices: [slice('shop', 'db', [{ name: 'tcp', port: 5432 }], [endpoint(['10.1.0.1'])])],
  });
  const out = translateProxy(m, proxyless);

  it('gets an API listener named <fqdn>:<port> with RDS of the same name and the router', () => {
    expect(out.listeners.map((l) => l.name)).toEqual([
      'api.default.svc.cluster.local:9090',
      'db.shop.svc.cluster.local:5432',
    ]);
    expect(out.listeners[0]).toEqual({
      name: 'api.default.svc.cluster.local:9090',
      api_listener: {
        api_listener: {
          '@type':
            'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
          stat_prefix: 'api.default.svc.cluster.local:9090',
          codec_type: 'AUTO',
          rds: {
            config_source: { ads: {}, resource_api_version: 'V3' },
            route_config_name: 'api.default.svc.cluster.local:9090',
          },
          http_filters: [
            {
              name: 'envoy.filters.http.router',
              typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
            },
          ],
        },
      },
    });
  });

  it('gets a route configuration per listener whose domains include the target', () => {
    expect(out.routes.map((r) => r.name)).toEqual(out.listeners.map((l) => l.name));
    expect(out.routes[0]?.virtual_hosts?.[0]?.domains).toContain('api.default.svc.cluster.local:9090');
  });

  it('gets round-robin EDS clusters, headless ones too, each with its assignment', () => {
    expect(out.clusters.map((c) => [c.name, c.type, c.lb_policy])).toEqual([
      ['outbound|5432||db.shop.svc.cluster.local', 'EDS', 'ROUND_ROBIN'],
      ['outbound|9090||api.default.svc.cluster.local', 'EDS', 'ROUND_ROBIN'],
    ]);
    expect(out.clusters.some((c) => c.typed_extension_protocol_options)).toBe(false);
    expect(out.endpoints.map((e) => e.cluster_name)).toEqual(out.clusters.map((c) => c.name));
  });
});
