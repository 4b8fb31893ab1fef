// gRPC rejects a whole listener or route configuration it does not understand, and Envoy's validate
// rules do not catch that. So the proxyless output of a route table using every feature is fed, as
// bytes, to @grpc/grpc-js-xds's own LDS and RDS validation.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { RouteConfiguration } from '../../generated/envoy/config/route/v3/RouteConfiguration.js';
import type { HttpRoute, Routing } from '../../model/routing.js';
import { encodeResource } from '../envoy/resource-codec.js';
import { TYPE_URL } from '../envoy/type-urls.js';
import { mesh, port, proxyless, service } from './test-fixtures.js';
import { translateProxy } from './translate-proxy.js';

interface Decoded {
  readonly error?: string;
}
interface ResourceType {
  get(): { decode(context: unknown, resource: { type_url: string; value: Buffer }): Decoded };
}

// Internal modules of the package: no public entry point validates a resource on its own. The
// filters register themselves only when the package is set up; these two are all we send.
const require = createRequire(import.meta.url);
const load = <T>(path: string): T => require(`@grpc/grpc-js-xds/build/src/${path}`) as T;
const { ListenerResourceType } = load<{ ListenerResourceType: ResourceType }>(
  'xds-resource-type/listener-resource-type.js',
);
const { RouteConfigurationResourceType } = load<{ RouteConfigurationResourceType: ResourceType }>(
  'xds-resource-type/route-config-resource-type.js',
);
load<{ setup(): void }>('http-filter/router-filter.js').setup();
load<{ setup(): void }>('http-filter/fault-injection-filter.js').setup();
const context = { bootstrap: { certificateProviders: {} }, server: {} };

function decode(type: ResourceType, typeUrl: string, resource: unknown): Decoded {
  const encoded = encodeResource(typeUrl, resource);
  if (!encoded.ok) return { error: JSON.stringify(encoded.errors) };
  return type.get().decode(context, { type_url: typeUrl, value: Buffer.from(encoded.value.value) });
}

const ref = (name: string) => ({ namespace: 'default', name });
const origin = { kind: 'VirtualService', namespace: 'default', name: 'catalog' };
const to = (name: string, weight = 1) => ({
  kind: 'service' as const,
  service: ref(name),
  port: 9090,
  weight,
});
const grpc = port({ name: 'grpc', port: 9090, protocol: 'GRPC' });

const routes: HttpRoute[] = [
  {
    name: 'everything',
    origin,
    match: {
      path: { kind: 'segmentPrefix', value: '/catalog.v1.Catalog' },
      headers: [{ name: 'x-canary', match: { kind: 'present' }, invert: true }],
      method: 'POST',
    },
    action: {
      kind: 'forward',
      backends: [
        to('catalog', 9),
        to('canary'),
        { kind: 'invalid', weight: 1, status: 500, reason: 'BackendNotFound' },
      ],
    },
    timeoutMs: 2_000,
    retry: {
      attempts: 3,
      retryOn: ['5xx', 'unavailable'],
      perTryTimeoutMs: 100,
      backoff: { baseMs: 50, maxMs: 10 },
    },
    fault: { abort: { kind: 'http', status: 503, percent: 0.5 }, delay: { fixedMs: 10, percent: 1 } },
    mirrors: [{ service: ref('canary'), percent: 50 }],
    requestHeaders: { set: [{ name: 'x-a', value: 'b' }], remove: ['x-c'] },
    responseHeaders: { add: [{ name: 'x-d', value: 'e' }] },
    rewrite: { host: 'h', path: { kind: 'prefix', value: '/x' } },
    cors: { allowOrigins: [{ kind: 'exact', value: 'https://a' }] },
  },
  { name: 'redirect', origin, match: {}, action: { kind: 'redirect', redirect: { host: 'b', status: 301 } } },
  { name: 'direct', origin, match: {}, action: { kind: 'direct', status: 503, body: 'no' } },
  { name: 'zero', origin, match: {}, action: { kind: 'forward', backends: [to('catalog', 0)] } },
  {
    name: 'query',
    origin,
    match: { queryParams: [{ name: 'q', match: { kind: 'present' } }] },
    action: { kind: 'forward', backends: [to('catalog')] },
  },
];

const routing: Routing = {
  routeTables: [{ service: ref('catalog'), port: 9090, http: routes, tcp: [], origins: [origin] }],
  backendPolicies: [
    {
      service: ref('catalog'),
      origin: { ...origin, kind: 'DestinationRule' },
      policy: { loadBalancer: { kind: 'consistentHash', hashOn: { kind: 'header', name: 'x-user' } } },
      subsets: [],
    },
  ],
  rateLimits: [
    { origin, service: ref('catalog'), tokensPerFill: 1, fillIntervalMs: 1_000, maxTokens: 1, status: 429 },
  ],
};

const out = translateProxy(
  mesh({
    services: [
      service('default', 'catalog', [grpc], { clusterIP: '10.96.0.1' }),
      service('default', 'canary', [grpc], { clusterIP: '10.96.0.2' }),
    ],
    routing,
  }),
  proxyless,
);

describe('proxyless routes as grpc-js-xds reads them', () => {
  it('accepts every API listener, the fault filter included', () => {
    const listener = out.listeners.find((l) => l.name === 'catalog.default.svc.cluster.local:9090');
    expect(JSON.stringify(listener)).toContain('envoy.filters.http.fault');
    expect(
      out.listeners.map((l) => [l.name, decode(ListenerResourceType, TYPE_URL.listener, l).error]),
    ).toEqual(out.listeners.map((l) => [l.name, undefined]));
  });

  it('accepts every route configuration of a table that uses every feature', () => {
    expect(
      out.routes.map((r) => [r.name, decode(RouteConfigurationResourceType, TYPE_URL.route, r).error]),
    ).toEqual(out.routes.map((r) => [r.name, undefined]));
    const names = out.routes.flatMap(
      (r) => r.virtual_hosts?.flatMap((v) => v.routes?.map((x) => x.name)) ?? [],
    );
    expect(names).toContain('redirect');
    expect(names).not.toContain('query');
  });

  it('would reject a direct_response route, so the check is not vacuous', () => {
    const config: RouteConfiguration = {
      name: 'x',
      virtual_hosts: [
        { name: 'x', domains: ['*'], routes: [{ match: { prefix: '/' }, direct_response: { status: 500 } }] },
      ],
    };
    expect(decode(RouteConfigurationResourceType, TYPE_URL.route, config).error).toContain(
      'unsupported action',
    );
  });
});
