// Which local rate limits guard an inbound port, and the inbound routes that carry the ones limited
// to matching requests. A policy names a service (and maybe one of its ports); it guards the pods
// the service selects, on the port the service port targets.
import type { Route } from '../../generated/envoy/config/route/v3/Route.js';
import type { Protocol, Service, ServicePort } from '../../model/mesh.js';
import type { RateLimitPolicy } from '../../model/routing.js';
import { dialectOf } from './client-dialect.js';
import type { ConnectionScope } from './filters/http-filter.js';
import { routeFilterConfigs } from './filters/index.js';
import { compareStrings } from './order.js';
import { clusterRoute } from './route-default.js';
import { routeMatch } from './route-match.js';

/** The policies of `service` that cover `port` of it. */
export function rateLimitsFor(
  policies: readonly RateLimitPolicy[],
  service: Service,
  port: ServicePort,
): RateLimitPolicy[] {
  return policies.filter(
    (p) =>
      p.service.namespace === service.namespace &&
      p.service.name === service.name &&
      (p.port === undefined || p.port === port.port),
  );
}

/**
 * Several services (or a policy for one port and one for all) may guard one pod port: a policy for
 * an explicit port comes before one for every port, then namespace/name order decides.
 */
export function orderRateLimits(policies: readonly RateLimitPolicy[]): RateLimitPolicy[] {
  const rank = (p: RateLimitPolicy): string =>
    `${p.port === undefined ? 1 : 0}\u0000${p.origin.namespace}\u0000${p.origin.name}`;
  return [...new Set(policies)].sort((a, b) => compareStrings(rank(a), rank(b)));
}

export interface InboundHttpRoutes {
  readonly routes: Route[];
  readonly scope: ConnectionScope;
}

/**
 * The routes of an inbound HTTP chain: one per rate limit that has a match, carrying that limit,
 * then the route for everything else. The first limit without a match guards the whole port from
 * the filter itself; a request that matches a limited route counts against that route's bucket
 * only (Envoy uses the most specific configuration).
 */
export function inboundHttpRoutes(
  cluster: string,
  protocol: Protocol,
  policies: readonly RateLimitPolicy[],
): InboundHttpRoutes {
  const limited = policies.flatMap((policy): Route[] => {
    const match = policy.match && routeMatch(policy.match, dialectOf('envoy'));
    if (!match) return [];
    const filters = routeFilterConfigs({ rateLimit: policy }, 'envoy');
    return [
      {
        ...clusterRoute(cluster, protocol),
        name: `ratelimit|${policy.origin.namespace}/${policy.origin.name}`,
        match,
        ...(filters ? { typed_per_filter_config: filters } : {}),
      },
    ];
  });
  const portRateLimit = policies.find((p) => p.match === undefined);
  return {
    routes: [...limited, clusterRoute(cluster, protocol)],
    scope: {
      client: 'envoy',
      routes: policies.flatMap((p) => (p.match ? [{ rateLimit: p }] : [])),
      ...(portRateLimit ? { portRateLimit } : {}),
    },
  };
}
