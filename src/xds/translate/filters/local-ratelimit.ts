// Local rate limiting on the inbound side of a service's pods (Envoy local_ratelimit): one token
// bucket per proxy. A limit for the whole port lives in the filter itself; a limit for matching
// requests only lives on the inbound route for that match, and the filter then holds no bucket
// (Envoy's documented "disabled globally, enabled per route" form). A route's own limit replaces
// the port's for the requests it matches. Inbound only, so never sent to gRPC clients.
import type { LocalRateLimit } from '../../../generated/envoy/extensions/filters/http/local_ratelimit/v3/LocalRateLimit.js';
import type { Any } from '../../../generated/google/protobuf/Any.js';
import type { RateLimitPolicy } from '../../../model/routing.js';
import { typed } from '../filters.js';
import { durationFromMs, fractionalPercent, uint32 } from '../route-scalars.js';
import type { HttpFilterPlugin } from './http-filter.js';
import { errorStatusName } from './http-status.js';

export const LOCAL_RATELIMIT_FILTER = 'envoy.filters.http.local_ratelimit';
const LOCAL_RATELIMIT_TYPE =
  'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';
/** Envoy refuses a token bucket that refills more often than every 50 ms. */
const MIN_FILL_INTERVAL_MS = 50;

const statPrefix = (policy: RateLimitPolicy): string =>
  `local_rate_limit_${policy.origin.namespace}_${policy.origin.name}`;

/** A bucket, enabled and enforced for every request it sees. */
export function limiter(policy: RateLimitPolicy): LocalRateLimit {
  // Fresh objects each: shared ones would print as YAML aliases in config dumps.
  const always = () => ({ default_value: fractionalPercent(100) });
  return {
    stat_prefix: statPrefix(policy),
    status: { code: errorStatusName(policy.status) },
    token_bucket: {
      max_tokens: Math.max(1, uint32(policy.maxTokens)),
      tokens_per_fill: Math.max(1, uint32(policy.tokensPerFill)),
      fill_interval: durationFromMs(Math.max(MIN_FILL_INTERVAL_MS, policy.fillIntervalMs)),
    },
    filter_enabled: always(),
    filter_enforced: always(),
  };
}

/** The filter's own configuration when only some routes are limited: no bucket, so not enabled. */
const routesOnly = (): LocalRateLimit => ({ stat_prefix: 'local_rate_limit' });

export const localRateLimitPlugin: HttpFilterPlugin = {
  name: LOCAL_RATELIMIT_FILTER,
  grpc: false,
  connectionFilter: (scope) => {
    if (scope.portRateLimit) {
      return {
        name: LOCAL_RATELIMIT_FILTER,
        typed_config: typed(LOCAL_RATELIMIT_TYPE, limiter(scope.portRateLimit)),
      };
    }
    if (scope.routes.some((r) => r.rateLimit !== undefined)) {
      return { name: LOCAL_RATELIMIT_FILTER, typed_config: typed(LOCAL_RATELIMIT_TYPE, routesOnly()) };
    }
    return undefined;
  },
  routeConfig: (route): Any | undefined =>
    route.rateLimit && typed(LOCAL_RATELIMIT_TYPE, limiter(route.rateLimit)),
};
