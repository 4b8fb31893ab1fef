// Reference consistency of one proxy's resources, the check go-control-plane makes before it
// publishes a snapshot: every cluster a listener or route names exists, every RDS name has a route
// configuration, and EDS clusters and ClusterLoadAssignments pair up one to one. Envoy would not
// NACK a dangling name; it would wait for it, or send 503s, which is harder to see. The one
// exception is on purpose: `invalid-backend|<reason>` names the share of a split whose backend does
// not exist, so that exactly that share fails (route-backends.ts).

import type { FilterChain } from '../../generated/envoy/config/listener/v3/FilterChain.js';
import type { RouteConfiguration } from '../../generated/envoy/config/route/v3/RouteConfiguration.js';
import type { HttpConnectionManager } from '../../generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager.js';
import type { TcpProxy } from '../../generated/envoy/extensions/filters/network/tcp_proxy/v3/TcpProxy.js';
import type { Any } from '../../generated/google/protobuf/Any.js';
import { pairMemo } from '../../pair-memo.js';
import { HCM_TYPE, TCP_PROXY_TYPE } from './filters.js';
import { INVALID_BACKEND_PREFIX } from './route-backends.js';
import type { ProxyResources } from './translate-proxy.js';

interface Refs {
  readonly clusters: Set<string>;
  readonly routes: Set<string>;
}

function routeClusters(config: RouteConfiguration | null | undefined, refs: Refs): void {
  for (const host of config?.virtual_hosts ?? []) {
    for (const route of host.routes ?? []) {
      if (route.route?.cluster) refs.clusters.add(route.route.cluster);
      for (const weighted of route.route?.weighted_clusters?.clusters ?? []) {
        if (weighted.name) refs.clusters.add(weighted.name);
      }
      for (const mirror of route.route?.request_mirror_policies ?? []) {
        if (mirror.cluster) refs.clusters.add(mirror.cluster);
      }
    }
  }
}

function typedConfigRefs(config: Any | null | undefined, refs: Refs): void {
  if (config?.['@type'] === HCM_TYPE) {
    const hcm = config as HttpConnectionManager;
    if (hcm.rds?.route_config_name) refs.routes.add(hcm.rds.route_config_name);
    routeClusters(hcm.route_config, refs);
  } else if (config?.['@type'] === TCP_PROXY_TYPE) {
    const proxy = config as TcpProxy;
    if (proxy.cluster) refs.clusters.add(proxy.cluster);
    for (const weighted of proxy.weighted_clusters?.clusters ?? []) {
      if (weighted.name) refs.clusters.add(weighted.name);
    }
  }
}

function chainRefs(chain: FilterChain | null | undefined, refs: Refs): void {
  for (const filter of chain?.filters ?? []) typedConfigRefs(filter.typed_config, refs);
}

/**
 * What a set of resources names and what it provides. Kept per part of a proxy's configuration, so
 * the whole can be checked without walking its resources again (see `danglingAcross`).
 */
export interface ReferenceSummary {
  readonly namedClusters: ReadonlySet<string>;
  readonly namedRoutes: ReadonlySet<string>;
  readonly clusters: ReadonlySet<string>;
  readonly routes: ReadonlySet<string>;
  /** The EDS service names of the EDS clusters, and the cluster names of the assignments. */
  readonly edsNames: ReadonlySet<string>;
  readonly assignments: ReadonlySet<string>;
}

export function summarizeReferences(resources: ProxyResources): ReferenceSummary {
  const refs: Refs = { clusters: new Set(), routes: new Set() };
  for (const listener of resources.listeners) {
    for (const chain of listener.filter_chains ?? []) chainRefs(chain, refs);
    chainRefs(listener.default_filter_chain, refs);
    typedConfigRefs(listener.api_listener?.api_listener, refs);
  }
  for (const route of resources.routes) routeClusters(route, refs);
  return {
    namedClusters: refs.clusters,
    namedRoutes: refs.routes,
    clusters: new Set(resources.clusters.map((c) => c.name ?? '')),
    routes: new Set(resources.routes.map((r) => r.name ?? '')),
    edsNames: new Set(
      resources.clusters
        .filter((c) => c.type === 'EDS')
        .map((c) => c.eds_cluster_config?.service_name || c.name || ''),
    ),
    assignments: new Set(resources.endpoints.map((e) => e.cluster_name ?? '')),
  };
}

