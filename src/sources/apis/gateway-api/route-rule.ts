// One rule of an HTTPRoute or GRPCRoute → one HttpRoute per match, in match order.
//
// What a broken piece costs, from least to most: an unresolvable backend answers its share of
// requests with an error (the spec's rule); a match that cannot be read is dropped (what it was
// meant to catch is unknown); anything else malformed (a filter, a backendRef's shape, a timeout)
// makes the whole rule answer its matches with an error, so a half-understood rule never forwards.
import type { Issue } from '../../../model/issue.js';
import type { Backend, HttpRoute, Origin, RouteAction, RouteMatch } from '../../../model/routing.js';
import { isRecord } from '../core/resource.js';
import { describeValue, type Report } from '../issues.js';
import { validateAt } from '../shared/validate-at.js';
import { sectionName } from './api-fields.js';
import { lowerBackendRefs, type RefContext, type RefProblem } from './backend-refs.js';
import type { FilterType } from './filter-schemas.js';
import { lowerFilters } from './filters.js';
import { lowerTimeoutsAndRetry } from './timeouts-retry.js';

export interface KindRules {
  readonly kind: 'HTTPRoute' | 'GRPCRoute';
  /** The answer when a rule or backend cannot be served: 500, or 503 (gRPC UNAVAILABLE) for gRPC. */
  readonly failStatus: number;
  readonly filterTypes: readonly [FilterType, ...FilterType[]];
  /** HTTPRoute rules carry timeouts and retry; GRPCRoute rules do not. */
  readonly timeouts: boolean;
  readonly lowerMatches: (
    raw: unknown,
    report: Report,
    prefix: string,
  ) => {
    matches: readonly { readonly index: number; readonly match: RouteMatch; readonly pathType?: string }[];
    issues: Issue[];
  };
}

export interface RuleContext extends RefContext {
  readonly rules: KindRules;
  readonly origin: Origin;
}

export interface LoweredRule {
  readonly routes: readonly HttpRoute[];
  /** The rule as written cannot be served; undefined when it can. Says why, for status conditions. */
  readonly invalid?: string;
  /** References that do not resolve (ResolvedRefs=False). */
  readonly problems: readonly RefProblem[];
  readonly issues: readonly Issue[];
}

export function lowerRule(raw: unknown, index: number, ctx: RuleContext): LoweredRule {
  const prefix = `spec.rules[${index}]`;
  const { report, rules, failStatus } = ctx;
  if (!isRecord(raw)) {
    const issue = report(
      prefix,
      'InvalidType',
      `must be a mapping, got ${describeValue(raw)}; the rule is ignored`,
    );
    return { routes: [], invalid: `${issue.fieldPath}: ${issue.message}`, problems: [], issues: [issue] };
  }
  const matches = rules.lowerMatches(raw.matches, report, prefix);
  const backends = lowerBackendRefs(raw.backendRefs, ctx, prefix);
  const matchCount = Array.isArray(raw.matches) ? raw.matches.length : 0;
  const filters = lowerFilters(raw.filters, rules.filterTypes, ctx, prefix, {
    backendRefCount: backends.count,
    singlePathPrefix: matchCount <= 1 && (matches.matches[0]?.pathType ?? 'PathPrefix') === 'PathPrefix',
  });
  const timing = rules.timeouts
    ? lowerTimeoutsAndRetry(raw.timeouts, raw.retry, report, prefix)
    : { issues: [], broken: false };
  // Only these issues can break the rule; unresolved references cost a share or a mirror.
  const issues: Issue[] = [...matches.issues, ...backends.issues, ...filters.issues, ...timing.issues];
  const broken =
    backends.broken || filters.broken || timing.broken || issues.some((i) => i.severity === 'error');
  const firstError = issues.find((i) => i.severity === 'error');
  const invalid = broken ? `${firstError?.fieldPath}: ${firstError?.message}` : undefined;
  issues.push(...backends.refIssues, ...filters.refIssues);
  if (raw.name !== undefined && raw.name !== null) {
    const name = validateAt(sectionName(), raw.name, `${prefix}.name`, report);
    // A rule name changes no routing, so a bad one costs nothing but this warning.
    if (!name.ok) issues.push(...name.issues.map((i) => ({ ...i, severity: 'warning' as const })));
  }

  let action: RouteAction = { kind: 'direct', status: failStatus };
  if (!broken && filters.failClosed.length === 0) {
    if (filters.redirect) action = { kind: 'redirect', redirect: filters.redirect };
    else {
      const { action: forward, issue } = forwardAction(
        backends.backends,
        backends.count,
        failStatus,
        report,
        prefix,
      );
      action = forward;
      if (issue) issues.push(issue);
    }
  }
  const extras: Partial<HttpRoute> =
    action.kind === 'direct'
      ? {}
      : {
          ...(filters.responseHeaders ? { responseHeaders: filters.responseHeaders } : {}),
          ...(filters.cors ? { cors: filters.cors } : {}),
          ...(action.kind === 'forward'
            ? {
                ...(filters.requestHeaders ? { requestHeaders: filters.requestHeaders } : {}),
                ...(filters.rewrite ? { rewrite: filters.rewrite } : {}),
                ...('timeoutMs' in timing && timing.timeoutMs !== undefined
                  ? { timeoutMs: timing.timeoutMs }
                  : {}),
                ...('retry' in timing && timing.retry ? { retry: timing.retry } : {}),
                ...(filters.mirrors.length > 0 ? { mirrors: filters.mirrors } : {}),
              }
            : {}),
        };
  const { kind, namespace, name } = ctx.origin;
  const routes = matches.matches.map(
    (m): HttpRoute => ({
      name: `${kind}/${namespace}/${name}/${index}/${m.index}`,
      origin: ctx.origin,
      match: m.match,
      action,
      ...extras,
    }),
  );
  return {
    routes,
    ...(invalid ? { invalid } : {}),
    problems: [...backends.problems, ...filters.problems, ...filters.failClosed],
    issues,
  };
}

/**
 * The spec's answers when there is nothing to forward to: no backendRefs, every weight 0, or every
 * backend that would get traffic unresolvable → every matching request gets the error status.
 */
function forwardAction(
  backends: readonly Backend[],
  count: number,
  failStatus: number,
  report: Report,
  prefix: string,
): { action: RouteAction; issue?: Issue } {
  const direct: RouteAction = { kind: 'direct', status: failStatus };
  if (count === 0) {
    return {
      action: direct,
      issue: report(
        `${prefix}.backendRefs`,
        'MissingField',
        `is empty: requests matching the rule are answered ${failStatus}`,
        'warning',
      ),
    };
  }
  const live = backends.filter((b) => b.weight > 0);
  if (count === backends.length && live.length === 0) {
    return {
      action: direct,
      issue: report(
        `${prefix}.backendRefs`,
        'InvalidValue',
        `every weight is 0: requests matching the rule are answered ${failStatus}`,
        'warning',
      ),
    };
  }
  if (live.every((b) => b.kind === 'invalid')) return { action: direct };
  return { action: { kind: 'forward', backends } };
}
