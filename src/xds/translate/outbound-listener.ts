// virtualOutbound: the listener iptables sends every outbound connection of the pod to. It picks a
// filter chain by the connection's original destination (service IP and port); anything else is
// passed through untouched, so a meshed pod reaches non-mesh destinations as before.
import { isIP } from 'node:net';
import type { FilterChain } from '../../generated/envoy/config/listener/v3/FilterChain.js';
import type { Listener } from '../../generated/envoy/config/listener/v3/Listener.js';
import type { Mesh, Service, ServicePort } from '../../model/mesh.js';
import type { HttpRoute } from '../../model/routing.js';
import { servicePortEndpoints } from './endpoints.js';
import { hcmFilter, originalDstListenerFilter, tcpProxyFilter } from './filters.js';
import {
  hostPortName,
  isHeadless,
  isHttpish,
  meshedPorts,
  OUTBOUND_PORT,
  outboundClusterName,
  PASSTHROUGH_CLUSTER,
  portRouteName,
  VIRTUAL_OUTBOUND,
} from './names.js';
import { byName } from './order.js';
import { sidecarConnectionManager } from './route-connection-manager.js';
import { httpRoutesByPort } from './route-tables.js';
import { outboundTcpProxy } from './route-tcp.js';

export const PASSTHROUGH_FILTER_CHAIN = 'PassthroughFilterChain';

/** What the chains of one mesh share: the HTTP routes behind each port's route configuration. */
interface ChainContext {
  readonly mesh: Mesh;
  readonly routesByPort: ReadonlyMap<number, readonly HttpRoute[]>;
}

/**
 * HTTP ports go through the HCM and the port's route configuration; TCP ports to the cluster, or
 * split as the port's TCP route says.
 */
function serviceChain(
  context: ChainContext,
  service: Service,
  port: ServicePort,
  name: string,
  ip: string,
  destPort: number,
): FilterChain {
  const cluster = outboundClusterName(port.port, service.hostname);
  const routes = context.routesByPort.get(port.port) ?? [];
  return {
    name,
    filter_chain_match: {
      prefix_ranges: [{ address_prefix: ip, prefix_len: isIP(ip) === 6 ? 128 : 32 }],
      destination_port: destPort,
    },
    filters: [
      isHttpish(port.protocol)
        ? hcmFilter(sidecarConnectionManager(cluster, portRouteName(port.port), routes))
        : outboundTcpProxy(context.mesh, service, port, cluster),
    ],
  };
}

/**
 * One chain per service IP:port. A headless service has no IP: clients connect to pod addresses
 * directly, so it gets one chain per ready endpoint address, matched on the endpoint's port (where
 * the pod listens, which is where a client of a headless service must connect; usually the service
 * port too). Envoy rejects two chains with the same match: the first service in namespace/name
 * order keeps it.
 */
export function outboundFilterChains(mesh: Mesh): FilterChain[] {
  const context: ChainContext = { mesh, routesByPort: httpRoutesByPort(mesh) };
  const chains: FilterChain[] = [];
  const matched = new Set<string>();
  const add = (chain: FilterChain, ip: string, destPort: number) => {
    const key = `${ip}|${destPort}`;
    if (matched.has(key)) return;
    matched.add(key);
    chains.push(chain);
  };
  for (const service of mesh.services) {
    for (const port of meshedPorts(service)) {
      const name = hostPortName(service.hostname, port.port);
      if (!isHeadless(service) && service.clusterIP) {
        add(
          serviceChain(context, service, port, name, service.clusterIP, port.port),
          service.clusterIP,
          port.port,
        );
        continue;
      }
      for (const endpoint of servicePortEndpoints(mesh, service, port)) {
        const chainName = `${name}|${endpoint.address}:${endpoint.port}`;
        add(
          serviceChain(context, service, port, chainName, endpoint.address, endpoint.port),
          endpoint.address,
          endpoint.port,
        );
      }
    }
  }
  return byName(chains);
}

export function outboundListener(mesh: Mesh): Listener {
  return {
    name: VIRTUAL_OUTBOUND,
    address: { socket_address: { address: '0.0.0.0', port_value: OUTBOUND_PORT } },
    traffic_direction: 'OUTBOUND',
    // original_dst only. No tls_inspector or http_inspector: they wait for the client's first bytes,
    // which stalls server-first protocols (MySQL, SMTP, ...) until the inspector times out, and no
    // chain here matches on what they detect (SNI, ALPN, HTTP version) yet.
    listener_filters: [originalDstListenerFilter()],
    filter_chains: outboundFilterChains(mesh),
    default_filter_chain: {
      name: PASSTHROUGH_FILTER_CHAIN,
      filters: [tcpProxyFilter(PASSTHROUGH_CLUSTER, PASSTHROUGH_CLUSTER)],
    },
  };
}
