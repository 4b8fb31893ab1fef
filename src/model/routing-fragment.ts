// What a routing API parser returns for one document: model pieces that still name services by
// reference. The merge step (build-routing.ts) resolves the references against the mesh,
// orders and merges contributions to the same service port, settles conflicts between resources
// and families, and adds the status conditions that need the whole picture.
import type {
  BackendPolicy,
  HttpRoute,
  Origin,
  PeerAuthenticationPolicy,
  RateLimitPolicy,
  ResourceStatus,
  ServiceRef,
  SidecarPolicy,
  TcpRoute,
} from './routing.js';

export type RouteFamily = 'gateway-api' | 'istio' | 'smi';

/** The rules one resource attaches to one service (and optionally one port of it). */
export interface RouteContribution {
  readonly family: RouteFamily;
  readonly origin: Origin;
  /** metadata.creationTimestamp (RFC 3339) when given: older wins ties, as Gateway API and Istio order them. */
  readonly createdAt?: string;
  readonly service: ServiceRef;
  /** undefined = every port of the service. */
  readonly port?: number;
  /** In the resource's own order; Gateway API routes are re-ordered by match precedence when merged. */
  readonly http: readonly HttpRoute[];
  readonly tcp: readonly TcpRoute[];
}

export interface RoutingFragment {
  readonly routes?: readonly RouteContribution[];
  readonly backendPolicies?: readonly BackendPolicy[];
  readonly rateLimits?: readonly RateLimitPolicy[];
  readonly peerAuthentications?: readonly PeerAuthenticationPolicy[];
  readonly sidecars?: readonly SidecarPolicy[];
  /** Conditions the parser can decide alone (e.g. Accepted=False, reason UnsupportedValue). */
  readonly statuses?: readonly ResourceStatus[];
}
