// The HTTP connection managers in front of route configurations, with the filter list their routes
// need. A sidecar's outbound chains for one port number all fetch the shared route configuration
// '<port>', so their list is decided from every route on that port, whichever a proxy sees; a
// gRPC client's API listener serves one service port and gets only the filters it implements.
import type { HttpConnectionManager } from '../../generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager.js';
import type { Mesh, Service, ServicePort } from '../../model/mesh.js';
import type { HttpRoute } from '../../model/routing.js';
import { connectionFilters } from './filters/index.js';
import { rdsConnectionManager } from './filters.js';
import { routeTableFor } from './route-tables.js';

/** An HCM fetching `routeConfigName` over RDS, for sidecars, given every route behind it. */
export function sidecarConnectionManager(
  statPrefix: string,
  routeConfigName: string,
  routes: readonly HttpRoute[],
): HttpConnectionManager {
  return {
    ...rdsConnectionManager(statPrefix, routeConfigName),
    http_filters: connectionFilters({ client: 'envoy', routes }),
  };
}

/** The HCM of a proxyless client's API listener for one service port (route configuration `name`). */
export function proxylessConnectionManager(
  mesh: Mesh,
  service: Service,
  port: ServicePort,
  name: string,
): HttpConnectionManager {
  const routes = routeTableFor(mesh, service, port.port)?.http ?? [];
  return { ...rdsConnectionManager(name, name), http_filters: connectionFilters({ client: 'grpc', routes }) };
}
