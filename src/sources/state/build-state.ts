// Combines what each origin serves into one SourceState: the documents of all origins (files, or
// Kubernetes objects) are lowered together (duplicates span origins), and origin-level issues (bad
// YAML, unreadable) join theirs. Both sources call it, through StateBuilder (state-builder.ts); a
// one-shot read (read-dir.ts) calls it directly.
//
// Lowering never throws by design, but an origin that makes it throw anyway is isolated: it is left
// out, with an InternalError issue, and every other origin is served. The work is done with pauses
// so a large directory does not stall the event loop.

import type { Logger } from '../../log.js';
import type { Issue } from '../../model/issue.js';
import type { MeshConfig } from '../../model/mesh.js';
import type { DefinitionsIndex } from '../apis/core/definitions-index.js';
import {
  type ParsedManifests,
  type ParseManifestsOptions,
  parseManifests,
} from '../apis/core/parse-manifests.js';
import { compareIssues, sortIssues } from '../apis/issues.js';
import type { ManifestDocument } from '../apis/manifest.js';
import type { SourceState } from '../source.js';
import { Pacer } from './pacer.js';

/**
 * What one origin contributes to a build: the documents served from it and the issues about it. A
 * file's served version (files/file-version.ts), or one Kubernetes object's document.
 */
export interface OriginVersion {
  readonly origin: string;
  readonly documents: readonly ManifestDocument[];
  readonly issues: readonly Issue[];
}

export interface BuildStateOptions {
  readonly clusterDomain?: string;
  /** Trust domain and root namespace; see ParseManifestsOptions.meshConfig. */
  readonly meshConfig?: Partial<MeshConfig>;
  readonly logger?: Logger;
  /** Who served each resource last time; see ParseManifestsOptions.incumbents. */
  readonly incumbents?: ReadonlyMap<string, string>;
  /**
   * The index of the documents served by the previous build (ParseManifestsOptions.index). Only the
   * lowering whose result is served is given it: the warm-up slices and the attempts that isolate a
   * throwing origin lower subsets, each on its own, so the index follows what is served.
   */
  readonly index?: DefinitionsIndex;
  /**
   * The lowering: parseManifests, or in a test something that throws. It must hand its options on
   * to parseManifests: they carry the index.
   */
  readonly parse?: (docs: readonly ManifestDocument[], opts: ParseManifestsOptions) => ParsedManifests;
  readonly pacer?: Pacer;
  /** What an origin is called in the issue about one that makes the lowering throw (default 'file'). */
  readonly unit?: 'file' | 'object';
}

export interface BuiltState {
  readonly state: SourceState;
  /** Resource identity → the origin served; the next build's incumbents. */
  readonly owners: ReadonlyMap<string, string>;
  /**
   * Files whose documents made the lowering throw, each with its InternalError issue as raised; the
   * state has them left out, and says so.
   */
  readonly threw: ReadonlyMap<string, Issue>;
}

/** Documents lowered together in a warm-up call: enough to amortise the call, few enough to pause between. */
const WARM_DOCUMENTS = 200;

/**
 * Builds the state of these origins. `suspects` are those of them that changed since the last build
 * that did not throw (all of them when undefined), in origin order; only they are suspected when the
 * lowering throws.
 */
