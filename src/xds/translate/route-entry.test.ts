import { describe, expect, it } from 'vitest';
import type { HttpRoute } from '../../model/routing.js';
import { clientDialect, dialectOf } from './client-dialect.js';
import { lowerHttpRoute, type RouteTarget } from './route-entry.js';
import { mesh, port, service } from './test-fixtures.js';

const reviews = service('default', 'reviews', [port({ name: 'http', port: 80, protocol: 'HTTP' })]);
const origin = { kind: 'HTTPRoute', namespace: 'default', name: 'reviews' };
const to = (weight: number) => ({
  kind: 'service' as const,
  service: { namespace: 'default', name: 'reviews' },
  weight,
});
const invalid = (status: number) => ({
  kind: 'invalid' as const,
  weight: 1,
  status,
  reason: 'BackendNotFound',
});
const target = (client: 'envoy' | 'grpc'): RouteTarget => ({
  mesh: mesh({ services: [reviews] }),
  service: reviews,
  port: reviews.ports[0]!,
  // A current gRPC release: the forms older releases need have their own tests (route-match, goldens).
  dialect:
    client === 'envoy'
      ? dialectOf('envoy')
      : clientDialect({ kind: 'grpc', language: 'node', version: { major: 1, minor: 14, patch: 1 } }),
});
const route = (extra: Partial<HttpRoute>): HttpRoute => ({
  name: 'r',
  origin,
  match: {},
  action: { kind: 'forward', backends: [to(1)] },
  ...extra,
});

describe('one route for Envoy', () => {
  it('sends a single backend to its cluster with no route timeout', () => {
    expect(lowerHttpRoute(route({}), target('envoy'))).toEqual({
      name: 'r',
      match: { prefix: '/' },
      route: { cluster: 'outbound|80||reviews.default.svc.cluster.local', timeout: '0s' },
    });
  });

  it('answers a split with no weight at all with a direct 500', () => {
    const lowered = lowerHttpRoute(
      route({ action: { kind: 'forward', backends: [to(0)] } }),
      target('envoy'),
    );
    expect(lowered?.direct_response).toEqual({ status: 500 });
  });

  it('answers the invalid share with the status Envoy offers closest to the one asked for', () => {
    const code = (status: number) =>
      lowerHttpRoute(
        route({ action: { kind: 'forward', backends: [to(1), invalid(status)] } }),
        target('envoy'),
      )?.route?.cluster_not_found_response_code;
    expect(code(500)).toBe('INTERNAL_SERVER_ERROR');
    expect(code(503)).toBe('SERVICE_UNAVAILABLE');
    expect(code(404)).toBe('NOT_FOUND');
  });

  it('keeps a direct response status Envoy accepts, else answers 500', () => {
    expect(
      lowerHttpRoute(route({ action: { kind: 'direct', status: 418 } }), target('envoy'))?.direct_response,
    ).toEqual({
      status: 418,
    });
    expect(
      lowerHttpRoute(route({ action: { kind: 'direct', status: 99 } }), target('envoy'))?.direct_response,
    ).toEqual({
      status: 500,
    });
  });
});

describe('one route for a gRPC client', () => {
  it('sends what gRPC cannot do (redirects, direct responses, no weight) to a cluster never sent', () => {
    const cluster = (extra: Partial<HttpRoute>) =>
      lowerHttpRoute(route(extra), target('grpc'))?.route?.cluster;
    expect(cluster({ action: { kind: 'redirect', redirect: { status: 301, host: 'x' } } })).toBe(
      'invalid-backend|Redirect',
    );
    expect(cluster({ action: { kind: 'direct', status: 503 } })).toBe('invalid-backend|DirectResponse503');
    expect(cluster({ action: { kind: 'forward', backends: [to(0)] } })).toBe('invalid-backend|NoBackends');
  });

  it('leaves out header edits, rewrites, mirrors and CORS, which gRPC ignores', () => {
    const lowered = lowerHttpRoute(
      route({
        requestHeaders: { set: [{ name: 'a', value: 'b' }] },
        rewrite: { host: 'h', path: { kind: 'full', value: '/x' } },
        mirrors: [{ service: { namespace: 'default', name: 'reviews' }, percent: 50 }],
        cors: { allowOrigins: [{ kind: 'exact', value: 'https://a' }] },
        action: { kind: 'forward', backends: [to(1), invalid(500)] },
      }),
      target('grpc'),
    );
    expect(lowered).toEqual({
      name: 'r',
      match: { prefix: '/' },
      route: {
        weighted_clusters: {
          clusters: [
            { name: 'outbound|80||reviews.default.svc.cluster.local', weight: 1 },
            { name: 'invalid-backend|BackendNotFound', weight: 1 },
          ],
        },
        timeout: '0s',
      },
    });
  });
});
