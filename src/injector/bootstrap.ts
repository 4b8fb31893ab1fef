// The Envoy bootstrap of an injected sidecar: who it is (node id and metadata), where its
// configuration comes from (one delta ADS stream to Trellis's TLS port), how that connection proves
// itself (a client certificate read through file-based SDS, written by the credential step:
// xds-credential.ts, and docs/architecture.md "How a sidecar proves who it is"), and the three local
// ports every sidecar has (admin, Prometheus stats, readiness). Pure: input in, proto3 JSON out,
// checked by the same strict encoder and PGV checker as every xDS resource.
import type { Bootstrap } from '../generated/envoy/config/bootstrap/v3/Bootstrap.js';
import type { Cluster } from '../generated/envoy/config/cluster/v3/Cluster.js';
import type { ConfigSource } from '../generated/envoy/config/core/v3/ConfigSource.js';
import type { Listener } from '../generated/envoy/config/listener/v3/Listener.js';
import type { SdsSecretConfig } from '../generated/envoy/extensions/transport_sockets/tls/v3/SdsSecretConfig.js';
import type { UpstreamTlsContext } from '../generated/envoy/extensions/transport_sockets/tls/v3/UpstreamTlsContext.js';
import type { Result } from '../model/result.js';
import { encodeResource, type FieldError } from '../xds/envoy/resource-codec.js';
import { HTTP_PROTOCOL_OPTIONS_KEY, HTTP_PROTOCOL_OPTIONS_TYPE, typed } from '../xds/translate/filters.js';
import { TLS_TRANSPORT_SOCKET, UPSTREAM_TLS_TYPE } from '../xds/translate/mesh-tls-sockets.js';
import { readinessListener, socketAddress, statsListener } from './bootstrap-listeners.js';
import {
  ADMIN_CLUSTER,
  ADMIN_PORT,
  CREDENTIALS_DIR,
  joinPath,
  TRELLIS_TLS_PORT,
  XDS_CLIENT_FILE,
  XDS_CLIENT_SECRET,
  XDS_CLUSTER,
  XDS_ROOT_FILE,
  XDS_ROOT_SECRET,
} from './sidecar-layout.js';

export const BOOTSTRAP_TYPE_URL = 'type.googleapis.com/envoy.config.bootstrap.v3.Bootstrap';

/** The pod's primary IP family: which wildcard and loopback addresses the sidecar binds. */
export type IpFamily = 'IPv4' | 'IPv6';

export interface ControlPlane {
  /** Trellis's namespace: its Service is `trellis.<namespace>.svc`. */
  readonly namespace: string;
  /** Host the ADS cluster resolves; default the Service's name, `trellis.<namespace>.svc`. */
  readonly host?: string;
  /** Default 15012. */
  readonly port?: number;
  /** SNI sent and DNS SAN required of Trellis's serving certificate; default `trellis.<namespace>.svc`. */
  readonly serverName?: string;
}

export interface SidecarBootstrapInput {
  readonly namespace: string;
  readonly serviceAccount: string;
  /** The pod's name, or a `$(POD_NAME)` reference Kubernetes expands (sidecar-container.ts). */
  readonly podName: string;
  /** The pod's IP, or a `$(POD_IP)` reference. */
  readonly podIp: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly trellisVersion: string;
  readonly controlPlane: ControlPlane;
  /** Default IPv4. */
  readonly ipFamily?: IpFamily;
  /** Default cluster.local. */
  readonly clusterDomain?: string;
  /**
   * Static listeners and clusters the pod patch adds (the rewritten probes' forwarding,
   * probe-rewrite.ts): they must answer before, and without, any xDS.
   */
  readonly extraListeners?: readonly Listener[];
  readonly extraClusters?: readonly Cluster[];
}

/** Istio's sidecar id, which proxyFromNode (src/model/proxy.ts) reads back. */
export function sidecarNodeId(input: {
  readonly namespace: string;
  readonly podName: string;
  readonly podIp: string;
  readonly clusterDomain?: string;
}): string {
  const domain = input.clusterDomain ?? 'cluster.local';
  return `sidecar~${input.podIp}~${input.podName}.${input.namespace}~${input.namespace}.svc.${domain}`;
}

export const trellisServerName = (cp: ControlPlane): string => cp.serverName ?? `trellis.${cp.namespace}.svc`;

