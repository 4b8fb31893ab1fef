import { describe, expect, it } from 'vitest';
import { buildRouting, type MeshWithoutRouting } from './build-routing.js';
import type { Service } from './mesh.js';
import type { HttpRoute, Origin, RouteMatch } from './routing.js';
import type { RouteContribution } from './routing-fragment.js';

const service = (name: string, ports: number[], namespace = 'shop'): Service => ({
  namespace,
  name,
  hostname: `${name}.${namespace}.svc.cluster.local`,
  clusterIP: '10.96.0.1',
  ports: ports.map((port) => ({
    name: `http-${port}`,
    port,
    transport: 'TCP',
    protocol: 'HTTP',
    targetPort: port,
  })),
});

const mesh: MeshWithoutRouting = {
  namespaces: [],
  services: [service('web', [80, 8080]), service('v1', [80]), service('v2', [80])],
  endpointSlices: [],
  workloads: [],
};

const origin = (kind: string, name: string): Origin => ({ kind, namespace: 'shop', name });

function route(o: Origin, name: string, match: RouteMatch, to = 'v1'): HttpRoute {
  return {
    name: `${o.kind}/${o.namespace}/${o.name}/${name}`,
    origin: o,
    match,
    action: {
      kind: 'forward',
      backends: [{ kind: 'service', service: { namespace: 'shop', name: to }, weight: 1 }],
    },
  };
}

function contribution(
  family: RouteContribution['family'],
  o: Origin,
  http: HttpRoute[],
  extra: Partial<RouteContribution> = {},
): RouteContribution {
  return { family, origin: o, service: { namespace: 'shop', name: 'web' }, http, tcp: [], ...extra };
}

describe('buildRouting', () => {
  it('orders Gateway API rules of several routes by the spec: exact, longest prefix, method, headers, query, age', () => {
    const a = origin('HTTPRoute', 'a');
    const b = origin('HTTPRoute', 'b');
    const built = buildRouting(mesh, [
      {
        routes: [
          contribution(
            'gateway-api',
            a,
            [
              route(a, 'prefix-short', { path: { kind: 'segmentPrefix', value: '/' } }),
              route(a, 'headers-2', {
                path: { kind: 'segmentPrefix', value: '/api' },
                headers: [h('x'), h('y')],
              }),
            ],
            { port: 80, createdAt: '2026-01-02T00:00:00Z' },
          ),
          contribution(
            'gateway-api',
            b,
            [
              route(b, 'exact', { path: { kind: 'exact', value: '/login' } }),
              route(b, 'prefix-long', { path: { kind: 'segmentPrefix', value: '/api/v2' } }),
              route(b, 'method', { path: { kind: 'segmentPrefix', value: '/api' }, method: 'GET' }),
              route(b, 'headers-2-newer', {
                path: { kind: 'segmentPrefix', value: '/api' },
                headers: [h('x'), h('z')],
              }),
            ],
            { port: 80, createdAt: '2026-01-01T00:00:00Z' },
          ),
        ],
      },
    ]);
    const [table] = built.routing.routeTables;
    expect(table?.port).toBe(80);
    expect(table?.http.map((r) => r.name.split('/').pop())).toEqual([
      'exact',
      'prefix-long',
      'method',
      // same specificity: b is older than a
      'headers-2-newer',
      'headers-2',
      'prefix-short',
    ]);
    expect(table?.origins).toEqual([b, a]);
  });

  it('gives a port to Gateway API over Istio and tells the VirtualService which route won', () => {
    const gw = origin('HTTPRoute', 'canary');
    const vs = origin('VirtualService', 'web');
    const built = buildRouting(mesh, [
      { routes: [contribution('istio', vs, [route(vs, '0', {}, 'v2')])] },
      { routes: [contribution('gateway-api', gw, [route(gw, '0/0', {})], { port: 80 })] },
    ]);
    const tables = built.routing.routeTables;
    expect(tables.map((t) => [t.port, t.origins[0]?.kind])).toEqual([
      [80, 'HTTPRoute'],
      [8080, 'VirtualService'],
    ]);
    const vsStatus = built.statuses.find((s) => s.resource.kind === 'VirtualService');
    expect(vsStatus?.conditions).toContainEqual({
      type: 'Conflicted',
      status: 'True',
      reason: 'Overridden',
      message: 'HTTPRoute shop/canary is used for shop/web:80: Gateway API takes precedence over Istio',
    });
  });

  it('uses the oldest of two VirtualServices for one service and marks the other', () => {
    const older = origin('VirtualService', 'zz-older');
    const newer = origin('VirtualService', 'aa-newer');
    const built = buildRouting(mesh, [
      {
        routes: [
          contribution('istio', newer, [route(newer, '0', {}, 'v2')], { createdAt: '2026-02-01T00:00:00Z' }),
          contribution('istio', older, [route(older, '0', {}, 'v1')], { createdAt: '2026-01-01T00:00:00Z' }),
        ],
      },
    ]);
    expect(built.routing.routeTables.every((t) => t.origins[0]?.name === 'zz-older')).toBe(true);
    const loser = built.statuses.find((s) => s.resource.name === 'aa-newer');
    expect(loser?.conditions.find((c) => c.type === 'Conflicted')?.message).toContain(
      'VirtualService shop/zz-older',
    );
  });

  it('turns a backend naming a missing service into a 500 share and says so in ResolvedRefs', () => {
    const gw = origin('HTTPRoute', 'split');
    const r: HttpRoute = {
      ...route(gw, '0/0', {}),
      action: {
        kind: 'forward',
        backends: [
          { kind: 'service', service: { namespace: 'shop', name: 'v1' }, weight: 80 },
          { kind: 'service', service: { namespace: 'shop', name: 'gone' }, weight: 20 },
        ],
      },
    };
    const built = buildRouting(mesh, [{ routes: [contribution('gateway-api', gw, [r], { port: 80 })] }]);
    const action = built.routing.routeTables[0]?.http[0]?.action;
    expect(action).toEqual({
      kind: 'forward',
      backends: [
        { kind: 'service', service: { namespace: 'shop', name: 'v1' }, port: 80, weight: 80 },
        { kind: 'invalid', weight: 20, status: 500, reason: 'BackendNotFound' },
      ],
    });
    const status = built.statuses.find((s) => s.resource.name === 'split');
    expect(status?.conditions.find((c) => c.type === 'ResolvedRefs')).toEqual({
      type: 'ResolvedRefs',
      status: 'False',
      reason: 'BackendNotFound',
      message: 'service shop/gone does not exist',
    });
  });

  it('does not accept a route whose parent service or port does not exist', () => {
    const gw = origin('HTTPRoute', 'lost');
    const built = buildRouting(mesh, [
      { routes: [contribution('gateway-api', gw, [route(gw, '0/0', {})], { port: 81 })] },
    ]);
    expect(built.routing.routeTables).toEqual([]);
    expect(built.statuses[0]?.conditions).toContainEqual({
      type: 'Accepted',
      status: 'False',
      reason: 'NoMatchingParent',
      message: 'service shop/web has no port 81',
    });
  });
});

