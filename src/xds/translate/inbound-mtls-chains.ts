// The inbound filter chains of one port under its PeerAuthentication mode, and the TLS inspector
// that lets them tell mesh mTLS from plaintext. Envoy picks a chain by destination port, then
// transport protocol ("tls" or "raw_buffer", which the inspector detects), then ALPN, taking the
// most specific match at each step and never going back: so a TLS connection without the mesh ALPN
// needs a chain of its own, or it would match nothing and fall to the passthrough chain.
// - STRICT: mesh mTLS (any TLS: client certificate required, so only the mesh gets through, and
//   a proxyless gRPC client, which sends h2 and not the mesh ALPN, is served too); anything else on
//   the port is refused (black hole), never passed through around the policy.
// - PERMISSIVE: mesh mTLS as above; plaintext (raw_buffer) to the app; the app's own TLS (tls
//   without the mesh ALPN) passed to the app as TCP, as Istio does.
// - DISABLE: plaintext only, as without mTLS.
import type { Filter } from '../../generated/envoy/config/listener/v3/Filter.js';
import type { FilterChain } from '../../generated/envoy/config/listener/v3/FilterChain.js';
import type { ListenerFilter } from '../../generated/envoy/config/listener/v3/ListenerFilter.js';
import type { ListenerFilterChainMatchPredicate } from '../../generated/envoy/config/listener/v3/ListenerFilterChainMatchPredicate.js';
import type { MtlsMode } from '../../model/routing.js';
import { tcpProxyFilter, typed } from './filters.js';
import { downstreamMtlsSocket, MESH_ALPN } from './mesh-tls-sockets.js';
import { BLACKHOLE_CLUSTER, inboundClusterName } from './names.js';

export const TLS_INSPECTOR_FILTER = 'envoy.filters.listener.tls_inspector';
export const TLS_INSPECTOR_TYPE =
  'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector';

/** What the chains of one port serve: the app's filter, and the TCP filter for the app's own TLS. */
export interface InboundApp {
  readonly port: number;
  /** HTTP connection manager or tcp_proxy to inbound|<port>||. */
  readonly filter: Filter;
}

/** Whether a mode needs the TLS inspector on its port. */
export const inspectsTls = (mode: MtlsMode): boolean => mode !== 'DISABLE';

/** The chains of one port: see the top of this file. Names: inbound|<port>|| plus mtls, tls, refused. */
export function inboundChains(app: InboundApp, mode: MtlsMode, trustDomain: string): FilterChain[] {
  const name = inboundClusterName(app.port);
  const port = app.port;
  if (mode === 'DISABLE') {
    return [{ name, filter_chain_match: { destination_port: port }, filters: [app.filter] }];
  }
  const mtls: FilterChain = {
    name: `${name}mtls`,
    filter_chain_match: {
      destination_port: port,
      transport_protocol: 'tls',
      // PERMISSIVE tells mesh mTLS from the app's own TLS by the mesh ALPN; STRICT needs not.
      ...(mode === 'PERMISSIVE' ? { application_protocols: [...MESH_ALPN] } : {}),
    },
    filters: [app.filter],
    transport_socket: downstreamMtlsSocket(trustDomain),
  };
  if (mode === 'STRICT') {
    return [
      mtls,
      {
        name: `${name}refused`,
        filter_chain_match: { destination_port: port },
        filters: [tcpProxyFilter(BLACKHOLE_CLUSTER, BLACKHOLE_CLUSTER)],
      },
    ];
  }
  return [
    mtls,
    {
      name,
      filter_chain_match: { destination_port: port, transport_protocol: 'raw_buffer' },
      filters: [app.filter],
    },
    {
      name: `${name}tls`,
      filter_chain_match: { destination_port: port, transport_protocol: 'tls' },
      filters: [tcpProxyFilter(name, name)],
    },
  ];
}

const onPort = (port: number): ListenerFilterChainMatchPredicate => ({
  destination_port_range: { start: port, end: port + 1 },
});

/**
 * The TLS inspector, on the given ports only: it waits for the client's first bytes, which would
 * stall a server-first protocol (MySQL, SMTP) on any other port. Undefined when no port needs it.
 */
export function tlsInspector(ports: readonly number[]): ListenerFilter | undefined {
  if (ports.length === 0) return undefined;
  // A MatchSet takes two rules at least.
  const inspected: ListenerFilterChainMatchPredicate =
    ports.length === 1 ? onPort(ports[0]!) : { or_match: { rules: ports.map(onPort) } };
  return {
    name: TLS_INSPECTOR_FILTER,
    typed_config: typed(TLS_INSPECTOR_TYPE, {}),
    filter_disabled: { not_match: inspected },
  };
}
