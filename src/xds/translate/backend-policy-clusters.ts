// The clusters of one service port for one proxy: outbound|<port>||<fqdn> and, for each subset of
// the service's DestinationRule, outbound|<port>|<subset>|<fqdn>; each with its effective traffic
// policy and, when it is an EDS cluster, its ClusterLoadAssignment (EDS service_name = its name).
// Subset clusters exist whether or not a route uses them (as in Istio), so a route can name one
// without waiting for another push, and sidecars and proxyless clients get the same set.
import type { Cluster } from '../../generated/envoy/config/cluster/v3/Cluster.js';
import { type Mesh, meshConfigOf, type Service, type ServicePort } from '../../model/mesh.js';
import { upstreamTls } from '../../model/mtls.js';
import type { Locality, ProxyKind } from '../../model/proxy.js';
import type { Subset, TrafficPolicy } from '../../model/routing.js';
import { backendPolicyFor, effectivePolicy } from '../../model/traffic-policy.js';
import { withTrafficPolicy } from './backend-policy.js';
import { edsCluster, originalDstCluster, withProtocolOptions } from './clusters.js';
import { type EndpointAddress, loadAssignment, servicePortEndpoints, zonesOf } from './endpoints.js';
import { localityPriorities } from './locality-priorities.js';
import { meshSni, upstreamTlsSocket } from './mesh-tls-sockets.js';
import { isHeadless, isHttp2, outboundClusterName } from './names.js';
import type { ClustersAndEndpoints } from './outbound-clusters.js';
import { proxylessUpstreamTlsSocket } from './proxyless-tls.js';
import { subsetClusterName, subsetEndpoints } from './subset-endpoints.js';

/**
 * Before any policy. Sidecars: a headless service gets ORIGINAL_DST (the client already picked a
 * pod address; there is nothing to balance), the others EDS with the port's upstream protocol.
 * Proxyless: always EDS with ROUND_ROBIN spelled out (gRPC has no ORIGINAL_DST, and balancing over
 * the pods is what a headless gRPC client wants anyway; it rejects an lb_policy it does not know).
 */
function baseCluster(name: string, service: Service, port: ServicePort, kind: ProxyKind): Cluster {
  if (kind === 'proxyless') return edsCluster(name, { lbPolicy: 'ROUND_ROBIN' });
  return withProtocolOptions(
    isHeadless(service) ? originalDstCluster(name) : edsCluster(name),
    port.protocol,
  );
}

/** A subset name twice in one policy would be two clusters of one name: the first one wins. */
function distinctSubsets(subsets: readonly Subset[]): Subset[] {
  const seen = new Set<string>();
  return subsets.filter((s) => !seen.has(s.name) && seen.add(s.name));
}

/**
 * What the clusters read about the proxy: its kind, where it runs (for locality failover), and
 * whether its client lacks ring hash (client-dialect.ts).
 */
export interface ClusterView {
  readonly kind: ProxyKind;
  readonly locality?: Locality;
  /** True when the client's release has no ring hash (gRFC A42); set only when some policy hashes. */
  readonly withoutRingHash?: true;
}

/** A consistent hash the client cannot take becomes its default balancer, round robin. */
function forClient(policy: TrafficPolicy | undefined, view: ClusterView): TrafficPolicy | undefined {
  if (!view.withoutRingHash || policy?.loadBalancer?.kind !== 'consistentHash') return policy;
  const { loadBalancer: _ring, ...rest } = policy;
  return rest;
}

export function servicePortClusters(
  mesh: Mesh,
  service: Service,
  port: ServicePort,
  view: ClusterView,
): ClustersAndEndpoints {
  const result: ClustersAndEndpoints = { clusters: [], endpoints: [] };
  const policies = mesh.routing.backendPolicies;
  const all = servicePortEndpoints(mesh, service, port);

  const trustDomain = meshConfigOf(mesh).trustDomain;
  const add = (
    name: string,
    endpoints: readonly EndpointAddress[],
    policy: TrafficPolicy | undefined,
    subset?: string,
  ) => {
    const shaped = withTrafficPolicy(
      baseCluster(name, service, port, view.kind),
      forClient(policy, view),
      port.protocol,
      view.kind,
    );
    // Proxyless clients read their certificates from their bootstrap (proxyless-tls.ts, gRFC A29).
    const socket = (view.kind === 'sidecar' ? upstreamTlsSocket : proxylessUpstreamTlsSocket)(
      upstreamTls(mesh, service, port, subset),
      meshSni(port.port, subset, service.hostname),
      trustDomain,
      isHttp2(port.protocol),
    );
    const cluster = socket ? { ...shaped, transport_socket: socket } : shaped;
    result.clusters.push(cluster);
    // PASSTHROUGH and headless clusters are ORIGINAL_DST: no EDS, so no assignment to pair with.
    if (cluster.type !== 'EDS') return;
    const priorities = localityPriorities(zonesOf(endpoints), view.locality, policy);
    result.endpoints.push(loadAssignment(name, endpoints, priorities));
  };

  add(outboundClusterName(port.port, service.hostname), all, effectivePolicy(policies, service, port.port));
  for (const subset of distinctSubsets(backendPolicyFor(policies, service)?.subsets ?? [])) {
    add(
      subsetClusterName(port.port, subset.name, service.hostname),
      subsetEndpoints(mesh, all, subset.labels),
      effectivePolicy(policies, service, port.port, subset.name),
      subset.name,
    );
  }
  return result;
}
