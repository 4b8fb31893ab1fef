// One VirtualService tcp rule as model TCP routes: one per match port, in order. Matches on what
// the model cannot express (source labels, subnets) are skipped rather than widened.
import type { Issue } from '../../../model/issue.js';
import type { TcpRoute } from '../../../model/routing.js';
import { list, object, portNumber, string } from '../core/fields.js';
import { hasErrors, isRecord } from '../core/resource.js';
import { validateAt } from '../shared/validate-at.js';
import { lowerBackends } from './destinations.js';
import { appliesToMesh } from './http-match.js';
import { routeDestinations } from './http-route-schema.js';
import { type LoweringScope, withIssues } from './lowering-scope.js';

const tcpRouteSchema = object({
  match: list(object({ port: portNumber().nullish(), gateways: list(string()).nullish() })).nullish(),
  route: routeDestinations().nullish(),
});

/** Match fields the model has no place for (reported by the support walker). */
const INEXPRESSIBLE = ['sourceLabels', 'sourceNamespace', 'destinationSubnets', 'sourceSubnet'];

export function lowerTcpRule(raw: unknown, index: number, scope: LoweringScope): TcpRoute[] {
  const at = `spec.tcp[${index}]`;
  const checked = validateAt(tcpRouteSchema, raw, at, scope.report);
  if (!checked.ok) {
    scope.issues.push(...checked.issues);
    return [];
  }
  const rule = checked.data;
  if (!rule.route || rule.route.length === 0) {
    scope.issues.push(scope.report(`${at}.route`, 'MissingField', 'is required'));
    return [];
  }
  const issues: Issue[] = [];
  const backends = lowerBackends(rule.route, `${at}.route`, withIssues(scope, issues));
  scope.issues.push(...issues);
  if (!backends || hasErrors(issues)) return [];

  const rawMatches = isRecord(raw) && Array.isArray(raw.match) ? raw.match : [];
  const matches = rule.match && rule.match.length > 0 ? rule.match : [undefined];
  const base = `VirtualService/${scope.origin.namespace}/${scope.origin.name}/tcp/${index}`;
  const routes: TcpRoute[] = [];
  matches.forEach((match, m) => {
    if (match && !appliesToMesh(match.gateways)) return;
    const written = rawMatches[m];
    if (
      isRecord(written) &&
      INEXPRESSIBLE.some((field) => written[field] !== undefined && written[field] !== null)
    ) {
      return;
    }
    routes.push({
      name: matches.length > 1 ? `${base}/${m}` : base,
      origin: scope.origin,
      ...(match?.port ? { port: match.port } : {}),
      backends,
    });
  });
  return routes;
}
