// Every HTTP filter Trellis configures, in the order they run. Adding a filter means adding it here;
// nothing registers itself on import. CORS comes first so a preflight is answered before a fault
// or a rate limit can touch it; the router ends the list.
import type { HttpFilter } from '../../../generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpFilter.js';
import type { Any } from '../../../generated/google/protobuf/Any.js';
import type { XdsClient } from '../client-dialect.js';
import { corsPlugin } from './cors.js';
import { faultPlugin } from './fault.js';
import type { ConnectionScope, HttpFilterPlugin, RouteFeatures } from './http-filter.js';
import { localRateLimitPlugin } from './local-ratelimit.js';
import { routerPlugin } from './router.js';

export type { ConnectionScope, HttpFilterPlugin, RouteFeatures } from './http-filter.js';

export const HTTP_FILTERS: readonly HttpFilterPlugin[] = [
  corsPlugin,
  faultPlugin,
  localRateLimitPlugin,
  routerPlugin,
];

const forClient = (client: XdsClient): readonly HttpFilterPlugin[] =>
  client === 'envoy' ? HTTP_FILTERS : HTTP_FILTERS.filter((f) => f.grpc);

/** The HCM filter list for everything in scope: only the filters some route needs, router last. */
export function connectionFilters(scope: ConnectionScope): HttpFilter[] {
  return forClient(scope.client).flatMap((f) => f.connectionFilter(scope) ?? []);
}

/** A route's typed_per_filter_config, or undefined when no filter configures it. */
export function routeFilterConfigs(route: RouteFeatures, client: XdsClient): Record<string, Any> | undefined {
  const configs: Record<string, Any> = {};
  for (const filter of forClient(client)) {
    const config = filter.routeConfig(route);
    if (config) configs[filter.name] = config;
  }
  return Object.keys(configs).length > 0 ? configs : undefined;
}
