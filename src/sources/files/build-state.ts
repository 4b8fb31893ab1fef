// Combines what was read from each file into one SourceState: the documents of all files are parsed
// together (duplicates span files), and file-level issues (bad YAML, unreadable) join theirs.
import type { Logger } from '../../log.js';
import type { Issue } from '../../model/issue.js';
import { parseManifests } from '../apis/core/parse-manifests.js';
import { sortIssues } from '../apis/issues.js';
import type { ManifestDocument } from '../apis/manifest.js';
import type { SourceState } from '../source.js';
import type { ManifestText } from './yaml-documents.js';

export interface BuildStateOptions {
  readonly clusterDomain?: string;
  readonly logger?: Logger;
}

export function buildState(
  files: Iterable<ManifestText>,
  extraIssues: readonly Issue[],
  opts: BuildStateOptions,
): SourceState {
  const documents: ManifestDocument[] = [];
  const issues: Issue[] = [...extraIssues];
  for (const file of files) {
    for (const doc of file.documents) documents.push(doc);
    for (const issue of file.issues) issues.push(issue);
  }
  const parsed = parseManifests(documents, {
    ...(opts.clusterDomain ? { clusterDomain: opts.clusterDomain } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  return { mesh: parsed.mesh, issues: sortIssues([...issues, ...parsed.issues]), statuses: parsed.statuses };
}
