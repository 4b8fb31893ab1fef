// The entry point: one proxy's view of the mesh as Envoy resources. Pure and deterministic: no
// clocks, no I/O, no randomness; every list sorted by name, so equal input gives equal bytes.
import type { Cluster } from '../../generated/envoy/config/cluster/v3/Cluster.js';
import type { ClusterLoadAssignment } from '../../generated/envoy/config/endpoint/v3/ClusterLoadAssignment.js';
import type { Listener } from '../../generated/envoy/config/listener/v3/Listener.js';
import type { RouteConfiguration } from '../../generated/envoy/config/route/v3/RouteConfiguration.js';
import type { Mesh } from '../../model/mesh.js';
import type { MeshProxy } from '../../model/proxy.js';
import { byName, byNamespaceName, sortedBy } from './order.js';
import { translationParts } from './translation-parts.js';

export interface ProxyResources {
  readonly listeners: readonly Listener[];
  readonly routes: readonly RouteConfiguration[];
  readonly clusters: readonly Cluster[];
  readonly endpoints: readonly ClusterLoadAssignment[];
}

// "First one wins" rules (duplicate filter chain matches, duplicate domains) follow namespace/name
// order. The sources already sort, but the output must not depend on it: arrays out of order are
// sorted here; arrays in order are kept as they are (the endpoint index is keyed on them).
const orderedMeshes = new WeakMap<Mesh, Mesh>();

export function ordered(mesh: Mesh): Mesh {
  // Asked once per proxy on every rebuild: checking the order of every array each time would cost
  // proxies × resources, so the answer is kept with the mesh.
  const known = orderedMeshes.get(mesh);
  if (known) return known;
  const result: Mesh = {
    namespaces: mesh.namespaces,
    services: byNamespaceName(mesh.services),
    endpointSlices: byNamespaceName(mesh.endpointSlices),
    workloads: byNamespaceName(mesh.workloads),
    routing: mesh.routing,
    ...(mesh.config ? { config: mesh.config } : {}),
  };
  orderedMeshes.set(mesh, result);
  return result;
}

/** Every part of the proxy's configuration (translation-parts.ts), as one set of resources. */
export function translateProxy(mesh: Mesh, proxy: MeshProxy): ProxyResources {
  const m = ordered(mesh);
  return mergeParts(translationParts(m, proxy).map((part) => part.translate(m)));
}

/** Parts side by side, each list sorted by name as a single translation would give it. */
export function mergeParts(parts: readonly ProxyResources[]): ProxyResources {
  return {
    listeners: byName(parts.flatMap((p) => p.listeners)),
    routes: byName(parts.flatMap((p) => p.routes)),
    clusters: byName(parts.flatMap((p) => p.clusters)),
    endpoints: sortedBy(
      parts.flatMap((p) => p.endpoints),
      (e) => e.cluster_name ?? '',
    ),
  };
}
