// A sidecar's outbound clusters: one per meshed service port, plus the fixed passthrough and
// black-hole clusters, and the ClusterLoadAssignment of every EDS cluster.
import type { Cluster } from '../../generated/envoy/config/cluster/v3/Cluster.js';
import type { ClusterLoadAssignment } from '../../generated/envoy/config/endpoint/v3/ClusterLoadAssignment.js';
import type { Mesh } from '../../model/mesh.js';
import { blackHoleCluster, edsCluster, originalDstCluster, withProtocolOptions } from './clusters.js';
import { loadAssignment, servicePortEndpoints } from './endpoints.js';
import {
  BLACKHOLE_CLUSTER,
  INBOUND_PASSTHROUGH_CLUSTER,
  INBOUND_SOURCE_ADDRESS,
  isHeadless,
  meshedPorts,
  outboundClusterName,
  PASSTHROUGH_CLUSTER,
} from './names.js';

export interface ClustersAndEndpoints {
  readonly clusters: Cluster[];
  readonly endpoints: ClusterLoadAssignment[];
}

/**
 * outbound|<port>||<fqdn> for every meshed port of every service. Headless services get an
 * ORIGINAL_DST cluster (the client already picked a pod address; there is nothing to balance) and
 * no endpoints; the others are EDS clusters with their assignment always present.
 */
export function sidecarOutboundClusters(mesh: Mesh): ClustersAndEndpoints {
  const clusters: Cluster[] = [];
  const endpoints: ClusterLoadAssignment[] = [];
  for (const service of mesh.services) {
    for (const port of meshedPorts(service)) {
      const name = outboundClusterName(port.port, service.hostname);
      if (isHeadless(service)) {
        clusters.push(withProtocolOptions(originalDstCluster(name), port.protocol));
        continue;
      }
      clusters.push(withProtocolOptions(edsCluster(name), port.protocol));
      endpoints.push(loadAssignment(name, servicePortEndpoints(mesh, service, port)));
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
