// CORS (Gateway API CORS filter, Istio corsPolicy). The filter in the HCM does nothing by itself;
// a route's CorsPolicy turns it on for that route. gRPC clients have no CORS: never sent to them.
import type { CorsPolicy as EnvoyCorsPolicy } from '../../../generated/envoy/extensions/filters/http/cors/v3/CorsPolicy.js';
import type { CorsPolicy } from '../../../model/routing.js';
import { typed } from '../filters.js';
import { stringMatcher } from '../route-match.js';
import type { HttpFilterPlugin } from './http-filter.js';

export const CORS_FILTER = 'envoy.filters.http.cors';
const CORS_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors';
const CORS_POLICY_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy';

const joined = (values: readonly string[] | undefined): string | undefined =>
  values && values.length > 0 ? values.join(',') : undefined;

export function corsPolicy(cors: CorsPolicy): EnvoyCorsPolicy {
  const methods = joined(cors.allowMethods);
  const headers = joined(cors.allowHeaders);
  const expose = joined(cors.exposeHeaders);
  return {
    allow_origin_string_match: cors.allowOrigins.map(stringMatcher),
    ...(methods ? { allow_methods: methods } : {}),
    ...(headers ? { allow_headers: headers } : {}),
    ...(expose ? { expose_headers: expose } : {}),
    ...(cors.maxAgeSeconds !== undefined
      ? { max_age: String(Math.max(0, Math.trunc(cors.maxAgeSeconds))) }
      : {}),
    ...(cors.allowCredentials !== undefined ? { allow_credentials: cors.allowCredentials } : {}),
  };
}

export const corsPlugin: HttpFilterPlugin = {
  name: CORS_FILTER,
  grpc: false,
  connectionFilter: (scope) =>
    scope.routes.some((r) => r.cors !== undefined)
      ? { name: CORS_FILTER, typed_config: typed(CORS_TYPE, {}) }
      : undefined,
  routeConfig: (route) => route.cors && typed(CORS_POLICY_TYPE, corsPolicy(route.cors)),
};
