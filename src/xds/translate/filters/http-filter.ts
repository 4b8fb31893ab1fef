// HTTP filters as plug-ins. A filter may add itself to a connection manager's filter list and may
// attach configuration to a route (typed_per_filter_config, under the filter's name); nothing
// else. They are listed, in filter-chain order, in index.ts.
import type { HttpFilter } from '../../../generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpFilter.js';
import type { Any } from '../../../generated/google/protobuf/Any.js';
import type { CorsPolicy, FaultPolicy, RateLimitPolicy } from '../../../model/routing.js';
import type { XdsClient } from '../client-dialect.js';

/** What a filter may read about one route. */
export interface RouteFeatures {
  readonly fault?: FaultPolicy;
  readonly cors?: CorsPolicy;
  /** Inbound only: a local rate limit for the requests this route matches. */
  readonly rateLimit?: RateLimitPolicy;
}

/** What one HTTP connection manager serves. */
export interface ConnectionScope {
  readonly client: XdsClient;
  /** Every route the connection manager may pick: its filter list must serve all of them. */
  readonly routes: readonly RouteFeatures[];
  /** Inbound only: the local rate limit for every request on the port. */
  readonly portRateLimit?: RateLimitPolicy;
}

export interface HttpFilterPlugin {
  /** The filter's name in the HCM, and the key of its per-route configuration. */
  readonly name: string;
  /** Whether gRPC's xDS client implements it; it rejects a listener naming a filter it lacks. */
  readonly grpc: boolean;
  /** This filter's entry in the HCM filter list, or undefined when nothing in scope needs it. */
  connectionFilter(scope: ConnectionScope): HttpFilter | undefined;
  /** This filter's configuration for one route, or undefined. */
  routeConfig(route: RouteFeatures): Any | undefined;
}
