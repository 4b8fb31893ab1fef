import { describe, expect, it } from 'vitest';
import type { RateLimitPolicy } from '../../../model/routing.js';
import { connectionFilters, HTTP_FILTERS, routeFilterConfigs } from './index.js';

const fault = { abort: { kind: 'http', status: 503, percent: 1 } } as const;
const cors = { allowOrigins: [{ kind: 'exact', value: 'https://a' }] } as const;
const rateLimit: RateLimitPolicy = {
  origin: { kind: 'LocalRateLimitPolicy', namespace: 'default', name: 'l' },
  service: { namespace: 'default', name: 'web' },
  tokensPerFill: 1,
  fillIntervalMs: 1000,
  maxTokens: 1,
  status: 429,
};
const names = (filters: { name?: string }[]) => filters.map((f) => f.name);

describe('the HTTP filter list', () => {
  it('runs CORS, then fault, then the local rate limit, and ends with the router', () => {
    expect(HTTP_FILTERS.map((f) => f.name)).toEqual([
      'envoy.filters.http.cors',
      'envoy.filters.http.fault',
      'envoy.filters.http.local_ratelimit',
      'envoy.filters.http.router',
    ]);
  });

  it('holds only the filters some route in scope needs', () => {
    expect(names(connectionFilters({ client: 'envoy', routes: [] }))).toEqual(['envoy.filters.http.router']);
    expect(names(connectionFilters({ client: 'envoy', routes: [{}, { fault }, { cors }] }))).toEqual([
      'envoy.filters.http.cors',
      'envoy.filters.http.fault',
      'envoy.filters.http.router',
    ]);
    expect(names(connectionFilters({ client: 'envoy', routes: [], portRateLimit: rateLimit }))).toEqual([
      'envoy.filters.http.local_ratelimit',
      'envoy.filters.http.router',
    ]);
  });

  it('never gives a gRPC client a filter it does not implement', () => {
    expect(names(connectionFilters({ client: 'grpc', routes: [{ fault, cors, rateLimit }] }))).toEqual([
      'envoy.filters.http.fault',
      'envoy.filters.http.router',
    ]);
    expect(Object.keys(routeFilterConfigs({ fault, cors }, 'grpc') ?? {})).toEqual([
      'envoy.filters.http.fault',
    ]);
  });

  it('configures a route only for the filters it uses', () => {
    expect(routeFilterConfigs({}, 'envoy')).toBeUndefined();
    expect(Object.keys(routeFilterConfigs({ fault, cors }, 'envoy') ?? {})).toEqual([
      'envoy.filters.http.cors',
      'envoy.filters.http.fault',
    ]);
  });
});
