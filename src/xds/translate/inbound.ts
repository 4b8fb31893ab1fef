// virtualInbound: the listener iptables sends every inbound connection of the pod to, with a chain
// per port the pod's services expose, each to its inbound|<port>|| cluster (the app itself). HTTP
// chains carry the local rate limits of the services that select the pod.
import type { Cluster } from '../../generated/envoy/config/cluster/v3/Cluster.js';
import type { FilterChain } from '../../generated/envoy/config/listener/v3/FilterChain.js';
import type { Listener } from '../../generated/envoy/config/listener/v3/Listener.js';
import type { Mesh, Protocol, Service, ServicePort, Workload } from '../../model/mesh.js';
import type { RateLimitPolicy } from '../../model/routing.js';
import { originalDstCluster, withProtocolOptions } from './clusters.js';
import { connectionFilters } from './filters/index.js';
import { hcmFilter, inlineConnectionManager, originalDstListenerFilter, tcpProxyFilter } from './filters.js';
import {
  BLACKHOLE_CLUSTER,
  INBOUND_PASSTHROUGH_CLUSTER,
  INBOUND_PORT,
  INBOUND_SOURCE_ADDRESS,
  inboundClusterName,
  isHttpish,
  meshedPorts,
  VIRTUAL_INBOUND,
} from './names.js';
import { inboundHttpRoutes, orderRateLimits, rateLimitsFor } from './route-rate-limits.js';

export const INBOUND_PASSTHROUGH_FILTER_CHAIN = 'InboundPassthroughFilterChain';
export const INBOUND_BLACKHOLE_FILTER_CHAIN = 'virtualInbound-blackhole';

/** A port the proxy's own app listens on, the protocol its services declare for it, and its rate limits. */
export interface InboundPort {
  readonly port: number;
  readonly protocol: Protocol;
  /** Local rate limits of the services targeting this port, in precedence order; absent when none. */
  readonly rateLimits?: readonly RateLimitPolicy[];
}

/** A selector selects a pod when it is non-empty and every pair is among the pod's labels. */
export function selects(service: Service, workload: Workload): boolean {
  const selector = Object.entries(service.selector ?? {});
  return (
    service.namespace === workload.namespace &&
    selector.length > 0 &&
    selector.every(([key, value]) => workload.labels[key] === value)
  );
}

/** A service port's target on one pod: a number, or the pod's TCP container port of that name. */
export function resolveTargetPort(port: ServicePort, workload: Workload): number | undefined {
  if (typeof port.targetPort === 'number') return port.targetPort;
  return workload.ports.find((c) => c.name === port.targetPort && c.protocol === 'TCP')?.port;
}

/**
 * The ports to open for the proxy's own pod, sorted. When services disagree about one port's
 * protocol, an HTTP flavour wins over TCP (HTTP still carries the bytes of a TCP client, with
 * per-request metrics and routing; the reverse would lose them); between HTTP flavours the first
 * service in namespace/name order wins. Port 15006 is the listener itself and never a target.
 * `workload` undefined: the proxy's pod is unknown, so there are no ports.
 */
export function workloadInboundPorts(mesh: Mesh, workload: Workload | undefined): InboundPort[] {
  if (!workload) return [];
  const ports = new Map<number, Protocol>();
  const limits = new Map<number, RateLimitPolicy[]>();
  for (const service of mesh.services) {
    if (!selects(service, workload)) continue;
    for (const servicePort of meshedPorts(service)) {
      const target = resolveTargetPort(servicePort, workload);
      if (target === undefined || target < 1 || target > 65535 || target === INBOUND_PORT) continue;
      const known = ports.get(target);
      if (known === undefined || (known === 'TCP' && isHttpish(servicePort.protocol))) {
        ports.set(target, servicePort.protocol);
      }
      const found = rateLimitsFor(mesh.routing.rateLimits, service, servicePort);
      if (found.length > 0) limits.set(target, [...(limits.get(target) ?? []), ...found]);
    }
  }
  return [...ports.entries()]
    .map(([port, protocol]): InboundPort => {
      const rateLimits = orderRateLimits(limits.get(port) ?? []);
      return { port, protocol, ...(rateLimits.length > 0 ? { rateLimits } : {}) };
    })
    .sort((a, b) => a.port - b.port);
}

function inboundHttpFilter(cluster: string, { port, protocol, rateLimits }: InboundPort) {
  const { routes, scope } = inboundHttpRoutes(cluster, protocol, rateLimits ?? []);
  return hcmFilter({
    ...inlineConnectionManager(cluster, {
      name: cluster,
      virtual_hosts: [{ name: `inbound|http|${port}`, domains: ['*'], routes }],
      validate_clusters: false,
    }),
    http_filters: connectionFilters(scope),
  });
}

function inboundChain(inbound: InboundPort): FilterChain {
  const cluster = inboundClusterName(inbound.port);
  const filter = isHttpish(inbound.protocol)
    ? inboundHttpFilter(cluster, inbound)
    : tcpProxyFilter(cluster, cluster);
  return { name: cluster, filter_chain_match: { destination_port: inbound.port }, filters: [filter] };
}

export function inboundListener(ports: readonly InboundPort[]): Listener {
  return {
    name: VIRTUAL_INBOUND,
    address: { socket_address: { address: '0.0.0.0', port_value: INBOUND_PORT } },
    traffic_direction: 'INBOUND',
    // See the outbound listener: no inspectors, they stall server-first protocols.
    listener_filters: [originalDstListenerFilter()],
    filter_chains: [
      ...ports.map(inboundChain),
      // A connection addressed to 15006 itself would be passed through to 15006 again, forever.
      {
        name: INBOUND_BLACKHOLE_FILTER_CHAIN,
        filter_chain_match: { destination_port: INBOUND_PORT },
        filters: [tcpProxyFilter(BLACKHOLE_CLUSTER, BLACKHOLE_CLUSTER)],
      },
    ],
    default_filter_chain: {
      name: INBOUND_PASSTHROUGH_FILTER_CHAIN,
      filters: [tcpProxyFilter(INBOUND_PASSTHROUGH_CLUSTER, INBOUND_PASSTHROUGH_CLUSTER)],
    },
  };
}

/** inbound|<port>||: to the app on the address the client dialled, from 127.0.0.6. */
export function inboundClusters(ports: readonly InboundPort[]): Cluster[] {
  return ports.map(({ port, protocol }) =>
    withProtocolOptions(originalDstCluster(inboundClusterName(port), INBOUND_SOURCE_ADDRESS), protocol),
  );
}
