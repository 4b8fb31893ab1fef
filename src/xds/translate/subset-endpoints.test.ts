import { describe, expect, it } from 'vitest';
import type { EndpointAddress } from './endpoints.js';
import { subsetClusterName, subsetEndpoints } from './subset-endpoints.js';
import { mesh, workload } from './test-fixtures.js';

const at = (address: string, pod?: string): EndpointAddress => ({
  address,
  port: 8080,
  zone: '',
  ...(pod ? { pod: { namespace: 'shop', name: pod } } : {}),
});

const m = mesh({
  workloads: [
    workload('shop', 'web-v1', { labels: { app: 'web', version: 'v1' } }),
    workload('shop', 'web-v2', { labels: { app: 'web', version: 'v2', track: 'canary' } }),
  ],
});
const endpoints = [
  at('10.1.0.1', 'web-v1'),
  at('10.1.0.2', 'web-v2'),
  at('10.1.0.3'),
  at('10.1.0.4', 'gone'),
];

describe('subsetEndpoints', () => {
  it('keeps the endpoints whose pod has every label of the subset', () => {
    expect(subsetEndpoints(m, endpoints, { version: 'v2' }).map((e) => e.address)).toEqual(['10.1.0.2']);
    expect(subsetEndpoints(m, endpoints, { version: 'v2', track: 'stable' })).toEqual([]);
  });

  it('leaves out endpoints without a known pod, unless the subset names no label', () => {
    expect(subsetEndpoints(m, endpoints, { app: 'web' }).map((e) => e.address)).toEqual([
      '10.1.0.1',
      '10.1.0.2',
    ]);
    expect(subsetEndpoints(m, endpoints, {})).toEqual(endpoints);
  });
});

describe('subsetClusterName', () => {
  it("follows Istio's outbound|<port>|<subset>|<fqdn>", () => {
    expect(subsetClusterName(80, 'v2', 'web.shop.svc.cluster.local')).toBe(
      'outbound|80|v2|web.shop.svc.cluster.local',
    );
  });
});
