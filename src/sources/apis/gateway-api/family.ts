// The Gateway API family in mesh mode (GAMMA): HTTPRoute and GRPCRoute attached to Services, and the
// ReferenceGrants that let them send traffic across namespaces.
import type { Issue } from '../../../model/issue.js';
import type { ResourceStatus } from '../../../model/routing.js';
import type { RouteContribution } from '../../../model/routing-fragment.js';
import { isRecord } from '../core/resource.js';
import type { ManifestDocument } from '../manifest.js';
import type { RoutingFamilyParser } from '../routing-family.js';
import { GATEWAY_GROUP } from './api-fields.js';
import { lowerGrpcMatches } from './grpc-matches.js';
import { lowerHttpMatches } from './http-matches.js';
import { parseReferenceGrants } from './reference-grants.js';
import { lowerRouteDocument } from './route-document.js';
import type { KindRules } from './route-rule.js';
import { GATEWAY_API_SUPPORT } from './support.js';

export const HTTP_ROUTE_RULES: KindRules = {
  kind: 'HTTPRoute',
  failStatus: 500,
  filterTypes: [
    'RequestHeaderModifier',
    'ResponseHeaderModifier',
    'RequestMirror',
    'RequestRedirect',
    'URLRewrite',
    'CORS',
    'ExtensionRef',
    'ExternalAuth',
  ],
  timeouts: true,
  lowerMatches: lowerHttpMatches,
};

/** gRPC clients read HTTP 503 as UNAVAILABLE, the status the spec asks for when a backend is invalid. */
export const GRPC_ROUTE_RULES: KindRules = {
  kind: 'GRPCRoute',
  failStatus: 503,
  filterTypes: ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'ExtensionRef'],
  timeouts: false,
  lowerMatches: lowerGrpcMatches,
};

const RULES_BY_KIND: ReadonlyMap<string, KindRules> = new Map([
  ['HTTPRoute', HTTP_ROUTE_RULES],
  ['GRPCRoute', GRPC_ROUTE_RULES],
]);

export const gatewayApiFamily: RoutingFamilyParser = {
  family: 'gateway-api',
  kinds: [
    { group: GATEWAY_GROUP, kind: 'HTTPRoute', versions: ['v1', 'v1beta1'] },
    { group: GATEWAY_GROUP, kind: 'GRPCRoute', versions: ['v1', 'v1alpha2'] },
    { group: GATEWAY_GROUP, kind: 'ReferenceGrant', versions: ['v1', 'v1beta1'] },
  ],
  support: GATEWAY_API_SUPPORT,
  parse(docs) {
    const kindOf = (doc: ManifestDocument) => (isRecord(doc.value) ? doc.value.kind : undefined);
    // Grants first: a route may rely on a grant that comes later in the files.
    const { grants, issues: grantIssues } = parseReferenceGrants(
      docs.filter((d) => kindOf(d) === 'ReferenceGrant'),
    );
    const issues: Issue[] = [...grantIssues];
    const routes: RouteContribution[] = [];
    const statuses: ResourceStatus[] = [];
    for (const doc of docs) {
      const rules = RULES_BY_KIND.get(String(kindOf(doc)));
      if (!rules) continue;
      const lowered = lowerRouteDocument(doc, rules, grants);
      routes.push(...lowered.contributions);
      statuses.push(...lowered.statuses);
      issues.push(...lowered.issues);
    }
    return { fragment: { routes, statuses }, issues };
  },
};