export function sidecarBootstrap(input: SidecarBootstrapInput): Bootstrap {
  const family = input.ipFamily ?? 'IPv4';
  const loopback = family === 'IPv6' ? '::1' : '127.0.0.1';
  const labels = input.labels ?? {};
  const workload = labels['app.kubernetes.io/name'] ?? labels.app ?? input.serviceAccount;
  return {
    node: {
      id: sidecarNodeId(input),
      cluster: `${workload}.${input.namespace}`,
      // What nodeClaims (src/model/proxy.ts) compares with the stream's proved identity, plus what
      // an operator looks for in a config dump. LABELS are the pod's at injection time.
      metadata: {
        NAMESPACE: input.namespace,
        SERVICE_ACCOUNT: input.serviceAccount,
        LABELS: Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
        TRELLIS_VERSION: input.trellisVersion,
      },
    },
    admin: { address: socketAddress(loopback, ADMIN_PORT) },
    dynamic_resources: {
      // Delta: a changed Cluster or Listener costs that resource, not the whole set a SotW
      // response carries; Trellis serves both on one cache.
      ads_config: {
        api_type: 'DELTA_GRPC',
        transport_api_version: 'V3',
        grpc_services: [{ envoy_grpc: { cluster_name: XDS_CLUSTER } }],
        set_node_on_first_message_only: true,
      },
      cds_config: adsWaitingForever(),
      lds_config: adsWaitingForever(),
    },
    static_resources: {
      clusters: [
        xdsCluster(input.controlPlane, family),
        adminCluster(loopback),
        ...(input.extraClusters ?? []),
      ],
      listeners: [statsListener(family), readinessListener(family), ...(input.extraListeners ?? [])],
    },
    layered_runtime: {
      layers: [
        {
          name: 'static',
          static_layer: {
            // No global cap on downstream connections, said explicitly as Istio does: a cap here
            // would refuse the application's own connections, and without the key Envoy warns at
            // every start. re2.max_program_size stays at Envoy's 100 because Trellis checks every
            // regex against that default (src/re2.ts).
            'overload.global_downstream_max_connections': 2147483647,
          },
        },
        // Lets an operator change a runtime key through /runtime_modify without a restart.
        { name: 'admin', admin_layer: {} },
      ],
    },
  };
}

/** The bootstrap as Envoy reads it (JSON is YAML), keys in the order written. */
export function bootstrapJson(bootstrap: Bootstrap): string {
  return JSON.stringify(bootstrap);
}

/** The strict encoder and PGV checker every xDS resource passes. */
export function encodeBootstrap(bootstrap: Bootstrap): Result<Uint8Array, FieldError> {
  const encoded = encodeResource(BOOTSTRAP_TYPE_URL, bootstrap);
  return encoded.ok ? { ok: true, value: encoded.value.value } : encoded;
}

// Envoy becomes ready only once Trellis answered: with a 0 s initial fetch timeout the server's
// init never finishes on a timer, so /ready (and so the kubelet's readiness check) waits for the
// first Clusters and Listeners.
function adsWaitingForever(): ConfigSource {
  return { ads: {}, resource_api_version: 'V3', initial_fetch_timeout: '0s' };
}

/** An SDS secret read from a file the credential step replaces by rename (a move Envoy watches). */
export function fileSecret(name: string, file: string): SdsSecretConfig {
  return {
    name,
    sds_config: {
      path_config_source: {
        path: joinPath(CREDENTIALS_DIR, file),
        watched_directory: { path: CREDENTIALS_DIR },
      },
      resource_api_version: 'V3',
    },
  };
}

function xdsCluster(cp: ControlPlane, family: IpFamily): Cluster {
  const serverName = trellisServerName(cp);
  const tls: UpstreamTlsContext = {
    sni: serverName,
    common_tls_context: {
      // grpc-js's server (Node's HTTP/2) speaks only h2 and expects ALPN to say so.
      alpn_protocols: ['h2'],
      tls_certificate_sds_secret_configs: [fileSecret(XDS_CLIENT_SECRET, XDS_CLIENT_FILE)],
      combined_validation_context: {
        default_validation_context: {
          match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: serverName } }],
        },
        validation_context_sds_secret_config: fileSecret(XDS_ROOT_SECRET, XDS_ROOT_FILE),
      },
    },
  };
  return {
    name: XDS_CLUSTER,
    type: 'STRICT_DNS',
    connect_timeout: '1s',
    dns_lookup_family: family === 'IPv6' ? 'V6_ONLY' : 'V4_ONLY',
    load_assignment: {
      cluster_name: XDS_CLUSTER,
      endpoints: [
        {
          lb_endpoints: [
            { endpoint: { address: socketAddress(cp.host ?? serverName, cp.port ?? TRELLIS_TLS_PORT) } },
          ],
        },
      ],
    },
    typed_extension_protocol_options: {
      [HTTP_PROTOCOL_OPTIONS_KEY]: typed(HTTP_PROTOCOL_OPTIONS_TYPE, {
        explicit_http_config: { http2_protocol_options: {} },
      }),
    },
    transport_socket: { name: TLS_TRANSPORT_SOCKET, typed_config: typed(UPSTREAM_TLS_TYPE, tls) },
    // A control-plane connection that went away without a FIN (a node lost, a NAT entry dropped)
    // is noticed in minutes, not at the kernel's two hours, and Envoy reconnects.
    upstream_connection_options: { tcp_keepalive: { keepalive_time: 300 } },
  };
}

function adminCluster(loopback: string): Cluster {
  return {
    name: ADMIN_CLUSTER,
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: {
      cluster_name: ADMIN_CLUSTER,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(loopback, ADMIN_PORT) } }] }],
    },
  };
}
