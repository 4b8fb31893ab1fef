import { describe, expect, it } from 'vitest';
import { withLoadBalancer } from './cluster-load-balancer.js';
import { edsCluster, originalDstCluster } from './clusters.js';

const eds = edsCluster('outbound|80||web.shop.svc.cluster.local');

describe('withLoadBalancer for a sidecar', () => {
  it('leaves ROUND_ROBIN unset, as Envoy defaults to it', () => {
    expect(withLoadBalancer(eds, { kind: 'simple', algorithm: 'ROUND_ROBIN' }, 'sidecar')).toEqual(eds);
  });

  it('sets LEAST_REQUEST and RANDOM as lb_policy', () => {
    expect(withLoadBalancer(eds, { kind: 'simple', algorithm: 'LEAST_REQUEST' }, 'sidecar').lb_policy).toBe(
      'LEAST_REQUEST',
    );
    expect(withLoadBalancer(eds, { kind: 'simple', algorithm: 'RANDOM' }, 'sidecar').lb_policy).toBe(
      'RANDOM',
    );
  });

  it('turns PASSTHROUGH into an ORIGINAL_DST cluster without EDS', () => {
    const out = withLoadBalancer(eds, { kind: 'simple', algorithm: 'PASSTHROUGH' }, 'sidecar');
    expect(out).toEqual({
      name: eds.name,
      type: 'ORIGINAL_DST',
      connect_timeout: eds.connect_timeout,
      lb_policy: 'CLUSTER_PROVIDED',
    });
  });

  it('makes consistentHash a ring, with the minimum ring size only when given', () => {
    const header = { kind: 'header', name: 'x-user' } as const;
    expect(withLoadBalancer(eds, { kind: 'consistentHash', hashOn: header }, 'sidecar')).toEqual({
      ...eds,
      lb_policy: 'RING_HASH',
    });
    expect(
      withLoadBalancer(eds, { kind: 'consistentHash', hashOn: header, minimumRingSize: 4096 }, 'sidecar'),
    ).toMatchObject({ lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: 4096 } });
  });

  it('leaves a headless (ORIGINAL_DST) cluster alone: there is no balancer to pick', () => {
    const headless = originalDstCluster('outbound|80||db.shop.svc.cluster.local');
    expect(withLoadBalancer(headless, { kind: 'simple', algorithm: 'LEAST_REQUEST' }, 'sidecar')).toEqual(
      headless,
    );
  });
});

describe('withLoadBalancer for a proxyless client', () => {
  const rr = edsCluster('outbound|9090||api.shop.svc.cluster.local', { lbPolicy: 'ROUND_ROBIN' });

  it('falls back to ROUND_ROBIN for what grpc-js-xds would reject', () => {
    for (const algorithm of ['LEAST_REQUEST', 'RANDOM', 'PASSTHROUGH'] as const) {
      const out = withLoadBalancer(rr, { kind: 'simple', algorithm }, 'proxyless');
      expect(out).toEqual(rr);
    }
  });

  it('keeps a ring hash, capped at the largest ring gRPC accepts', () => {
    const out = withLoadBalancer(
      rr,
      { kind: 'consistentHash', hashOn: { kind: 'sourceIP' }, minimumRingSize: 10_000_000 },
      'proxyless',
    );
    expect(out).toMatchObject({
      lb_policy: 'RING_HASH',
      ring_hash_lb_config: { minimum_ring_size: 8_388_608 },
    });
  });
});
