// xDS-enabled gRPC servers (gRFC A36) under mesh mTLS (A29). A proxyless server binding ADDRESS
// asks for the Listener named by its bootstrap's server_listener_resource_name_template with %s
// replaced by ADDRESS as it was bound: "0.0.0.0:50051", "127.0.0.1:50051", "[::]:50051" (grpc-js-xds
// server.js formats the string given to bindAsync; C-core the address it binds). Trellis answers
// the A36 template `grpc/server?xds.resource.listening_address=%s`, for each TCP container port of
// the proxy's own pod, at the pod's IP and at the wildcard of its family; the Listener's address must
// be that same host and port, or the server refuses it.
//
// What a gRPC server reads (grpc-js-xds 1.14 listener-resource-type.js and server.js, C-core):
// - no listener_filters (NACK), so no TLS inspector: one port cannot serve TLS and plaintext side by
//   side. Filter chain matches on destination_port, server_names, application_protocols or a
//   transport_protocol other than "raw_buffer" make grpc-js skip the chain, so each Listener has a
//   single chain without a match;
// - one filter, the HCM, with the route configuration inline: a virtual host for every domain whose
//   one route takes every path to the server itself (non_forwarding_action), and the router last;
// - mTLS in the chain's transport socket (proxyless-tls.ts), without SAN matchers (servers NACK
//   them): a client certificate that chains to the trust bundle is required.
//
// The mode served on a port follows its PeerAuthentication (src/model/mtls.ts): STRICT is mTLS and
// DISABLE plaintext. PERMISSIVE cannot be both (a gRPC server has no TLS inspector): it is served in
// plaintext, what a proxyless client sends unless a DestinationRule asks for ISTIO_MUTUAL
// (proxyless-tls.ts), as Istio does. Mesh mTLS to a proxyless server is asked for on both sides:
// STRICT here, ISTIO_MUTUAL on the client.
import type { FilterChain } from '../../generated/envoy/config/listener/v3/FilterChain.js';
import type { Listener } from '../../generated/envoy/config/listener/v3/Listener.js';
import type { RouteConfiguration } from '../../generated/envoy/config/route/v3/RouteConfiguration.js';
import type { Mesh, Workload } from '../../model/mesh.js';
import { workloadMtlsMode } from '../../model/mtls.js';
import type { MtlsMode } from '../../model/routing.js';
import { hcmFilter, inlineConnectionManager } from './filters.js';
import { inboundClusterName } from './names.js';
import { proxylessDownstreamMtlsSocket } from './proxyless-tls.js';

/** The A36 template; a proxyless server's bootstrap must name its Listeners this way. */
export const SERVER_LISTENER_TEMPLATE = 'grpc/server?xds.resource.listening_address=%s';

const isIpv6 = (host: string): boolean => host.includes(':');

/** host:port as a server formats what it binds: IPv6 in brackets. */
export const listeningAddress = (host: string, port: number): string =>
  isIpv6(host) ? `[${host}]:${port}` : `${host}:${port}`;

/** The Listener a server bound to host:port asks for. */
export const serverListenerName = (host: string, port: number): string =>
  SERVER_LISTENER_TEMPLATE.replace('%s', listeningAddress(host, port));

/** How one port of the pod is served. */
export interface ServerPort {
  readonly port: number;
  /** The port's PeerAuthentication mode. */
  readonly policy: MtlsMode;
  /** What is served: mTLS or plaintext (see the top of this file for PERMISSIVE). */
  readonly mtls: boolean;
}

/** Whether a port under `policy` is served with mTLS: STRICT only (see the top of this file). */
export function servesMtls(policy: MtlsMode): boolean {
  return policy === 'STRICT';
}

/** The pod's TCP container ports, each once, sorted, with the mode each is served in. */
export function proxylessServerPorts(
  mesh: Pick<Mesh, 'routing' | 'config'>,
  workload: Workload | undefined,
): ServerPort[] {
  if (!workload) return [];
  const ports = [...new Set(workload.ports.filter((p) => p.protocol === 'TCP').map((p) => p.port))];
  return ports
    .sort((a, b) => a - b)
    .map((port) => {
      const policy = workloadMtlsMode(mesh, workload, port);
      return { port, policy, mtls: servesMtls(policy) };
    });
}

/** The hosts a server may bind: the pod's IP (when known) and the wildcard of its family. */
export function serverHosts(podIp: string | undefined): string[] {
  const wildcard = podIp !== undefined && isIpv6(podIp) ? '::' : '0.0.0.0';
  return podIp === undefined || podIp === wildcard ? [wildcard] : [podIp, wildcard];
}

function serverRoutes(name: string): RouteConfiguration {
  return {
    name,
    virtual_hosts: [
      { name, domains: ['*'], routes: [{ match: { prefix: '/' }, non_forwarding_action: {} }] },
    ],
  };
}

// The chain (and its HCM's stat_prefix) is named after what it serves, as the sidecars' are:
// inbound|<port>||mtls or inbound|<port>||. grpc-js-xds 1.14 (server-listener.js) takes a Listener
// whose chain lost its transport socket for the one it has, and keeps serving TLS; it does see a
// change in the HCM's bytes, so the name in stat_prefix is what carries a STRICT to DISABLE change.
function serverChain(port: ServerPort): FilterChain {
  const name = `${inboundClusterName(port.port)}${port.mtls ? 'mtls' : ''}`;
  return {
    name,
    filters: [hcmFilter(inlineConnectionManager(name, serverRoutes(inboundClusterName(port.port))))],
    ...(port.mtls ? { transport_socket: proxylessDownstreamMtlsSocket() } : {}),
  };
}

/** One Listener per port and host (serverHosts), sorted by name. */
export function proxylessServerListeners(
  ports: readonly ServerPort[],
  podIp: string | undefined,
): Listener[] {
  const hosts = serverHosts(podIp);
  const listeners = ports.flatMap((port) =>
    hosts.map(
      (host): Listener => ({
        name: serverListenerName(host, port.port),
        address: { socket_address: { address: host, port_value: port.port } },
        filter_chains: [serverChain(port)],
      }),
    ),
  );
  return listeners.sort((a, b) => ((a.name ?? '') < (b.name ?? '') ? -1 : 1));
}
