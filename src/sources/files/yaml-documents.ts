// Splits one manifest file into documents: multi-document YAML, `kind: List` flattened, JSON parsed
// as JSON, every limit of limits.ts enforced on the way.
//
// A file either yields its documents or fails as a whole (`failed`): a YAML or JSON syntax error in
// any document, a broken limit or an internal error means nothing of this text is used, because
// after an error the boundaries and content of the other documents are suspect too (a stray indent
// can swallow the next "---"). The file source then keeps serving the file's last good version.
// Problems inside a well-formed document (a List whose items are not a list) are only issues.
//
// The work is linear in the input, and it is done in steps: the lexer is fed the text in chunks and
// each document is composed on its own, and parseManifestTextAsync lets the event loop run between
// steps. The `yaml` package's own duplicate-key check compares each key with every earlier one, so
// it is turned off (uniqueKeys: false) and done here with a set per mapping.
import {
  Composer,
  CST,
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  Parser,
} from 'yaml';
import type { Issue } from '../../model/issue.js';
import { formatPath } from '../apis/issues.js';
import type { ManifestDocument } from '../apis/manifest.js';
import { type JsonPath, scanJson } from './json-scan.js';
import { DEFAULT_LIMITS, describeBytes, describeLimit, type ManifestLimits } from './limits.js';

export interface ManifestText {
  readonly documents: ManifestDocument[];
  readonly issues: Issue[];
  /** The file cannot be used at all (see the top of this file); documents is then empty. */
  readonly failed?: true;
}

export interface ParseManifestOptions {
  readonly limits?: ManifestLimits;
  /** Default: the name ends in .json. */
  readonly isJson?: boolean;
  /** How much text the YAML lexer is given at a time (a test makes it tiny). */
  readonly chunkChars?: number;
}

/**
 * Text fed to the lexer at a time, rounded up to a whole line: some 10 ms of lexing and parsing, the
 * longest step of pass 1 between two chances to yield (a single long line is one step).
 */
const CHUNK_CHARS = 16 * 1024;

/** Parses a whole file at once; for tests, goldens and other callers that hold no event loop. */
export function parseManifestText(
  origin: string,
  text: string,
  opts: ParseManifestOptions = {},
): ManifestText {
  const steps = guarded(origin, parseSteps(origin, text, opts));
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Parses a file in steps, calling `pause` between them; pause decides whether to let the loop run. */
export async function parseManifestTextAsync(
  origin: string,
  text: string,
  opts: ParseManifestOptions,
  pause: () => Promise<void> | undefined,
): Promise<ManifestText> {
  const steps = guarded(origin, parseSteps(origin, text, opts));
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    const wait = pause();
    if (wait) await wait;
  }
}

type Steps = Generator<void, ManifestText, void>;

/** Whatever goes wrong while parsing a file fails that file alone. */
function* guarded(origin: string, steps: Steps): Steps {
  try {
    return yield* steps;
  } catch (err) {
    return failure([fileIssue(origin, 'InternalError', `could not be parsed: ${errorText(err)}`)]);
  }
}

function* parseSteps(origin: string, input: string, opts: ParseManifestOptions): Steps {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const bytes = Buffer.byteLength(text);
  if (bytes > limits.maxFileBytes) {
    return failure([
      fileIssue(
        origin,
        'LimitExceeded',
        `is ${describeBytes(bytes)}, more than ${describeLimit(limits, 'maxFileBytes')}`,
      ),
    ]);
  }
  if (opts.isJson ?? origin.toLowerCase().endsWith('.json'))
    return parseJsonFile(origin, text, bytes, limits);
  return yield* parseYamlFile(origin, text, limits, opts.chunkChars ?? CHUNK_CHARS);
}

