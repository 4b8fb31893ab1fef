// TCP routing (Istio tcp routes, SMI TrafficSplit on a TCP port): the tcp_proxy of a service port
// sends each connection to the first TCP route for that port, split by weight. A share whose backend
// is invalid goes to a cluster that is never sent, so its connections are closed; no share at all
// goes to the black hole.
import type { Filter } from '../../generated/envoy/config/listener/v3/Filter.js';
import type { TcpProxy } from '../../generated/envoy/extensions/filters/network/tcp_proxy/v3/TcpProxy.js';
import type { Mesh, Service, ServicePort } from '../../model/mesh.js';
import type { TcpRoute } from '../../model/routing.js';
import { TCP_PROXY_FILTER, TCP_PROXY_TYPE, typed } from './filters.js';
import { BLACKHOLE_CLUSTER, outboundClusterName } from './names.js';
import { weightedShares } from './route-backends.js';
import { routeTableFor } from './route-tables.js';

/** The TCP route that applies to connections to this service port, if any. */
export function tcpRouteFor(mesh: Mesh, service: Service, port: ServicePort): TcpRoute | undefined {
  return routeTableFor(mesh, service, port.port)?.tcp.find(
    (r) => r.port === undefined || r.port === port.port,
  );
}

export function tcpProxyConfig(
  mesh: Mesh,
  service: Service,
  port: ServicePort,
  statPrefix: string,
): TcpProxy {
  const route = tcpRouteFor(mesh, service, port);
  if (!route) return { stat_prefix: statPrefix, cluster: outboundClusterName(port.port, service.hostname) };
  const shares = weightedShares(mesh, route.backends, port.port);
  const [first] = shares;
  if (!first) return { stat_prefix: statPrefix, cluster: BLACKHOLE_CLUSTER };
  if (shares.length === 1) return { stat_prefix: statPrefix, cluster: first.name };
  return {
    stat_prefix: statPrefix,
    weighted_clusters: { clusters: shares.map((s) => ({ name: s.name, weight: s.weight })) },
  };
}

/** The tcp_proxy filter of an outbound chain for a TCP service port. */
export function outboundTcpProxy(
  mesh: Mesh,
  service: Service,
  port: ServicePort,
  statPrefix: string,
): Filter {
  return {
    name: TCP_PROXY_FILTER,
    typed_config: typed(TCP_PROXY_TYPE, tcpProxyConfig(mesh, service, port, statPrefix)),
  };
}
