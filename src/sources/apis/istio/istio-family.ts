// The Istio routing family: VirtualService, DestinationRule and Sidecar of networking.istio.io, and
// PeerAuthentication of security.istio.io. Rules are read first, so that routes can tell which
// subsets exist.
import type { Issue } from '../../../model/issue.js';
import { DEFAULT_ROOT_NAMESPACE } from '../../../model/mesh.js';
import type { BackendPolicy, PeerAuthenticationPolicy, SidecarPolicy } from '../../../model/routing.js';
import type { RouteContribution } from '../../../model/routing-fragment.js';
import { namespaceDefaultConflict, namespaceDefaultLosers, SIDECAR } from '../../../model/sidecar-scope.js';
import { isRecord } from '../core/resource.js';
import type { Report } from '../issues.js';
import type { ManifestDocument } from '../manifest.js';
import type { RoutingFamilyParser } from '../routing-family.js';
import { parseDestinationRule } from './destination-rule.js';
import { serviceKey } from './hosts.js';
import type { SubsetIndex } from './lowering-scope.js';
import { PEER_AUTHENTICATION, parsePeerAuthentication } from './peer-authentication.js';
import { parseSidecar } from './sidecar.js';
import { ISTIO_SUPPORT } from './support.js';
import { parseVirtualService } from './virtual-service.js';

const GROUP = 'networking.istio.io';
const VERSIONS = ['v1', 'v1beta1', 'v1alpha3'];
const SECURITY_GROUP = 'security.istio.io';
const SECURITY_VERSIONS = ['v1', 'v1beta1'];

export const istioFamily: RoutingFamilyParser = {
  family: 'istio',
  kinds: [
    { group: GROUP, kind: 'VirtualService', versions: VERSIONS },
    { group: GROUP, kind: 'DestinationRule', versions: VERSIONS },
    { group: SECURITY_GROUP, kind: PEER_AUTHENTICATION, versions: SECURITY_VERSIONS },
    { group: GROUP, kind: SIDECAR, versions: VERSIONS },
  ],
  support: ISTIO_SUPPORT,
  parse(docs, ctx) {
    const issues: Issue[] = [];
    const backendPolicies: BackendPolicy[] = [];
    for (const doc of docs) {
      if (kindOf(doc) !== 'DestinationRule') continue;
      const parsed = parseDestinationRule(doc, ctx.clusterDomain);
      issues.push(...parsed.issues);
      if (parsed.policy) backendPolicies.push(parsed.policy);
    }
    const subsets = subsetIndex(backendPolicies);
    const routes: RouteContribution[] = [];
    for (const doc of docs) {
      if (kindOf(doc) !== 'VirtualService') continue;
      const parsed = parseVirtualService(doc, { clusterDomain: ctx.clusterDomain, subsets });
      issues.push(...parsed.issues);
      routes.push(...parsed.routes);
    }
    const peerAuthentications: PeerAuthenticationPolicy[] = [];
    for (const doc of docs) {
      if (kindOf(doc) !== PEER_AUTHENTICATION) continue;
      const parsed = parsePeerAuthentication(doc, ctx.rootNamespace ?? DEFAULT_ROOT_NAMESPACE);
      issues.push(...parsed.issues);
      if (parsed.policy) peerAuthentications.push(parsed.policy);
    }
    const rootNamespace = ctx.rootNamespace ?? DEFAULT_ROOT_NAMESPACE;
    const sidecars = parseSidecars(docs, { clusterDomain: ctx.clusterDomain, rootNamespace }, issues);
    return {
      fragment: {
        routes,
        backendPolicies,
        ...(peerAuthentications.length > 0 ? { peerAuthentications } : {}),
        ...(sidecars.length > 0 ? { sidecars } : {}),
      },
      issues,
    };
  },
};

/**
 * Every Sidecar that is served; a namespace's second default is told it does not apply (the merge
 * step, which settles the same rule, gives it a Conflicted condition too).
 */
function parseSidecars(
  docs: readonly ManifestDocument[],
  ctx: { clusterDomain: string; rootNamespace: string },
  issues: Issue[],
): SidecarPolicy[] {
  const sidecars: SidecarPolicy[] = [];
  const reports = new Map<SidecarPolicy, Report>();
  for (const doc of docs) {
    if (kindOf(doc) !== SIDECAR) continue;
    const parsed = parseSidecar(doc, ctx);
    issues.push(...parsed.issues);
    if (!parsed.policy) continue;
    sidecars.push(parsed.policy);
    reports.set(parsed.policy, parsed.report);
  }
  for (const { loser, winner } of namespaceDefaultLosers(sidecars)) {
    const report = reports.get(loser)!;
    issues.push(
      report(
        'spec.workloadSelector',
        'Conflicted',
        `is absent, and ${namespaceDefaultConflict(winner, loser.origin.namespace)}; this Sidecar does not apply`,
        'warning',
      ),
    );
  }
  return sidecars;
}

function kindOf(doc: ManifestDocument): unknown {
  return isRecord(doc.value) ? doc.value.kind : undefined;
}

/** Several DestinationRules may name one service (the merge step picks one); a subset of any counts. */
function subsetIndex(policies: readonly BackendPolicy[]): SubsetIndex {
  const index = new Map<string, Set<string>>();
  for (const policy of policies) {
    const key = serviceKey(policy.service);
    const names = index.get(key) ?? new Set<string>();
    for (const subset of policy.subsets) names.add(subset.name);
    index.set(key, names);
  }
  return index;
}