function parseJsonFile(origin: string, text: string, bytes: number, limits: ManifestLimits): ManifestText {
  if (text.trim() === '') return { documents: [], issues: [] };
  if (bytes > limits.maxDocumentBytes) {
    return failure([
      docIssue(
        origin,
        0,
        'LimitExceeded',
        `the document is ${describeBytes(bytes)}, more than ${describeLimit(limits, 'maxDocumentBytes')}`,
      ),
    ]);
  }
  const scan = scanJson(text, limits.maxDepth, limits.maxKeysPerMapping);
  if (scan.syntax) {
    const { line, col } = lineColumn(text, scan.syntax.offset);
    return failure([
      docIssue(origin, 0, 'BadJSON', `invalid JSON at line ${line}, column ${col}: ${scan.syntax.message}`),
    ]);
  }
  const issues: Issue[] = [];
  if (scan.tooDeep) {
    const { line, col } = lineColumn(text, scan.tooDeep.offset);
    issues.push(
      tooDeep(origin, 0, pathText(scan.tooDeep.path), scan.depth, limits, `line ${line}, column ${col}`),
    );
  }
  if (scan.tooWide) issues.push(tooWide(origin, 0, pathText(scan.tooWide.path), scan.tooWide.keys, limits));
  if (issues.length > 0) return failure(issues);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // The scan accepted it, so this is a disagreement between the two, not a position to report.
    return failure([docIssue(origin, 0, 'BadJSON', 'invalid JSON')]);
  }
  const out: ManifestText = { documents: [], issues: [] };
  addDocument(out.documents, out.issues, { origin, documentIndex: 0, value });
  return countDocuments(origin, out, limits);
}

/**
 * Where pass 1 stops reading a document that nests too deep. Below it the depth is measured exactly
 * once the document is complete; the parser's stack also holds tokens that are not levels.
 */
const stackLimit = (limits: ManifestLimits): number => Math.max(1000, 2 * limits.maxDepth + 8);

function isCollectionToken(token: CST.Token): token is CST.BlockMap | CST.BlockSequence | CST.FlowCollection {
  return token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection';
}

