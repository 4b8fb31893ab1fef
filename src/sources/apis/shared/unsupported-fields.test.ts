import { describe, expect, it } from 'vitest';
import type { Issue } from '../../../model/issue.js';
import { reporter } from '../issues.js';
import type { SupportRow } from '../routing-family.js';
import { type FieldWalk, fieldTree, unsupportedFields } from './unsupported-fields.js';

const report = reporter({ origin: 'x.yaml', documentIndex: 0, value: {} });

const row = (field: string, supported = true, note?: string): SupportRow => ({
  kind: 'Thing',
  field,
  supported,
  ...(note ? { note } : {}),
});

const ROWS: readonly SupportRow[] = [
  row('spec.backends[].service'),
  row('spec.backends[].weight'),
  row('spec.backends[].mirror', false, 'no mirrors'),
  row('spec.headers.<name>.exact'),
  row('spec.labels'),
  row('spec.exportTo', false),
];

const walk = (overrides: Partial<FieldWalk> = {}): FieldWalk => ({
  from: 'spec',
  unset: 'reported',
  notAField: (field) => `not a field (${field})`,
  unsupported: (note) => `unsupported (${note ?? 'no note'})`,
  ...overrides,
});

const lines = (issues: readonly Issue[]) => issues.map((i) => `${i.fieldPath}: ${i.message}`);

describe('unsupportedFields', () => {
  it('warns about unknown and unsupported fields, in list items and under user-named keys', () => {
    const doc = {
      spec: {
        backends: [{ service: 'a', weight: 1, mirror: 'b', port: 80 }, 'not a mapping'],
        headers: { 'x-a': { exact: 'v', suffix: 'w' } },
        labels: { anything: { goes: 'here' } },
        exportTo: ['*'],
      },
    };
    const issues = unsupportedFields(doc, fieldTree(ROWS), walk(), report);
    expect(issues.every((i) => i.reason === 'UnsupportedField' && i.severity === 'warning')).toBe(true);
    expect(lines(issues)).toEqual([
      'spec.backends[0].mirror: unsupported (no mirrors)',
      'spec.backends[0].port: not a field (spec.backends[].port)',
      'spec.headers["x-a"].suffix: not a field (spec.headers.x-a.suffix)',
      'spec.exportTo: unsupported (no note)',
    ]);
  });

  it('leaves values of the wrong shape to the schema', () => {
    const doc = { spec: { backends: { service: 'a', bogus: 1 }, headers: ['x'] } };
    expect(unsupportedFields(doc, fieldTree(ROWS), walk(), report)).toEqual([]);
  });

  it('walks only the spec, or the whole document but the fields every object has', () => {
    const doc = { apiVersion: 'v1', kind: 'Thing', metadata: {}, status: {}, extra: 1, spec: { bogus: 1 } };
    expect(lines(unsupportedFields(doc, fieldTree(ROWS), walk(), report))).toEqual([
      'spec.bogus: not a field (spec.bogus)',
    ]);
    expect(lines(unsupportedFields(doc, fieldTree(ROWS), walk({ from: 'document' }), report))).toEqual([
      'extra: not a field (extra)',
      'spec.bogus: not a field (spec.bogus)',
    ]);
  });

  it('skips fields written with no value as the family says', () => {
    const doc = { spec: { bogus: null, exportTo: null, backends: [{ mirror: null }] } };
    const tree = fieldTree(ROWS);
    expect(lines(unsupportedFields(doc, tree, walk({ unset: 'skipped' }), report))).toEqual([]);
    expect(lines(unsupportedFields(doc, tree, walk({ unset: 'skipped-if-unsupported' }), report))).toEqual([
      'spec.bogus: not a field (spec.bogus)',
    ]);
    expect(lines(unsupportedFields(doc, tree, walk({ unset: 'reported' }), report))).toEqual([
      'spec.bogus: not a field (spec.bogus)',
      'spec.exportTo: unsupported (no note)',
      'spec.backends[0].mirror: unsupported (no mirrors)',
    ]);
  });

  it('reports a key with "." or "[]" as one unknown field name, never as a path', () => {
    const doc = { spec: { 'backends[].weight': 1, 'backends[]': { mirror: 'b' }, 'backends.weight': 2 } };
    const tree = fieldTree(ROWS);
    expect(lines(unsupportedFields(doc, tree, walk(), report))).toEqual([
      'spec["backends[].weight"]: not a field (spec.backends[].weight)',
      'spec["backends[]"]: not a field (spec.backends[])',
      'spec["backends.weight"]: not a field (spec.backends.weight)',
    ]);
  });

  it('walks only the list items a node accepts', () => {
    const tree = {
      supported: true,
      fields: {
        spec: {
          supported: true,
          fields: {
            refs: {
              supported: true,
              list: true,
              fields: { name: { supported: true } },
              walkItem: (item: unknown) => (item as { mine?: unknown }).mine === true,
            },
          },
        },
      },
    };
    const doc = {
      spec: {
        refs: [
          { mine: true, name: 'a' },
          { name: 'b', other: 1 },
        ],
      },
    };
    expect(lines(unsupportedFields(doc, tree, walk(), report))).toEqual([
      'spec.refs[0].mine: not a field (spec.refs[].mine)',
    ]);
  });

  it('builds one tree per list of rows, the last row of a field deciding', () => {
    const rows = [row('spec.a', false, 'first'), row('spec.a', false, 'second')];
    expect(fieldTree(rows)).toBe(fieldTree(rows));
    expect(fieldTree(rows).fields?.spec?.fields?.a).toEqual({ supported: false, note: 'second' });
  });
});