function h(name: string) {
  return { name, match: { kind: 'exact' as const, value: '1' } };
}

describe('buildRouting policies', () => {
  const rule = (name: string, service = 'web') => ({
    service: { namespace: 'shop', name: service },
    origin: origin('DestinationRule', name),
    subsets: [],
  });

  it('uses the first DestinationRule by namespace/name for a service and marks the other', () => {
    const built = buildRouting(mesh, [{ backendPolicies: [rule('zeta'), rule('alpha')] }]);
    expect(built.routing.backendPolicies.map((p) => p.origin.name)).toEqual(['alpha']);
    expect(built.statuses.find((s) => s.resource.name === 'zeta')?.conditions).toContainEqual({
      type: 'Conflicted',
      status: 'True',
      reason: 'Overridden',
      message: 'DestinationRule shop/alpha is used for shop/web: the first by namespace/name wins',
    });
  });

  it('does not accept a DestinationRule or a rate limit for a service that does not exist', () => {
    const built = buildRouting(mesh, [
      {
        backendPolicies: [rule('lost', 'nowhere')],
        rateLimits: [
          {
            origin: origin('LocalRateLimitPolicy', 'rl'),
            service: { namespace: 'shop', name: 'web' },
            port: 81,
            tokensPerFill: 1,
            fillIntervalMs: 1000,
            maxTokens: 1,
            status: 429,
          },
        ],
      },
    ]);
    expect(built.routing.backendPolicies).toEqual([]);
    expect(built.routing.rateLimits).toEqual([]);
    expect(built.statuses.map((s) => s.conditions[0]?.message)).toEqual([
      'service shop/nowhere does not exist',
      'service shop/web has no port 81',
    ]);
  });
});

describe('buildRouting consumer routes', () => {
  it('scopes a Gateway API route in another namespace than its Service to that namespace’s clients', () => {
    const consumer: Origin = { kind: 'HTTPRoute', namespace: 'frontend', name: 'my-view' };
    const built = buildRouting(mesh, [
      { routes: [contribution('gateway-api', consumer, [route(consumer, '0/0', {})], { port: 80 })] },
    ]);
    expect(built.routing.routeTables[0]?.http[0]?.match).toEqual({ sourceNamespace: 'frontend' });
  });
});

describe('buildRouting unresolved GRPCRoute backends', () => {
  it('answers their share with 503 (gRPC UNAVAILABLE), not 500', () => {
    const grpc = origin('GRPCRoute', 'rpc');
    const r: HttpRoute = {
      ...route(grpc, '0/0', {}),
      action: {
        kind: 'forward',
        backends: [{ kind: 'service', service: { namespace: 'shop', name: 'gone' }, weight: 1 }],
      },
    };
    const built = buildRouting(mesh, [{ routes: [contribution('gateway-api', grpc, [r], { port: 80 })] }]);
    expect(built.routing.routeTables[0]?.http[0]?.action).toEqual({
      kind: 'forward',
      backends: [{ kind: 'invalid', weight: 1, status: 503, reason: 'BackendNotFound' }],
    });
  });
});
