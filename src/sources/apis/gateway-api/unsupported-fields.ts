// "Every field we do not support is reported, never silently ignored": walks what the user wrote
// against the kind's field tree and warns about each field that is unsupported or not in the API.
// Values of the wrong type are not this walk's business; the schemas report those.
import type { Issue } from '../../../model/issue.js';
import { isRecord } from '../core/resource.js';
import type { Report } from '../issues.js';
import { formatPath } from '../issues.js';
import type { FieldNode } from './support.js';

export function unsupportedFieldIssues(
  value: unknown,
  tree: FieldNode,
  apiName: string,
  report: Report,
): Issue[] {
  const issues: Issue[] = [];
  const walk = (node: FieldNode, current: unknown, path: (string | number)[]): void => {
    if (!node.fields || !isRecord(current)) return;
    for (const [key, child] of Object.entries(current)) {
      // `field:` with no value is "not set" in Kubernetes; nothing was asked for.
      if (child === null || child === undefined) continue;
      const childPath = [...path, key];
      const field = Object.hasOwn(node.fields, key) ? node.fields[key] : undefined;
      if (!field) {
        issues.push(
          report(
            formatPath(childPath),
            'UnsupportedField',
            `is not a field of ${apiName}; it is ignored`,
            'warning',
          ),
        );
      } else if (!field.supported) {
        issues.push(
          report(
            formatPath(childPath),
            'UnsupportedField',
            `is not supported: ${field.note ?? 'it is ignored'}`,
            'warning',
          ),
        );
      } else if (field.list) {
        if (!Array.isArray(child)) continue;
        child.forEach((item: unknown, i) => {
          if (!field.walkItem || field.walkItem(item)) walk(field, item, [...childPath, i]);
        });
      } else {
        walk(field, child, childPath);
      }
    }
  };
  // The tree's root describes the document; only its spec is the user's routing intent.
  const spec = tree.fields?.spec;
  if (spec && isRecord(value)) walk(spec, value.spec, ['spec']);
  return issues;
}
