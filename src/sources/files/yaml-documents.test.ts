import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { formatIssue } from '../../model/issue.js';
import { DEFAULT_LIMITS, type ManifestLimits } from './limits.js';
import { parseManifestText, parseManifestTextAsync } from './yaml-documents.js';

const limits = (overrides: Partial<ManifestLimits>): ManifestLimits => ({ ...DEFAULT_LIMITS, ...overrides });
const TESTDATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../xds/translate/testdata');

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

  it('fails the whole file on a YAML syntax error in any document, naming its line', () => {
    const text = ['kind: A', '---', 'kind: B', 'spec: { ports: [80, }', '---', 'kind: C', ''].join('\n');
    const { documents, issues, failed } = parseManifestText('bad.yaml', text);
    // After a syntax error the other documents are suspect too: nothing of the file is used.
    expect(failed).toBe(true);
    expect(documents).toEqual([]);
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
    expect(parseManifestText('stdin', '{ "kind": "A" }', { isJson: true }).documents).toHaveLength(1);
  });

  it('reports invalid JSON with its line when the parser gives a position', () => {
    const { documents, issues } = parseManifestText('bad.json', '{\n  "kind": "A",\n  "spec" 1\n}\n');
    expect(documents).toEqual([]);
    expect(issues.map((i) => [i.reason, i.documentIndex])).toEqual([['BadJSON', 0]]);
    expect(formatIssue(issues[0]!)).toMatch(/^bad\.json\[doc 0\]: invalid JSON at line 3, column 10: /);
  });

  it('stops alias expansion bombs by their expanded size', () => {
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
    expect(issues.map(formatIssue)).toEqual([
      'bomb.yaml[doc 0]: with its aliases expanded, the document is 382716066 bytes (365.0 MiB), more than the limit of 1048576 bytes (1 MiB) (--max-document-bytes)',
    ]);
  });
});

describe('parseManifestText: limits', () => {
  it('refuses a file over the file limit without parsing it', () => {
    const result = parseManifestText('big.yaml', 'kind: A\n'.repeat(10), {
      limits: limits({ maxFileBytes: 50 }),
    });
    expect(result.failed).toBe(true);
    expect(result.issues.map(formatIssue)).toEqual([
      'big.yaml: is 80 bytes, more than the limit of 50 bytes (--max-file-bytes)',
    ]);
  });

  it('refuses a document over the document limit, naming the document', () => {
    const text = `kind: A\n---\nkind: B\ndata: ${'x'.repeat(100)}\n`;
    const result = parseManifestText('big.yaml', text, { limits: limits({ maxDocumentBytes: 64 }) });
    expect(result.issues.map(formatIssue)).toEqual([
      'big.yaml[doc 1]: the document is 119 bytes, more than the limit of 64 bytes (--max-document-bytes)',
    ]);
  });

  it('counts documents, and the items of Lists, against the documents limit', () => {
    const few = limits({ maxDocumentsPerFile: 3 });
    expect(parseManifestText('a.yaml', 'kind: A\n---\nkind: B\n---\nkind: C\n', { limits: few }).failed).toBe(
      undefined,
    );
    expect(
      parseManifestText('a.yaml', 'a: 1\n---\n'.repeat(4), { limits: few }).issues.map(formatIssue),
    ).toEqual(['a.yaml: holds 5 documents, more than the limit of 3 (--max-documents-per-file)']);
    const list = 'kind: List\nitems: [{ kind: A }, { kind: B }, { kind: C }, { kind: D }]\n';
    expect(parseManifestText('l.yaml', list, { limits: few }).issues.map(formatIssue)).toEqual([
      'l.yaml: holds 4 documents, counting the items of Lists, more than the limit of 3 (--max-documents-per-file)',
    ]);
  });

  it('refuses a mapping over the key limit, with its path and count, in YAML and JSON', () => {
    const keys = (n: number) => Array.from({ length: n }, (_, i) => `k${i}: 1`).join(', ');
    const few = limits({ maxKeysPerMapping: 3 });
    expect(
      parseManifestText('a.yaml', `spec: { ports: [{ ${keys(4)} }] }\n`, { limits: few }).issues.map(
        formatIssue,
      ),
    ).toEqual([
      'a.yaml[doc 0]: spec.ports[0]: is a mapping of 4 keys, more than the limit of 3 (--max-keys-per-mapping)',
    ]);
    const json = JSON.stringify({ spec: { labels: { a: 1, b: 2, c: 3, 'x.io/d': 4 } } });
    expect(parseManifestText('a.json', json, { limits: few }).issues.map(formatIssue)).toEqual([
      'a.json[doc 0]: spec.labels: is a mapping of 4 keys, more than the limit of 3 (--max-keys-per-mapping)',
    ]);
  });

  it('counts anchors and aliases together, in a document that has an alias', () => {
    const few = limits({ maxAliases: 3 });
    expect(parseManifestText('a.yaml', 'a: &a 1\nb: &b 2\nc: &c 3\nd: &d 4\n', { limits: few }).failed).toBe(
      undefined,
    );
    expect(
      parseManifestText('a.yaml', 'a: &a 1\nb: &b 2\nc: *a\nd: *b\n', { limits: few }).issues.map(
        formatIssue,
      ),
    ).toEqual([
      'a.yaml[doc 0]: has 2 anchors and 2 aliases, more than the limit of 3 (--max-aliases) anchors and aliases together',
    ]);
  });

  it('refuses an alias inside the node it names, and one that names nothing', () => {
    expect(parseManifestText('a.yaml', 'a: &a [1, *a]\n').issues.map(formatIssue)).toEqual([
      'a.yaml[doc 0]: a[1]: invalid YAML at line 1, column 11: the alias *a is inside the node it names',
    ]);
    expect(parseManifestText('a.yaml', 'a: *b\n').issues.map(formatIssue)).toEqual([
      'a.yaml[doc 0]: a: invalid YAML at line 1, column 4: the alias *b names no anchor before it',
    ]);
  });

  it('counts the expanded size of the whole file against the file limit', () => {
    const doc = `a: &a "${'x'.repeat(100)}"\nb: [*a, *a, *a]\n`;
    const text = `${doc}---\n${doc}`;
    const result = parseManifestText('a.yaml', text, { limits: limits({ maxFileBytes: 600 }) });
    expect(result.issues.map(formatIssue)).toEqual([
      'a.yaml: with its aliases expanded, is 866 bytes, more than the limit of 600 bytes (--max-file-bytes)',
    ]);
  });

  it('reports a JSON syntax error by position, quoting nothing of the text', () => {
    const { issues } = parseManifestText('a.json', '{"password": "hunter2" "x": 1}');
    expect(issues.map(formatIssue)).toEqual([
      'a.json[doc 0]: invalid JSON at line 1, column 24: expected "," or "}"',
    ]);
    expect(parseManifestText('b.json', '{"a": [1, 2,]}').issues.map(formatIssue)).toEqual([
      'b.json[doc 0]: invalid JSON at line 1, column 13: expected a value',
    ]);
    expect(parseManifestText('c.json', '{"a": "\\q"}').issues.map(formatIssue)).toEqual([
      'c.json[doc 0]: invalid JSON at line 1, column 8: invalid string',
    ]);
    expect(parseManifestText('d.json', '[1').issues.map(formatIssue)).toEqual([
      'd.json[doc 0]: invalid JSON at line 1, column 3: unexpected end of input',
    ]);
    expect(parseManifestText('e.json', '{"a": -01}').issues.map(formatIssue)).toEqual([
      'e.json[doc 0]: invalid JSON at line 1, column 9: expected "," or "}"',
    ]);
  });
});

