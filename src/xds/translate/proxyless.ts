// Proxyless gRPC clients (gRFC A27): an API listener per service port, named as the client's
// target (xds:///<fqdn>:<port>), whose HCM fetches a route configuration of the same name; EDS
// clusters (subset clusters too) with round robin unless a DestinationRule asks for a ring hash.
// No sidecar listeners or passthrough: there is no iptables redirect.
// Only what @grpc/grpc-js-xds accepts: api_listener with RDS over ADS, router as the last filter,
// EDS clusters over ADS, ROUND_ROBIN or RING_HASH, every locality weighted, priorities without gaps
// (the cluster part is in backend-policy-clusters.ts and cluster-*.ts).
import type { Listener } from '../../generated/envoy/config/listener/v3/Listener.js';
import type { RouteConfiguration } from '../../generated/envoy/config/route/v3/RouteConfiguration.js';
import type { Mesh } from '../../model/mesh.js';
import type { MeshProxy } from '../../model/proxy.js';
import { servicePortClusters } from './backend-policy-clusters.js';
import { HCM_TYPE, typed } from './filters.js';
import { hostPortName, meshedPorts } from './names.js';
import type { ClustersAndEndpoints } from './outbound-clusters.js';
import { proxylessConnectionManager } from './route-connection-manager.js';
import { routeReader, serviceVirtualHost } from './routes.js';

export interface ProxylessResources extends ClustersAndEndpoints {
  readonly listeners: Listener[];
  readonly routes: RouteConfiguration[];
}

/**
 * Every meshed port of every service, whatever its protocol (a gRPC client may call a port named
 * tcp-*). Headless services get EDS clusters too: gRPC has no ORIGINAL_DST, and balancing over the
 * pods is what a headless gRPC client would want anyway.
 */
export function proxylessResources(mesh: Mesh, proxy: MeshProxy): ProxylessResources {
  const result: ProxylessResources = { listeners: [], routes: [], clusters: [], endpoints: [] };
  const reader = routeReader(mesh, proxy);
  for (const service of mesh.services) {
    for (const port of meshedPorts(service)) {
      const name = hostPortName(service.hostname, port.port);
      result.listeners.push({
        name,
        api_listener: {
          api_listener: typed(HCM_TYPE, proxylessConnectionManager(mesh, service, port, name)),
        },
      });
      result.routes.push({ name, virtual_hosts: [serviceVirtualHost(mesh, service, port, reader)] });
      const clusters = servicePortClusters(mesh, service, port, proxy);
      result.clusters.push(...clusters.clusters);
      result.endpoints.push(...clusters.endpoints);
    }
  }
  return result;
}
