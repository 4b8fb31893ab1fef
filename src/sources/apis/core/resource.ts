// What every kind parser shares: the result shape, the resource a document names, and running a
// zod schema so that its failures come back as Issues.
import type { z } from 'zod';
import type { Issue, ResourceRef } from '../../../model/issue.js';
import type { Report } from '../issues.js';
import type { ManifestDocument } from '../manifest.js';
import { zodIssues } from '../zod-issues.js';

export const DEFAULT_NAMESPACE = 'default';

/** A kind parser's answer: the model value when the resource is served, and whatever it found wrong. */
export interface Parsed<T> {
  readonly value?: T;
  readonly issues: readonly Issue[];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The kind/namespace/name a document claims, read leniently from the raw value so that even an
 * invalid document can be named in its issues. `namespaced` is undefined for a kind we do not know.
 */
export function resourceRefOf(kind: string, value: unknown, namespaced: boolean | undefined): ResourceRef {
  const metadata = isRecord(value) && isRecord(value.metadata) ? value.metadata : {};
  const name = typeof metadata.name === 'string' && metadata.name !== '' ? metadata.name : undefined;
  const given =
    typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : undefined;
  // A kind we do not know may be cluster-scoped: show a namespace only if the document has one.
  const namespace =
    namespaced === false ? undefined : (given ?? (namespaced ? DEFAULT_NAMESPACE : undefined));
  return { kind, ...(namespace !== undefined ? { namespace } : {}), ...(name !== undefined ? { name } : {}) };
}

export function namespaceOf(metadata: { readonly namespace?: string | null | undefined }): string {
  return metadata.namespace || DEFAULT_NAMESPACE;
}

export type Validated<T> =
  | { readonly ok: true; readonly data: T }
  | { readonly ok: false; readonly issues: Issue[] };

export function validate<S extends z.ZodTypeAny>(
  schema: S,
  doc: ManifestDocument,
  report: Report,
): Validated<z.output<S>> {
  const result = schema.safeParse(doc.value);
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, issues: zodIssues(result.error, doc.value, report) };
}

/** A fresh label map; absent labels (or `labels:` with no value) mean no labels. */
export function labelsOrEmpty(
  labels: Readonly<Record<string, string>> | null | undefined,
): Record<string, string> {
  return labels ? { ...labels } : {};
}

export function hasErrors(issues: readonly Issue[]): boolean {
  return issues.some((issue) => issue.severity === 'error');
}
