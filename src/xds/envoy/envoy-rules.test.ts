// One Envoy resource per rule kind that the messages Trellis sends use: each shows a violation
// rejected, with its path and rule, the way Envoy would NACK it.
import { describe, expect, it } from 'vitest';
import {
  edsCluster,
  FIXTURES,
  loadAssignment,
  ORIGINAL_DST,
  ROUTER,
  routeConfiguration,
  tlsSecret,
  virtualOutbound,
} from './envoy-fixtures.js';
import { encodeResource, type FieldError } from './resource-codec.js';
import { TYPE_URL } from './type-urls.js';

function violations(typeUrl: string, resource: unknown): Pick<FieldError, 'path' | 'rule'>[] {
  const result = encodeResource(typeUrl, resource);
  return result.ok ? [] : result.errors.map((e) => ({ path: e.path, rule: e.rule }));
}

function messages(typeUrl: string, resource: unknown): string[] {
  const result = encodeResource(typeUrl, resource);
  return result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
}

type Json = Record<string, unknown>;

const route = (patch: (r: Json) => void) => {
  const rc = routeConfiguration();
  patch(rc.virtual_hosts[0]?.routes[1] as Json);
  return rc;
};
const virtualHost = (patch: (vh: Json) => void) => {
  const rc = routeConfiguration();
  patch(rc.virtual_hosts[0] as Json);
  return rc;
};
const hcm = (patch: (h: Json) => void) => {
  const l = virtualOutbound();
  patch(l.filter_chains[0]?.filters[0]?.typed_config as Json);
  return l;
};
const cluster = (extra: Json) => ({ ...edsCluster(), ...extra });
const ROUTE_PATH = 'virtual_hosts[0].routes[1]';
const HCM_PATH = 'filter_chains[0].filters[0].typed_config';

