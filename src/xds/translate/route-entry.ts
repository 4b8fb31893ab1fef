// One model HttpRoute as one Envoy Route. gRPC clients (gRFC A28, A31, A33, A44, A42) get matches,
// the cluster or weighted split, timeouts, retries, faults and the hash policy; they ignore header
// edits, rewrites, mirrors and CORS, so those are not sent to them at all. A gRPC client rejects the
// whole configuration on a redirect or direct_response route, and leaving such a route out would
// let its calls fall through to a later route (a backend the user did not choose): instead it goes
// to a cluster that is never sent, so exactly those calls fail with UNAVAILABLE, as they would fail
// through a sidecar.
import type { Route } from '../../generated/envoy/config/route/v3/Route.js';
import type { RouteAction } from '../../generated/envoy/config/route/v3/RouteAction.js';
import type { WeightedCluster } from '../../generated/envoy/config/route/v3/WeightedCluster.js';
import type { Mesh, Service, ServicePort } from '../../model/mesh.js';
import type { Backend, HttpRoute } from '../../model/routing.js';
import type { ClientDialect } from './client-dialect.js';
import { routeFilterConfigs } from './filters/index.js';
import {
  invalidBackendCluster,
  isInvalidShare,
  liveTargets,
  targetCluster,
  type WeightedShare,
  weightedShares,
} from './route-backends.js';
import { hashPolicies } from './route-hash-policy.js';
import { headerEditFields, requestHost } from './route-headers.js';
import { routeMatch } from './route-match.js';
import { retryPolicy } from './route-retry.js';
import { pathRewriteFields, redirectAction } from './route-rewrite.js';
import { fractionalPercent, uint32 } from './route-scalars.js';
import { timeoutFields } from './route-timeouts.js';

/** The service port a virtual host is for, and who reads it. */
export interface RouteTarget {
  readonly mesh: Mesh;
  readonly service: Service;
  readonly port: ServicePort;
  readonly dialect: ClientDialect;
}

type ClusterNotFound = NonNullable<RouteAction['cluster_not_found_response_code']>;

/** The answer for a share whose backend is invalid; Envoy offers these three. */
function clusterNotFoundCode(backends: readonly Backend[]): ClusterNotFound {
  const status = backends.find((b) => b.kind === 'invalid')?.status;
  return status === 503 ? 'SERVICE_UNAVAILABLE' : status === 404 ? 'NOT_FOUND' : 'INTERNAL_SERVER_ERROR';
}

function mirrorPolicies(route: HttpRoute, target: RouteTarget): RouteAction['request_mirror_policies'] {
  const mirrors = (route.mirrors ?? []).flatMap((mirror) => {
    const cluster = targetCluster(target.mesh, mirror, target.port.port);
    // A mirror to nowhere would only cost a lookup per request; the merge step reported it.
    if (!cluster || !(mirror.percent > 0)) return [];
    return [{ cluster, runtime_fraction: { default_value: fractionalPercent(mirror.percent) } }];
  });
  return mirrors.length > 0 ? mirrors : undefined;
}

/** Everything a forwarding route does besides choosing the cluster. */
function forwardingFields(route: HttpRoute, backends: readonly Backend[], target: RouteTarget): RouteAction {
  const { mesh, port } = target;
  const { client } = target.dialect;
  const envoy = client === 'envoy';
  const host = route.rewrite?.host ?? requestHost(route.requestHeaders);
  const retry = route.retry && retryPolicy(route.retry, client);
  const mirrors = envoy ? mirrorPolicies(route, target) : undefined;
  const hash = hashPolicies(mesh.routing.backendPolicies, liveTargets(backends), port.port, target.dialect);
  return {
    ...(envoy && route.rewrite?.path ? pathRewriteFields(route.rewrite.path, route.match.path) : {}),
    ...(envoy && host !== undefined ? { host_rewrite_literal: host } : {}),
    ...timeoutFields(route.timeoutMs, port.protocol, client),
    ...(retry ? { retry_policy: retry } : {}),
    ...(mirrors ? { request_mirror_policies: mirrors } : {}),
    ...(hash ? { hash_policy: hash } : {}),
  };
}

/** A split; clients that need it are told the total (client-dialect.ts, implicitTotalWeight). */
function weightedClusters(shares: readonly WeightedShare[], dialect: ClientDialect): WeightedCluster {
  const clusters = shares.map((s) => ({ name: s.name, weight: s.weight }));
  if (dialect.implicitTotalWeight) return { clusters };
  return { clusters, total_weight: uint32(shares.reduce((sum, s) => sum + s.weight, 0)) };
}

/** The route action, or undefined when no backend gets any traffic. */
function forwardAction(
  route: HttpRoute,
  backends: readonly Backend[],
  target: RouteTarget,
): RouteAction | undefined {
  const shares = weightedShares(target.mesh, backends, target.port.port);
  const [first] = shares;
  if (!first) return undefined;
  const cluster =
    shares.length === 1
      ? { cluster: first.name }
      : { weighted_clusters: weightedClusters(shares, target.dialect) };
  const invalid = target.dialect.client === 'envoy' && shares.some(isInvalidShare);
  return {
    ...cluster,
    ...(invalid ? { cluster_not_found_response_code: clusterNotFoundCode(backends) } : {}),
    ...forwardingFields(route, backends, target),
  };
}

/** A gRPC call that must fail: to a cluster never sent. */
function failingAction(reason: string, target: RouteTarget): RouteAction {
  return {
    cluster: invalidBackendCluster(reason),
    ...timeoutFields(undefined, target.port.protocol, 'grpc'),
  };
}

function grpcRoute(route: HttpRoute, target: RouteTarget, base: Route): Route {
  const action = route.action;
  if (action.kind === 'redirect') return { ...base, route: failingAction('Redirect', target) };
  if (action.kind === 'direct')
    return { ...base, route: failingAction(`DirectResponse${action.status}`, target) };
  const forward = forwardAction(route, action.backends, target) ?? failingAction('NoBackends', target);
  const filters = routeFilterConfigs(route, 'grpc');
  return { ...base, route: forward, ...(filters ? { typed_per_filter_config: filters } : {}) };
}

const directResponse = (status: number, body?: string): Route['direct_response'] => ({
  status: status >= 200 && status < 600 ? status : 500,
  ...(body !== undefined ? { body: { inline_string: body } } : {}),
});

function envoyRoute(route: HttpRoute, target: RouteTarget, base: Route): Route {
  const action = route.action;
  let result: Route;
  if (action.kind === 'redirect')
    result = { ...base, redirect: redirectAction(action.redirect, route.match.path) };
  else if (action.kind === 'direct')
    result = { ...base, direct_response: directResponse(action.status, action.body) };
  else {
    // All weights zero: the parsers already made this a direct 500, as the Gateway API asks.
    const forward = forwardAction(route, action.backends, target);
    result = forward ? { ...base, route: forward } : { ...base, direct_response: directResponse(500) };
  }
  const filters = routeFilterConfigs(route, 'envoy');
  return {
    ...result,
    ...headerEditFields(route.requestHeaders, route.responseHeaders),
    ...(filters ? { typed_per_filter_config: filters } : {}),
  };
}

/** The Envoy route, or undefined when the client can never see a request it matches. */
export function lowerHttpRoute(route: HttpRoute, target: RouteTarget): Route | undefined {
  const match = routeMatch(route.match, target.dialect);
  if (!match) return undefined;
  const base: Route = { name: route.name, match };
  return target.dialect.client === 'grpc' ? grpcRoute(route, target, base) : envoyRoute(route, target, base);
}
