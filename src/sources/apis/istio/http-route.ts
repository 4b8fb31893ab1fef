// One VirtualService http rule as model routes: one route per match, in order, all with the same
// action and policies. A rule with an error is dropped (Istio would reject the whole resource); the
// next rules still match.
import type { Issue } from '../../../model/issue.js';
import type { HttpRoute, Redirect, RouteAction, RouteMatch } from '../../../model/routing.js';
import { hasErrors, isRecord } from '../core/resource.js';
import { validateAt } from '../shared/validate-at.js';
import { lowerBackends } from './destinations.js';
import { lowerMatch, pathRewriteFor } from './http-match.js';
import { lowerCors, lowerFault, lowerHeaders, lowerMirrors, lowerRetry } from './http-policies.js';
import { type HttpRouteSpec, httpRouteSchema } from './http-route-schema.js';
import { type LoweringScope, withIssues } from './lowering-scope.js';

export function lowerHttpRule(raw: unknown, index: number, scope: LoweringScope): HttpRoute[] {
  const at = `spec.http[${index}]`;
  const checked = validateAt(httpRouteSchema, raw, at, scope.report);
  if (!checked.ok) {
    scope.issues.push(...checked.issues);
    return [];
  }
  const issues: Issue[] = [];
  const routes = lowerValid(checked.data, isRecord(raw) ? raw : {}, at, index, withIssues(scope, issues));
  scope.issues.push(...issues);
  return hasErrors(issues) ? [] : routes;
}

type ActionFor = (match: RouteMatch, matchAt: string) => RouteAction;

function lowerValid(
  rule: HttpRouteSpec,
  raw: Record<string, unknown>,
  at: string,
  index: number,
  scope: LoweringScope,
): HttpRoute[] {
  const actionFor = lowerAction(rule, raw, at, scope);
  if (!actionFor) return [];
  if (rule.mirror && rule.mirrors && rule.mirrors.length > 0) {
    scope.issues.push(scope.report(`${at}.mirrors`, 'InvalidValue', 'may not be combined with mirror'));
  }
  const headers = rule.headers ? lowerHeaders(rule.headers, `${at}.headers`, scope) : {};
  const authority = rule.rewrite?.authority || headers.authority;
  if (rule.rewrite?.authority && headers.authority !== undefined) {
    scope.issues.push(
      scope.report(
        `${at}.headers.request.set`,
        'InvalidValue',
        'sets the host header, which rewrite.authority already sets; rewrite.authority is used',
        'warning',
      ),
    );
  }
  const retry = rule.retries ? lowerRetry(rule.retries, `${at}.retries`, scope) : undefined;
  const fault = rule.fault ? lowerFault(rule.fault, raw, `${at}.fault`, scope) : undefined;
  const mirrors = lowerMirrors(rule, at, scope);
  const cors = rule.corsPolicy ? lowerCors(rule.corsPolicy, `${at}.corsPolicy`, scope) : undefined;
  const common = {
    ...(headers.request ? { requestHeaders: headers.request } : {}),
    ...(headers.response ? { responseHeaders: headers.response } : {}),
    ...(typeof rule.timeout === 'number' ? { timeoutMs: rule.timeout } : {}),
    ...(retry ? { retry } : {}),
    ...(fault ? { fault } : {}),
    ...(mirrors.length > 0 ? { mirrors } : {}),
    ...(cors ? { cors } : {}),
  };

  const matches = rule.match && rule.match.length > 0 ? rule.match : [undefined];
  const base = `VirtualService/${scope.origin.namespace}/${scope.origin.name}/${index}`;
  const routes: HttpRoute[] = [];
  matches.forEach((spec, m) => {
    const matchAt = `${at}.match[${m}]`;
    const match = spec ? lowerMatch(spec, matchAt, scope) : {};
    if (!match) return;
    const path = rule.rewrite?.uri
      ? pathRewriteFor(rule.rewrite.uri, match.path, `${at}.rewrite.uri`, matchAt, scope)
      : undefined;
    const rewrite = {
      ...(authority ? { host: authority } : {}),
      ...(path ? { path } : {}),
    };
    routes.push({
      name: matches.length > 1 ? `${base}/${m}` : base,
      origin: scope.origin,
      match,
      action: actionFor(match, matchAt),
      ...(Object.keys(rewrite).length > 0 ? { rewrite } : {}),
      ...common,
    });
  });
  return routes;
}

/** How each match of the rule is answered, or undefined after an issue. */
function lowerAction(
  rule: HttpRouteSpec,
  raw: Record<string, unknown>,
  at: string,
  scope: LoweringScope,
): ActionFor | undefined {
  const given = [
    rule.route && rule.route.length > 0 ? 'route' : undefined,
    rule.redirect ? 'redirect' : undefined,
    rule.directResponse ? 'directResponse' : undefined,
  ].filter((name) => name !== undefined);
  if (given.length === 0) {
    // A delegating rule has already been reported as unsupported: it is skipped, not wrong.
    if (raw.delegate === undefined || raw.delegate === null) {
      scope.issues.push(
        scope.report(
          `${at}.route`,
          'MissingField',
          'is required: a rule needs route, redirect or directResponse',
        ),
      );
    }
    return undefined;
  }
  if (given.length > 1) {
    scope.issues.push(
      scope.report(
        at,
        'InvalidValue',
        `must set only one of route, redirect, directResponse, got ${given.join(' and ')}`,
      ),
    );
    return undefined;
  }
  if (rule.rewrite && !rule.route?.length) {
    scope.issues.push(scope.report(`${at}.rewrite`, 'InvalidValue', `may not be combined with ${given[0]}`));
    return undefined;
  }
  if (rule.route && rule.route.length > 0) {
    const backends = lowerBackends(rule.route, `${at}.route`, scope);
    if (!backends) return undefined;
    return () => ({ kind: 'forward', backends });
  }
  if (rule.directResponse) {
    const { status, body } = rule.directResponse;
    const action: RouteAction = {
      kind: 'direct',
      status,
      ...(typeof body?.string === 'string' ? { body: body.string } : {}),
    };
    return () => action;
  }
  const redirect = rule.redirect;
  if (!redirect) return undefined;
  if (redirect.uri && redirect.prefixRewrite) {
    scope.issues.push(
      scope.report(`${at}.redirect.prefixRewrite`, 'InvalidValue', 'may not be combined with uri'),
    );
    return undefined;
  }
  const fixed: Redirect = {
    ...(redirect.scheme ? { scheme: redirect.scheme } : {}),
    ...(redirect.authority ? { host: redirect.authority } : {}),
    ...(redirect.port ? { port: redirect.port } : {}),
    status: redirect.redirectCode ?? 301,
  };
  return (match, matchAt) => {
    // uri replaces the whole path whatever the match; prefixRewrite replaces the matched prefix.
    const path = redirect.uri
      ? ({ kind: 'full', value: redirect.uri } as const)
      : redirect.prefixRewrite
        ? pathRewriteFor(redirect.prefixRewrite, match.path, `${at}.redirect.prefixRewrite`, matchAt, scope)
        : undefined;
    return { kind: 'redirect', redirect: { ...fixed, ...(path ? { path } : {}) } };
  };
}
