import { describe, expect, it } from 'vitest';
import { outlierDetection, withOutlierDetection } from './cluster-outlier-detection.js';
import { edsCluster } from './clusters.js';

describe('outlierDetection', () => {
  it('enforces each consecutive error check it is given and turns success rate off', () => {
    expect(
      outlierDetection({
        consecutive5xxErrors: 7,
        consecutiveGatewayErrors: 3,
        intervalMs: 10_000,
        baseEjectionTimeMs: 30_000,
        maxEjectionPercent: 50,
      }),
    ).toEqual({
      consecutive_5xx: 7,
      enforcing_consecutive_5xx: 100,
      interval: '10s',
      base_ejection_time: '30s',
      max_ejection_percent: 50,
      enforcing_success_rate: 0,
      consecutive_gateway_failure: 3,
      enforcing_consecutive_gateway_failure: 100,
    });
  });

  it('reads a count of 0 as "this check is off"', () => {
    expect(outlierDetection({ consecutive5xxErrors: 0, consecutiveGatewayErrors: 0 })).toMatchObject({
      enforcing_consecutive_5xx: 0,
      enforcing_consecutive_gateway_failure: 0,
    });
  });

  it('leaves unset counts and zero durations to the defaults', () => {
    expect(outlierDetection({ intervalMs: 0, baseEjectionTimeMs: 0 })).toEqual({ enforcing_success_rate: 0 });
  });
});

describe('withOutlierDetection', () => {
  const eds = edsCluster('outbound|80||web.shop.svc.cluster.local');

  it('gives proxyless clients none: gRPC has no consecutive-error ejection', () => {
    expect(withOutlierDetection(eds, { consecutive5xxErrors: 5 }, 'proxyless')).toEqual(eds);
    expect(withOutlierDetection(eds, { consecutive5xxErrors: 5 }, 'sidecar').outlier_detection).toBeDefined();
  });
});
