// Cluster builders shared by sidecars and proxyless clients.
import type { Cluster } from '../../generated/envoy/config/cluster/v3/Cluster.js';
import type { Protocol } from '../../model/mesh.js';
import { adsConfigSource, http2ProtocolOptions } from './filters.js';
import { isHttp2 } from './names.js';

export const CONNECT_TIMEOUT = '10s';

/** A cluster whose endpoints come over EDS under the cluster's own name. */
export function edsCluster(name: string, options: { readonly lbPolicy?: 'ROUND_ROBIN' } = {}): Cluster {
  return {
    name,
    type: 'EDS',
    connect_timeout: CONNECT_TIMEOUT,
    ...(options.lbPolicy ? { lb_policy: options.lbPolicy } : {}),
    eds_cluster_config: { eds_config: adsConfigSource(), service_name: name },
  };
}

/** A cluster that forwards to wherever the client was going (the address iptables redirected). */
export function originalDstCluster(name: string, sourceAddress?: string): Cluster {
  return {
    name,
    type: 'ORIGINAL_DST',
    connect_timeout: CONNECT_TIMEOUT,
    lb_policy: 'CLUSTER_PROVIDED',
    ...(sourceAddress
      ? { upstream_bind_config: { source_address: { address: sourceAddress, port_value: 0 } } }
      : {}),
  };
}

/** Sidecars speak HTTP/2 upstream when the port says so; otherwise Envoy's default (HTTP/1.1). */
export function withProtocolOptions(cluster: Cluster, protocol: Protocol): Cluster {
  return isHttp2(protocol)
    ? { ...cluster, typed_extension_protocol_options: http2ProtocolOptions() }
    : cluster;
}

/** Drops traffic: a STATIC cluster with no endpoints. */
export function blackHoleCluster(name: string): Cluster {
  return { name, type: 'STATIC', connect_timeout: CONNECT_TIMEOUT };
}
