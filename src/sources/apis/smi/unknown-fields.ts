// "Every field we do not support is reported, never silently ignored": walks a document and
// reports each field its kind's support table does not mark as supported. A field the table lists
// as unsupported gets the table's note (what users get instead); a field it does not list at all
// is not part of the API as we read it.
import type { Issue } from '../../../model/issue.js';
import { isRecord } from '../core/resource.js';
import { formatPath, type Report } from '../issues.js';

export interface FieldRow {
  /** As users write it, lists marked "[]": spec.backends[].weight. */
  readonly field: string;
  readonly supported: boolean;
  readonly note?: string;
}

/** Every Kubernetes object has these; metadata is checked by the kind's schema, status is written by controllers. */
const OBJECT_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'status']);

/**
 * `notAField(field)` phrases the message for a field the table does not list. A supported row with
 * no rows below it is a leaf: what is under it (a map of header names, say) is not walked.
 */
export function unknownFields(
  value: unknown,
  rows: readonly FieldRow[],
  report: Report,
  notAField: (field: string) => string,
): Issue[] {
  const byField = new Map(rows.map((row) => [row.field, row]));
  // Fields with rows below them: mappings (spec, spec.backends[]) and lists (spec.backends).
  const objects = new Set<string>();
  const lists = new Set<string>();
  for (const row of rows) {
    const parts = row.field.split('.');
    for (let i = 1; i < parts.length; i++) {
      const ancestor = parts.slice(0, i).join('.');
      objects.add(ancestor);
      if (ancestor.endsWith('[]')) lists.add(ancestor.slice(0, -2));
    }
  }
  const issues: Issue[] = [];
  // A value of the wrong shape is not walked: the kind's schema reports it.
  const visit = (
    node: Record<string, unknown>,
    pattern: string,
    path: readonly (string | number)[],
  ): void => {
    for (const [key, child] of Object.entries(node)) {
      const field = pattern ? `${pattern}.${key}` : key;
      const at = [...path, key];
      const row = byField.get(field);
      if (row && !row.supported) {
        issues.push(
          report(formatPath(at), 'UnsupportedField', row.note ?? 'is not supported; ignored', 'warning'),
        );
      } else if (isRecord(child) && objects.has(field)) {
        visit(child, field, at);
      } else if (Array.isArray(child) && lists.has(field)) {
        child.forEach((item, i) => {
          if (isRecord(item)) visit(item, `${field}[]`, [...at, i]);
        });
      } else if (
        !row &&
        !objects.has(field) &&
        !lists.has(field) &&
        !(pattern === '' && OBJECT_FIELDS.has(key))
      ) {
        issues.push(report(formatPath(at), 'UnsupportedField', notAField(field), 'warning'));
      }
    }
  };
  if (isRecord(value)) visit(value, '', []);
  return issues;
}
