// gRPC rejects a whole cluster it does not understand, and Envoy's validate rules do not catch that.
// So the proxyless output is fed, as bytes, to @grpc/grpc-js-xds's own CDS and EDS validation.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { BackendPolicy, TrafficPolicy } from '../../model/routing.js';
import { encodeResource } from '../envoy/resource-codec.js';
import { TYPE_URL } from '../envoy/type-urls.js';
import { endpoint, mesh, port, proxyless, service, slice, workload } from './test-fixtures.js';
import { translateProxy } from './translate-proxy.js';

interface Decoded {
  readonly error?: string;
  readonly value?: {
    readonly lbPolicyConfig?: readonly Record<string, unknown>[];
    readonly maxConcurrentRequests?: number;
    readonly endpoints?: readonly { readonly priority: number }[];
  };
}
interface ResourceType {
  get(): { decode(context: unknown, resource: { type_url: string; value: Buffer }): Decoded };
}

// Internal modules of the package: no public entry point validates a resource on its own.
const require = createRequire(import.meta.url);
const { ClusterResourceType } =
  require('@grpc/grpc-js-xds/build/src/xds-resource-type/cluster-resource-type.js') as {
    ClusterResourceType: ResourceType;
  };
const { EndpointResourceType } =
  require('@grpc/grpc-js-xds/build/src/xds-resource-type/endpoint-resource-type.js') as {
    EndpointResourceType: ResourceType;
  };
const context = { bootstrap: { certificateProviders: {} }, server: {} };

function decode(type: ResourceType, typeUrl: string, resource: unknown): Decoded {
  const encoded = encodeResource(typeUrl, resource);
  if (!encoded.ok) return { error: JSON.stringify(encoded.errors) };
  return type.get().decode(context, { type_url: typeUrl, value: Buffer.from(encoded.value.value) });
}

const grpc = port({ name: 'grpc', port: 9080, protocol: 'GRPC' });
const reviews = service('default', 'reviews', [grpc], { clusterIP: '10.96.0.1' });
const pod = (name: string) => ({ kind: 'Pod', namespace: 'default', name });

function translate(policy: TrafficPolicy) {
  const backendPolicy: BackendPolicy = {
    service: { namespace: 'default', name: 'reviews' },
    origin: { kind: 'DestinationRule', namespace: 'default', name: 'reviews' },
    policy,
    subsets: [
      {
        name: 'v2',
        labels: { version: 'v2' },
        policy: {
          loadBalancer: { kind: 'consistentHash', hashOn: { kind: 'sourceIP' }, minimumRingSize: 64 },
        },
      },
    ],
  };
  const m = mesh({
    services: [reviews],
    endpointSlices: [
      slice(
        'default',
        'reviews',
        [{ name: 'grpc', port: 9080 }],
        [
          endpoint(['10.1.0.1'], { zone: 'zone-a', targetRef: pod('v1') }),
          endpoint(['10.1.0.2'], { zone: 'zone-b', targetRef: pod('v2') }),
          endpoint(['10.1.0.3'], { zone: 'zone-c', targetRef: pod('v2') }),
        ],
      ),
    ],
    workloads: [
      workload('default', 'v1', { labels: { version: 'v1' } }),
      workload('default', 'v2', { labels: { version: 'v2' } }),
    ],
    routing: { routeTables: [], backendPolicies: [backendPolicy], rateLimits: [] },
  });
  return translateProxy(m, { ...proxyless, locality: { zone: 'zone-a' } });
}

describe('proxyless clusters as grpc-js-xds reads them', () => {
  it.each(['LEAST_REQUEST', 'RANDOM', 'PASSTHROUGH'] as const)(
    'accepts a %s policy as round robin, and a subset ring hash as a ring',
    (algorithm) => {
      const out = translate({
        loadBalancer: { kind: 'simple', algorithm },
        connectionPool: { tcp: { connectTimeoutMs: 100 }, http: { http2MaxRequests: 7, maxRetries: 2 } },
        outlierDetection: { consecutive5xxErrors: 3, intervalMs: 5_000 },
      });
      const decoded = out.clusters.map(
        (c) => [c.name, decode(ClusterResourceType, TYPE_URL.cluster, c)] as const,
      );
      expect(
        decoded.map(([name, d]) => [name, d.error, Object.keys(d.value?.lbPolicyConfig?.[0] ?? {})]),
      ).toEqual([
        ['outbound|9080|v2|reviews.default.svc.cluster.local', undefined, ['ring_hash']],
        ['outbound|9080||reviews.default.svc.cluster.local', undefined, ['xds_wrr_locality']],
      ]);
      expect(decoded.map(([, d]) => d.value?.maxConcurrentRequests)).toEqual([7, 7]);
    },
  );

  it('accepts failover priorities, renumbered without gaps for each subset', () => {
    const out = translate({
      outlierDetection: { consecutive5xxErrors: 3 },
      localityFailover: [{ from: 'zone-a', to: 'zone-c' }],
    });
    const decoded = out.endpoints.map((e) => decode(EndpointResourceType, TYPE_URL.endpoint, e));
    expect(decoded.map((d) => [d.error, d.value?.endpoints?.map((l) => l.priority)])).toEqual([
      [undefined, [0, 1]],
      [undefined, [0, 1, 2]],
    ]);
  });
});