function* parseYamlFile(origin: string, text: string, limits: ManifestLimits, chunkChars: number): Steps {
  if (text.length === 0) return { documents: [], issues: [] };
  const lineCounter = new LineCounter();
  const position = (offset: number): string => {
    const { line, col } = lineCounter.linePos(offset);
    return `line ${line}, column ${col}`;
  };

  // Pass 1: the concrete syntax tree, which is cheap and never recursive. Depth is watched on the
  // parser's stack as the tokens come, because composing a document thousands of levels deep would
  // crash the process; the exact depth and sizes are checked once each document is complete.
  const lexer = new Lexer();
  const parser = new Parser(lineCounter.addNewLine);
  lineCounter.addNewLine(0);
  const tokens: CST.Token[] = [];
  let documentCount = 0;
  // Where the document being read starts, at the latest: the lexer scans a token that spans chunks
  // again from its start with every chunk, so a document that has already outgrown the limit is
  // refused here, before that costs time quadratic in its size.
  let documentStart = 0;
  for (let at = 0, end = 0; at < text.length; at = end) {
    // Whole lines only: the lexer reads a chunk that ends inside a line's indentation wrongly.
    const newline = text.indexOf('\n', at + chunkChars - 1);
    end = newline < 0 ? text.length : newline + 1;
    for (const lexeme of lexer.lex(text.slice(at, end), end < text.length)) {
      for (const token of parser.next(lexeme)) {
        tokens.push(token);
        if (token.type === 'document') {
          documentCount++;
          documentStart = parser.offset;
        }
      }
      if (parser.stack.length > stackLimit(limits)) {
        const levels = parser.stack.filter(isCollectionToken).length;
        return failure([
          docIssue(
            origin,
            documentCount,
            'LimitExceeded',
            `at ${position(parser.offset)}: nests at least ${levels} levels deep, more than ${describeLimit(limits, 'maxDepth')}`,
          ),
        ]);
      }
    }
    // Characters never outnumber UTF-8 bytes: past the limit in characters is past it in bytes.
    if (end < text.length && end - documentStart > limits.maxDocumentBytes) {
      return failure([
        docIssue(
          origin,
          documentCount,
          'LimitExceeded',
          `the document is more than ${describeBytes(end - documentStart)}, more than ${describeLimit(limits, 'maxDocumentBytes')}`,
        ),
      ]);
    }
    if (end >= text.length) {
      for (const token of parser.end()) {
        tokens.push(token);
        if (token.type === 'document') documentCount++;
      }
    }
    yield;
  }
  if (documentCount > limits.maxDocumentsPerFile)
    return failure([tooManyDocuments(origin, documentCount, '', limits)]);

  const documentBytes: number[] = [];
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t]!;
    if (token.type !== 'document') continue;
    const index = documentBytes.length;
    const size = Buffer.byteLength(text.slice(token.offset, tokens[t + 1]?.offset ?? text.length));
    documentBytes.push(size);
    if (size > limits.maxDocumentBytes) {
      return failure([
        docIssue(
          origin,
          index,
          'LimitExceeded',
          `the document is ${describeBytes(size)}, more than ${describeLimit(limits, 'maxDocumentBytes')}`,
        ),
      ]);
    }
    const deep = cstDepth(token, limits.maxDepth);
    if (deep.path) return failure([tooDeep(origin, index, pathText(deep.path), deep.depth, limits)]);
    if (index % 64 === 63) yield;
  }
  yield;

  // Pass 2: compose each document, check what only the composed tree shows, and convert it.
  const out: ManifestText = { documents: [], issues: [] };
  let failed = false;
  let expandedFileBytes = 0;
  let index = 0;
  const handle = (doc: Document.Parsed): void => {
    const documentIndex = index++;
    const error = doc.errors[0];
    if (error) {
      failed = true;
      out.issues.push(
        docIssue(
          origin,
          documentIndex,
          'BadYAML',
          `invalid YAML at ${position(error.pos[0])}: ${yamlMessage(error.message)}`,
        ),
      );
      return;
    }
    if (failed) return;
    const checked = checkTree(
      doc,
      text,
      origin,
      documentIndex,
      documentBytes[documentIndex] ?? 0,
      limits,
      position,
    );
    if (checked.issues.length > 0) {
      failed = true;
      out.issues.push(...checked.issues);
      return;
    }
    expandedFileBytes += checked.expandedBytes;
    let value: unknown;
    try {
      // Aliases were measured above; the package's own count would refuse an anchor used 101 times.
      value = doc.toJS({ maxAliasCount: -1 });
    } catch (err) {
      failed = true;
      out.issues.push(docIssue(origin, documentIndex, 'BadYAML', `invalid YAML: ${errorText(err)}`));
      return;
    }
    addDocument(out.documents, out.issues, { origin, documentIndex, value });
  };
  // logLevel error: no process warnings for odd keys, which a hostile file could repeat by the
  // thousand; uniqueKeys false: see the top of this file.
  const composer = new Composer({ uniqueKeys: false, logLevel: 'error' });
  for (const token of tokens) {
    for (const doc of composer.next(token)) handle(doc);
    if (token.type === 'document') yield;
  }
  for (const doc of composer.end()) handle(doc);
  // Errors outside any document (a stray "..." in an otherwise empty stream) belong to no document.
  for (const error of composer.streamInfo().errors) {
    failed = true;
    out.issues.push(
      fileIssue(
        origin,
        'BadYAML',
        `invalid YAML at ${position(error.pos[0])}: ${yamlMessage(error.message)}`,
      ),
    );
  }
  if (failed) return failure(out.issues);
  if (expandedFileBytes > limits.maxFileBytes) {
    return failure([
      fileIssue(
        origin,
        'LimitExceeded',
        `with its aliases expanded, is ${describeBytes(expandedFileBytes)}, more than ${describeLimit(limits, 'maxFileBytes')}`,
      ),
    ]);
  }
  return countDocuments(origin, out, limits);
}

