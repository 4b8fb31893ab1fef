import { describe, expect, it } from 'vitest';
import {
  edsCluster,
  FIXTURES,
  HCM,
  loadAssignment,
  routeConfiguration,
  virtualOutbound,
} from './envoy-fixtures.js';
import { envoyType } from './proto-root.js';
import { decodeResource, encodeResource, type FieldError, formatFieldError } from './resource-codec.js';
import { TYPE_URL } from './type-urls.js';

function errorsOf(typeUrl: string, resource: unknown): readonly FieldError[] {
  const result = encodeResource(typeUrl, resource);
  if (result.ok) throw new Error('expected the resource to be rejected');
  return result.errors;
}

function formatted(typeUrl: string, resource: unknown): string[] {
  return errorsOf(typeUrl, resource).map(formatFieldError);
}

describe('encodeResource', () => {
  it.each(FIXTURES)(
    'round-trips a realistic %s through bytes and back to the same JSON',
    (_name, typeUrl, make) => {
      const result = encodeResource(typeUrl, make());
      expect(result.ok ? [] : result.errors.map(formatFieldError)).toEqual([]);
      if (!result.ok) return;
      expect(result.value.typeUrl).toBe(typeUrl);
      expect(result.value.value).toBeInstanceOf(Uint8Array);
      expect(decodeResource(typeUrl, result.value.value)).toEqual(make());
    },
  );

  it('produces the same bytes protobufjs would for the same message', () => {
    const cla = loadAssignment();
    const result = encodeResource(TYPE_URL.endpoint, cla);
    const type = envoyType('envoy.config.endpoint.v3.ClusterLoadAssignment');
    const reference = type
      .encode(
        type.fromObject({
          ...cla,
          endpoints: cla.endpoints.map((e) => ({
            ...e,
            load_balancing_weight: { value: e.load_balancing_weight },
            lb_endpoints: e.lb_endpoints.map((l) => ({
              ...l,
              health_status: 1,
              load_balancing_weight: { value: l.load_balancing_weight },
            })),
          })),
          policy: { overprovisioning_factor: { value: 140 } },
        }),
      )
      .finish();
    expect(result.ok && Buffer.from(result.value.value).equals(Buffer.from(reference))).toBe(true);
  });

  it('accepts non-canonical JSON forms and decodes them canonically', () => {
    const cluster = {
      ...edsCluster(),
      connect_timeout: '1.5s',
      ring_hash_lb_config: { minimum_ring_size: 1024 },
    };
    const result = encodeResource(TYPE_URL.cluster, cluster);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const decoded = decodeResource(TYPE_URL.cluster, result.value.value) as Record<string, unknown>;
    expect(decoded.connect_timeout).toBe('1.500s');
    expect(decoded.ring_hash_lb_config).toEqual({ minimum_ring_size: '1024' });
  });

  it('accepts lowerCamel JSON names and omits proto3 defaults from the bytes', () => {
    const camel = encodeResource(TYPE_URL.cluster, {
      name: 'c',
      connectTimeout: '1s',
      edsClusterConfig: { edsConfig: { ads: {} } },
      respect_dns_ttl: false,
      lb_policy: 'ROUND_ROBIN',
    });
    const snake = encodeResource(TYPE_URL.cluster, {
      name: 'c',
      connect_timeout: '1s',
      eds_cluster_config: { eds_config: { ads: {} } },
    });
    expect(
      camel.ok && snake.ok && Buffer.from(camel.value.value).equals(Buffer.from(snake.value.value)),
    ).toBe(true);
  });

  it('accepts Struct as plain JSON and wrappers as bare values', () => {
    const cla = loadAssignment();
    expect(encodeResource(TYPE_URL.endpoint, cla).ok).toBe(true);
    expect(encodeResource(TYPE_URL.cluster, edsCluster()).ok).toBe(true);
  });

  it('rejects a wrapper written as a message instead of a bare value', () => {
    const cla = { ...loadAssignment(), policy: { overprovisioning_factor: { value: 140 } } };
    expect(formatted(TYPE_URL.endpoint, cla)).toEqual([
      'policy.overprovisioning_factor: expected an integer (uint32) as a number or a decimal string, found an object',
    ]);
  });

  it('rejects an unknown field with its exact path, where protobufjs fromObject would drop it', () => {
    const listener = virtualOutbound();
    const hcm = listener.filter_chains[0]?.filters[0]?.typed_config as Record<string, unknown>;
    hcm.http_filters = [{ name: 'envoy.filters.http.router', typed_confg: { '@type': 'x' } }];
    expect(formatted(TYPE_URL.listener, listener)).toEqual([
      'filter_chains[0].filters[0].typed_config.http_filters[0].typed_confg: unknown field "typed_confg" in ' +
        'envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter (did you mean "typed_config"?)',
    ]);

    // What protobufjs does with the same typo: the field silently vanishes.
    const type = envoyType('envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter');
    const lossy = type.toObject(type.fromObject({ name: 'router', typed_confg: {} }));
    expect(lossy).toEqual({ name: 'router' });
  });

  it('rejects a field given both by its proto name and its JSON name', () => {
    const cluster = { ...edsCluster(), connectTimeout: '2s' };
    expect(formatted(TYPE_URL.cluster, cluster)).toEqual([
      'connect_timeout: field given twice, as "connect_timeout" and as "connectTimeout"',
    ]);
  });

  it('rejects a wrong type deep inside a typed_config with the full path', () => {
    const listener = virtualOutbound();
    const chain = listener.filter_chains[0] as { filters: { typed_config: Record<string, unknown> }[] };
    const hcm = chain.filters[0]?.typed_config as Record<string, unknown>;
    delete hcm.rds;
    hcm.route_config = {
      name: 'inline',
      virtual_hosts: [
        { name: 'a', domains: ['a'] },
        { name: 'b', domains: ['b'] },
        { name: 'c', domains: [42] },
      ],
    };
    chain.filters.unshift({
      typed_config: { '@type': TYPE_URL.cluster.replace('Cluster', 'Filter'), name: 'f' },
    });
    expect(formatted(TYPE_URL.listener, listener)).toContain(
      'filter_chains[0].filters[1].typed_config.route_config.virtual_hosts[2].domains[0]: expected a string, found number 42',
    );
  });

  it.each([
    [
      'a string for a number',
      { port_value: 'eighty' },
      'expected an integer (uint32) as a number or a decimal string, found string "eighty"',
    ],
    ['a fraction for an integer', { port_value: 80.5 }, 'expected an integer (uint32), found number 80.5'],
    ['a number for a string', { address: 10 }, 'expected a string, found number 10'],
    ['a number for a bool', { ipv4_compat: 1 }, 'expected a boolean, found number 1'],
    [
      'an array for a message',
      { port_value: 80, address: '10.0.0.1', protocol: [] },
      'expected an enum value name (envoy.config.core.v3.SocketAddress.Protocol) or an int32, found an array (length 0)',
    ],
  ])('rejects %s', (_what, socketAddress, message) => {
    const cla = loadAssignment();
    const lb = cla.endpoints[0]?.lb_endpoints[0] as { endpoint: { address: { socket_address: unknown } } };
    lb.endpoint.address.socket_address = { address: '10.0.0.1', port_value: 80, ...socketAddress };
    const errors = errorsOf(TYPE_URL.endpoint, cla);
    expect(errors[0]?.message).toBe(message);
    expect(errors[0]?.path).toMatch(
      /^endpoints\[0\]\.lb_endpoints\[0\]\.endpoint\.address\.socket_address\./,
    );
  });

  it('rejects an object where an array belongs, and an array where an object belongs', () => {
    const route = routeConfiguration();
    const vh = route.virtual_hosts[0] as Record<string, unknown>;
    vh.domains = { web: true };
    vh.routes = [[]];
    expect(formatted(TYPE_URL.route, route)).toEqual([
      'virtual_hosts[0].domains: expected an array (repeated field), found an object',
      'virtual_hosts[0].routes[0]: expected an object (envoy.config.route.v3.Route), found an array (length 0)',
    ]);
  });

  it('rejects an unknown enum name, listing allowed names', () => {
    const cluster = { ...edsCluster(), lb_policy: 'LEAST_REQUESTS' };
    expect(formatted(TYPE_URL.cluster, cluster)).toEqual([
      'lb_policy: unknown enum value "LEAST_REQUESTS" for envoy.config.cluster.v3.Cluster.LbPolicy (did you mean ' +
        '"LEAST_REQUEST"?); expected one of ROUND_ROBIN, LEAST_REQUEST, RING_HASH, RANDOM, MAGLEV, CLUSTER_PROVIDED, ' +
        'LOAD_BALANCING_POLICY_CONFIG',
    ]);
  });

  it('accepts an enum given as its number', () => {
    expect(encodeResource(TYPE_URL.cluster, { ...edsCluster(), lb_policy: 1 }).ok).toBe(true);
  });

  it('rejects an unresolvable @type, naming the path', () => {
    const listener = virtualOutbound();
    const filter = listener.listener_filters[1] as { typed_config: Record<string, unknown> };
    filter.typed_config = {
      '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspectr',
    };
    expect(formatted(TYPE_URL.listener, listener)).toEqual([
      'listener_filters[1].typed_config.@type: unresolvable type URL ' +
        '"type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspectr": no message named ' +
        '"envoy.extensions.filters.listener.tls_inspector.v3.TlsInspectr" is loaded',
    ]);
  });

  it('rejects a short type name in @type even though protobufjs lookup would find it', () => {
    const listener = virtualOutbound();
    const filter = listener.listener_filters[1] as { typed_config: Record<string, unknown> };
    filter.typed_config = { '@type': 'type.googleapis.com/TlsInspector' };
    expect(errorsOf(TYPE_URL.listener, listener)[0]?.path).toBe('listener_filters[1].typed_config.@type');
  });

  it('checks the fields inside a typed_config against their own type', () => {
    const listener = virtualOutbound();
    const filter = listener.listener_filters[0] as { typed_config: Record<string, unknown> };
    filter.typed_config = { '@type': HCM, stat_prefix: 's', codec_type: 'HTTP4' };
    expect(formatted(TYPE_URL.listener, listener)[0]).toMatch(
      /^listener_filters\[0\]\.typed_config\.codec_type: unknown enum value "HTTP4"/,
    );
  });

  it.each([
    ['1.5', 'expected a duration like "1.5s"'],
    ['1.5m', 'expected a duration like "1.5s"'],
    ['1.0000000001s', 'expected a duration like "1.5s"'],
    ['315576000001s', 'duration out of range'],
    [1.5, 'expected a duration string, found number 1.5'],
  ])('rejects the bad duration %j', (value, message) => {
    const errors = errorsOf(TYPE_URL.cluster, { ...edsCluster(), connect_timeout: value });
    expect(errors).toHaveLength(1);
    expect(errors[0]?.path).toBe('connect_timeout');
    expect(errors[0]?.message).toContain(message);
  });

  it.each([
    [4294967296, 'uint32 out of range [0, 4294967295]: 4294967296'],
    [-1, 'uint32 out of range [0, 4294967295]: -1'],
    ['99999999999', 'uint32 out of range [0, 4294967295]: 99999999999'],
  ])('rejects the out-of-range integer %j', (value, message) => {
    const cla = { ...loadAssignment(), policy: { overprovisioning_factor: value } };
    expect(formatted(TYPE_URL.endpoint, cla)).toEqual([`policy.overprovisioning_factor: ${message}`]);
  });

  it('rejects a uint64 above 2^64-1 and accepts 2^64-1 as a string', () => {
    const ring = (v: unknown) => ({ ...edsCluster(), ring_hash_lb_config: { maximum_ring_size: v } });
    expect(formatted(TYPE_URL.cluster, ring('18446744073709551616'))[0]).toContain('uint64 out of range');
    // PGV then caps it at 8M, which shows the value got through conversion intact.
    expect(formatted(TYPE_URL.cluster, ring('18446744073709551615'))).toEqual([
      'ring_hash_lb_config.maximum_ring_size: uint64.lte: must be at most 8388608, got 18446744073709551615',
    ]);
  });

  it('rejects two members of one oneof', () => {
    const cla = loadAssignment();
    const lb = cla.endpoints[0]?.lb_endpoints[0] as { endpoint: { address: Record<string, unknown> } };
    lb.endpoint.address.pipe = { path: '/tmp/sock' };
    expect(formatted(TYPE_URL.endpoint, cla)).toEqual([
      'endpoints[0].lb_endpoints[0].endpoint.address.pipe: oneof "address" takes one field, but both ' +
        '"socket_address" and "pipe" are set',
    ]);
  });

  it('treats null as unset, as proto3 JSON does', () => {
    const cluster = { ...edsCluster(), lb_policy: null, circuit_breakers: null };
    const result = encodeResource(TYPE_URL.cluster, cluster);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const decoded = decodeResource(TYPE_URL.cluster, result.value.value) as Record<string, unknown>;
    expect(decoded.lb_policy).toBeUndefined();
    expect(decoded.circuit_breakers).toBeUndefined();
  });

  it('rejects a non-object resource and an unknown resource type without throwing', () => {
    expect(formatted(TYPE_URL.cluster, 'cluster')).toEqual([
      'expected an object (envoy.config.cluster.v3.Cluster), found string "cluster"',
    ]);
    expect(formatted('type.googleapis.com/envoy.config.cluster.v3.Clusters', {})).toEqual([
      'unknown resource type URL "type.googleapis.com/envoy.config.cluster.v3.Clusters"',
    ]);
  });

  it('runs the validate rules after conversion', () => {
    expect(errorsOf(TYPE_URL.cluster, { ...edsCluster(), name: '' })).toEqual([
      {
        path: 'name',
        rule: 'string.min_len',
        message: 'string.min_len: must be at least 1 characters, got 0',
      },
    ]);
  });

  it('reports every problem in a resource, not just the first', () => {
    const cluster = { ...edsCluster(), nmae: 'x', lb_policy: 'NOPE', connect_timeout: 'soon' };
    expect(errorsOf(TYPE_URL.cluster, cluster).map((e) => e.path)).toEqual([
      'connect_timeout',
      'lb_policy',
      'nmae',
    ]);
  });
});

describe('formatFieldError', () => {
  it('joins path and message, and leaves a root error as its message', () => {
    expect(formatFieldError({ path: 'a.b[0]', message: 'bad' })).toBe('a.b[0]: bad');
    expect(formatFieldError({ path: '', message: 'bad' })).toBe('bad');
  });
});

describe('encodeResource on hostile input', () => {
  it('rejects a cyclic object instead of overflowing the stack', () => {
    const struct: Record<string, unknown> = {};
    struct.self = struct;
    const errors = errorsOf(TYPE_URL.cluster, {
      ...edsCluster(),
      metadata: { filter_metadata: { x: struct } },
    });
    expect(errors[0]?.message).toBe('nested more than 100 levels deep (a cycle?)');
  });

  it('keeps "__proto__" as an ordinary Struct key', () => {
    const metadata = JSON.parse('{"filter_metadata": {"x": {"__proto__": {"polluted": true}}}}');
    const result = encodeResource(TYPE_URL.cluster, { ...edsCluster(), metadata });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const decoded = decodeResource(TYPE_URL.cluster, result.value.value) as { metadata: unknown };
    expect(JSON.stringify(decoded.metadata)).toBe(
      '{"filter_metadata":{"x":{"__proto__":{"polluted":true}}}}',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
