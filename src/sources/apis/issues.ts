// Small helpers for building and ordering Issues, shared by every parser and source.
import type { Issue, ResourceRef } from '../../model/issue.js';
import type { ManifestDocument } from './manifest.js';

export type Severity = Issue['severity'];

/** Creates an issue about one document, so call sites only say what is wrong and where. */
export type Report = (fieldPath: string, reason: string, message: string, severity?: Severity) => Issue;

export function reporter(doc: ManifestDocument, resource?: ResourceRef): Report {
  return (fieldPath, reason, message, severity = 'error') => ({
    severity,
    origin: doc.origin,
    documentIndex: doc.documentIndex,
    ...(resource ? { resource: shownRef(resource) } : {}),
    fieldPath: joinPath(doc.pathPrefix, fieldPath),
    reason,
    message,
  });
}

/** Joins a List item prefix ("items[3]") and a field path ("spec.ports[0]"). */
export function joinPath(prefix: string | undefined, path: string): string {
  if (!prefix) return path;
  if (!path) return prefix;
  return path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** ['spec', 'ports', 0, 'port'] → spec.ports[0].port; keys that are not identifiers (label keys) are quoted. */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

const MAX_SHOWN = 60;

/** A resource as an issue names it: a hostile file's kilobytes-long name or namespace is cut short. */
function shownRef(ref: ResourceRef): ResourceRef {
  const cut = (text: string) => (text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text);
  if (
    ref.kind.length <= MAX_SHOWN &&
    (ref.namespace?.length ?? 0) <= MAX_SHOWN &&
    (ref.name?.length ?? 0) <= MAX_SHOWN
  )
    return ref;
  return {
    kind: cut(ref.kind),
    ...(ref.namespace !== undefined ? { namespace: cut(ref.namespace) } : {}),
    ...(ref.name !== undefined ? { name: cut(ref.name) } : {}),
  };
}

/** How a value the user wrote is shown back in a message: strings quoted, containers by shape. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    const shown = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
    return JSON.stringify(shown);
  }
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/**
 * Orders strings by code unit, except that runs of digits compare as numbers, so items[2] sorts before
 * items[10]. Locale-independent on purpose: output order must not depend on the machine.
 */
export function naturalCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (isDigit(ca) && isDigit(cb)) {
      let ei = i;
      while (ei < a.length && isDigit(a.charCodeAt(ei))) ei++;
      let ej = j;
      while (ej < b.length && isDigit(b.charCodeAt(ej))) ej++;
      const na = a.slice(i, ei).replace(/^0+(?=\d)/, '');
      const nb = b.slice(j, ej).replace(/^0+(?=\d)/, '');
      if (na.length !== nb.length) return na.length - nb.length;
      if (na !== nb) return na < nb ? -1 : 1;
      i = ei;
      j = ej;
    } else {
      if (ca !== cb) return ca - cb;
      i++;
      j++;
    }
  }
  return a.length - i - (b.length - j);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The order of SourceState.issues: origin, document, field; then reason and message so it is total. */
export function compareIssues(a: Issue, b: Issue): number {
  return (
    compareStrings(a.origin, b.origin) ||
    (a.documentIndex ?? -1) - (b.documentIndex ?? -1) ||
    naturalCompare(a.fieldPath, b.fieldPath) ||
    compareStrings(a.reason, b.reason) ||
    compareStrings(a.message, b.message)
  );
}

export function sortIssues(issues: readonly Issue[]): Issue[] {
  return [...issues].sort(compareIssues);
}
