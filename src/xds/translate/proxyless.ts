// Proxyless gRPC clients (gRFC A27): an API listener per service port, named as the client's
// target (xds:///<fqdn>:<port>), whose HCM fetches a route configuration of the same name; EDS
// clusters (subset clusters too, from outbound-clusters.ts: headless services get EDS clusters
// too, as gRPC has no ORIGINAL_DST) with round robin unless a DestinationRule asks for a ring hash.
// No sidecar listeners or passthrough: there is no iptables redirect.
// Only what @grpc/grpc-js-xds accepts: api_listener with RDS over ADS, router as the last filter,
// EDS clusters over ADS, ROUND_ROBIN or RING_HASH, every locality weighted, priorities without gaps
// (the cluster part is in backend-policy-clusters.ts and cluster-*.ts).
import type { Listener } from '../../generated/envoy/config/listener/v3/Listener.js';
import type { RouteConfiguration } from '../../generated/envoy/config/route/v3/RouteConfiguration.js';
import type { Mesh } from '../../model/mesh.js';
import { HCM_TYPE, typed } from './filters.js';
import { hostPortName, meshedPorts } from './names.js';
import { proxylessConnectionManager } from './route-connection-manager.js';
import { type RouteReader, serviceVirtualHost } from './routes.js';

/** An API listener per service port, named as the client's target; it fetches the same-named route. */
export function proxylessListeners(mesh: Mesh): Listener[] {
  const listeners: Listener[] = [];
  for (const service of mesh.services) {
    for (const port of meshedPorts(service)) {
      const name = hostPortName(service.hostname, port.port);
      listeners.push({
        name,
        api_listener: {
          api_listener: typed(HCM_TYPE, proxylessConnectionManager(mesh, service, port, name)),
        },
      });
    }
  }
  return listeners;
}

/**
 * Every meshed port of every service, whatever its protocol (a gRPC client may call a port named
 * tcp-*), gets a route configuration with the service's one virtual host.
 */
export function proxylessRoutes(mesh: Mesh, reader: RouteReader): RouteConfiguration[] {
  const routes: RouteConfiguration[] = [];
  for (const service of mesh.services) {
    for (const port of meshedPorts(service)) {
      const name = hostPortName(service.hostname, port.port);
      routes.push({ name, virtual_hosts: [serviceVirtualHost(mesh, service, port, reader)] });
    }
  }
  return routes;
}
