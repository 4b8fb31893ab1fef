import { describe, expect, it } from 'vitest';
import type { BackendPolicy, LoadBalancer } from '../../model/routing.js';
import { type ClientDialect, clientDialect, dialectOf } from './client-dialect.js';
import { hashPolicies } from './route-hash-policy.js';

const grpcWithRing = clientDialect({
  kind: 'grpc',
  language: 'go',
  version: { major: 1, minor: 41, patch: 0 },
});
const grpcWithoutRing = clientDialect({
  kind: 'grpc',
  language: 'go',
  version: { major: 1, minor: 40, patch: 9 },
});
const dialects: Record<'envoy' | 'grpc', ClientDialect> = { envoy: dialectOf('envoy'), grpc: grpcWithRing };

const ref = (name: string) => ({ namespace: 'default', name });
const hashing = (
  name: string,
  hashOn: Extract<LoadBalancer, { kind: 'consistentHash' }>['hashOn'],
): BackendPolicy => ({
  service: ref(name),
  origin: { kind: 'DestinationRule', namespace: 'default', name },
  policy: { loadBalancer: { kind: 'consistentHash', hashOn } },
  subsets: [],
});

describe('hash policies', () => {
  const policies = [
    hashing('header', { kind: 'header', name: 'x-user' }),
    hashing('cookie', { kind: 'cookie', name: 'id', ttlMs: 60_000, path: '/' }),
    hashing('ip', { kind: 'sourceIP' }),
    hashing('query', { kind: 'queryParam', name: 'u' }),
    {
      ...hashing('simple', { kind: 'sourceIP' }),
      policy: { loadBalancer: { kind: 'simple', algorithm: 'RANDOM' } },
    },
  ] satisfies BackendPolicy[];
  const of = (name: string, client: 'envoy' | 'grpc') =>
    hashPolicies(policies, [{ service: ref(name) }], 80, dialects[client]);

  it('hash what the destination policy says', () => {
    expect(of('header', 'envoy')).toEqual([{ header: { header_name: 'x-user' } }]);
    expect(of('cookie', 'envoy')).toEqual([{ cookie: { name: 'id', ttl: '60s', path: '/' } }]);
    expect(of('ip', 'envoy')).toEqual([{ connection_properties: { source_ip: true } }]);
    expect(of('query', 'envoy')).toEqual([{ query_parameter: { name: 'u' } }]);
    expect(of('simple', 'envoy')).toBeUndefined();
  });

  it('give gRPC a header, or its channel for source-IP affinity, and nothing it cannot hash', () => {
    expect(of('header', 'grpc')).toEqual([{ header: { header_name: 'x-user' } }]);
    expect(of('ip', 'grpc')).toEqual([{ filter_state: { key: 'io.grpc.channel_id' } }]);
    expect(of('cookie', 'grpc')).toBeUndefined();
    expect(of('query', 'grpc')).toBeUndefined();
  });

  it('follow the first destination of a split that hashes', () => {
    expect(
      hashPolicies(policies, [{ service: ref('simple') }, { service: ref('query') }], 80, dialects.envoy),
    ).toEqual([{ query_parameter: { name: 'u' } }]);
  });

  it('give a gRPC release before ring hash (gRFC A42) no hash policy at all', () => {
    expect(hashPolicies(policies, [{ service: ref('header') }], 80, grpcWithoutRing)).toBeUndefined();
    expect(hashPolicies(policies, [{ service: ref('header') }], 80, dialectOf('grpc'))).toBeUndefined();
  });
});
