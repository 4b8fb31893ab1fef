// backendRefs → weighted Backends. The spec's failure rule is per backend: a reference that cannot be
// resolved (a kind we cannot route to, another namespace without a ReferenceGrant, a Service without
// a port) keeps its weight and that share of requests is answered with an error, while the other
// backends still get theirs. Whether the Service exists is the merge step's to decide.
import { z } from 'zod';
import type { Issue } from '../../../model/issue.js';
import type { Backend, ServiceRef } from '../../../model/routing.js';
import { object, portNumber } from '../core/fields.js';
import type { Report } from '../issues.js';
import { validateAt } from '../shared/validate-at.js';
import { group, kind, namespaceName, objectName, weight } from './api-fields.js';
import { listItems } from './list-items.js';
import type { ReferenceGrants } from './reference-grants.js';

export const backendObjectRef = object({
  group: group().nullish(),
  kind: kind().nullish(),
  name: objectName(),
  namespace: namespaceName().nullish(),
  port: portNumber().nullish(),
});

export type BackendObjectRef = z.output<typeof backendObjectRef>;

const backendRefSchema = backendObjectRef.extend({
  weight: weight().nullish(),
  // Read by the unsupported-field walk; their shape is not ours to check.
  filters: z.unknown(),
});

/** Why a reference does not resolve, as the ResolvedRefs condition's reason names it. */
export interface RefProblem {
  readonly reason: 'InvalidKind' | 'RefNotPermitted' | 'UnsupportedValue';
  readonly message: string;
}

export interface RefContext {
  /** The referring route's kind and namespace: what a ReferenceGrant must name. */
  readonly kind: string;
  readonly namespace: string;
  readonly grants: ReferenceGrants;
  /** The answer for requests sent to a backend that does not resolve: 500, or 503 (UNAVAILABLE) for gRPC. */
  readonly failStatus: number;
  readonly report: Report;
}

export type ResolvedRef =
  | { readonly ok: true; readonly service: ServiceRef; readonly port: number }
  | { readonly ok: false; readonly problem: RefProblem; readonly issue: Issue };

/** Resolves a BackendObjectReference to a Service port, or says why it does not (at field path `at`). */
export function resolveServiceRef(
  ref: BackendObjectRef,
  ctx: RefContext,
  at: string,
  consequence: string,
): ResolvedRef {
  const refGroup = ref.group ?? '';
  const refKind = ref.kind ?? 'Service';
  if (refGroup !== '' || refKind !== 'Service') {
    const what = `${refGroup === '' ? 'core' : refGroup} ${refKind}`;
    const message = `refers to ${what} ${JSON.stringify(ref.name)}: only Services (group "", kind Service) can be backends; ${consequence}`;
    return {
      ok: false,
      problem: { reason: 'InvalidKind', message: `${at}: ${message}` },
      issue: ctx.report(`${at}.kind`, 'BadReference', message),
    };
  }
  const service = { namespace: ref.namespace || ctx.namespace, name: ref.name };
  if (service.namespace !== ctx.namespace && !ctx.grants.permits(ctx.kind, ctx.namespace, service)) {
    const message = `refers to Service ${service.namespace}/${service.name} in another namespace, and no ReferenceGrant in ${JSON.stringify(service.namespace)} lets ${ctx.kind}s from ${JSON.stringify(ctx.namespace)} use it; ${consequence}`;
    return {
      ok: false,
      problem: { reason: 'RefNotPermitted', message: `${at}: ${message}` },
      issue: ctx.report(`${at}.namespace`, 'BadReference', message),
    };
  }
  if (ref.port === undefined || ref.port === null) {
    const message = `is required for a Service: it names the service port to send to; ${consequence}`;
    return {
      ok: false,
      problem: { reason: 'UnsupportedValue', message: `${at}.port: ${message}` },
      issue: ctx.report(`${at}.port`, 'MissingField', message),
    };
  }
  return { ok: true, service, port: ref.port };
}

export interface LoweredBackends {
  readonly backends: Backend[];
  readonly problems: RefProblem[];
  /** Malformed backendRefs. */
  readonly issues: Issue[];
  /** Unresolvable references: errors that cost a share of requests, not the rule. */
  readonly refIssues: Issue[];
  /** True when a backendRef is malformed: the rule as written cannot be served. */
  readonly broken: boolean;
  /** How many backendRefs were written (an empty rule answers every request with an error). */
  readonly count: number;
}

export function lowerBackendRefs(raw: unknown, ctx: RefContext, prefix: string): LoweredBackends {
  const field = `${prefix}.backendRefs`;
  const { items, issues } = listItems(raw, ctx.report, field, 16);
  let broken = issues.some((i) => i.severity === 'error');
  const backends: Backend[] = [];
  const problems: RefProblem[] = [];
  const refIssues: Issue[] = [];
  items.forEach((item, i) => {
    const at = `${field}[${i}]`;
    const piece = validateAt(backendRefSchema, item, at, ctx.report);
    if (!piece.ok) {
      issues.push(...piece.issues);
      broken = true;
      return;
    }
    const ref = piece.data;
    const w = ref.weight ?? 1;
    const resolved = resolveServiceRef(ref, ctx, at, `its share of requests is answered ${ctx.failStatus}`);
    if (resolved.ok) {
      backends.push({ kind: 'service', service: resolved.service, port: resolved.port, weight: w });
    } else {
      refIssues.push(resolved.issue);
      problems.push(resolved.problem);
      backends.push({ kind: 'invalid', weight: w, status: ctx.failStatus, reason: resolved.problem.reason });
    }
  });
  return { backends, problems, issues, refIssues, broken, count: items.length };
}
