import { describe, expect, it } from 'vitest';
import { endpoint, mesh, port, service, sidecar, slice, workload } from './test-fixtures.js';
import { translateProxy } from './translate-proxy.js';

const services = [
  service('default', 'web', [port({ name: 'http', port: 80, protocol: 'HTTP', targetPort: 8080 })], {
    clusterIP: '10.96.0.1',
    selector: { app: 'client' },
  }),
  service('shop', 'cache', [port({ name: 'redis', port: 6379 })]),
  service('shop', 'dns', [port({ name: 'dns', port: 53, transport: 'UDP' })], { clusterIP: '10.96.0.10' }),
];
const m = mesh({
  services,
  endpointSlices: [slice('default', 'web', [{ name: 'http', port: 8080 }], [endpoint(['10.1.0.1'])])],
  workloads: [workload('default', 'client-0', { ip: '10.0.0.9', labels: { app: 'client' } })],
});

describe('translateProxy for a sidecar', () => {
  const out = translateProxy(m, sidecar);

  it('returns every list sorted by name', () => {
    expect(out.listeners.map((l) => l.name)).toEqual(['virtualInbound', 'virtualOutbound']);
    expect(out.clusters.map((c) => c.name)).toEqual([
      'BlackHoleCluster',
      'InboundPassthroughCluster',
      'PassthroughCluster',
      'inbound|8080||',
      'outbound|6379||cache.shop.svc.cluster.local',
      'outbound|80||web.default.svc.cluster.local',
    ]);
    expect(out.endpoints.map((e) => e.cluster_name)).toEqual(['outbound|80||web.default.svc.cluster.local']);
    expect(out.routes.map((r) => r.name)).toEqual(['80']);
  });

  it('gives a headless service an original-destination cluster and no assignment', () => {
    expect(out.clusters.find((c) => c.name?.includes('cache'))).toEqual({
      name: 'outbound|6379||cache.shop.svc.cluster.local',
      type: 'ORIGINAL_DST',
      connect_timeout: '10s',
      lb_policy: 'CLUSTER_PROVIDED',
    });
  });

  it('skips UDP ports entirely', () => {
    expect(JSON.stringify(out)).not.toContain('dns.shop');
  });

  it('is deterministic: same bytes for the same mesh, whatever the input order', () => {
    const shuffled = mesh({ ...m, services: [...m.services].reverse() });
    expect(JSON.stringify(translateProxy(shuffled, sidecar))).toBe(JSON.stringify(out));
    expect(JSON.stringify(translateProxy(m, sidecar))).toBe(JSON.stringify(out));
  });
});