export async function buildState(
  files: readonly OriginVersion[],
  extraIssues: readonly Issue[],
  opts: BuildStateOptions,
  suspects?: readonly OriginVersion[],
): Promise<BuiltState> {
  const parse = opts.parse ?? parseManifests;
  const pacer = opts.pacer ?? new Pacer();
  const pause = async (): Promise<void> => {
    const wait = pacer.pause();
    if (wait) await wait;
  };
  const options: ParseManifestsOptions = {
    ...(opts.clusterDomain ? { clusterDomain: opts.clusterDomain } : {}),
    ...(opts.meshConfig ? { meshConfig: opts.meshConfig } : {}),
    ...(opts.incumbents ? { incumbents: opts.incumbents } : {}),
  };
  const unit = opts.unit ?? 'file';
  const threw = new Map<string, Issue>();
  // The logger hears about kinds that are not read: only from the call whose result is used.
  const finalOptions: ParseManifestsOptions = {
    ...options,
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.index ? { index: opts.index } : {}),
  };
  const attempt = (group: readonly OriginVersion[], final = false): ParsedManifests | { error: unknown } => {
    try {
      // By origin, not document: the index then passes over the origins that did not change
      // without looking at their documents.
      if (final && opts.index && !opts.parse) return opts.index.lowerOrigins(group, finalOptions);
      return parse(documentsOf(group), final ? finalOptions : options);
    } catch (error) {
      return { error };
    }
  };
  let suspected: ReadonlySet<string> | undefined;
  const isSuspect = (file: OriginVersion): boolean => {
    if (!suspects) return true;
    suspected ??= new Set(suspects.map((suspect) => suspect.origin));
    return suspected.has(file.origin);
  };

  // Warm-up: the suspects' documents in slices of about WARM_DOCUMENTS, with pauses between. This
  // fills the documents' memo (document-lowering.ts), so the whole build below is quick, and finds a
  // file that throws on its own: when a slice throws, each file it came from is tried alone.
  let slice: ManifestDocument[] = [];
  let from = new Set<OriginVersion>();
  const warm = async (): Promise<void> => {
    const documents = slice;
    const sources = from;
    slice = [];
    from = new Set();
    if (documents.length === 0) return;
    try {
      parse(documents, options);
    } catch {
      for (const file of sources) {
        const alone = attempt([file]);
        if ('error' in alone) threw.set(file.origin, internalError(file.origin, alone.error, unit));
        await pause();
      }
    }
    await pause();
  };
  for (const file of suspects ?? files) {
    for (const doc of file.documents) {
      slice.push(doc);
      from.add(file);
      if (slice.length >= WARM_DOCUMENTS) await warm();
    }
  }
  await warm();

  const served = threw.size === 0 ? files : files.filter((file) => !threw.has(file.origin));
  let parsed = attempt(served, true);
  if ('error' in parsed) {
    // It throws only with several files together: add the suspects one at a time to what works.
    const known = served.filter((file) => !isSuspect(file));
    const base = 'error' in attempt(known) ? [] : known;
    const kept = new Set(base);
    for (const file of served) {
      if (kept.has(file)) continue;
      const result = attempt([...base, file]);
      if ('error' in result) threw.set(file.origin, internalError(file.origin, result.error, unit));
      else {
        base.push(file);
        kept.add(file);
      }
      await pause();
    }
    parsed = attempt(
      files.filter((file) => kept.has(file)),
      true,
    );
    if ('error' in parsed) throw parsed.error;
  }

  const issues: Issue[] = [...extraIssues];
  for (const file of files) if (file.issues.length > 0) issues.push(...file.issues);
  for (const issue of threw.values()) issues.push(nothingServed(issue, unit));
  return {
    state: {
      mesh: parsed.mesh,
      issues: mergeIssues(sortIssues(issues), parsed.issues),
      statuses: parsed.statuses,
    },
    owners: parsed.owners,
    threw,
  };
}

/**
 * Two sorted issue lists as one, as sortIssues of `a` then `b` would give it: the lowering's list is
 * sorted already, and may be long where the others are short.
 */
function mergeIssues(a: readonly Issue[], b: readonly Issue[]): Issue[] {
  const merged: Issue[] = [];
  let j = 0;
  for (const issue of a) {
    while (j < b.length && compareIssues(b[j]!, issue) < 0) merged.push(b[j++]!);
    merged.push(issue);
  }
  while (j < b.length) merged.push(b[j++]!);
  return merged;
}

function documentsOf(files: readonly OriginVersion[]): ManifestDocument[] {
  const documents: ManifestDocument[] = [];
  for (const file of files) for (const doc of file.documents) documents.push(doc);
  return documents;
}

/** The issue of an origin left out of the state, as the state shows it. */
export function nothingServed(issue: Issue, unit: 'file' | 'object' = 'file'): Issue {
  return { ...issue, message: `${issue.message}; nothing of the ${unit} is served` };
}

function internalError(origin: string, err: unknown, unit: 'file' | 'object'): Issue {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return {
    severity: 'error',
    origin,
    fieldPath: '',
    reason: 'InternalError',
    message: `processing the ${unit} failed: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`,
  };
}
