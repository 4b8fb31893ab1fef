// Turns zod's validation issues into model Issues a person can act on: the field path as kubectl
// prints it, a stable reason, and the offending value echoed back.
import type { ZodError } from 'zod';
import type { Issue } from '../../model/issue.js';
import { describeValue, formatPath, type Report } from './issues.js';

/** Params a schema may attach to a custom zod issue to steer how it is reported. */
export interface CustomIssueParams {
  /** Reason to report instead of InvalidValue. */
  readonly reason?: string;
  /** The message already says everything; do not append ", got <value>". */
  readonly complete?: boolean;
  readonly severity?: Issue['severity'];
}

/**
 * Schemas here carry their own messages phrased as requirements ("must be an integer 1..65535");
 * this adds the value that broke them. At most one issue per field: the first one zod found.
 */
export function zodIssues(error: ZodError, input: unknown, report: Report): Issue[] {
  const out: Issue[] = [];
  const seen = new Set<string>();
  for (const issue of error.issues) {
    const fieldPath = formatPath(issue.path);
    if (seen.has(fieldPath)) continue;
    seen.add(fieldPath);
    const value = valueAt(input, issue.path);
    if (issue.code === 'invalid_type') {
      if (value === undefined || value === null) out.push(report(fieldPath, 'MissingField', 'is required'));
      else out.push(report(fieldPath, 'InvalidType', `${issue.message}, got ${describeValue(value)}`));
      continue;
    }
    const params: CustomIssueParams = issue.code === 'custom' ? (issue.params ?? {}) : {};
    const message = params.complete ? issue.message : `${issue.message}, got ${describeValue(value)}`;
    out.push(report(fieldPath, params.reason ?? 'InvalidValue', message, params.severity));
  }
  return out;
}

function valueAt(input: unknown, path: readonly (string | number)[]): unknown {
  let current = input;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}
