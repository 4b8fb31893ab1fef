// HTTP route configurations. Sidecars get one per HTTP port number, named by the port, holding a
// virtual host per service on that port; the Host header picks the service. A service port with a
// route table gets the table's routes, in order, as far as this proxy may see them; a request no
// route matches gets Envoy's 404, as the Gateway API and Istio both specify. Without a table, one
// default route sends everything to the port's cluster.
import type { Route } from '../../generated/envoy/config/route/v3/Route.js';
import type { RouteConfiguration } from '../../generated/envoy/config/route/v3/RouteConfiguration.js';
import type { VirtualHost } from '../../generated/envoy/config/route/v3/VirtualHost.js';
import type { Mesh, Service, ServicePort } from '../../model/mesh.js';
import type { MeshProxy } from '../../model/proxy.js';
import { findWorkload } from './inbound.js';
import {
  hostPortName,
  isHttpish,
  meshedPorts,
  outboundClusterName,
  PASSTHROUGH_CLUSTER,
  portRouteName,
  serviceDomains,
} from './names.js';
import { compareStrings } from './order.js';
import { defaultServiceRoute } from './route-default.js';
import { lowerHttpRoute, type RouteTarget } from './route-entry.js';
import type { XdsClient } from './route-match.js';
import { routeTableFor } from './route-tables.js';
import { type RouteViewer, visibleTo } from './route-visibility.js';

export const ALLOW_ANY = 'allow_any';

/** Who a configuration is for. */
export interface RouteReader {
  readonly client: XdsClient;
  readonly viewer: RouteViewer;
}

export function routeReader(mesh: Mesh, proxy: MeshProxy): RouteReader {
  const labels = findWorkload(mesh, proxy)?.labels;
  return {
    client: proxy.kind === 'proxyless' ? 'grpc' : 'envoy',
    viewer: { namespace: proxy.namespace, ...(labels ? { labels } : {}) },
  };
}

/** The routes of one service port for one reader: its route table's, or the default route. */
export function serviceRoutes(mesh: Mesh, service: Service, port: ServicePort, reader: RouteReader): Route[] {
  const target: RouteTarget = { mesh, service, port, client: reader.client };
  const table = routeTableFor(mesh, service, port.port);
  if (!table || table.http.length === 0) {
    return [defaultServiceRoute(outboundClusterName(port.port, service.hostname), target)];
  }
  return table.http.flatMap((route) => {
    if (!visibleTo(route.match, reader.viewer, port.port)) return [];
    return lowerHttpRoute(route, target) ?? [];
  });
}

export function serviceVirtualHost(
  mesh: Mesh,
  service: Service,
  port: ServicePort,
  reader: RouteReader,
): VirtualHost {
  return {
    name: hostPortName(service.hostname, port.port),
    domains: serviceDomains(service, port.port, reader.viewer.namespace),
    routes: serviceRoutes(mesh, service, port, reader),
  };
}

/** Unknown hosts on a known HTTP port go where the client meant them to (like a non-mesh pod would). */
function allowAnyVirtualHost(): VirtualHost {
  return {
    name: ALLOW_ANY,
    domains: ['*'],
    routes: [
      { name: ALLOW_ANY, match: { prefix: '/' }, route: { cluster: PASSTHROUGH_CLUSTER, timeout: '0s' } },
    ],
  };
}

/**
 * Envoy rejects a route configuration that lists one domain in two virtual hosts. Services are
 * visited in namespace/name order and the first to claim a domain keeps it; a virtual host left
 * with no domain at all (only possible with clashing cluster IPs and names) is dropped.
 */
function withUniqueDomains(hosts: readonly VirtualHost[]): VirtualHost[] {
  const taken = new Set<string>();
  const result: VirtualHost[] = [];
  for (const host of hosts) {
    const domains = (host.domains ?? []).filter((d) => !taken.has(d));
    for (const d of domains) taken.add(d);
    if (domains.length > 0) result.push({ ...host, domains });
  }
  return result;
}

/** Sidecar RDS: route configuration '<port>' for every port number an HTTP, HTTP2 or gRPC service uses. */
export function sidecarRouteConfigs(mesh: Mesh, proxy: MeshProxy): RouteConfiguration[] {
  const reader = routeReader(mesh, proxy);
  const hostsByPort = new Map<number, VirtualHost[]>();
  for (const service of mesh.services) {
    for (const port of meshedPorts(service)) {
      if (!isHttpish(port.protocol)) continue;
      const host = serviceVirtualHost(mesh, service, port, reader);
      const list = hostsByPort.get(port.port);
      if (list) list.push(host);
      else hostsByPort.set(port.port, [host]);
    }
  }
  return [...hostsByPort.entries()].map(([port, hosts]) => ({
    name: portRouteName(port),
    virtual_hosts: [
      ...withUniqueDomains(hosts).sort((a, b) => compareStrings(a.name ?? '', b.name ?? '')),
      allowAnyVirtualHost(),
    ],
    // Clusters arrive over CDS on their own schedule; do not reject routes that name one early.
    validate_clusters: false,
  }));
}
