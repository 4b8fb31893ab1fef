import { describe, expect, it } from 'vitest';
import type { FilterChain } from '../../generated/envoy/config/listener/v3/FilterChain.js';
import { outboundFilterChains, outboundListener } from './outbound-listener.js';
import { endpoint, mesh, port, service, slice } from './test-fixtures.js';

const filterOf = (chain: FilterChain | undefined) => chain?.filters?.[0];

describe('virtualOutbound', () => {
  const web = service('shop', 'web', [port({ name: 'http', port: 80, protocol: 'HTTP' })], {
    clusterIP: '10.96.0.1',
  });
  const db = service('shop', 'db', [port({ name: 'tcp', port: 5432 })], { clusterIP: '10.96.0.2' });

  it('listens on 15001 with only the original_dst listener filter', () => {
    const listener = outboundListener(mesh({ services: [web] }));
    expect(listener.address).toEqual({ socket_address: { address: '0.0.0.0', port_value: 15001 } });
    expect(listener.traffic_direction).toBe('OUTBOUND');
    expect(listener.listener_filters?.map((f) => f.name)).toEqual(['envoy.filters.listener.original_dst']);
  });

  it('matches each service IP:port, HTTP through the HCM and the port route, TCP through tcp_proxy', () => {
    const chains = outboundFilterChains(mesh({ services: [db, web] }));
    expect(chains.map((c) => [c.name, c.filter_chain_match])).toEqual([
      [
        'db.shop.svc.cluster.local:5432',
        { prefix_ranges: [{ address_prefix: '10.96.0.2', prefix_len: 32 }], destination_port: 5432 },
      ],
      [
        'web.shop.svc.cluster.local:80',
        { prefix_ranges: [{ address_prefix: '10.96.0.1', prefix_len: 32 }], destination_port: 80 },
      ],
    ]);
    expect(filterOf(chains[0])?.typed_config).toMatchObject({
      cluster: 'outbound|5432||db.shop.svc.cluster.local',
    });
    expect(filterOf(chains[1])?.name).toBe('envoy.filters.network.http_connection_manager');
    expect(filterOf(chains[1])?.typed_config).toMatchObject({
      rds: { route_config_name: '80' },
      http_filters: [{ name: 'envoy.filters.http.router' }],
    });
  });

  it('uses a /128 for an IPv6 cluster IP', () => {
    const v6 = service('shop', 'v6', [port({ port: 80 })], { clusterIP: 'fd00::10' });
    expect(outboundFilterChains(mesh({ services: [v6] }))[0]?.filter_chain_match?.prefix_ranges).toEqual([
      { address_prefix: 'fd00::10', prefix_len: 128 },
    ]);
  });

  it('gives a headless service one chain per ready endpoint address, on the endpoint port', () => {
    const headless = service('shop', 'cache', [port({ name: 'redis', port: 6379, targetPort: 7000 })]);
    const chains = outboundFilterChains(
      mesh({
        services: [headless],
        endpointSlices: [
          slice(
            'shop',
            'cache',
            [{ name: 'redis', port: 7000 }],
            [endpoint(['10.1.0.2']), endpoint(['10.1.0.1']), endpoint(['10.1.0.3'], { ready: false })],
          ),
        ],
      }),
    );
    expect(chains.map((c) => c.name)).toEqual([
      'cache.shop.svc.cluster.local:6379|10.1.0.1:7000',
      'cache.shop.svc.cluster.local:6379|10.1.0.2:7000',
    ]);
    expect(chains[0]?.filter_chain_match?.destination_port).toBe(7000);
  });

  it('keeps the first service by namespace/name when two claim one IP:port', () => {
    const a = service('a', 'one', [port({ port: 80 })], { clusterIP: '10.96.0.9' });
    const b = service('b', 'two', [port({ port: 80 })], { clusterIP: '10.96.0.9' });
    expect(outboundFilterChains(mesh({ services: [a, b] })).map((c) => c.name)).toEqual([
      'one.a.svc.cluster.local:80',
    ]);
  });

  it('passes unknown destinations through', () => {
    const listener = outboundListener(mesh({}));
    expect(listener.filter_chains).toEqual([]);
    expect(filterOf(listener.default_filter_chain ?? undefined)?.typed_config).toMatchObject({
      cluster: 'PassthroughCluster',
    });
  });

  it('lists the fault filter in every HCM of a port where some route has a fault, for every proxy', () => {
    const other = service('shop', 'other', [port({ name: 'http', port: 80, protocol: 'HTTP' })], {
      clusterIP: '10.96.0.3',
    });
    const origin = { kind: 'VirtualService', namespace: 'shop', name: 'web' };
    const m = mesh({
      services: [db, other, web],
      routing: {
        routeTables: [
          {
            service: { namespace: 'shop', name: 'web' },
            port: 80,
            origins: [origin],
            tcp: [],
            http: [
              {
                name: 'r',
                origin,
                // Seen by no proxy at all, yet its configuration shares the port's filter list.
                match: { sourceNamespace: 'nowhere' },
                action: { kind: 'direct', status: 503 },
                fault: { delay: { fixedMs: 10, percent: 1 } },
              },
            ],
          },
        ],
        backendPolicies: [],
        rateLimits: [],
      },
    });
    const filters = outboundFilterChains(m).map((c) => [
      c.name,
      (filterOf(c)?.typed_config as { http_filters?: { name?: string }[] } | undefined)?.http_filters?.map(
        (f) => f.name,
      ),
    ]);
    expect(filters).toEqual([
      ['db.shop.svc.cluster.local:5432', undefined],
      ['other.shop.svc.cluster.local:80', ['envoy.filters.http.fault', 'envoy.filters.http.router']],
      ['web.shop.svc.cluster.local:80', ['envoy.filters.http.fault', 'envoy.filters.http.router']],
    ]);
  });
});
