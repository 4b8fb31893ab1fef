// Routing and traffic policy, lowered from every API family (Gateway API, SMI, Istio, Trellis's own
// LocalRateLimitPolicy). Translation reads only these types; it never sees a CRD.
// All durations are milliseconds, all percentages 0..100 (fractions allowed).
import type { Labels } from './mesh.js';

/** Which user resource a piece of the model came from: for names, conditions and conflict reports. */
export interface Origin {
  /** Kind as the user wrote it: HTTPRoute, GRPCRoute, TrafficSplit, VirtualService, DestinationRule, LocalRateLimitPolicy. */
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export interface ServiceRef {
  readonly namespace: string;
  readonly name: string;
}

export type StringMatch =
  | { readonly kind: 'exact'; readonly value: string; readonly ignoreCase?: boolean }
  | { readonly kind: 'prefix'; readonly value: string; readonly ignoreCase?: boolean }
  | { readonly kind: 'suffix'; readonly value: string; readonly ignoreCase?: boolean }
  | { readonly kind: 'regex'; readonly value: string }
  | { readonly kind: 'present' };

export type PathMatch =
  | { readonly kind: 'exact'; readonly value: string; readonly ignoreCase?: boolean }
  /** Plain string prefix (Istio uri.prefix, SMI). */
  | { readonly kind: 'prefix'; readonly value: string; readonly ignoreCase?: boolean }
  /** Gateway API PathPrefix: matches whole path segments ("/foo" matches "/foo/bar", not "/foobar"). */
  | { readonly kind: 'segmentPrefix'; readonly value: string }
  | { readonly kind: 'regex'; readonly value: string };

export interface HeaderMatch {
  readonly name: string;
  readonly match: StringMatch;
  /** True for Istio withoutHeaders: the request must NOT match. */
  readonly invert?: boolean;
}

export interface QueryParamMatch {
  readonly name: string;
  readonly match: StringMatch;
}

/** All conditions must hold (AND). An empty match matches every request. */
export interface RouteMatch {
  readonly path?: PathMatch;
  readonly method?: string;
  readonly headers?: readonly HeaderMatch[];
  readonly queryParams?: readonly QueryParamMatch[];
  /** Istio match.port: only for traffic to this service port. */
  readonly port?: number;
  /** Istio sourceLabels: only proxies whose own workload carries these labels see this route. */
  readonly sourceLabels?: Labels;
  /** Istio sourceNamespace. */
  readonly sourceNamespace?: string;
}

/** A backend of a weighted split. */
export type Backend =
  | {
      readonly kind: 'service';
      readonly service: ServiceRef;
      /** The service port to send to; undefined means the port the request came in on. */
      readonly port?: number;
      /** A DestinationRule subset name (Istio). */
      readonly subset?: string;
      readonly weight: number;
    }
  /** A backend that could not be resolved: its share of requests is answered with `status` (Gateway API: 500). */
  | { readonly kind: 'invalid'; readonly weight: number; readonly status: number; readonly reason: string };

export interface HeaderValue {
  readonly name: string;
  readonly value: string;
}

export interface HeaderEdits {
  readonly set?: readonly HeaderValue[];
  readonly add?: readonly HeaderValue[];
  readonly remove?: readonly string[];
}

export interface RetryPolicy {
  /** Retries after the first try (Istio attempts, Gateway API attempts). */
  readonly attempts: number;
  readonly perTryTimeoutMs?: number;
  /** Envoy retry_on conditions (5xx, gateway-error, reset, connect-failure, retriable-4xx, refused-stream, retriable-status-codes, cancelled, deadline-exceeded, internal, resource-exhausted, unavailable). */
  readonly retryOn: readonly string[];
  readonly retriableStatusCodes?: readonly number[];
  readonly backoff?: { readonly baseMs: number; readonly maxMs?: number };
}

export interface FaultPolicy {
  readonly delay?: { readonly fixedMs: number; readonly percent: number };
  readonly abort?:
    | { readonly kind: 'http'; readonly status: number; readonly percent: number }
    | { readonly kind: 'grpc'; readonly status: number; readonly percent: number };
}

export interface MirrorPolicy {
  readonly service: ServiceRef;
  readonly port?: number;
  readonly subset?: string;
  readonly percent: number;
}

export type PathRewrite =
  | { readonly kind: 'full'; readonly value: string }
  /** Replace the matched prefix (Gateway API ReplacePrefixMatch, Istio uri rewrite on a prefix match). */
  | { readonly kind: 'prefix'; readonly value: string };

export interface Redirect {
  readonly scheme?: string;
  readonly host?: string;
  readonly port?: number;
  readonly path?: PathRewrite;
  /** 301, 302, 303, 307 or 308. */
  readonly status: number;
}

export interface CorsPolicy {
  readonly allowOrigins: readonly StringMatch[];
  readonly allowMethods?: readonly string[];
  readonly allowHeaders?: readonly string[];
  readonly exposeHeaders?: readonly string[];
  readonly maxAgeSeconds?: number;
  readonly allowCredentials?: boolean;
}

export type RouteAction =
  | { readonly kind: 'forward'; readonly backends: readonly Backend[] }
  | { readonly kind: 'redirect'; readonly redirect: Redirect }
  /** A fixed answer: used for a rule that could not be lowered (500), so one bad rule never blanks a table. */
  | { readonly kind: 'direct'; readonly status: number; readonly body?: string };

export interface HttpRoute {
  /** Unique within its table, stable across runs: `<kind>/<ns>/<name>/<rule>[/<match>]`. */
  readonly name: string;
  readonly origin: Origin;
  readonly match: RouteMatch;
  readonly action: RouteAction;
  readonly requestHeaders?: HeaderEdits;
  readonly responseHeaders?: HeaderEdits;
  readonly rewrite?: { readonly host?: string; readonly path?: PathRewrite };
  /** Whole request, all retries included. 0 = no timeout. */
  readonly timeoutMs?: number;
  readonly retry?: RetryPolicy;
  readonly fault?: FaultPolicy;
  readonly mirrors?: readonly MirrorPolicy[];
  readonly cors?: CorsPolicy;
}

export interface TcpRoute {
  readonly name: string;
  readonly origin: Origin;
  /** Istio tcp match port; undefined = every port of the table. */
  readonly port?: number;
  readonly backends: readonly Backend[];
}

/**
 * The routes for traffic addressed to one service (one port, or all its ports), in the order they
 * are tried. Several resources may contribute; the merge step decides precedence and conflicts.
 */
export interface RouteTable {
  readonly service: ServiceRef;
  /** undefined = every port of the service. */
  readonly port?: number;
  readonly http: readonly HttpRoute[];
  readonly tcp: readonly TcpRoute[];
  /** Every resource whose rules are in this table, in precedence order. */
  readonly origins: readonly Origin[];
}

export type LoadBalancer =
  | {
      readonly kind: 'simple';
      readonly algorithm: 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | 'PASSTHROUGH';
    }
  | {
      readonly kind: 'consistentHash';
      readonly hashOn:
        | { readonly kind: 'header'; readonly name: string }
        | { readonly kind: 'cookie'; readonly name: string; readonly ttlMs?: number; readonly path?: string }
        | { readonly kind: 'sourceIP' }
        | { readonly kind: 'queryParam'; readonly name: string };
      readonly minimumRingSize?: number;
    };

export interface LocalityFailover {
  readonly from: string;
  readonly to: string;
}

export interface ConnectionPool {
  readonly tcp?: { readonly maxConnections?: number; readonly connectTimeoutMs?: number };
  readonly http?: {
    readonly http1MaxPendingRequests?: number;
    readonly http2MaxRequests?: number;
    readonly maxRequestsPerConnection?: number;
    readonly maxRetries?: number;
    readonly idleTimeoutMs?: number;
  };
}

export interface OutlierDetection {
  readonly consecutive5xxErrors?: number;
  readonly consecutiveGatewayErrors?: number;
  readonly intervalMs?: number;
  readonly baseEjectionTimeMs?: number;
  readonly maxEjectionPercent?: number;
}

export type TlsMode = 'DISABLE' | 'SIMPLE' | 'MUTUAL' | 'ISTIO_MUTUAL';

/**
 * How a client connects to a destination (DestinationRule trafficPolicy.tls). ISTIO_MUTUAL uses the
 * mesh's own certificates (SDS `default` and `ROOTCA`); SIMPLE and MUTUAL use files on the proxy.
 */
export interface ClientTls {
  readonly mode: TlsMode;
  /** SNI to send; ISTIO_MUTUAL defaults to outbound_.<port>_.<subset>_.<fqdn>. */
  readonly sni?: string;
  /** The server certificate must carry one of these (URI for spiffe://..., else DNS). */
  readonly subjectAltNames?: readonly string[];
  /** SIMPLE/MUTUAL: file paths on the proxy. */
  readonly caCertificates?: string;
  readonly clientCertificate?: string;
  readonly privateKey?: string;
  /** SIMPLE/MUTUAL: the server certificate is not verified. */
  readonly insecureSkipVerify?: boolean;
}

export interface TrafficPolicy {
  readonly loadBalancer?: LoadBalancer;
  readonly localityFailover?: readonly LocalityFailover[];
  readonly connectionPool?: ConnectionPool;
  readonly outlierDetection?: OutlierDetection;
  readonly tls?: ClientTls;
}

export interface Subset {
  readonly name: string;
  readonly labels: Labels;
  readonly policy?: TrafficPolicy;
}

/** How to reach one service's endpoints (Istio DestinationRule). Precedence: subset > port > service. */
export interface BackendPolicy {
  readonly service: ServiceRef;
  readonly origin: Origin;
  readonly policy?: TrafficPolicy;
  readonly portPolicies?: readonly { readonly port: number; readonly policy: TrafficPolicy }[];
  readonly subsets: readonly Subset[];
}

/** A token bucket on the inbound side of a service's workloads (Envoy local_ratelimit). */
export interface RateLimitPolicy {
  readonly origin: Origin;
  readonly service: ServiceRef;
  /** undefined = every port. */
  readonly port?: number;
  readonly tokensPerFill: number;
  readonly fillIntervalMs: number;
  readonly maxTokens: number;
  /** Only requests matching this are limited; undefined = all. */
  readonly match?: RouteMatch;
  /** Status of a limited request; default 429. */
  readonly status: number;
}

/** The server side's mutual TLS mode (Istio PeerAuthentication). */
export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

/**
 * A PeerAuthentication: which mTLS mode the sidecars of some workloads take on their inbound side.
 * Without a selector it covers its namespace, or the whole mesh in the mesh's root namespace.
 * `mode` (and a port's `mode`) absent is Istio's UNSET: inherited from the level above.
 */
export interface PeerAuthenticationPolicy {
  /** kind PeerAuthentication; origin.namespace is the policy's namespace. */
  readonly origin: Origin;
  /** metadata.creationTimestamp (RFC 3339): between policies of one level, the oldest applies. */
  readonly createdAt?: string;
  /** matchLabels; absent (or empty) = the whole namespace. */
  readonly selector?: Labels;
  readonly mode?: MtlsMode;
  /** By the port the workload listens on; only read on policies with a selector (as Istio does). */
  readonly portLevelMtls?: readonly { readonly port: number; readonly mode?: MtlsMode }[];
}

/**
 * One `namespace/dnsName` host of an Istio Sidecar's egress: the services a proxy may see. `~` hosts
 * (no namespace) are left out when lowering, so a Sidecar whose hosts are all `~/*` sees nothing.
 */
export interface EgressHost {
  /** A namespace, `*` (every namespace) or `.` (the namespace of the proxy the Sidecar applies to). */
  readonly namespace: string;
  /** `*` (every service), `*.<suffix>` (services whose hostname ends with .<suffix>) or an exact hostname. */
  readonly host: string;
}

/**
 * An Istio Sidecar, as far as it decides visibility (visibility.ts, sidecar-scope.ts): which services
 * the proxies it applies to receive. Without a selector it covers its namespace, or, in the mesh's
 * root namespace, every namespace that has no Sidecar of its own.
 */
export interface SidecarPolicy {
  /** kind Sidecar; origin.namespace is the Sidecar's namespace. */
  readonly origin: Origin;
  /** metadata.creationTimestamp (RFC 3339): between Sidecars of one level, the oldest applies. */
  readonly createdAt?: string;
  /** workloadSelector.labels; absent = the whole namespace. */
  readonly selector?: Labels;
  /** The hosts of every egress listener, in order, each once; a Sidecar without egress sees every service. */
  readonly egressHosts: readonly EgressHost[];
}

export interface Routing {
  readonly routeTables: readonly RouteTable[];
  readonly backendPolicies: readonly BackendPolicy[];
  readonly rateLimits: readonly RateLimitPolicy[];
  /** PeerAuthentications, sorted by namespace/name; absent = none. */
  readonly peerAuthentications?: readonly PeerAuthenticationPolicy[];
  /** Sidecars (what proxies see), sorted by namespace/name; absent = none. */
  readonly sidecars?: readonly SidecarPolicy[];
}

export const EMPTY_ROUTING: Routing = { routeTables: [], backendPolicies: [], rateLimits: [] };

/** A Kubernetes-style status condition on a routing resource (Accepted, ResolvedRefs, ...). */
export interface Condition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
}

export interface ResourceStatus {
  readonly resource: Origin;
  /** For Gateway API routes: the parentRef (service and optional port) the conditions are about. */
  readonly parent?: { readonly service: ServiceRef; readonly port?: number };
  readonly conditions: readonly Condition[];
}
