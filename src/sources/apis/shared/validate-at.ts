// Runs a schema over one part of a document (a match, a filter, a route, a subset) rather than the
// whole document, so one bad part is reported with its full field path and the rest is still read.
import type { z } from 'zod';
import type { Validated } from '../core/resource.js';
import type { Report } from '../issues.js';
import { zodIssues } from '../zod-issues.js';
import { within } from './list-item-issues.js';

/** The schema's output, or its issues with field paths below `at`. */
export function validateAt<S extends z.ZodTypeAny>(
  schema: S,
  value: unknown,
  at: string,
  report: Report,
): Validated<z.output<S>> {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, issues: zodIssues(result.error, value, within(report, at)) };
}
