import { describe, expect, it } from 'vitest';
import type { Mesh } from '../../model/mesh.js';
import type { MeshProxy } from '../../model/proxy.js';
import { inboundClusters, inboundListener, workloadInboundPorts } from './inbound.js';
import { findWorkload } from './own-workload.js';
import { mesh, port, service, sidecar, workload } from './test-fixtures.js';

const inboundPorts = (m: Mesh, proxy: MeshProxy) => workloadInboundPorts(m, findWorkload(m, proxy));

const pod = workload('default', 'client-0', {
  ip: '10.0.0.9',
  labels: { app: 'client', version: 'v1' },
  ports: [
    { name: 'http-web', port: 9080, protocol: 'TCP' },
    { name: 'metrics', port: 9100, protocol: 'TCP' },
  ],
});

describe('the proxy own pod', () => {
  it('is found by pod name and namespace, else by IP', () => {
    const other = workload('default', 'other', { ip: '10.0.0.9' });
    expect(findWorkload(mesh({ workloads: [other, pod] }), sidecar)).toBe(pod);
    expect(findWorkload(mesh({ workloads: [other] }), sidecar)).toBe(other);
    expect(findWorkload(mesh({ workloads: [] }), sidecar)).toBeUndefined();
  });
});

describe('inbound ports', () => {
  it('come from services selecting the pod, with named target ports resolved on the pod', () => {
    const web = service(
      'default',
      'client',
      [
        port({ name: 'http', port: 80, protocol: 'HTTP', targetPort: 'http-web' }),
        port({ name: 'missing', port: 81, protocol: 'HTTP', targetPort: 'no-such-port' }),
        port({ name: 'udp', port: 82, transport: 'UDP', targetPort: 82 }),
      ],
      { selector: { app: 'client' } },
    );
    const metrics = service(
      'default',
      'metrics',
      [port({ name: 'tcp', port: 9100, targetPort: 'metrics' })],
      {
        selector: { app: 'client', version: 'v1' },
      },
    );
    const notMine = service('default', 'nope', [port({ port: 7000 })], { selector: { app: 'other' } });
    const noSelector = service('default', 'manual', [port({ port: 7001 })]);
    const otherNs = service('shop', 'client', [port({ port: 7002 })], { selector: { app: 'client' } });
    const m = mesh({ services: [web, metrics, notMine, noSelector, otherNs], workloads: [pod] });
    expect(inboundPorts(m, sidecar)).toEqual([
      { port: 9080, protocol: 'HTTP', mtls: 'PERMISSIVE' },
      { port: 9100, protocol: 'TCP', mtls: 'PERMISSIVE' },
    ]);
  });

  it('prefer HTTP over TCP when services disagree about a port', () => {
    const tcp = service('default', 'a', [port({ name: 'tcp', port: 9080, targetPort: 9080 })], {
      selector: { app: 'client' },
    });
    const http = service(
      'default',
      'b',
      [port({ name: 'http', port: 80, protocol: 'HTTP', targetPort: 9080 })],
      {
        selector: { app: 'client' },
      },
    );
    expect(inboundPorts(mesh({ services: [tcp, http], workloads: [pod] }), sidecar)).toEqual([
      { port: 9080, protocol: 'HTTP', mtls: 'PERMISSIVE' },
    ]);
  });

  it('carry the rate limits of the services that target them, on the target port', () => {
    const web = service(
      'default',
      'web',
      [port({ name: 'http', port: 80, protocol: 'HTTP', targetPort: 9080 })],
      {
        selector: { app: 'client' },
      },
    );
    const limit = (name: string, servicePort?: number) => ({
      origin: { kind: 'LocalRateLimitPolicy', namespace: 'default', name },
      service: { namespace: 'default', name: 'web' },
      ...(servicePort !== undefined ? { port: servicePort } : {}),
      tokensPerFill: 1,
      fillIntervalMs: 1000,
      maxTokens: 1,
      status: 429,
    });
    const m = mesh({
      services: [web],
      workloads: [pod],
      routing: {
        routeTables: [],
        backendPolicies: [],
        rateLimits: [limit('all'), limit('p80', 80), limit('p81', 81)],
      },
    });
    expect(inboundPorts(m, sidecar)).toEqual([
      { port: 9080, protocol: 'HTTP', rateLimits: [limit('p80', 80), limit('all')], mtls: 'PERMISSIVE' },
    ]);
  });

  it('are none for an unknown pod', () => {
    const web = service('default', 'client', [port({ port: 80 })], { selector: { app: 'client' } });
    expect(inboundPorts(mesh({ services: [web] }), sidecar)).toEqual([]);
  });
});

describe('virtualInbound', () => {
  const listener = inboundListener([
    { port: 9080, protocol: 'HTTP' },
    { port: 9100, protocol: 'TCP' },
  ]);

  it('has a chain per port to inbound|<port>||, HTTP with inline routes', () => {
    expect(listener.address).toEqual({ socket_address: { address: '0.0.0.0', port_value: 15006 } });
    expect(listener.traffic_direction).toBe('INBOUND');
    const [http, tcp] = listener.filter_chains ?? [];
    expect(http?.name).toBe('inbound|9080||');
    expect(http?.filter_chain_match).toEqual({ destination_port: 9080 });
    expect(http?.filters?.[0]?.typed_config).toMatchObject({
      route_config: {
        name: 'inbound|9080||',
        virtual_hosts: [
          { name: 'inbound|http|9080', domains: ['*'], routes: [{ route: { cluster: 'inbound|9080||' } }] },
        ],
      },
      http_filters: [{ name: 'envoy.filters.http.router' }],
    });
    expect(tcp?.filters?.[0]?.typed_config).toMatchObject({ cluster: 'inbound|9100||' });
  });

  it('black-holes connections addressed to 15006 itself and passes the rest through', () => {
    expect(listener.filter_chains?.at(-1)).toMatchObject({
      filter_chain_match: { destination_port: 15006 },
      filters: [{ typed_config: { cluster: 'BlackHoleCluster' } }],
    });
    expect(listener.default_filter_chain?.filters?.[0]?.typed_config).toMatchObject({
      cluster: 'InboundPassthroughCluster',
    });
  });

  it('has original-destination clusters bound to 127.0.0.6, HTTP/2 for gRPC ports', () => {
    const [grpc, tcp] = inboundClusters([
      { port: 9090, protocol: 'GRPC' },
      { port: 9100, protocol: 'TCP' },
    ]);
    expect(grpc).toMatchObject({
      name: 'inbound|9090||',
      type: 'ORIGINAL_DST',
      lb_policy: 'CLUSTER_PROVIDED',
      upstream_bind_config: { source_address: { address: '127.0.0.6', port_value: 0 } },
      typed_extension_protocol_options: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
          explicit_http_config: { http2_protocol_options: {} },
        },
      },
    });
    expect(tcp?.typed_extension_protocol_options).toBeUndefined();
  });
});
