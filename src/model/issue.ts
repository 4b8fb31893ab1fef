// A problem found in user input. Parsers return these as values; they are never thrown.

export interface ResourceRef {
  readonly kind: string;
  readonly namespace?: string;
  readonly name?: string;
}

export interface Issue {
  readonly severity: 'error' | 'warning';
  /** Where the document came from: a file path, or "kube" for the API server. */
  readonly origin: string;
  /** Index of the document within its file (0-based), when the origin is a file. */
  readonly documentIndex?: number;
  readonly resource?: ResourceRef;
  /** Dotted path inside the resource, e.g. spec.ports[0].port; empty for the whole document. */
  readonly fieldPath: string;
  /** A stable, machine-readable reason such as InvalidValue, MissingField, BadYAML. */
  readonly reason: string;
  readonly message: string;
}

export function formatResource(ref: ResourceRef | undefined): string {
  if (!ref) return '';
  const id = ref.namespace ? `${ref.namespace}/${ref.name ?? '?'}` : (ref.name ?? '?');
  return `${ref.kind} ${id}`;
}

/** One line a person can act on: file, document, resource, field, why. */
export function formatIssue(issue: Issue): string {
  const where =
    issue.documentIndex === undefined ? issue.origin : `${issue.origin}[doc ${issue.documentIndex}]`;
  const what = formatResource(issue.resource);
  const field = issue.fieldPath ? `${issue.fieldPath}: ` : '';
  return `${where}: ${what ? `${what}: ` : ''}${field}${issue.message}`;
}
