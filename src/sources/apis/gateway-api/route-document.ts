// One HTTPRoute or GRPCRoute document → a RouteContribution per Service it attaches to, the status
// conditions for each, and every problem found. A route none of whose parentRefs is a Service is a
// Gateway implementation's business and yields nothing, not even issues.
import { z } from 'zod';
import type { Issue } from '../../../model/issue.js';
import type { HttpRoute, Origin, ResourceStatus } from '../../../model/routing.js';
import type { RouteContribution } from '../../../model/routing-fragment.js';
import { objectMeta } from '../core/fields.js';
import { isRecord, resourceRefOf } from '../core/resource.js';
import { describeValue, type Report, reporter } from '../issues.js';
import type { ManifestDocument } from '../manifest.js';
import { unsupportedFields } from '../shared/unsupported-fields.js';
import { validateAt } from '../shared/validate-at.js';
import type { RefProblem } from './backend-refs.js';
import { listItems } from './list-items.js';
import { describeParent, serviceParents } from './parent-refs.js';
import type { ReferenceGrants } from './reference-grants.js';
import { type KindRules, lowerRule } from './route-rule.js';
import { attachedConditions, type RouteOutcome, rejectedConditions } from './route-status.js';
import { FIELD_TREES, gatewayFieldWalk } from './support.js';

const metadataSchema = z.object({
  metadata: objectMeta('dns1123Subdomain').extend({ creationTimestamp: z.unknown() }),
});

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export interface LoweredDocument {
  readonly contributions: readonly RouteContribution[];
  readonly statuses: readonly ResourceStatus[];
  readonly issues: readonly Issue[];
}

const NOTHING: LoweredDocument = { contributions: [], statuses: [], issues: [] };

export function lowerRouteDocument(
  doc: ManifestDocument,
  rules: KindRules,
  grants: ReferenceGrants,
): LoweredDocument {
  const { kind } = rules;
  const ref = resourceRefOf(kind, doc.value, true);
  const report = reporter(doc, ref);
  const value = isRecord(doc.value) ? doc.value : {};
  const spec = value.spec;
  const namespace = ref.namespace ?? 'default';
  const attached = serviceParents(spec, namespace, report);
  if (attached.attachment === 'other') return { ...NOTHING, issues: attached.issues };
  if (attached.attachment === 'none') {
    const issue = isRecord(spec)
      ? report(
          'spec.parentRefs',
          'MissingField',
          'names no parent, so the route is attached to nothing; to route traffic addressed to a Service, add a parentRef with group: "" and kind: Service',
          'warning',
        )
      : report(
          'spec',
          spec == null ? 'MissingField' : 'InvalidType',
          spec == null ? 'is required' : `must be a mapping, got ${describeValue(spec)}`,
        );
    return { ...NOTHING, issues: [issue] };
  }

  const issues: Issue[] = [...attached.issues];
  const meta = validateAt(metadataSchema, value, '', report);
  const origin: Origin | undefined = ref.name ? { kind, namespace, name: ref.name } : undefined;
  const rejectAll = (why: string): LoweredDocument => ({
    contributions: [],
    statuses: origin
      ? [...attached.parents, ...attached.rejected.flatMap((r) => (r.parent ? [r.parent] : []))].map(
          (parent) => ({
            resource: origin,
            parent,
            conditions: rejectedConditions(why),
          }),
        )
      : [],
    issues,
  });
  if (!meta.ok || !origin) {
    issues.push(...(meta.ok ? [] : meta.issues));
    return rejectAll(`${issues[0]?.fieldPath ?? 'metadata'}: ${issues[0]?.message ?? 'is invalid'}`);
  }
  const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : '';
  issues.push(
    ...unsupportedFields(value, FIELD_TREES[kind], gatewayFieldWalk(`${kind} ${apiVersion}`.trim()), report),
  );
  const createdAt = creationTimestamp(meta.data.metadata.creationTimestamp, report, issues);

  const lowered = lowerRules((spec as Record<string, unknown>).rules, rules, origin, grants, report, issues);
  if (!lowered) return rejectAll(`spec.rules: ${issues.at(-1)?.message ?? 'is invalid'}`);
  const { routes, outcome } = lowered;
  if (outcome.ruleCount > 0 && outcome.invalidRules.length === outcome.ruleCount) {
    return rejectAll(`no rule can be served: ${outcome.invalidRules[0]?.why}`);
  }
  const contributions = attached.parents.map(
    (parent): RouteContribution => ({
      family: 'gateway-api',
      origin,
      ...(createdAt ? { createdAt } : {}),
      service: parent.service,
      ...(parent.port ? { port: parent.port } : {}),
      http: routes,
      tcp: [],
    }),
  );
  const statuses: ResourceStatus[] = [
    ...attached.parents.map((parent) => ({
      resource: origin,
      parent,
      conditions: attachedConditions(outcome, describeParent(parent)),
    })),
    ...attached.rejected.flatMap((r) =>
      r.parent ? [{ resource: origin, parent: r.parent, conditions: rejectedConditions(r.why) }] : [],
    ),
  ];
  return { contributions, statuses, issues };
}