/** The deepest nesting of a CST document, and the path to the first collection past maxDepth. */
function cstDepth(document: CST.Document, maxDepth: number): { depth: number; path?: JsonPath } {
  interface Entry {
    readonly token: CST.Token;
    readonly depth: number;
    readonly segment: string | number;
    readonly parent: Entry | undefined;
  }
  let depth = 0;
  let path: JsonPath | undefined;
  const stack: Entry[] = [];
  if (document.value) stack.push({ token: document.value, depth: 0, segment: '', parent: undefined });
  while (stack.length > 0) {
    const entry = stack.pop()!;
    const { token } = entry;
    if (!isCollectionToken(token)) continue;
    const level = entry.depth + 1;
    if (level > depth) depth = level;
    if (level > maxDepth && !path) {
      path = [];
      for (let e: Entry | undefined = entry; e?.parent; e = e.parent) path.unshift(e.segment);
    }
    const mapping =
      token.type === 'block-map' || (token.type === 'flow-collection' && token.start.source === '{');
    const children: Entry[] = [];
    token.items.forEach((item, i) => {
      const segment = mapping ? keyText(item.key) : i;
      if (item.key) children.push({ token: item.key, depth: level, segment: '?', parent: entry });
      if (item.value) children.push({ token: item.value, depth: level, segment, parent: entry });
    });
    for (let c = children.length - 1; c >= 0; c--) stack.push(children[c]!);
  }
  return path ? { depth, path } : { depth };
}

function keyText(key: CST.Token | null | undefined): string {
  if (!key) return '';
  try {
    const scalar = CST.resolveAsScalar(key);
    return scalar ? scalar.value : '?';
  } catch {
    return '?';
  }
}

interface TreeCheck {
  readonly issues: Issue[];
  /** The document's size with every alias replaced by what it names. */
  readonly expandedBytes: number;
}

/**
 * What the composed tree shows: duplicate keys, mappings over the key limit, aliases over their
 * limit, aliases that name nothing or the node they are in, and the document's size with its
 * aliases expanded (each alias counts the size of what it names, itself expanded). One pass; the
 * recursion is bounded by the depth already checked.
 */
function checkTree(
  doc: Document.Parsed,
  text: string,
  origin: string,
  documentIndex: number,
  documentBytes: number,
  limits: ManifestLimits,
  position: (offset: number) => string,
): TreeCheck {
  const issues: Issue[] = [];
  const anchors = new Map<string, unknown>();
  const expanded = new Map<unknown, number>();
  const open = new Set<unknown>();
  const path: (string | number)[] = [];
  let aliases = 0;
  let anchorCount = 0;
  const report = (reason: string, message: string, fieldPath = pathText(path)): void => {
    if (issues.length === 0) issues.push(docIssue(origin, documentIndex, reason, message, fieldPath));
  };

  const visit = (node: unknown): number => {
    if (issues.length > 0 || node === null || typeof node !== 'object') return 0;
    if (isAlias(node)) {
      aliases++;
      const target = anchors.get(node.source);
      const at = position(node.range?.[0] ?? 0);
      if (target === undefined) {
        report('BadYAML', `invalid YAML at ${at}: the alias *${node.source} names no anchor before it`);
        return 0;
      }
      if (open.has(target)) {
        report('BadYAML', `invalid YAML at ${at}: the alias *${node.source} is inside the node it names`);
        return 0;
      }
      return expanded.get(target) ?? 0;
    }
    if (isPair(node)) return visit(node.key) + visit(node.value);
    const anchor = (node as { anchor?: unknown }).anchor;
    if (typeof anchor === 'string') {
      anchorCount++;
      anchors.set(anchor, node);
      open.add(node);
    }
    let extra = 0;
    if (isMap(node)) {
      if (node.items.length > limits.maxKeysPerMapping) {
        report('LimitExceeded', tooWideMessage(node.items.length, limits));
        return 0;
      }
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        extra += visit(pair.key);
        if (isScalar(pair.key)) {
          if (seen.has(pair.key.value)) {
            report(
              'BadYAML',
              `invalid YAML at ${position(pair.key.range?.[0] ?? 0)}: Map keys must be unique`,
            );
            return 0;
          }
          seen.add(pair.key.value);
        }
        path.push(isScalar(pair.key) ? shortKey(String(pair.key.value)) : '?');
        extra += visit(pair.value);
        path.pop();
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        path.push(i);
        extra += visit(item);
        path.pop();
      });
    }
    if (typeof anchor === 'string') {
      open.delete(node);
      const range = (node as { range?: [number, number, number] }).range;
      const own = range ? Buffer.byteLength(text.slice(range[0], range[1])) : 0;
      expanded.set(node, own + extra);
    }
    return extra;
  };

  const extra = visit(doc.contents);
  if (issues.length > 0) return { issues, expandedBytes: 0 };
  if (aliases > 0 && anchorCount + aliases > limits.maxAliases) {
    report(
      'LimitExceeded',
      `has ${anchorCount} anchors and ${aliases} aliases, more than ${describeLimit(limits, 'maxAliases')} anchors and aliases together`,
      '',
    );
  }
  const expandedBytes = documentBytes + extra;
  if (extra > 0 && expandedBytes > limits.maxDocumentBytes) {
    report(
      'LimitExceeded',
      `with its aliases expanded, the document is ${describeBytes(expandedBytes)}, more than ${describeLimit(limits, 'maxDocumentBytes')}`,
      '',
    );
  }
  return { issues, expandedBytes };
}

