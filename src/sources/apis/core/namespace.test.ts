import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatIssue } from '../../../model/issue.js';
import type { ManifestDocument } from '../manifest.js';
import { parseNamespace } from './namespace.js';

function doc(text: string): ManifestDocument {
  return { origin: 'ns.yaml', documentIndex: 0, value: parse(text) };
}

describe('parseNamespace', () => {
  it('reads name, labels and annotations, ignoring a metadata.namespace', () => {
    const parsed = parseNamespace(
      doc(`
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  namespace: ignored
  labels: { istio-injection: enabled }
  annotations: { example.com/owner: "team shop" }
`),
    );
    expect(parsed.issues).toEqual([]);
    expect(parsed.value).toEqual({
      name: 'shop',
      labels: { 'istio-injection': 'enabled' },
      annotations: { 'example.com/owner': 'team shop' },
    });
  });

  it('defaults labels and annotations to empty', () => {
    expect(parseNamespace(doc('{ apiVersion: v1, kind: Namespace, metadata: { name: a } }')).value).toEqual({
      name: 'a',
      labels: {},
      annotations: {},
    });
  });

  it('requires a DNS-1123 label name', () => {
    expect(
      parseNamespace(doc('{ apiVersion: v1, kind: Namespace, metadata: { name: a.b } }')).issues.map(
        formatIssue,
      ),
    ).toEqual([
      'ns.yaml[doc 0]: Namespace a.b: metadata.name: must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit, got "a.b"',
    ]);
    expect(parseNamespace(doc('{ apiVersion: v1, kind: Namespace }')).issues.map(formatIssue)).toEqual([
      'ns.yaml[doc 0]: Namespace ?: metadata: is required',
    ]);
    const empty = parseNamespace(doc('{ apiVersion: v1, kind: Namespace, metadata: { name: "" } }')).issues;
    expect(empty.map((i) => [i.reason, formatIssue(i)])).toEqual([
      ['MissingField', 'ns.yaml[doc 0]: Namespace ?: metadata.name: is required'],
    ]);
  });
});
