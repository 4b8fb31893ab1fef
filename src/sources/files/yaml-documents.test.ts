import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../model/issue.js';
import { parseManifestText } from './yaml-documents.js';

describe('parseManifestText', () => {
  it('splits multi-document YAML, counting but skipping empty and comment-only documents', () => {
    const { documents, issues } = parseManifestText(
      'a.yaml',
      ['# leading comment', '---', 'kind: A', '---', '---', '# nothing here', '---', 'kind: B', ''].join(
        '\n',
      ),
    );
    expect(issues).toEqual([]);
    expect(documents).toEqual([
      // A comment before the first "---" belongs to the document that marker starts.
      { origin: 'a.yaml', documentIndex: 0, value: { kind: 'A' } },
      { origin: 'a.yaml', documentIndex: 3, value: { kind: 'B' } },
    ]);
  });

  it('reports a YAML syntax error with its line, and still uses the other documents of the file', () => {
    const { documents, issues } = parseManifestText(
      'bad.yaml',
      ['kind: A', '---', 'kind: B', 'spec: { ports: [80, }', '---', 'kind: C', ''].join('\n'),
    );
    expect(documents.map((d) => [d.documentIndex, d.value])).toEqual([
      [0, { kind: 'A' }],
      [2, { kind: 'C' }],
    ]);
    expect(issues.map((i) => i.reason)).toEqual(['BadYAML']);
    expect(formatIssue(issues[0]!)).toMatch(/^bad\.yaml\[doc 1\]: invalid YAML at line 4, column \d+: /);
  });

  it('reports duplicate keys, which Kubernetes also rejects', () => {
    const { issues } = parseManifestText('dup.yaml', 'kind: A\nkind: B\n');
    expect(issues.map(formatIssue)).toEqual([
      'dup.yaml[doc 0]: invalid YAML at line 2, column 1: Map keys must be unique',
    ]);
  });

  it('flattens kind: List, giving items the document index of the List and an items[N] path prefix', () => {
    const { documents, issues } = parseManifestText(
      'list.yaml',
      [
        'kind: Z',
        '---',
        'apiVersion: v1',
        'kind: List',
        'items:',
        '  - { kind: A }',
        '  - { kind: List, items: [{ kind: B }] }',
        '  - { kind: C }',
      ].join('\n'),
    );
    expect(issues).toEqual([]);
    expect(documents).toEqual([
      { origin: 'list.yaml', documentIndex: 0, value: { kind: 'Z' } },
      { origin: 'list.yaml', documentIndex: 1, pathPrefix: 'items[0]', value: { kind: 'A' } },
      { origin: 'list.yaml', documentIndex: 1, pathPrefix: 'items[1].items[0]', value: { kind: 'B' } },
      { origin: 'list.yaml', documentIndex: 1, pathPrefix: 'items[2]', value: { kind: 'C' } },
    ]);
  });

  it('reports a List whose items are not a list, and accepts an empty List', () => {
    expect(parseManifestText('l.yaml', 'kind: List\nitems: {}\n').issues.map(formatIssue)).toEqual([
      'l.yaml[doc 0]: List ?: items: must be a list of resources',
    ]);
    expect(parseManifestText('l.yaml', 'kind: List\nitems: []\n')).toEqual({ documents: [], issues: [] });
  });

  it('parses JSON files as JSON: one object, or a List', () => {
    expect(parseManifestText('a.json', '{ "kind": "A" }').documents).toEqual([
      { origin: 'a.json', documentIndex: 0, value: { kind: 'A' } },
    ]);
    expect(
      parseManifestText('l.json', '{ "kind": "List", "items": [{ "kind": "A" }, { "kind": "B" }] }')
        .documents,
    ).toEqual([
      { origin: 'l.json', documentIndex: 0, pathPrefix: 'items[0]', value: { kind: 'A' } },
      { origin: 'l.json', documentIndex: 0, pathPrefix: 'items[1]', value: { kind: 'B' } },
    ]);
    expect(parseManifestText('empty.json', '  \n')).toEqual({ documents: [], issues: [] });
    // The caller may say what the text is, whatever the name.
    expect(parseManifestText('stdin', '{ "kind": "A" }', true).documents).toHaveLength(1);
  });

  it('reports invalid JSON with its line when the parser gives a position', () => {
    const { documents, issues } = parseManifestText('bad.json', '{\n  "kind": "A",\n  "spec" 1\n}\n');
    expect(documents).toEqual([]);
    expect(issues.map((i) => [i.reason, i.documentIndex])).toEqual([['BadJSON', 0]]);
    expect(formatIssue(issues[0]!)).toMatch(/^bad\.json\[doc 0\]: invalid JSON at line 3, column 10: /);
  });

  it('stops alias expansion bombs', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++) {
      lines.push(
        `${'abcdefgh'[i]}: &${'abcdefgh'[i]} [${Array(10)
          .fill(`*${'abcdefgh'[i - 1]}`)
          .join(', ')}]`,
      );
    }
    const { documents, issues } = parseManifestText('bomb.yaml', `${lines.join('\n')}\n`);
    expect(documents).toEqual([]);
    expect(issues.map((i) => i.reason)).toEqual(['BadYAML']);
  });
});
