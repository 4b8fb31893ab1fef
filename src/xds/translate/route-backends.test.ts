import { describe, expect, it } from 'vitest';
import type { BackendPolicy } from '../../model/routing.js';
import { targetCluster, weightedShares } from './route-backends.js';
import { mesh, port, service } from './test-fixtures.js';

const ref = (name: string) => ({ namespace: 'default', name });
const policy: BackendPolicy = {
  service: ref('reviews'),
  origin: { kind: 'DestinationRule', namespace: 'default', name: 'reviews' },
  subsets: [{ name: 'v1', labels: { version: 'v1' } }],
};
const m = mesh({
  services: [
    service('default', 'reviews', [
      port({ name: 'http', port: 80, protocol: 'HTTP' }),
      port({ port: 53, transport: 'UDP' }),
    ]),
  ],
  routing: { routeTables: [], backendPolicies: [policy], rateLimits: [] },
});

describe('backend clusters', () => {
  it('name the port the request came in on unless the backend names one, and subsets by name', () => {
    expect(targetCluster(m, { service: ref('reviews') }, 80)).toBe(
      'outbound|80||reviews.default.svc.cluster.local',
    );
    expect(targetCluster(m, { service: ref('reviews'), port: 80, subset: 'v1' }, 9)).toBe(
      'outbound|80|v1|reviews.default.svc.cluster.local',
    );
  });

  it('are none for a service, port, or subset whose cluster is not sent', () => {
    expect(targetCluster(m, { service: ref('ghost') }, 80)).toBeUndefined();
    expect(targetCluster(m, { service: ref('reviews'), port: 53 }, 80)).toBeUndefined();
    expect(targetCluster(m, { service: ref('reviews'), subset: 'v9' }, 80)).toBeUndefined();
  });
});

describe('weighted shares', () => {
  it('leave out weight 0, add up backends on one cluster, and keep invalid shares under their reason', () => {
    const shares = weightedShares(
      m,
      [
        { kind: 'service', service: ref('reviews'), weight: 30 },
        { kind: 'service', service: ref('reviews'), subset: 'v1', weight: 0 },
        { kind: 'invalid', weight: 10, status: 500, reason: 'BackendNotFound' },
        { kind: 'service', service: ref('reviews'), port: 80, weight: 20 },
        { kind: 'service', service: ref('ghost'), weight: 5 },
      ],
      80,
    );
    expect(shares).toEqual([
      { name: 'outbound|80||reviews.default.svc.cluster.local', weight: 50 },
      { name: 'invalid-backend|BackendNotFound', weight: 15 },
    ]);
  });
});
