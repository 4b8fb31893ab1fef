// Splits one manifest file into documents: multi-document YAML, `kind: List` flattened, JSON parsed
// as JSON. Syntax errors become BadYAML/BadJSON issues for that document only; the rest of the file
// is still used.
import { LineCounter, parseAllDocuments } from 'yaml';
import type { Issue } from '../../model/issue.js';
import type { ManifestDocument } from '../apis/manifest.js';

export interface ManifestText {
  readonly documents: ManifestDocument[];
  readonly issues: Issue[];
}

/** Aliases may expand to at most this many nodes, which stops "billion laughs" documents. */
const MAX_ALIAS_COUNT = 1000;

export function parseManifestText(
  origin: string,
  text: string,
  isJson = origin.toLowerCase().endsWith('.json'),
): ManifestText {
  const documents: ManifestDocument[] = [];
  const issues: Issue[] = [];
  if (isJson) {
    const parsed = parseJson(origin, text);
    if ('issue' in parsed) issues.push(parsed.issue);
    else if (parsed.value !== undefined)
      addDocument(documents, issues, { origin, documentIndex: 0, value: parsed.value });
    return { documents, issues };
  }

  const lineCounter = new LineCounter();
  // prettyErrors off: we print the position ourselves, on one line, and without a code excerpt.
  const yamlDocs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  // An empty stream is not an array of documents.
  if (!Array.isArray(yamlDocs)) return { documents, issues };
  yamlDocs.forEach((yamlDoc, documentIndex) => {
    const error = yamlDoc.errors[0];
    if (error) {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      issues.push(
        badInput(
          origin,
          documentIndex,
          'BadYAML',
          `invalid YAML at line ${line}, column ${col}: ${error.message}`,
        ),
      );
      return;
    }
    let value: unknown;
    try {
      value = yamlDoc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      issues.push(badInput(origin, documentIndex, 'BadYAML', `invalid YAML: ${errorMessage(err)}`));
      return;
    }
    addDocument(documents, issues, { origin, documentIndex, value });
  });
  return { documents, issues };
}

/**
 * Adds a document, or the items of a `kind: List` in its place. Items keep the document index of the
 * List and carry pathPrefix "items[N]", so their issues read "a.yaml[doc 2]: … items[3].spec.ports[0]".
 */
function addDocument(documents: ManifestDocument[], issues: Issue[], doc: ManifestDocument): void {
  const value = doc.value;
  // Comment-only and empty documents ("---" twice in a row) carry nothing.
  if (value === null || value === undefined) return;
  if (!isList(value)) {
    documents.push(doc);
    return;
  }
  const items = value.items;
  const itemsPath = doc.pathPrefix ? `${doc.pathPrefix}.items` : 'items';
  if (items === undefined || items === null) return;
  if (!Array.isArray(items)) {
    issues.push({
      severity: 'error',
      origin: doc.origin,
      documentIndex: doc.documentIndex,
      resource: { kind: 'List' },
      fieldPath: itemsPath,
      reason: 'InvalidType',
      message: 'must be a list of resources',
    });
    return;
  }
  items.forEach((item: unknown, i) => {
    addDocument(documents, issues, { ...doc, pathPrefix: `${itemsPath}[${i}]`, value: item });
  });
}

function isList(value: unknown): value is { readonly kind: 'List'; readonly items?: unknown } {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'List';
}

function parseJson(origin: string, text: string): { value: unknown } | { issue: Issue } {
  if (text.trim() === '') return { value: undefined };
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    const message = errorMessage(err);
    // V8 reports a character offset for most JSON errors; a line number is what a person can use.
    const position = /at position (\d+)/.exec(message);
    const where = position ? ` at line ${lineColumn(text, Number(position[1]))}` : '';
    return { issue: badInput(origin, 0, 'BadJSON', `invalid JSON${where}: ${message}`) };
  }
}

function lineColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `${line}, column ${offset - lineStart + 1}`;
}

function badInput(origin: string, documentIndex: number, reason: string, message: string): Issue {
  return { severity: 'error', origin, documentIndex, fieldPath: '', reason, message };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
