import { describe, expect, it } from 'vitest';
import type { BackendPolicy } from '../../model/routing.js';
import { servicePortClusters } from './backend-policy-clusters.js';
import { endpoint, mesh, port, proxyless, service, sidecar, slice, workload } from './test-fixtures.js';

const http = port({ name: 'http', port: 80, protocol: 'HTTP' });
const web = service('shop', 'web', [http], { clusterIP: '10.96.0.1' });
const pod = (name: string) => ({ kind: 'Pod', namespace: 'shop', name });
const policy: BackendPolicy = {
  service: { namespace: 'shop', name: 'web' },
  origin: { kind: 'DestinationRule', namespace: 'shop', name: 'web' },
  policy: { loadBalancer: { kind: 'simple', algorithm: 'LEAST_REQUEST' } },
  subsets: [
    { name: 'v1', labels: { version: 'v1' } },
    {
      name: 'v2',
      labels: { version: 'v2' },
      policy: { loadBalancer: { kind: 'consistentHash', hashOn: { kind: 'sourceIP' } } },
    },
    { name: 'v1', labels: { version: 'other' } },
  ],
};
const m = mesh({
  services: [web],
  endpointSlices: [
    slice(
      'shop',
      'web',
      [{ name: 'http', port: 8080 }],
      [
        endpoint(['10.1.0.1'], { targetRef: pod('web-v1'), zone: 'zone-a' }),
        endpoint(['10.1.0.2'], { targetRef: pod('web-v2'), zone: 'zone-b' }),
      ],
    ),
  ],
  workloads: [
    workload('shop', 'web-v1', { labels: { version: 'v1' } }),
    workload('shop', 'web-v2', { labels: { version: 'v2' } }),
  ],
  routing: { routeTables: [], backendPolicies: [policy], rateLimits: [] },
});

describe('servicePortClusters', () => {
  it('adds a cluster per subset, each with its effective policy and its own EDS name', () => {
    const out = servicePortClusters(m, web, http, sidecar);
    expect(out.clusters.map((c) => [c.name, c.lb_policy, c.eds_cluster_config?.service_name])).toEqual([
      ['outbound|80||web.shop.svc.cluster.local', 'LEAST_REQUEST', 'outbound|80||web.shop.svc.cluster.local'],
      [
        'outbound|80|v1|web.shop.svc.cluster.local',
        'LEAST_REQUEST',
        'outbound|80|v1|web.shop.svc.cluster.local',
      ],
      ['outbound|80|v2|web.shop.svc.cluster.local', 'RING_HASH', 'outbound|80|v2|web.shop.svc.cluster.local'],
    ]);
  });

  it("gives each subset's assignment only the endpoints of its pods", () => {
    const out = servicePortClusters(m, web, http, sidecar);
    const addresses = out.endpoints.map((cla) => [
      cla.cluster_name,
      cla.endpoints?.flatMap((l) => l.lb_endpoints?.map((e) => e.endpoint?.address?.socket_address?.address)),
    ]);
    expect(addresses).toEqual([
      ['outbound|80||web.shop.svc.cluster.local', ['10.1.0.1', '10.1.0.2']],
      ['outbound|80|v1|web.shop.svc.cluster.local', ['10.1.0.1']],
      ['outbound|80|v2|web.shop.svc.cluster.local', ['10.1.0.2']],
    ]);
  });

  it('gives proxyless clients the same subsets, balanced only the ways gRPC knows', () => {
    const out = servicePortClusters(m, web, http, proxyless);
    expect(out.clusters.map((c) => [c.name, c.type, c.lb_policy])).toEqual([
      ['outbound|80||web.shop.svc.cluster.local', 'EDS', 'ROUND_ROBIN'],
      ['outbound|80|v1|web.shop.svc.cluster.local', 'EDS', 'ROUND_ROBIN'],
      ['outbound|80|v2|web.shop.svc.cluster.local', 'EDS', 'RING_HASH'],
    ]);
    expect(out.endpoints).toHaveLength(3);
  });

  it('sends no assignment for a PASSTHROUGH cluster, which is ORIGINAL_DST', () => {
    const passthrough: BackendPolicy = {
      ...policy,
      policy: { loadBalancer: { kind: 'simple', algorithm: 'PASSTHROUGH' } },
      subsets: [],
    };
    const out = servicePortClusters(
      { ...m, routing: { ...m.routing, backendPolicies: [passthrough] } },
      web,
      http,
      sidecar,
    );
    expect(out.clusters.map((c) => c.type)).toEqual(['ORIGINAL_DST']);
    expect(out.endpoints).toEqual([]);
  });

  it('orders localities by failover priority for a proxy that says where it runs', () => {
    const failover: BackendPolicy = {
      ...policy,
      policy: {
        outlierDetection: { consecutive5xxErrors: 5 },
        localityFailover: [{ from: 'zone-b', to: 'zone-a' }],
      },
      subsets: [],
    };
    const out = servicePortClusters(
      { ...m, routing: { ...m.routing, backendPolicies: [failover] } },
      web,
      http,
      { ...sidecar, locality: { region: 'eu', zone: 'zone-b' } },
    );
    expect(out.endpoints[0]?.endpoints?.map((l) => [l.locality?.zone, l.priority ?? 0])).toEqual([
      ['zone-b', 0],
      ['zone-a', 1],
    ]);
  });
});