/** All rules, in order; undefined when spec.rules is unusable as a whole. */
function lowerRules(
  raw: unknown,
  rules: KindRules,
  origin: Origin,
  grants: ReferenceGrants,
  report: Report,
  issues: Issue[],
): { routes: HttpRoute[]; outcome: RouteOutcome } | undefined {
  const ctx = {
    kind: rules.kind,
    namespace: origin.namespace,
    grants,
    failStatus: rules.failStatus,
    report,
    rules,
    origin,
  };
  const outcome = {
    ruleCount: 0,
    invalidRules: [] as { index: number; why: string; answered: boolean }[],
    problems: [] as RefProblem[],
    failStatus: rules.failStatus,
  };
  if (raw !== undefined && raw !== null && !Array.isArray(raw)) {
    issues.push(report('spec.rules', 'InvalidType', `must be a list, got ${describeValue(raw)}`));
    return undefined;
  }
  if (raw == null || raw.length === 0) {
    if (rules.kind === 'GRPCRoute') {
      issues.push(
        report(
          'spec.rules',
          'MissingField',
          'is empty: the route has no rules and changes nothing',
          'warning',
        ),
      );
      return { routes: [], outcome };
    }
    // The HTTPRoute CRD's default: one rule matching every request, with no backends.
    issues.push(
      report(
        'spec.rules',
        'MissingField',
        `is empty: every request is answered ${rules.failStatus}, as the spec's default rule has no backends`,
        'warning',
      ),
    );
    return { routes: [...lowerRule({}, 0, ctx).routes], outcome: { ...outcome, ruleCount: 1 } };
  }
  const { items, issues: listIssues } = listItems(raw, report, 'spec.rules', 16);
  issues.push(...listIssues);
  const routes: HttpRoute[] = [];
  items.forEach((item, index) => {
    const rule = lowerRule(item, index, ctx);
    routes.push(...rule.routes);
    issues.push(...rule.issues);
    outcome.problems.push(...rule.problems);
    if (rule.invalid)
      outcome.invalidRules.push({ index, why: rule.invalid, answered: rule.routes.length > 0 });
  });
  return { routes, outcome: { ...outcome, ruleCount: items.length } };
}

/** Older routes win precedence ties; normalised to UTC so the merge step can compare strings. */
function creationTimestamp(raw: unknown, report: Report, issues: Issue[]): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  const time = typeof raw === 'string' && RFC3339.test(raw) ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(time)) {
    issues.push(
      report(
        'metadata.creationTimestamp',
        'InvalidValue',
        `must be an RFC 3339 time such as 2024-05-01T12:00:00Z, got ${describeValue(raw)}; precedence ties fall back to namespace/name`,
        'warning',
      ),
    );
    return undefined;
  }
  return new Date(time).toISOString();
}
