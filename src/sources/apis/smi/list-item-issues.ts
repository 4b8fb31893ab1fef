// Issues about one item of a list (a match of a group, a match of a split): the item is skipped and
// the rest of the resource is served, so the issue's path and message must say which and that.
import type { Issue } from '../../../model/issue.js';
import { joinPath, type Report } from '../issues.js';

/** A Report whose field paths are relative to `prefix`, e.g. spec.matches[2]. */
export function within(report: Report, prefix: string): Report {
  return (fieldPath, reason, message, severity) =>
    report(joinPath(prefix, fieldPath), reason, message, severity);
}

/** An error in one match drops only that match: the message says so. */
export function skipped(issue: Issue): Issue {
  return issue.severity === 'error'
    ? { ...issue, message: `${issue.message}; this match is skipped` }
    : issue;
}