describe('parseManifestText: in steps', () => {
  it('reads every golden input the same when the lexer is fed a line at a time', () => {
    const cases = fs.readdirSync(TESTDATA);
    expect(cases.length).toBeGreaterThan(10);
    for (const name of cases) {
      const text = fs.readFileSync(path.join(TESTDATA, name, 'in.yaml'), 'utf8');
      const whole = parseManifestText(`${name}/in.yaml`, text);
      expect(parseManifestText(`${name}/in.yaml`, text, { chunkChars: 1 })).toEqual(whole);
      // And the same as the yaml package reads it in one go.
      const expected = parseAllDocuments(text).map((d) => d.toJS() as unknown);
      expect(whole.documents.map((d) => d.value)).toEqual(
        expected.filter((v) => v !== null && v !== undefined),
      );
      expect(whole.issues).toEqual([]);
    }
  });

  it('offers to pause between chunks and documents, so a large file never holds the event loop', async () => {
    const doc = (i: number) => `apiVersion: v1\nkind: Namespace\nmetadata: { name: ns-${i} }\n`;
    const text = Array.from({ length: 2000 }, (_, i) => doc(i)).join('---\n');
    let pauses = 0;
    const result = await parseManifestTextAsync('a.yaml', text, {}, () => {
      pauses++;
      return undefined;
    });
    expect(result.documents).toHaveLength(2000);
    // One offer per 16 KiB chunk of lexing, one per document composed, and one between the passes.
    expect(pauses).toBeGreaterThanOrEqual(Math.floor(text.length / (16 * 1024)) + 2000 + 1);
  });

  it('stops lexing a document as soon as it has outgrown the size limit, not at its end', async () => {
    // One multi-line scalar: the lexer scans a token that spans chunks again with every chunk, so
    // reading all 4 MiB before refusing it costs time quadratic in the size.
    const limit = 64 * 1024;
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\ndata:\n  a: ${'word\n    '.repeat(400_000)}`;
    let chunks = 0;
    const result = await parseManifestTextAsync(
      'big.yaml',
      text,
      { limits: { ...DEFAULT_LIMITS, maxDocumentBytes: limit } },
      () => {
        chunks++;
        return undefined;
      },
    );
    expect(result.documents).toEqual([]);
    expect(result.issues).toMatchObject([{ documentIndex: 0, reason: 'LimitExceeded' }]);
    expect(result.issues[0]?.message).toMatch(/^the document is more than \d+ bytes .*--max-document-bytes/);
    // Lexed a chunk at a time up to the limit, not the whole 4 MiB (256 chunks of 16 KiB).
    expect(chunks).toBeLessThanOrEqual(limit / (16 * 1024) + 2);
  });
});
