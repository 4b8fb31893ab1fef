// Where a route sends its requests: service backends become cluster names, a weighted split
// becomes weighted_clusters. A backend that cannot be reached keeps its share, sent to a cluster
// that is deliberately never defined (`invalid-backend|<reason>`), so exactly that share fails (a
// 500 from Envoy through cluster_not_found_response_code; UNAVAILABLE from gRPC) and the rest of
// the split is served as the user asked.
import type { Mesh, Service } from '../../model/mesh.js';
import type { Backend, ServiceRef } from '../../model/routing.js';
import { backendPolicyFor } from '../../model/traffic-policy.js';
import { meshedPorts, outboundClusterName } from './names.js';
import { uint32 } from './route-scalars.js';
import { subsetClusterName } from './subset-endpoints.js';

export const INVALID_BACKEND_PREFIX = 'invalid-backend|';
export const invalidBackendCluster = (reason: string): string => `${INVALID_BACKEND_PREFIX}${reason}`;

/** A service, a port of it (undefined: the port the request came in on) and maybe a subset. */
export interface BackendTarget {
  readonly service: ServiceRef;
  readonly port?: number;
  readonly subset?: string;
}

export interface WeightedShare {
  readonly name: string;
  readonly weight: number;
}

// Every proxy's translation looks services up in the same immutable array: index it once.
const serviceIndexes = new WeakMap<readonly Service[], ReadonlyMap<string, Service>>();

export function findService(mesh: Mesh, ref: ServiceRef): Service | undefined {
  let index = serviceIndexes.get(mesh.services);
  if (!index) {
    index = new Map(mesh.services.map((s) => [`${s.namespace}/${s.name}`, s]));
    serviceIndexes.set(mesh.services, index);
  }
  return index.get(`${ref.namespace}/${ref.name}`);
}

/**
 * The cluster for a target, or undefined when it names no cluster that is sent. The merge step
 * already turned unknown services, ports and subsets into invalid backends; this keeps the routes
 * consistent with the clusters even for a model built some other way.
 */
export function targetCluster(mesh: Mesh, target: BackendTarget, tablePort: number): string | undefined {
  const service = findService(mesh, target.service);
  if (!service) return undefined;
  const port = target.port ?? tablePort;
  if (!meshedPorts(service).some((p) => p.port === port)) return undefined;
  if (target.subset === undefined) return outboundClusterName(port, service.hostname);
  const subsets = backendPolicyFor(mesh.routing.backendPolicies, target.service)?.subsets ?? [];
  return subsets.some((s) => s.name === target.subset)
    ? subsetClusterName(port, target.subset, service.hostname)
    : undefined;
}

function backendClusterName(mesh: Mesh, backend: Backend, tablePort: number): string {
  if (backend.kind === 'invalid') return invalidBackendCluster(backend.reason);
  return targetCluster(mesh, backend, tablePort) ?? invalidBackendCluster('BackendNotFound');
}

/**
 * The shares with weight, in the order given; backends that land on one cluster are added up
 * (Envoy would accept a name twice, but the split reads better once).
 */
export function weightedShares(mesh: Mesh, backends: readonly Backend[], tablePort: number): WeightedShare[] {
  const weights = new Map<string, number>();
  for (const backend of backends) {
    const weight = uint32(backend.weight);
    if (weight === 0) continue;
    const name = backendClusterName(mesh, backend, tablePort);
    weights.set(name, uint32((weights.get(name) ?? 0) + weight));
  }
  return [...weights].map(([name, weight]) => ({ name, weight }));
}

export const isInvalidShare = (share: WeightedShare): boolean =>
  share.name.startsWith(INVALID_BACKEND_PREFIX);

/** The service backends that get traffic, for policies that follow the destination (hash policy). */
export function liveTargets(backends: readonly Backend[]): BackendTarget[] {
  return backends.flatMap((b) => (b.kind === 'service' && b.weight > 0 ? [b] : []));
}
