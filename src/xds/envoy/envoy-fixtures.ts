// Realistic resources in proto3 JSON, shaped like what the translators emit for a sidecar, for the
// codec and validator tests. Canonical forms throughout ("1.500s", int64 as strings) so that
// decode(encode(x)) equals x.
import { TYPE_URL } from './type-urls.js';

const ANY = 'type.googleapis.com/';
export const ORIGINAL_DST = `${ANY}envoy.extensions.filters.listener.original_dst.v3.OriginalDst`;
export const TLS_INSPECTOR = `${ANY}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector`;
export const HTTP_INSPECTOR = `${ANY}envoy.extensions.filters.listener.http_inspector.v3.HttpInspector`;
export const HCM = `${ANY}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`;
export const ROUTER = `${ANY}envoy.extensions.filters.http.router.v3.Router`;
export const TCP_PROXY = `${ANY}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`;

const ads = { ads: {}, resource_api_version: 'V3' };

export function virtualOutbound() {
  return {
    name: 'virtualOutbound',
    address: { socket_address: { address: '0.0.0.0', port_value: 15001 } },
    filter_chains: [
      {
        filter_chain_match: {
          destination_port: 80,
          prefix_ranges: [{ address_prefix: '10.96.0.10', prefix_len: 32 }],
          application_protocols: ['http/1.1', 'h2c'],
        },
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': HCM,
              stat_prefix: 'outbound_10.96.0.10_80',
              rds: { config_source: ads, route_config_name: 'web.default.svc.cluster.local:80' },
              http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
              use_remote_address: false,
              stream_idle_timeout: '300s',
            },
          },
        ],
        name: 'outbound_10.96.0.10_80',
      },
      {
        filter_chain_match: {
          destination_port: 5432,
          prefix_ranges: [{ address_prefix: '10.96.0.11', prefix_len: 32 }],
        },
        filters: [
          {
            name: 'envoy.filters.network.tcp_proxy',
            typed_config: {
              '@type': TCP_PROXY,
              stat_prefix: 'outbound|5432||db.default.svc.cluster.local',
              cluster: 'outbound|5432||db.default.svc.cluster.local',
              idle_timeout: '3600s',
            },
          },
        ],
        name: 'outbound_10.96.0.11_5432',
      },
    ],
    use_original_dst: true,
    listener_filters: [
      { name: 'envoy.filters.listener.original_dst', typed_config: { '@type': ORIGINAL_DST } },
      { name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': TLS_INSPECTOR } },
      { name: 'envoy.filters.listener.http_inspector', typed_config: { '@type': HTTP_INSPECTOR } },
    ],
    listener_filters_timeout: '0.100s',
    traffic_direction: 'OUTBOUND',
    continue_on_listener_filters_timeout: true,
    default_filter_chain: {
      filters: [
        {
          name: 'envoy.filters.network.tcp_proxy',
          typed_config: {
            '@type': TCP_PROXY,
            stat_prefix: 'PassthroughCluster',
            cluster: 'PassthroughCluster',
          },
        },
      ],
      name: 'PassthroughFilterChain',
    },
  };
}

export function edsCluster() {
  return {
    name: 'outbound|80||web.default.svc.cluster.local',
    type: 'EDS',
    eds_cluster_config: { eds_config: ads, service_name: 'outbound|80||web.default.svc.cluster.local' },
    connect_timeout: '1.500s',
    lb_policy: 'LEAST_REQUEST',
    circuit_breakers: { thresholds: [{ max_connections: 1024, max_retries: 3 }] },
    common_lb_config: { healthy_panic_threshold: { value: 50 } },
    ring_hash_lb_config: { minimum_ring_size: '1024' },
    metadata: {
      filter_metadata: { trellis: { service: 'web', ports: [80, 8080], canary: false, owner: null } },
    },
  };
}

export function loadAssignment() {
  return {
    cluster_name: 'outbound|80||web.default.svc.cluster.local',
    endpoints: [
      {
        locality: { region: 'us-east1', zone: 'us-east1-b' },
        lb_endpoints: [
          {
            endpoint: { address: { socket_address: { address: '10.1.0.5', port_value: 8080 } } },
            health_status: 'HEALTHY',
            load_balancing_weight: 1,
          },
          {
            endpoint: { address: { socket_address: { address: '10.1.0.6', port_value: 8080 } } },
            health_status: 'HEALTHY',
            load_balancing_weight: 3,
          },
        ],
        load_balancing_weight: 4,
      },
    ],
    policy: { overprovisioning_factor: 140 },
  };
}

export function routeConfiguration() {
  return {
    name: 'web.default.svc.cluster.local:80',
    virtual_hosts: [
      {
        name: 'web.default.svc.cluster.local:80',
        domains: ['web', 'web.default', 'web.default.svc.cluster.local', 'web:80'],
        routes: [
          {
            match: { prefix: '/api', headers: [{ name: 'x-canary', string_match: { exact: 'true' } }] },
            route: {
              weighted_clusters: {
                clusters: [
                  { name: 'outbound|80|v2|web.default.svc.cluster.local', weight: 10 },
                  { name: 'outbound|80|v1|web.default.svc.cluster.local', weight: 90 },
                ],
              },
              timeout: '15s',
            },
          },
          {
            match: { prefix: '/' },
            route: {
              cluster: 'outbound|80||web.default.svc.cluster.local',
              timeout: '0s',
              retry_policy: { retry_on: '5xx,connect-failure', num_retries: 2 },
            },
            name: 'default',
          },
        ],
      },
    ],
    validate_clusters: false,
  };
}

export function tlsSecret() {
  return {
    name: 'default',
    tls_certificate: {
      certificate_chain: { inline_string: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' },
      private_key: { inline_bytes: 'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCg==' },
    },
  };
}

export const FIXTURES = [
  ['Listener', TYPE_URL.listener, virtualOutbound],
  ['Cluster', TYPE_URL.cluster, edsCluster],
  ['ClusterLoadAssignment', TYPE_URL.endpoint, loadAssignment],
  ['RouteConfiguration', TYPE_URL.route, routeConfiguration],
  ['Secret', TYPE_URL.secret, tlsSecret],
] as const;
