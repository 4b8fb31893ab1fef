// Issues about one item of a list (a match, a filter, a backendRef): the item is dropped and the
// rest of the resource is served, so the issue's path and message must say which and that.
import type { Issue } from '../../../model/issue.js';
import { joinPath, type Report } from '../issues.js';

/** A Report whose field paths are relative to `prefix` (spec.rules[2] + matches[0].path). */
export function within(report: Report, prefix: string): Report {
  return (fieldPath, reason, message, severity) =>
    report(joinPath(prefix, fieldPath), reason, message, severity);
}

/**
 * Errors that cost an item say so in the family's words (`note`: "this match is skipped"), so nobody
 * wonders why some requests fall through; warnings cost nothing and are left as they are.
 */
export function dropNote(note: string): (issue: Issue) => Issue {
  return (issue) => (issue.severity === 'error' ? { ...issue, message: `${issue.message}; ${note}` } : issue);
}
