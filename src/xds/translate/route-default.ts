// The route a service port gets when no route table covers it: everything to the port's cluster.
import type { Route } from '../../generated/envoy/config/route/v3/Route.js';
import type { Protocol } from '../../model/mesh.js';
import type { RouteTarget } from './route-entry.js';
import { hashPolicies } from './route-hash-policy.js';
import { timeoutFields } from './route-timeouts.js';

/**
 * Everything under / to one cluster. timeout 0s: no route timeout unless a policy sets one (Envoy's
 * default of 15s would cut long calls and streams). gRPC: honour the caller's grpc-timeout header.
 */
export function clusterRoute(cluster: string, protocol: Protocol): Route {
  return {
    name: 'default',
    match: { prefix: '/' },
    route: { cluster, ...timeoutFields(undefined, protocol, 'envoy') },
  };
}

/** The default route of a service port, with the hash policy its DestinationRule asks for. */
export function defaultServiceRoute(cluster: string, target: RouteTarget): Route {
  const { mesh, service, port, dialect } = target;
  const route = clusterRoute(cluster, port.protocol);
  const hash = hashPolicies(mesh.routing.backendPolicies, [{ service }], port.port, dialect);
  return hash ? { ...route, route: { ...route.route, hash_policy: hash } } : route;
}