/** What all of them name and provide. */
export function mergeSummaries(summaries: readonly ReferenceSummary[]): ReferenceSummary {
  const union = (of: (s: ReferenceSummary) => ReadonlySet<string>) => {
    const all = new Set<string>();
    for (const summary of summaries) for (const name of of(summary)) all.add(name);
    return all;
  };
  return {
    namedClusters: union((s) => s.namedClusters),
    namedRoutes: union((s) => s.namedRoutes),
    clusters: union((s) => s.clusters),
    routes: union((s) => s.routes),
    edsNames: union((s) => s.edsNames),
    assignments: union((s) => s.assignments),
  };
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const name of a) if (!b.has(name)) return false;
  return true;
}

/** True when both name and provide the same. */
export function sameSummary(a: ReferenceSummary, b: ReferenceSummary): boolean {
  return (
    a === b ||
    (sameSet(a.namedClusters, b.namedClusters) &&
      sameSet(a.namedRoutes, b.namedRoutes) &&
      sameSet(a.clusters, b.clusters) &&
      sameSet(a.routes, b.routes) &&
      sameSet(a.edsNames, b.edsNames) &&
      sameSet(a.assignments, b.assignments))
  );
}

// Groups share every part but their own (the last), and a shared part names a thousand clusters
// that another shared part provides: checking each name against every part again for each of a
// thousand groups at a cold start was a seventh of building them. What is left of a set once a
// part's names are taken out is kept per pair of sets, so the shared parts' checks are done once
// and a group's own part only filters what is left, which is mostly nothing.
const without = pairMemo((names: ReadonlySet<string>, provided: ReadonlySet<string>): ReadonlySet<string> => {
  const rest = new Set<string>();
  for (const name of names) if (!provided.has(name)) rest.add(name);
  return rest.size === names.size ? names : rest;
});

/** The names of `names` that no part provides (`of`), in their order. */
function unprovided(
  names: ReadonlySet<string>,
  parts: readonly ReferenceSummary[],
  of: (p: ReferenceSummary) => ReadonlySet<string>,
): ReadonlySet<string> {
  let left = names;
  for (const part of parts) {
    if (left.size === 0) break;
    left = without(left, of(part));
  }
  return left;
}

/** Every dangling or unpaired name across the parts, as readable lines; empty when consistent. */
export function danglingAcross(parts: readonly ReferenceSummary[]): string[] {
  const problems: string[] = [];
  const reported = new Set<string>();
  const problem = (line: string) => {
    if (!reported.has(line)) problems.push(line);
    reported.add(line);
  };
  for (const part of parts) {
    for (const name of unprovided(part.namedClusters, parts, (p) => p.clusters))
      if (!name.startsWith(INVALID_BACKEND_PREFIX)) problem(`cluster ${name} is named but not sent`);
    for (const name of unprovided(part.namedRoutes, parts, (p) => p.routes))
      problem(`route configuration ${name} is named but not sent`);
  }
  for (const part of parts) {
    for (const name of unprovided(part.edsNames, parts, (p) => p.assignments))
      problem(`EDS cluster ${name} has no assignment`);
  }
  for (const part of parts) {
    for (const name of unprovided(part.assignments, parts, (p) => p.edsNames))
      problem(`assignment ${name} has no EDS cluster`);
  }
  return problems;
}

/** Every dangling or unpaired name, as readable lines; empty when the set is consistent. */
export function checkReferences(resources: ProxyResources): string[] {
  return danglingAcross([summarizeReferences(resources)]);
}
