// HTTP route configurations. Sidecars get one per HTTP port number, named by the port, holding a
// virtual host per service on that port; the Host header picks the service.
import type { Route } from '../../generated/envoy/config/route/v3/Route.js';
import type { RouteConfiguration } from '../../generated/envoy/config/route/v3/RouteConfiguration.js';
import type { VirtualHost } from '../../generated/envoy/config/route/v3/VirtualHost.js';
import type { Mesh, Protocol, Service, ServicePort } from '../../model/mesh.js';
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

export const ALLOW_ANY = 'allow_any';

/**
 * Everything under / to one cluster. timeout 0s: no route timeout unless a policy sets one (Envoy's
 * default of 15s would cut long calls and streams). gRPC: honour the caller's grpc-timeout header.
 */
export function clusterRoute(cluster: string, protocol: Protocol): Route {
  return {
    name: 'default',
    match: { prefix: '/' },
    route: {
      cluster,
      timeout: '0s',
      ...(protocol === 'GRPC' ? { max_stream_duration: { grpc_timeout_header_max: '0s' } } : {}),
    },
  };
}

export function serviceVirtualHost(service: Service, port: ServicePort, proxyNamespace: string): VirtualHost {
  return {
    name: hostPortName(service.hostname, port.port),
    domains: serviceDomains(service, port.port, proxyNamespace),
    routes: [clusterRoute(outboundClusterName(port.port, service.hostname), port.protocol)],
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
export function sidecarRouteConfigs(mesh: Mesh, proxyNamespace: string): RouteConfiguration[] {
  const hostsByPort = new Map<number, VirtualHost[]>();
  for (const service of mesh.services) {
    for (const port of meshedPorts(service)) {
      if (!isHttpish(port.protocol)) continue;
      const host = serviceVirtualHost(service, port, proxyNamespace);
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
