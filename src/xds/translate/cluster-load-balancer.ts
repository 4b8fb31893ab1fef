// A DestinationRule's loadBalancer on a cluster. The hash policy of consistentHash belongs to the
// routes (Envoy hashes per route); the cluster only says the balancer is a ring.
import type { Cluster } from '../../generated/envoy/config/cluster/v3/Cluster.js';
import type { ProxyKind } from '../../model/proxy.js';
import type { LoadBalancer } from '../../model/routing.js';

/** Envoy's and gRPC's limit (RingHashLbConfig validate rule; gRFC A42). */
const MAX_RING_SIZE = 8_388_608;

function ringHash(cluster: Cluster, minimumRingSize: number | undefined): Cluster {
  return {
    ...cluster,
    lb_policy: 'RING_HASH',
    ...(minimumRingSize !== undefined && minimumRingSize > 0
      ? { ring_hash_lb_config: { minimum_ring_size: Math.min(MAX_RING_SIZE, Math.trunc(minimumRingSize)) } }
      : {}),
  };
}

/**
 * For a sidecar's cluster. ROUND_ROBIN stays unset (Envoy's default); PASSTHROUGH sends each
 * connection where the client addressed it, so the cluster becomes ORIGINAL_DST with no EDS (and
 * therefore no ClusterLoadAssignment). A cluster that already is ORIGINAL_DST (headless service)
 * has no balancer to choose, so it is left as it is.
 */
function sidecarLoadBalancer(cluster: Cluster, lb: LoadBalancer): Cluster {
  if (cluster.type === 'ORIGINAL_DST') return cluster;
  if (lb.kind === 'consistentHash') return ringHash(cluster, lb.minimumRingSize);
  switch (lb.algorithm) {
    case 'ROUND_ROBIN':
      return cluster;
    case 'LEAST_REQUEST':
    case 'RANDOM':
      return { ...cluster, lb_policy: lb.algorithm };
    case 'PASSTHROUGH': {
      const { eds_cluster_config: _eds, ...rest } = cluster;
      return { ...rest, type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED' };
    }
  }
}

/**
 * For a proxyless gRPC client. @grpc/grpc-js-xds 1.14 accepts only lb_policy ROUND_ROBIN and
 * RING_HASH (and rejects the whole cluster otherwise), and has no ORIGINAL_DST: LEAST_REQUEST,
 * RANDOM and PASSTHROUGH fall back to ROUND_ROBIN, which is what the client would do with no
 * DestinationRule at all.
 */
function proxylessLoadBalancer(cluster: Cluster, lb: LoadBalancer): Cluster {
  if (lb.kind === 'consistentHash') return ringHash(cluster, lb.minimumRingSize);
  return { ...cluster, lb_policy: 'ROUND_ROBIN' };
}

export function withLoadBalancer(cluster: Cluster, lb: LoadBalancer | undefined, target: ProxyKind): Cluster {
  if (!lb) return cluster;
  return target === 'proxyless' ? proxylessLoadBalancer(cluster, lb) : sidecarLoadBalancer(cluster, lb);
}
