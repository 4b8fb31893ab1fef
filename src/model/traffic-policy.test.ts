import { describe, expect, it } from 'vitest';
import type { BackendPolicy } from './routing.js';
import { effectivePolicy } from './traffic-policy.js';

const policy: BackendPolicy = {
  service: { namespace: 'shop', name: 'catalog' },
  origin: { kind: 'DestinationRule', namespace: 'shop', name: 'catalog' },
  policy: {
    loadBalancer: { kind: 'simple', algorithm: 'LEAST_REQUEST' },
    outlierDetection: { consecutive5xxErrors: 5 },
  },
  portPolicies: [{ port: 9090, policy: { loadBalancer: { kind: 'simple', algorithm: 'RANDOM' } } }],
  subsets: [
    { name: 'v2', labels: { version: 'v2' }, policy: { connectionPool: { tcp: { maxConnections: 10 } } } },
  ],
};
const catalog = { namespace: 'shop', name: 'catalog' };

describe('effectivePolicy', () => {
  it('layers subset over port over service, field group by field group', () => {
    expect(effectivePolicy([policy], catalog, 9090, 'v2')).toEqual({
      loadBalancer: { kind: 'simple', algorithm: 'RANDOM' },
      outlierDetection: { consecutive5xxErrors: 5 },
      connectionPool: { tcp: { maxConnections: 10 } },
    });
  });

  it('uses the service policy on a port without its own', () => {
    expect(effectivePolicy([policy], catalog, 80)?.loadBalancer).toEqual({
      kind: 'simple',
      algorithm: 'LEAST_REQUEST',
    });
  });

  it('is undefined for a service without a DestinationRule', () => {
    expect(effectivePolicy([policy], { namespace: 'shop', name: 'web' }, 80)).toBeUndefined();
  });
});
