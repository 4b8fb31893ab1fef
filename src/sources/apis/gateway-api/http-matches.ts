// HTTPRouteMatch → RouteMatch: path (Exact, PathPrefix, RegularExpression), headers, query
// parameters and method. A match that cannot be read is dropped with an error: what it was meant
// to catch is unknown, so no route could stand in for it.
import type { Issue } from '../../../model/issue.js';
import type {
  HeaderMatch,
  PathMatch,
  QueryParamMatch,
  RouteMatch,
  StringMatch,
} from '../../../model/routing.js';
import { list, object, string } from '../core/fields.js';
import type { Report } from '../issues.js';
import { dropNote, within } from '../shared/list-item-issues.js';
import { validateAt } from '../shared/validate-at.js';
import {
  addProblem,
  type Check,
  headerName,
  headerValueProblem,
  oneOf,
  pathProblem,
  queryValueProblem,
  regexProblem,
} from './api-fields.js';
import { listItems } from './list-items.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const;
const MATCH_TYPES = ['Exact', 'RegularExpression'] as const;

/** name/type/value, the shape of header and query parameter matches; the value is checked by type. */
export const valueMatch = (exactValue: Check) =>
  object({ type: oneOf(MATCH_TYPES).nullish(), name: headerName(), value: string() }).superRefine(
    (m, ctx) => {
      const check = (m.type ?? 'Exact') === 'Exact' ? exactValue : regexProblem(1024);
      addProblem(ctx, ['value'], check(m.value));
    },
  );

const pathSchema = object({
  type: oneOf(['Exact', 'PathPrefix', 'RegularExpression']).nullish(),
  value: string().nullish(),
}).superRefine((m, ctx) => {
  if (m.value === undefined || m.value === null) return;
  const check = m.type === 'RegularExpression' ? regexProblem(1024) : pathProblem;
  addProblem(ctx, ['value'], check(m.value));
});

const httpMatchSchema = object({
  path: pathSchema.nullish(),
  headers: list(valueMatch(headerValueProblem)).max(16, { message: 'must have at most 16 items' }).nullish(),
  queryParams: list(valueMatch(queryValueProblem))
    .max(16, { message: 'must have at most 16 items' })
    .nullish(),
  method: oneOf(METHODS).nullish(),
});

export interface IndexedMatch {
  /** Position in the rule's matches, kept in route names so they stay stable when a sibling breaks. */
  readonly index: number;
  readonly match: RouteMatch;
  /** The path match type as written (defaulted), for filters that only work with PathPrefix. */
  readonly pathType: 'Exact' | 'PathPrefix' | 'RegularExpression';
}

/** The matches of one HTTPRoute rule; no matches means the spec's default, PathPrefix "/". */
export function lowerHttpMatches(
  raw: unknown,
  report: Report,
  prefix: string,
): { matches: IndexedMatch[]; issues: Issue[] } {
  const { items, issues } = listItems(raw, report, `${prefix}.matches`, 64);
  if (items.length === 0) {
    const isList = raw === undefined || raw === null || Array.isArray(raw);
    return {
      matches: isList
        ? [{ index: 0, match: { path: { kind: 'segmentPrefix', value: '/' } }, pathType: 'PathPrefix' }]
        : [],
      issues,
    };
  }
  const matches: IndexedMatch[] = [];
  items.forEach((item, index) => {
    const at = `${prefix}.matches[${index}]`;
    const piece = validateAt(httpMatchSchema, item, at, report);
    if (!piece.ok) {
      issues.push(...piece.issues.map((i) => withDropNote(i)));
      return;
    }
    const m = piece.data;
    const pathType = m.path?.type ?? 'PathPrefix';
    const headers = firstByName(
      m.headers ?? [],
      (n) => n.toLowerCase(),
      within(report, at),
      'headers',
      issues,
    );
    const queryParams = firstByName(m.queryParams ?? [], (n) => n, within(report, at), 'queryParams', issues);
    const match: RouteMatch = {
      path: lowerPath(pathType, m.path?.value ?? '/'),
      ...(m.method ? { method: m.method } : {}),
      ...(headers.length > 0
        ? {
            headers: headers.map((h): HeaderMatch => ({ name: h.name.toLowerCase(), match: stringMatch(h) })),
          }
        : {}),
      ...(queryParams.length > 0
        ? { queryParams: queryParams.map((q): QueryParamMatch => ({ name: q.name, match: stringMatch(q) })) }
        : {}),
    };
    matches.push({ index, match, pathType });
  });
  return { matches, issues };
}

function lowerPath(type: IndexedMatch['pathType'], value: string): PathMatch {
  if (type === 'Exact') return { kind: 'exact', value };
  if (type === 'RegularExpression') return { kind: 'regex', value };
  // The spec ignores a trailing "/" on a prefix: "/foo/" matches "/foo" as "/foo" does.
  return { kind: 'segmentPrefix', value: value.length > 1 ? value.replace(/\/+$/, '') || '/' : value };
}

export function stringMatch(m: { readonly type?: string | null; readonly value: string }): StringMatch {
  return m.type === 'RegularExpression'
    ? { kind: 'regex', value: m.value }
    : { kind: 'exact', value: m.value };
}

/**
 * The spec: "If multiple entries specify equivalent names, only the first entry MUST be considered;
 * subsequent entries MUST be ignored". Said aloud, since a silent drop would puzzle whoever wrote it.
 */
export function firstByName<T extends { readonly name: string }>(
  entries: readonly T[],
  key: (name: string) => string,
  report: Report,
  field: string,
  issues: Issue[],
): T[] {
  const seen = new Map<string, number>();
  const kept: T[] = [];
  entries.forEach((entry, i) => {
    const first = seen.get(key(entry.name));
    if (first === undefined) {
      seen.set(key(entry.name), i);
      kept.push(entry);
    } else {
      issues.push(
        report(
          `${field}[${i}].name`,
          'InvalidValue',
          `repeats ${JSON.stringify(entry.name)} of ${field}[${first}]; only the first is used`,
          'warning',
        ),
      );
    }
  });
  return kept;
}

/** Errors that cost a match say so, so nobody wonders why some requests fall through. */
export const withDropNote = dropNote('the match is ignored');
