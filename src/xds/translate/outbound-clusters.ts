// A sidecar's outbound clusters: one per meshed service port (and one per DestinationRule subset),
// plus the fixed passthrough and black-hole clusters, and the ClusterLoadAssignment of every EDS
// cluster.
import type { Cluster } from '../../generated/envoy/config/cluster/v3/Cluster.js';
import type { ClusterLoadAssignment } from '../../generated/envoy/config/endpoint/v3/ClusterLoadAssignment.js';
import type { Mesh } from '../../model/mesh.js';
import { type ClusterView, servicePortClusters } from './backend-policy-clusters.js';
import { blackHoleCluster, originalDstCluster } from './clusters.js';
import {
  BLACKHOLE_CLUSTER,
  INBOUND_PASSTHROUGH_CLUSTER,
  INBOUND_SOURCE_ADDRESS,
  meshedPorts,
  PASSTHROUGH_CLUSTER,
} from './names.js';

export interface ClustersAndEndpoints {
  readonly clusters: Cluster[];
  readonly endpoints: ClusterLoadAssignment[];
}

/**
 * outbound|<port>||<fqdn> for every meshed port of every service, and outbound|<port>|<subset>|<fqdn>
 * for every subset of its DestinationRule. Headless services get ORIGINAL_DST clusters and no
 * endpoints; the others are EDS clusters with their assignment always present. Proxyless clients
 * get EDS clusters for every port. Where the proxy runs matters for locality failover, whose
 * priorities depend on it.
 */
export function outboundClusters(mesh: Mesh, view: ClusterView): ClustersAndEndpoints {
  const clusters: Cluster[] = [];
  const endpoints: ClusterLoadAssignment[] = [];
  for (const service of mesh.services) {
    for (const port of meshedPorts(service)) {
      const r = servicePortClusters(mesh, service, port, view);
      clusters.push(...r.clusters);
      endpoints.push(...r.endpoints);
    }
  }
  return { clusters, endpoints };
}

/** Clusters every sidecar has whatever the mesh holds. */
export function sidecarFixedClusters(): Cluster[] {
  return [
    originalDstCluster(PASSTHROUGH_CLUSTER),
    blackHoleCluster(BLACKHOLE_CLUSTER),
    // Bound to 127.0.0.6 so the app sees a local peer and iptables lets the connection through.
    originalDstCluster(INBOUND_PASSTHROUGH_CLUSTER, INBOUND_SOURCE_ADDRESS),
  ];
}
