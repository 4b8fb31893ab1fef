// Reports every field of a spec that Trellis does not implement, or that is not in the API at all,
// by walking the document against the support table: nothing is silently ignored.
import type { Issue } from '../../../model/issue.js';
import { isRecord } from '../core/resource.js';
import { formatPath, type Report } from '../issues.js';
import type { SupportRow } from '../routing-family.js';

interface FieldNode {
  row?: SupportRow;
  /** The field holds a list; its items have the children. */
  list: boolean;
  readonly children: Map<string, FieldNode>;
  /** Children of a mapping keyed by user names (headers.<name>). */
  wildcard?: FieldNode;
}

const newNode = (): FieldNode => ({ list: false, children: new Map() });

/** A tree of the rows' field paths: "spec.http[].match[].headers.<name>.exact". */
function buildTree(rows: readonly SupportRow[]): FieldNode {
  const root = newNode();
  for (const row of rows) {
    let node = root;
    for (const segment of row.field.split('.')) {
      const list = segment.endsWith('[]');
      const key = list ? segment.slice(0, -2) : segment;
      let next: FieldNode | undefined;
      if (key.startsWith('<')) {
        next = node.wildcard ?? newNode();
        node.wildcard = next;
      } else {
        next = node.children.get(key) ?? newNode();
        node.children.set(key, next);
      }
      if (list) next.list = true;
      node = next;
    }
    node.row = row;
  }
  return root;
}

const trees = new WeakMap<readonly SupportRow[], FieldNode>();

/** UnsupportedField warnings for the fields of `value` (a whole document) the rows do not support. */
export function unsupportedFields(
  kind: string,
  rows: readonly SupportRow[],
  value: unknown,
  report: Report,
): Issue[] {
  let tree = trees.get(rows);
  if (!tree) {
    tree = buildTree(rows);
    trees.set(rows, tree);
  }
  const issues: Issue[] = [];
  const spec = tree.children.get('spec');
  if (spec && isRecord(value)) walk(value.spec, spec, ['spec'], kind, report, issues);
  return issues;
}

function walk(
  value: unknown,
  node: FieldNode,
  path: (string | number)[],
  kind: string,
  report: Report,
  issues: Issue[],
): void {
  // A leaf (labels, header maps, scalars): its content is the parser's to check.
  if (node.children.size === 0 && !node.wildcard) return;
  if (node.list) {
    if (!Array.isArray(value)) return;
    value.forEach((item, i) => {
      walkFields(item, node, [...path, i], kind, report, issues);
    });
    return;
  }
  walkFields(value, node, path, kind, report, issues);
}

function walkFields(
  value: unknown,
  node: FieldNode,
  path: (string | number)[],
  kind: string,
  report: Report,
  issues: Issue[],
): void {
  if (!isRecord(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const field = [...path, key];
    const known = node.children.get(key) ?? node.wildcard;
    if (!known) {
      issues.push(
        report(formatPath(field), 'UnsupportedField', `is not a field of ${kind}; it is ignored`, 'warning'),
      );
    } else if (known.row && !known.row.supported) {
      // Absent in all but name: `field:` with no value, or null, asks for nothing.
      if (child === null || child === undefined) continue;
      const note = known.row.note ? `; ${known.row.note}` : '';
      issues.push(report(formatPath(field), 'UnsupportedField', `is not supported${note}`, 'warning'));
    } else {
      walk(child, known, field, kind, report, issues);
    }
  }
}