/** More documents than the limit, List items counted: the file fails. */
function countDocuments(origin: string, out: ManifestText, limits: ManifestLimits): ManifestText {
  if (out.documents.length <= limits.maxDocumentsPerFile) return out;
  return failure([tooManyDocuments(origin, out.documents.length, ', counting the items of Lists', limits)]);
}

function tooManyDocuments(origin: string, count: number, counting: string, limits: ManifestLimits): Issue {
  return fileIssue(
    origin,
    'LimitExceeded',
    `holds ${count} documents${counting}, more than ${describeLimit(limits, 'maxDocumentsPerFile')}`,
  );
}

function tooDeep(
  origin: string,
  documentIndex: number,
  fieldPath: string,
  depth: number,
  limits: ManifestLimits,
  where?: string,
): Issue {
  return docIssue(
    origin,
    documentIndex,
    'LimitExceeded',
    `${where ? `at ${where}: ` : ''}nests ${depth} levels deep, more than ${describeLimit(limits, 'maxDepth')}`,
    fieldPath,
  );
}

function tooWide(
  origin: string,
  documentIndex: number,
  fieldPath: string,
  keys: number,
  limits: ManifestLimits,
): Issue {
  return docIssue(origin, documentIndex, 'LimitExceeded', tooWideMessage(keys, limits), fieldPath);
}

function tooWideMessage(keys: number, limits: ManifestLimits): string {
  return `is a mapping of ${keys} keys, more than ${describeLimit(limits, 'maxKeysPerMapping')}`;
}

/**
 * Adds a document, or the items of a `kind: List` in its place. Items keep the document index of the List and
 * carry pathPrefix "items[N]", so their issues read "a.yaml[doc 2]: … items[3].spec.ports[0]".
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

function lineColumn(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1 };
}

const MAX_KEY_SHOWN = 60;

/** A key as shown in a field path: a hostile file's megabyte-long key is cut short. */
function shortKey(key: string): string {
  return key.length > MAX_KEY_SHOWN ? `${key.slice(0, MAX_KEY_SHOWN)}…` : key;
}

function pathText(path: JsonPath): string {
  return formatPath(path.map((segment) => (typeof segment === 'string' ? shortKey(segment) : segment)));
}

function failure(issues: Issue[]): ManifestText {
  return { documents: [], issues, failed: true };
}

function fileIssue(origin: string, reason: string, message: string): Issue {
  return { severity: 'error', origin, fieldPath: '', reason, message };
}

function docIssue(
  origin: string,
  documentIndex: number,
  reason: string,
  message: string,
  fieldPath = '',
): Issue {
  return { severity: 'error', origin, documentIndex, fieldPath, reason, message };
}

const MAX_YAML_MESSAGE = 120;

/**
 * A message of the `yaml` package, which may quote the source it stumbled on (a hostile file's
 * garbage): cut short, and its control characters escaped.
 */
function yamlMessage(message: string): string {
  const shown = message.length > MAX_YAML_MESSAGE ? `${message.slice(0, MAX_YAML_MESSAGE)}…` : message;
  return shown.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping them is the point
    /[\u0000-\u001f\u007f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
