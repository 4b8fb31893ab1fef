// Shared by this family's tests: YAML in, the family's answer out, issues as the lines users read.
import { parseAllDocuments } from 'yaml';
import { formatIssue } from '../../../model/issue.js';
import type { HttpRoute, ResourceStatus } from '../../../model/routing.js';
import type { RouteContribution, RoutingFragment } from '../../../model/routing-fragment.js';
import { sortIssues } from '../issues.js';
import type { ManifestDocument } from '../manifest.js';
import { gatewayApiFamily } from './family.js';

export function documents(text: string, origin = 'routes.yaml'): ManifestDocument[] {
  return parseAllDocuments(text).map((d, documentIndex) => ({ origin, documentIndex, value: d.toJS() }));
}

export interface Parsed {
  readonly fragment: RoutingFragment;
  readonly contributions: readonly RouteContribution[];
  readonly statuses: readonly ResourceStatus[];
  /** Every issue, formatted as users see it. */
  readonly messages: readonly string[];
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  /** The routes of the first contribution. */
  readonly http: readonly HttpRoute[];
}

export function parseYaml(text: string): Parsed {
  const parsed = gatewayApiFamily.parse(documents(text), { clusterDomain: 'cluster.local' });
  const { fragment } = parsed;
  // parseManifests sorts issues by origin, document and field path; so do these tests.
  const issues = sortIssues(parsed.issues);
  const contributions = fragment.routes ?? [];
  return {
    fragment,
    contributions,
    statuses: fragment.statuses ?? [],
    messages: issues.map(formatIssue),
    errors: issues.filter((i) => i.severity === 'error').map(formatIssue),
    warnings: issues.filter((i) => i.severity === 'warning').map(formatIssue),
    http: contributions[0]?.http ?? [],
  };
}

/** An HTTPRoute in namespace shop attached to Service shop/reviews, with `rules` as its YAML rules. */
export function httpRoute(rules: string, extra = ''): string {
  return `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: reviews, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: reviews }]
${extra}  rules:
${rules}`;
}

export function grpcRoute(rules: string): string {
  return `
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: { name: greeter, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: greeter, port: 9090 }]
  rules:
${rules}`;
}

export const PREFIX = 'routes.yaml[doc 0]: HTTPRoute shop/reviews: ';
export const GRPC_PREFIX = 'routes.yaml[doc 0]: GRPCRoute shop/greeter: ';
