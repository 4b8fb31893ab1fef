// GRPCRouteMatch → RouteMatch. A gRPC call is a POST to /<package.Service>/<Method>, so a method
// match becomes a path match: both parts exact → the exact path; a service alone → every method of
// it (prefix "/<service>/"); a method alone → that method of any service (a regex); RegularExpression
// parts are joined into one regex over the path.
import type { Issue } from '../../../model/issue.js';
import type { HeaderMatch, PathMatch, RouteMatch } from '../../../model/routing.js';
import { list, object, string } from '../core/fields.js';
import type { Report } from '../issues.js';
import { within } from '../shared/list-item-issues.js';
import { validateAt } from '../shared/validate-at.js';
import { addProblem, headerValueProblem, oneOf, regexProblem } from './api-fields.js';
import { firstByName, stringMatch, valueMatch, withDropNote } from './http-matches.js';
import { listItems } from './list-items.js';

const SERVICE = /^\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$/i;
const METHOD = /^[A-Za-z_][A-Za-z_0-9]*$/;
/** One path segment: what an absent service or method stands for. */
const ANY_SEGMENT = '[^/]+';

const methodSchema = object({
  type: oneOf(['Exact', 'RegularExpression']).nullish(),
  service: string().nullish(),
  method: string().nullish(),
}).superRefine((m, ctx) => {
  if (!m.service && !m.method) {
    ctx.addIssue({
      code: 'custom',
      message: 'must set service, method or both',
      params: { reason: 'MissingField', complete: true },
    });
    return;
  }
  const exact = (m.type ?? 'Exact') === 'Exact';
  if (m.service) {
    addProblem(
      ctx,
      ['service'],
      exact
        ? m.service.length <= 1024 && SERVICE.test(m.service)
          ? undefined
          : 'must be a gRPC service name such as "pkg.v1.Greeter"'
        : regexProblem(1024)(m.service),
    );
  }
  if (m.method) {
    addProblem(
      ctx,
      ['method'],
      exact
        ? m.method.length <= 1024 && METHOD.test(m.method)
          ? undefined
          : 'must be a gRPC method name: a letter or "_", then letters, digits or "_"'
        : regexProblem(1024)(m.method),
    );
  }
});

const grpcMatchSchema = object({
  method: methodSchema.nullish(),
  headers: list(valueMatch(headerValueProblem)).max(16, { message: 'must have at most 16 items' }).nullish(),
});

export interface IndexedGrpcMatch {
  readonly index: number;
  readonly match: RouteMatch;
}

/** The matches of one GRPCRoute rule; no matches means every gRPC request. */
export function lowerGrpcMatches(
  raw: unknown,
  report: Report,
  prefix: string,
): { matches: IndexedGrpcMatch[]; issues: Issue[] } {
  const { items, issues } = listItems(raw, report, `${prefix}.matches`, 64);
  if (items.length === 0) {
    const isList = raw === undefined || raw === null || Array.isArray(raw);
    return { matches: isList ? [{ index: 0, match: {} }] : [], issues };
  }
  const matches: IndexedGrpcMatch[] = [];
  items.forEach((item, index) => {
    const at = `${prefix}.matches[${index}]`;
    const piece = validateAt(grpcMatchSchema, item, at, report);
    if (!piece.ok) {
      issues.push(...piece.issues.map(withDropNote));
      return;
    }
    const { method, headers = [] } = piece.data;
    const kept = firstByName(headers ?? [], (n) => n.toLowerCase(), within(report, at), 'headers', issues);
    const path = method
      ? methodPath(method.type ?? 'Exact', method.service || undefined, method.method || undefined)
      : undefined;
    matches.push({
      index,
      match: {
        ...(path ? { path } : {}),
        ...(kept.length > 0
          ? { headers: kept.map((h): HeaderMatch => ({ name: h.name.toLowerCase(), match: stringMatch(h) })) }
          : {}),
      },
    });
  });
  return { matches, issues };
}

function methodPath(type: 'Exact' | 'RegularExpression', service?: string, method?: string): PathMatch {
  if (type === 'RegularExpression') {
    const part = (p: string | undefined) => (p === undefined ? ANY_SEGMENT : `(?:${p})`);
    return { kind: 'regex', value: `/${part(service)}/${part(method)}` };
  }
  if (service !== undefined && method !== undefined) return { kind: 'exact', value: `/${service}/${method}` };
  if (service !== undefined) return { kind: 'prefix', value: `/${service}/` };
  // A method name is letters, digits and "_" only: nothing to escape.
  return { kind: 'regex', value: `/${ANY_SEGMENT}/${method}` };
}
