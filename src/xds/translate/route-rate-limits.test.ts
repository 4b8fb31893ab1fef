import { describe, expect, it } from 'vitest';
import type { RateLimitPolicy } from '../../model/routing.js';
import { inboundHttpRoutes, orderRateLimits, rateLimitsFor } from './route-rate-limits.js';
import { port, service } from './test-fixtures.js';

const limit = (name: string, extra: Partial<RateLimitPolicy> = {}): RateLimitPolicy => ({
  origin: { kind: 'LocalRateLimitPolicy', namespace: 'default', name },
  service: { namespace: 'default', name: 'web' },
  tokensPerFill: 1,
  fillIntervalMs: 1000,
  maxTokens: 1,
  status: 429,
  ...extra,
});

describe('inbound rate limits', () => {
  const web = service('default', 'web', [port({ name: 'http', port: 80, protocol: 'HTTP' })]);

  it('belong to the service and to the port they name, or to every port', () => {
    const other = limit('other', { service: { namespace: 'default', name: 'api' } });
    const found = rateLimitsFor(
      [limit('all'), limit('p80', { port: 80 }), limit('p81', { port: 81 }), other],
      web,
      web.ports[0]!,
    );
    expect(found.map((p) => p.origin.name)).toEqual(['all', 'p80']);
  });

  it('put a policy for an explicit port before one for every port', () => {
    expect(orderRateLimits([limit('a'), limit('z', { port: 80 })]).map((p) => p.origin.name)).toEqual([
      'z',
      'a',
    ]);
  });

  it('add a limited route per match ahead of the route for everything else', () => {
    const matched = limit('writes', { match: { method: 'POST' } });
    const { routes, scope } = inboundHttpRoutes('inbound|8080||', 'HTTP', [matched, limit('all')]);
    expect(routes.map((r) => [r.name, Object.keys(r.typed_per_filter_config ?? {})])).toEqual([
      ['ratelimit|default/writes', ['envoy.filters.http.local_ratelimit']],
      ['default', []],
    ]);
    expect(routes[0]?.route).toEqual({ cluster: 'inbound|8080||', timeout: '0s' });
    expect(scope.portRateLimit?.origin.name).toBe('all');
    expect(scope.routes).toEqual([{ rateLimit: matched }]);
  });
});
