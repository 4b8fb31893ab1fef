// Runs a schema over one piece of a resource (a match, a filter, a backendRef) rather than the
// whole document, so one bad piece is reported with its full field path and the rest is still read.
import type { Issue } from '../../../model/issue.js';
import { describeValue, joinPath, type Report } from '../issues.js';
import { zodIssues } from '../zod-issues.js';
import type { Schema } from './api-fields.js';

export type Piece<T> =
  | { readonly ok: true; readonly data: T }
  | { readonly ok: false; readonly issues: Issue[] };

/** A reporter whose field paths are relative to `prefix` (spec.rules[2] + matches[0].path). */
export function within(report: Report, prefix: string): Report {
  return (fieldPath, reason, message, severity) =>
    report(joinPath(prefix, fieldPath), reason, message, severity);
}

export function parsePiece<T>(schema: Schema<T>, value: unknown, report: Report, prefix: string): Piece<T> {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, issues: zodIssues(result.error, value, within(report, prefix)) };
}

/** The items of an optional list field; a non-list is reported and read as no items. */
export function listItems(
  value: unknown,
  report: Report,
  fieldPath: string,
  max: number,
): { items: readonly unknown[]; issues: Issue[] } {
  if (value === undefined || value === null) return { items: [], issues: [] };
  if (!Array.isArray(value)) {
    return {
      items: [],
      issues: [report(fieldPath, 'InvalidType', `must be a list, got ${describeValue(value)}`)],
    };
  }
  if (value.length > max) {
    return {
      items: value.slice(0, max),
      issues: [
        report(
          fieldPath,
          'InvalidValue',
          `must have at most ${max} items, got ${value.length}; the rest are ignored`,
        ),
      ],
    };
  }
  return { items: value, issues: [] };
}
