// The entry point: one proxy's view of the mesh as Envoy resources. Pure and deterministic: no
// clocks, no I/O, no randomness; every list sorted by name, so equal input gives equal bytes.
import type { Cluster } from '../../generated/envoy/config/cluster/v3/Cluster.js';
import type { ClusterLoadAssignment } from '../../generated/envoy/config/endpoint/v3/ClusterLoadAssignment.js';
import type { Listener } from '../../generated/envoy/config/listener/v3/Listener.js';
import type { RouteConfiguration } from '../../generated/envoy/config/route/v3/RouteConfiguration.js';
import type { Mesh } from '../../model/mesh.js';
import type { MeshProxy } from '../../model/proxy.js';
import { inboundClusters, inboundListener, inboundPorts } from './inbound.js';
import { byName, byNamespaceName, sortedBy } from './order.js';
import { sidecarFixedClusters, sidecarOutboundClusters } from './outbound-clusters.js';
import { outboundListener } from './outbound-listener.js';
import { proxylessResources } from './proxyless.js';
import { sidecarRouteConfigs } from './routes.js';

export interface ProxyResources {
  readonly listeners: readonly Listener[];
  readonly routes: readonly RouteConfiguration[];
  readonly clusters: readonly Cluster[];
  readonly endpoints: readonly ClusterLoadAssignment[];
}

// "First one wins" rules (duplicate filter chain matches, duplicate domains) follow namespace/name
// order. The sources already sort, but the output must not depend on it: arrays out of order are
// sorted here; arrays in order are kept as they are (the endpoint index is keyed on them).
function ordered(mesh: Mesh): Mesh {
  return {
    namespaces: mesh.namespaces,
    services: byNamespaceName(mesh.services),
    endpointSlices: byNamespaceName(mesh.endpointSlices),
    workloads: byNamespaceName(mesh.workloads),
    routing: mesh.routing,
  };
}

export function translateProxy(mesh: Mesh, proxy: MeshProxy): ProxyResources {
  const m = ordered(mesh);
  if (proxy.kind === 'proxyless') {
    const r = proxylessResources(m, proxy);
    return {
      listeners: byName(r.listeners),
      routes: byName(r.routes),
      clusters: byName(r.clusters),
      endpoints: sortedBy(r.endpoints, (e) => e.cluster_name ?? ''),
    };
  }
  const outbound = sidecarOutboundClusters(m, proxy);
  const ports = inboundPorts(m, proxy);
  return {
    listeners: byName([outboundListener(m), inboundListener(ports)]),
    routes: byName(sidecarRouteConfigs(m, proxy)),
    clusters: byName([...outbound.clusters, ...sidecarFixedClusters(), ...inboundClusters(ports)]),
    endpoints: sortedBy(outbound.endpoints, (e) => e.cluster_name ?? ''),
  };
}
