// What an Envoy reads from its clusters and listeners to know what to ask for next: the EDS name of
// every EDS cluster, and the RDS name of every HTTP connection manager. Many simulated proxies of
// one client process receive byte-identical resources, so each distinct resource is decoded once.
import { envoyRoot, envoyType } from '../src/xds/envoy/proto-root.js';

const HCM_TYPE_URL =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

interface AnyMessage {
  readonly type_url?: string;
  readonly value?: Uint8Array;
}
interface FilterChainMessage {
  readonly filters?: readonly { readonly typed_config?: AnyMessage }[];
}
interface ListenerMessage {
  readonly filter_chains?: readonly FilterChainMessage[];
  readonly default_filter_chain?: FilterChainMessage;
}
interface ClusterMessage {
  readonly name?: string;
  readonly type?: number;
  readonly eds_cluster_config?: { readonly service_name?: string };
}

// Bounded: a long run with many route changes must not grow the client without limit.
const MEMO_LIMIT = 20_000;

class DecodeMemo<T> {
  private readonly memo = new Map<string, T>();
  constructor(private readonly decode: (bytes: Uint8Array) => T) {}

  get(bytes: Uint8Array): T {
    const key = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    const hit = this.memo.get(key);
    if (hit !== undefined) return hit;
    const value = this.decode(bytes);
    if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
    this.memo.set(key, value);
    return value;
  }
}

let edsMemo: DecodeMemo<string | undefined> | undefined;
let rdsMemo: DecodeMemo<readonly string[]> | undefined;

/** The EDS name a cluster asks for, or undefined when it is not an EDS cluster. */
export function clusterEdsName(bytes: Uint8Array): string | undefined {
  if (!edsMemo) {
    const type = envoyType('envoy.config.cluster.v3.Cluster');
    const eds = envoyRoot().lookupEnum('envoy.config.cluster.v3.Cluster.DiscoveryType').values.EDS;
    edsMemo = new DecodeMemo((b) => {
      const cluster = type.decode(b) as unknown as ClusterMessage;
      if (cluster.type !== eds) return undefined;
      return cluster.eds_cluster_config?.service_name || cluster.name || undefined;
    });
  }
  return edsMemo.get(bytes);
}

/** The route configuration names a listener's HTTP connection managers fetch over RDS. */
export function listenerRouteNames(bytes: Uint8Array): readonly string[] {
  if (!rdsMemo) {
    const listenerType = envoyType('envoy.config.listener.v3.Listener');
    const hcmType = envoyType(
      'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    );
    rdsMemo = new DecodeMemo((b) => {
      const listener = listenerType.decode(b) as unknown as ListenerMessage;
      const chains = [...(listener.filter_chains ?? []), listener.default_filter_chain];
      const names = new Set<string>();
      for (const chain of chains) {
        for (const filter of chain?.filters ?? []) {
          const config = filter.typed_config;
          if (config?.type_url !== HCM_TYPE_URL || !config.value) continue;
          const hcm = hcmType.decode(config.value) as unknown as { rds?: { route_config_name?: string } };
          if (hcm.rds?.route_config_name) names.add(hcm.rds.route_config_name);
        }
      }
      return [...names].sort();
    });
  }
  return rdsMemo.get(bytes);
}
