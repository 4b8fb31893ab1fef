// virtualInbound: the listener iptables sends every inbound connection of the pod to, with chains
// per port the pod's services expose, each to its inbound|<port>|| cluster (the app itself). HTTP
// chains carry the local rate limits of the services that select the pod. Each port's chains follow
// its PeerAuthentication mode (inbound-mtls-chains.ts).
import type { Cluster } from '../../generated/envoy/config/cluster/v3/Cluster.js';
import type { FilterChain } from '../../generated/envoy/config/listener/v3/FilterChain.js';
import type { Listener } from '../../generated/envoy/config/listener/v3/Listener.js';
import { DEFAULT_TRUST_DOMAIN } from '../../model/identity.js';
import type { Mesh, Protocol, Workload } from '../../model/mesh.js';
import { workloadMtlsMode } from '../../model/mtls.js';
import type { MtlsMode, RateLimitPolicy } from '../../model/routing.js';
import { resolveTargetPort, selects, servicesIn } from '../../model/workload-selection.js';
import { originalDstCluster, withProtocolOptions } from './clusters.js';
import { connectionFilters } from './filters/index.js';
import { hcmFilter, inlineConnectionManager, originalDstListenerFilter, tcpProxyFilter } from './filters.js';
import { inboundChains, inspectsTls, tlsInspector } from './inbound-mtls-chains.js';
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
  /** The port's PeerAuthentication mode (src/model/mtls.ts); absent: plaintext only. */
  readonly mtls?: MtlsMode;
}

export { resolveTargetPort, selects };

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
  for (const service of servicesIn(mesh.services, workload.namespace)) {
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
      return {
        port,
        protocol,
        ...(rateLimits.length > 0 ? { rateLimits } : {}),
        mtls: workloadMtlsMode(mesh, workload, port),
      };
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

function inboundPortChains(inbound: InboundPort, trustDomain: string): FilterChain[] {
  const cluster = inboundClusterName(inbound.port);
  const filter = isHttpish(inbound.protocol)
    ? inboundHttpFilter(cluster, inbound)
    : tcpProxyFilter(cluster, cluster);
  return inboundChains({ port: inbound.port, filter }, inbound.mtls ?? 'DISABLE', trustDomain);
}

/** `trustDomain`: the client identities a port under mTLS accepts (spiffe://<trustDomain>/...). */
export function inboundListener(ports: readonly InboundPort[], trustDomain = DEFAULT_TRUST_DOMAIN): Listener {
  // The TLS inspector only on the ports under mTLS: it stalls server-first protocols (see the
  // outbound listener), and ports under DISABLE and the passthrough do not need it.
  const inspector = tlsInspector(ports.filter((p) => p.mtls && inspectsTls(p.mtls)).map((p) => p.port));
  return {
    name: VIRTUAL_INBOUND,
    address: { socket_address: { address: '0.0.0.0', port_value: INBOUND_PORT } },
    traffic_direction: 'INBOUND',
    listener_filters: [originalDstListenerFilter(), ...(inspector ? [inspector] : [])],
    // A client that sends nothing first (a server-first protocol on a PERMISSIVE port) is not
    // dropped when the inspector gives up: its connection goes on as plaintext.
    ...(inspector ? { continue_on_listener_filters_timeout: true } : {}),
    filter_chains: [
      ...ports.flatMap((p) => inboundPortChains(p, trustDomain)),
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