describe('Envoy validate rules', () => {
  it('string.min_len: rejects an empty cluster name', () => {
    expect(messages(TYPE_URL.cluster, cluster({ name: '' }))).toEqual([
      'name: string.min_len: must be at least 1 characters, got 0',
    ]);
  });

  it('string.max_bytes: rejects a header name over 16 KiB', () => {
    const rc = virtualHost((vh) => {
      vh.request_headers_to_add = [{ header: { key: 'x'.repeat(16385), value: 'v' } }];
    });
    expect(violations(TYPE_URL.route, rc)).toEqual([
      { path: 'virtual_hosts[0].request_headers_to_add[0].header.key', rule: 'string.max_bytes' },
    ]);
  });

  it('string.well_known_regex with strict: false: rejects a header value with a newline', () => {
    const rc = virtualHost((vh) => {
      vh.request_headers_to_add = [{ header: { key: 'x-a', value: 'a\nb' } }];
    });
    expect(messages(TYPE_URL.route, rc)).toEqual([
      'virtual_hosts[0].request_headers_to_add[0].header.value: string.well_known_regex: must be a loosely valid ' +
        'HTTP header value (HTTP_HEADER_VALUE, strict: false), got "a\\nb"',
    ]);
  });

  it('string.in: rejects a scheme other than http or https', () => {
    const l = hcm((h) => {
      h.scheme_header_transformation = { scheme_to_overwrite: 'ftp' };
    });
    expect(messages(TYPE_URL.listener, l)).toEqual([
      `${HCM_PATH}.scheme_header_transformation.scheme_to_overwrite: string.in: must be one of ["http", "https"], got "ftp"`,
    ]);
  });

  it('string.pattern: rejects a path_separated_prefix ending in "/"', () => {
    const rc = route((r) => {
      r.match = { path_separated_prefix: '/api/' };
    });
    expect(messages(TYPE_URL.route, rc)).toEqual([
      `${ROUTE_PATH}.match.path_separated_prefix: string.pattern: must match RE2 pattern "^[^?#]+[^?#/]$", got "/api/"`,
    ]);
  });

  it('string.ignore_empty: skips an empty override_auto_sni_header but checks a set one', () => {
    const sni = (v: string) => cluster({ upstream_http_protocol_options: { override_auto_sni_header: v } });
    expect(violations(TYPE_URL.cluster, sni(''))).toEqual([]);
    expect(violations(TYPE_URL.cluster, sni('bad header'))).toEqual([
      { path: 'upstream_http_protocol_options.override_auto_sni_header', rule: 'string.well_known_regex' },
    ]);
  });

  it('bytes.max_len (with bytes.min_len 0): rejects a raw header value over 16 KiB', () => {
    const rc = virtualHost((vh) => {
      vh.request_headers_to_add = [
        { header: { key: 'x-a', raw_value: Buffer.alloc(16385, 97).toString('base64') } },
        { header: { key: 'x-b', raw_value: '' } },
      ];
    });
    expect(violations(TYPE_URL.route, rc)).toEqual([
      { path: 'virtual_hosts[0].request_headers_to_add[0].header.raw_value', rule: 'bytes.max_len' },
    ]);
  });

  it('bool.const: rejects any_match: false in a listener filter predicate', () => {
    const l = virtualOutbound();
    (l.listener_filters[0] as Json).filter_disabled = { any_match: false };
    expect(messages(TYPE_URL.listener, l)).toEqual([
      'listener_filters[0].filter_disabled.any_match: bool.const: must equal true, got false',
    ]);
  });

  it('double.gt: rejects a zero rate-limit fill rate', () => {
    const c = cluster({
      eds_cluster_config: {
        eds_config: {
          api_config_source: {
            api_type: 'GRPC',
            grpc_services: [{ envoy_grpc: { cluster_name: 'xds' } }],
            rate_limit_settings: { fill_rate: 0 },
          },
        },
      },
    });
    expect(violations(TYPE_URL.cluster, c)).toEqual([
      {
        path: 'eds_cluster_config.eds_config.api_config_source.rate_limit_settings.fill_rate',
        rule: 'double.gt',
      },
    ]);
  });

  it('double.gte and double.lte: rejects a panic threshold above 100%', () => {
    expect(
      messages(
        TYPE_URL.cluster,
        cluster({ common_lb_config: { healthy_panic_threshold: { value: 100.5 } } }),
      ),
    ).toEqual([
      'common_lb_config.healthy_panic_threshold.value: double.lte: must be inside range [0, 100], got 100.5',
    ]);
    expect(
      violations(TYPE_URL.cluster, cluster({ common_lb_config: { healthy_panic_threshold: { value: -1 } } })),
    ).toEqual([{ path: 'common_lb_config.healthy_panic_threshold.value', rule: 'double.gte' }]);
  });

  it('duration.gt: rejects a zero connect_timeout', () => {
    expect(messages(TYPE_URL.cluster, cluster({ connect_timeout: '0s' }))).toEqual([
      'connect_timeout: duration.gt: must be greater than 0s, got 0s',
    ]);
  });

  it('duration.gte: rejects an xDS gRPC retry back-off under 1ms', () => {
    const c = cluster({
      eds_cluster_config: {
        eds_config: {
          api_config_source: {
            api_type: 'GRPC',
            grpc_services: [
              {
                envoy_grpc: {
                  cluster_name: 'xds',
                  retry_policy: { retry_back_off: { base_interval: '0.000500s' } },
                },
              },
            ],
          },
        },
      },
    });
    expect(messages(TYPE_URL.cluster, c)).toEqual([
      'eds_cluster_config.eds_config.api_config_source.grpc_services[0].envoy_grpc.retry_policy.retry_back_off.' +
        'base_interval: duration.gte: must be at least 0.001s, got 0.000500s',
    ]);
  });

  it('duration.required: rejects a retry back-off without base_interval', () => {
    const rc = route((r) => {
      (r.route as Json).retry_policy = { retry_back_off: { max_interval: '1s' } };
    });
    expect(violations(TYPE_URL.route, rc)).toEqual([
      { path: `${ROUTE_PATH}.route.retry_policy.retry_back_off.base_interval`, rule: 'duration.required' },
    ]);
  });

  it('duration.lte with duration.gte below it: accepts 0s or at least 1s for a QUIC keepalive, nothing between', () => {
    const keepalive = (v: string) =>
      hcm((h) => {
        h.http3_protocol_options = { quic_protocol_options: { connection_keepalive: { max_interval: v } } };
      });
    expect(violations(TYPE_URL.listener, keepalive('0s'))).toEqual([]);
    expect(violations(TYPE_URL.listener, keepalive('5s'))).toEqual([]);
    expect(messages(TYPE_URL.listener, keepalive('0.5s'))).toEqual([
      `${HCM_PATH}.http3_protocol_options.quic_protocol_options.connection_keepalive.max_interval: ` +
        'duration.lte/gte: must be outside range (0s, 1s), got 0.500s',
    ]);
  });

  it('enum.defined_only: rejects an undefined lb_policy number', () => {
    expect(messages(TYPE_URL.cluster, cluster({ lb_policy: 99 }))).toEqual([
      'lb_policy: enum.defined_only: must be a defined value of envoy.config.cluster.v3.Cluster.LbPolicy, got 99',
    ]);
  });

  it('enum.not_in: rejects CONNECT as a health-check method', () => {
    const c = cluster({
      health_checks: [
        {
          timeout: '1s',
          interval: '5s',
          unhealthy_threshold: 3,
          healthy_threshold: 1,
          http_health_check: { path: '/healthz', method: 'CONNECT' },
        },
      ],
    });
    expect(messages(TYPE_URL.cluster, c)).toEqual([
      'health_checks[0].http_health_check.method: enum.not_in: must not be one of [CONNECT (6)], got CONNECT (6)',
    ]);
  });

  it('map.keys: rejects an empty filter_metadata key', () => {
    expect(messages(TYPE_URL.cluster, cluster({ metadata: { filter_metadata: { '': {} } } }))).toEqual([
      'metadata.filter_metadata[""]: string.min_len: must be at least 1 characters, got 0',
    ]);
  });

  it('map.min_pairs: rejects an empty exact-match map in a filter chain matcher', () => {
    const l = virtualOutbound();
    (l as Json).filter_chain_matcher = {
      matcher_tree: {
        // Any loaded message stands in for the input extension; only the map is under test.
        input: { name: 'input', typed_config: { '@type': ORIGINAL_DST } },
        exact_match_map: { map: {} },
      },
    };
    expect(violations(TYPE_URL.listener, l)).toEqual([
      { path: 'filter_chain_matcher.matcher_tree.exact_match_map.map', rule: 'map.min_pairs' },
    ]);
  });

  it('message.required: rejects a route without match', () => {
    const rc = route((r) => {
      delete r.match;
    });
    expect(messages(TYPE_URL.route, rc)).toEqual([
      `${ROUTE_PATH}.match: message.required: value is required`,
    ]);
  });

  it('oneof.required: rejects an address with no kind of address', () => {
    const cla = loadAssignment();
    (cla.endpoints[0]?.lb_endpoints[0]?.endpoint as Json).address = {};
    expect(messages(TYPE_URL.endpoint, cla)).toEqual([
      'endpoints[0].lb_endpoints[0].endpoint.address.address: oneof.required: exactly one of socket_address, pipe, ' +
        'envoy_internal_address must be set',
    ]);
  });

  it('repeated.min_items and repeated.items: rejects no domains, and a domain with a newline', () => {
    expect(
      violations(
        TYPE_URL.route,
        virtualHost((vh) => {
          vh.domains = [];
        }),
      ),
    ).toEqual([{ path: 'virtual_hosts[0].domains', rule: 'repeated.min_items' }]);
    expect(
      violations(
        TYPE_URL.route,
        virtualHost((vh) => {
          vh.domains = ['ok', 'a\nb'];
        }),
      ),
    ).toEqual([{ path: 'virtual_hosts[0].domains[1]', rule: 'string.well_known_regex' }]);
  });

  it('repeated.max_items: rejects more than 1000 headers to add on a weighted cluster', () => {
    const rc = route((r) => {
      r.route = {
        weighted_clusters: {
          clusters: [
            {
              name: 'a',
              weight: 1,
              request_headers_to_add: Array.from({ length: 1001 }, (_, i) => ({
                header: { key: `x-${i}`, value: '' },
              })),
            },
          ],
        },
      };
    });
    expect(violations(TYPE_URL.route, rc)).toEqual([
      {
        path: `${ROUTE_PATH}.route.weighted_clusters.clusters[0].request_headers_to_add`,
        rule: 'repeated.max_items',
      },
    ]);
  });

  it('repeated.unique: rejects a header copied twice on internal redirect', () => {
    const rc = route((r) => {
      (r.route as Json).internal_redirect_policy = { response_headers_to_copy: ['x-a', 'x-b', 'x-a'] };
    });
    expect(messages(TYPE_URL.route, rc)).toEqual([
      `${ROUTE_PATH}.route.internal_redirect_policy.response_headers_to_copy: repeated.unique: must contain unique ` +
        'items, but [2] repeats [0]',
    ]);
  });

  it('repeated.items with string.min_len: rejects an empty header name to remove', () => {
    const rc = route((r) => {
      r.request_headers_to_remove = ['x-a', ''];
    });
    expect(violations(TYPE_URL.route, rc)).toEqual([
      { path: `${ROUTE_PATH}.request_headers_to_remove[1]`, rule: 'string.min_len' },
    ]);
  });

  it('repeated.items with enum.defined_only: rejects an undefined gRPC status in an access-log filter', () => {
    const l = hcm((h) => {
      h.access_log = [{ name: 'log', filter: { grpc_status_filter: { statuses: ['OK', 99] } } }];
    });
    expect(violations(TYPE_URL.listener, l)).toEqual([
      { path: `${HCM_PATH}.access_log[0].filter.grpc_status_filter.statuses[1]`, rule: 'enum.defined_only' },
    ]);
  });

  it('repeated.items with string.in, inside a typed_config: rejects a router strict_check_header', () => {
    const l = hcm((h) => {
      h.http_filters = [
        { name: 'router', typed_config: { '@type': ROUTER, strict_check_headers: ['x-nope'] } },
      ];
    });
    expect(violations(TYPE_URL.listener, l)).toEqual([
      { path: `${HCM_PATH}.http_filters[0].typed_config.strict_check_headers[0]`, rule: 'string.in' },
    ]);
  });

  it('repeated.items with string.max_bytes: rejects an over-long SPKI pin', () => {
    const secret = { name: 'ca', validation_context: { verify_certificate_spki: ['A'.repeat(45)] } };
    expect(violations(TYPE_URL.secret, secret)).toEqual([
      { path: 'validation_context.verify_certificate_spki[0]', rule: 'string.max_bytes' },
    ]);
    expect(violations(TYPE_URL.secret, tlsSecret())).toEqual([]);
  });

  it('repeated.items with uint32.gte/lte: rejects source port 0', () => {
    const l = virtualOutbound();
    (l.filter_chains[0]?.filter_chain_match as Json).source_ports = [80, 0];
    expect(messages(TYPE_URL.listener, l)).toEqual([
      'filter_chains[0].filter_chain_match.source_ports[1]: uint32.gte: must be inside range [1, 65535], got 0',
    ]);
  });

  it('uint32.gte on a wrapper: rejects destination port 0', () => {
    const l = virtualOutbound();
    (l.filter_chains[0]?.filter_chain_match as Json).destination_port = 0;
    expect(violations(TYPE_URL.listener, l)).toEqual([
      { path: 'filter_chains[0].filter_chain_match.destination_port', rule: 'uint32.gte' },
    ]);
  });

  it('uint32.lte: rejects port 70000', () => {
    const cla = loadAssignment();
    (cla.endpoints[0]?.lb_endpoints[0]?.endpoint.address.socket_address as Json).port_value = 70000;
    expect(messages(TYPE_URL.endpoint, cla)).toEqual([
      'endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value: uint32.lte: must be at most 65535, got 70000',
    ]);
  });

  it('uint32.gt: rejects an overprovisioning factor of 0', () => {
    const cla = { ...loadAssignment(), policy: { overprovisioning_factor: 0 } };
    expect(violations(TYPE_URL.endpoint, cla)).toEqual([
      { path: 'policy.overprovisioning_factor', rule: 'uint32.gt' },
    ]);
  });

  it('uint32.lt: rejects direct-response status 600', () => {
    const rc = route((r) => {
      delete r.route;
      r.direct_response = { status: 600 };
    });
    expect(messages(TYPE_URL.route, rc)).toEqual([
      `${ROUTE_PATH}.direct_response.status: uint32.lt: must be inside range [200, 600), got 600`,
    ]);
  });

  it('uint64.gt and uint64.lt: rejects a UDP datagram size of 0 or 65536', () => {
    const udp = (size: number) => ({
      ...virtualOutbound(),
      udp_listener_config: { downstream_socket_config: { max_rx_datagram_size: size } },
    });
    expect(violations(TYPE_URL.listener, udp(1500))).toEqual([]);
    expect(violations(TYPE_URL.listener, udp(0))).toEqual([
      { path: 'udp_listener_config.downstream_socket_config.max_rx_datagram_size', rule: 'uint64.gt' },
    ]);
    expect(violations(TYPE_URL.listener, udp(65536))).toEqual([
      { path: 'udp_listener_config.downstream_socket_config.max_rx_datagram_size', rule: 'uint64.lt' },
    ]);
  });

  it('uint64.lte: rejects a ring over 8M entries', () => {
    expect(
      violations(TYPE_URL.cluster, cluster({ ring_hash_lb_config: { maximum_ring_size: '8388609' } })),
    ).toEqual([{ path: 'ring_hash_lb_config.maximum_ring_size', rule: 'uint64.lte' }]);
  });

  it('any.required: rejects an extension config without typed_config', () => {
    expect(messages(TYPE_URL.cluster, cluster({ typed_dns_resolver_config: { name: 'dns' } }))).toEqual([
      'typed_dns_resolver_config.typed_config: any.required: value is required',
    ]);
  });

  it('checks the contents of typed_configs, as Envoy does when it unpacks them', () => {
    const l = hcm((h) => {
      h.stat_prefix = '';
    });
    expect(violations(TYPE_URL.listener, l)).toEqual([
      { path: `${HCM_PATH}.stat_prefix`, rule: 'string.min_len' },
    ]);
  });

  it('reports every violation in a resource', () => {
    const c = cluster({ name: '', connect_timeout: '0s', lb_policy: 99 });
    expect(violations(TYPE_URL.cluster, c).map((e) => e.rule)).toEqual([
      'string.min_len',
      'duration.gt',
      'enum.defined_only',
    ]);
  });

  it('accepts the realistic resources', () => {
    for (const [, typeUrl, make] of FIXTURES) expect(violations(typeUrl, make())).toEqual([]);
  });
});
