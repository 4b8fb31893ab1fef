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
import type { Routing } from '../../model/routing.js';
import { type ClientDialect, proxyDialect } from './client-dialect.js';
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
import { findWorkload } from './own-workload.js';
import { defaultServiceRoute } from './route-default.js';
import { lowerHttpRoute, type RouteTarget } from './route-entry.js';
import { routeTableFor } from './route-tables.js';
import { type RouteViewer, visibleTo } from './route-visibility.js';

export const ALLOW_ANY = 'allow_any';

/** Who a configuration is for. */
export interface RouteReader {
  /** The forms of fields the client accepts (its profile's dialect). */
  readonly dialect: ClientDialect;
  readonly viewer: RouteViewer;
}

/**
 * The pod's labels matter only through sourceLabels, so only the label keys some route's
 * sourceLabels name are kept: proxies that differ in any other label read the same routes (and
 * share them; see translation-parts.ts).
 */
export function routeReader(mesh: Mesh, proxy: MeshProxy): RouteReader {
  const labels = findWorkload(mesh, proxy)?.labels;
  const keys = sourceLabelKeys(mesh.routing);
  return {
    dialect: proxyDialect(proxy),
    viewer: {
      namespace: proxy.namespace,
      ...(labels
        ? { labels: Object.fromEntries(keys.filter((k) => k in labels).map((k) => [k, labels[k]!])) }
        : {}),
    },
  };
}

const labelKeys = new WeakMap<Routing, readonly string[]>();

/** Every label key any route's sourceLabels names, sorted. */
function sourceLabelKeys(routing: Routing): readonly string[] {
  const known = labelKeys.get(routing);
  if (known) return known;
  const keys = new Set<string>();
  for (const table of routing.routeTables) {
    for (const route of table.http) {
      for (const key of Object.keys(route.match.sourceLabels ?? {})) keys.add(key);
    }
  }
  const sorted = [...keys].sort(compareStrings);
  labelKeys.set(routing, sorted);
  return sorted;
}

/** The routes of one service port for one reader: its route table's, or the default route. */
export function serviceRoutes(mesh: Mesh, service: Service, port: ServicePort, reader: RouteReader): Route[] {
  const target: RouteTarget = { mesh, service, port, dialect: reader.dialect };
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
export function sidecarRoutes(mesh: Mesh, reader: RouteReader): RouteConfiguration[] {
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
