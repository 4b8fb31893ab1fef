// The items of an optional list field, bounded by the CRD's maxItems, so one oversized or mistyped
// list is reported once and the rest of the resource is still read.
import type { Issue } from '../../../model/issue.js';
import { describeValue, type Report } from '../issues.js';

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
