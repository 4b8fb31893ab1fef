import { describe, expect, it } from 'vitest';
import type { TrafficPolicy } from '../../model/routing.js';
import { localityPriorities } from './locality-priorities.js';

const failover: TrafficPolicy = {
  localityFailover: [
    { from: 'zone-a', to: 'zone-b' },
    { from: 'zone-c', to: 'zone-a' },
  ],
  outlierDetection: { consecutive5xxErrors: 5 },
};
const zones = ['', 'zone-a', 'zone-b', 'zone-c'];

describe('localityPriorities', () => {
  it('puts the proxy zone first, its failover zone second, every other zone (and none) last', () => {
    expect(localityPriorities(zones, { zone: 'zone-a' }, failover)).toEqual(
      new Map([
        ['', 2],
        ['zone-a', 0],
        ['zone-b', 1],
        ['zone-c', 2],
      ]),
    );
  });

  it('closes the gaps when a level has no endpoints (gRPC rejects priority N without N-1)', () => {
    expect(localityPriorities(['zone-b', 'zone-c'], { zone: 'zone-a' }, failover)).toEqual(
      new Map([
        ['zone-b', 0],
        ['zone-c', 1],
      ]),
    );
  });

  it('still prefers the own zone when no failover rule starts there', () => {
    expect(localityPriorities(['zone-a', 'zone-b'], { zone: 'zone-b' }, failover)).toEqual(
      new Map([
        ['zone-a', 1],
        ['zone-b', 0],
      ]),
    );
  });

  it('does not apply without outlier detection, without failover, or for a proxy of unknown zone', () => {
    expect(
      localityPriorities(zones, { zone: 'zone-a' }, { localityFailover: failover.localityFailover }),
    ).toBe(undefined);
    expect(localityPriorities(zones, { zone: 'zone-a' }, { outlierDetection: {} })).toBe(undefined);
    expect(localityPriorities(zones, { region: 'eu' }, failover)).toBe(undefined);
    expect(localityPriorities(zones, undefined, failover)).toBe(undefined);
  });
});
