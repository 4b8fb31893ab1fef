// The effective traffic policy of one destination (service port, maybe a subset) on its cluster.
import type { Cluster } from '../../generated/envoy/config/cluster/v3/Cluster.js';
import type { Protocol } from '../../model/mesh.js';
import type { ProxyKind } from '../../model/proxy.js';
import type { TrafficPolicy } from '../../model/routing.js';
import { withConnectionPool } from './cluster-connection-pool.js';
import { withLoadBalancer } from './cluster-load-balancer.js';
import { withOutlierDetection } from './cluster-outlier-detection.js';

// Key order is what a golden diff or a config dump reader sees: the same for every cluster, whatever
// order the policy parts were applied in. Keys not listed keep their place after these.
const KEY_ORDER: readonly (keyof Cluster)[] = [
  'name',
  'type',
  'connect_timeout',
  'lb_policy',
  'ring_hash_lb_config',
  'eds_cluster_config',
  'upstream_bind_config',
  'circuit_breakers',
  'outlier_detection',
  'typed_extension_protocol_options',
];

function inKeyOrder(cluster: Cluster): Cluster {
  const ordered: Record<string, unknown> = {};
  for (const key of KEY_ORDER) if (key in cluster) ordered[key] = cluster[key];
  return { ...ordered, ...cluster };
}

/**
 * Load balancer, connection pool and outlier detection. localityFailover shapes the endpoints, not
 * the cluster (see locality-priorities.ts). tls decides the cluster's transport socket, with auto
 * mTLS (backend-policy-clusters.ts, mesh-tls-sockets.ts).
 */
export function withTrafficPolicy(
  cluster: Cluster,
  policy: TrafficPolicy | undefined,
  protocol: Protocol,
  target: ProxyKind,
): Cluster {
  if (!policy) return cluster;
  let out = withLoadBalancer(cluster, policy.loadBalancer, target);
  out = withConnectionPool(out, policy.connectionPool, protocol, target);
  return inKeyOrder(withOutlierDetection(out, policy.outlierDetection, target));
}
