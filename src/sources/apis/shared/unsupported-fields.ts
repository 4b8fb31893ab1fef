// "Every field we do not support is reported, never silently ignored": walks what the user wrote
// against the kind's field tree and warns about each field that is unsupported or not in the API.
// Values of the wrong type are not this walk's business; the schemas report those. The tree and
// the family's support rows (docs/support.md) are one and the same data, so they cannot disagree.
import type { Issue } from '../../../model/issue.js';
import { isRecord } from '../core/resource.js';
import { formatPath, type Report } from '../issues.js';
import type { SupportRow } from '../routing-family.js';

export interface FieldNode {
  readonly supported: boolean;
  /** For unsupported fields: what users get instead. For supported ones: any caveat. */
  readonly note?: string;
  /** The node is a list: `fields` describe each item. */
  readonly list?: boolean;
  /** A node with neither `fields` nor `anyKey` is a leaf: what it holds is the parser's to check. */
  readonly fields?: Readonly<Record<string, FieldNode>>;
  /** Children of a mapping keyed by user names (headers.<name>). */
  readonly anyKey?: FieldNode;
  /** For lists: only items this accepts are walked (parentRefs to Gateways belong to someone else). */
  readonly walkItem?: (item: unknown) => boolean;
}

/** How a family words and scopes its warnings. */
export interface FieldWalk {
  /**
   * 'spec': only the spec is the user's routing intent. 'document': every top-level field but those
   * every Kubernetes object has (SMI v1alpha2 HTTPRouteGroups keep their matches at the top level).
   */
  readonly from: 'spec' | 'document';
  /**
   * What a field written with no value (`field:` or null) gets: 'skipped' whatever the field,
   * 'skipped-if-unsupported' (a field not in the API is still reported), or 'reported'. The
   * families have always differed here; each keeps its own.
   */
  readonly unset: 'skipped' | 'skipped-if-unsupported' | 'reported';
  /** The message for a field the tree does not have; `field` as the rows write it (spec.backends[].port). */
  readonly notAField: (field: string) => string;
  /** The message for a field the tree marks unsupported. */
  readonly unsupported: (note: string | undefined) => string;
}

/** Every Kubernetes object has these; metadata is checked by the kind's schema, status is written by controllers. */
const OBJECT_FIELDS: ReadonlySet<string> = new Set(['apiVersion', 'kind', 'metadata', 'status']);

/** UnsupportedField warnings for the fields of `value` (a whole document) that `tree` does not support. */
export function unsupportedFields(value: unknown, tree: FieldNode, walk: FieldWalk, report: Report): Issue[] {
  const issues: Issue[] = [];
  const warn = (path: readonly (string | number)[], message: string) =>
    issues.push(report(formatPath(path), 'UnsupportedField', message, 'warning'));

  const visit = (
    mapping: Record<string, unknown>,
    node: FieldNode,
    path: readonly (string | number)[],
    pattern: string,
  ): void => {
    for (const [key, child] of Object.entries(mapping)) {
      const unset = child === null || child === undefined;
      if (unset && walk.unset === 'skipped') continue;
      const at = [...path, key];
      const field = pattern ? `${pattern}.${key}` : key;
      const known = plain(node, key);
      if (!known) {
        if (pattern === '' && OBJECT_FIELDS.has(key)) continue;
        warn(at, walk.notAField(field));
      } else if (!known.item && !known.node.supported) {
        if (unset && walk.unset === 'skipped-if-unsupported') continue;
        warn(at, walk.unsupported(known.node.note));
      } else {
        descend(child, known, at, field);
      }
    }
  };

  const descend = (
    child: unknown,
    { node, item }: Found,
    path: readonly (string | number)[],
    field: string,
  ): void => {
    if (!node.fields && !node.anyKey) return;
    if (node.list && !item) {
      if (!Array.isArray(child)) return;
      child.forEach((entry: unknown, i) => {
        if (isRecord(entry) && (!node.walkItem || node.walkItem(entry)))
          visit(entry, node, [...path, i], `${field}[]`);
      });
    } else if (isRecord(child)) {
      visit(child, node, path, field);
    }
  };

  if (!isRecord(value)) return issues;
  if (walk.from === 'document') {
    visit(value, tree, [], '');
  } else {
    const spec = named(tree, 'spec');
    if (spec) descend(value.spec, { node: spec, item: false }, ['spec'], 'spec');
  }
  return issues;
}

/** Where a key leads: a node, and whether to one item of that (list) node rather than the list. */
interface Found {
  readonly node: FieldNode;
  readonly item: boolean;
}

function named(node: FieldNode, key: string): FieldNode | undefined {
  return node.fields && Object.hasOwn(node.fields, key) ? node.fields[key] : undefined;
}

function plain(node: FieldNode, key: string): Found | undefined {
  const child = named(node, key) ?? node.anyKey;
  return child ? { node: child, item: false } : undefined;
}

/** A FieldNode while its tree is being built. */
interface MutableNode {
  supported: boolean;
  note?: string;
  list?: boolean;
  fields?: Record<string, MutableNode>;
  anyKey?: MutableNode;
}

const trees = new WeakMap<readonly SupportRow[], FieldNode>();

/**
 * The tree of the rows' field paths, built once per list of rows: in "spec.http[].match[].headers.<name>"
 * "http[]" is a list and "<name>" any key the user chooses.
 */
export function fieldTree(rows: readonly SupportRow[]): FieldNode {
  const cached = trees.get(rows);
  if (cached) return cached;
  const root: MutableNode = { supported: true };
  for (const row of rows) {
    let node = root;
    for (const segment of row.field.split('.')) {
      const list = segment.endsWith('[]');
      const key = list ? segment.slice(0, -2) : segment;
      let next: MutableNode | undefined;
      if (key.startsWith('<')) {
        next = node.anyKey ?? { supported: true };
        node.anyKey = next;
      } else {
        node.fields ??= {};
        next = Object.hasOwn(node.fields, key) ? node.fields[key] : undefined;
        next ??= { supported: true };
        node.fields[key] = next;
      }
      if (list) next.list = true;
      node = next;
    }
    node.supported = row.supported;
    if (row.note) node.note = row.note;
    else delete node.note;
  }
  trees.set(rows, root);
  return root;
}
