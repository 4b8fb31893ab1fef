// Lowers a set of manifest documents into the model: dispatches each document to its kind's parser,
// settles duplicates (by age when the caller says who was there first, else by path order), and
// sorts everything so the same input always gives the same output. The work is done by a
// DefinitionsIndex (definitions-index.ts): a new one here, or the caller's, which then looks only at
// the origins whose documents changed since its last lowering.
// Pure apart from logging: no I/O, no clock, no randomness.
import type { Logger } from '../../../log.js';
import type { MeshConfig } from '../../../model/mesh.js';
import type { SourceState } from '../../source.js';
import type { ManifestDocument } from '../manifest.js';
import { DefinitionsIndex } from './definitions-index.js';

export interface ParseManifestsOptions {
  readonly clusterDomain?: string;
  /** Trust domain and root namespace (--trust-domain, --root-namespace); absent fields take the defaults. */
  readonly meshConfig?: Partial<MeshConfig>;
  /** Receives one info line per unknown kind per call. */
  readonly logger?: Logger;
  /**
   * The `owners` of the previous call: which origin served each resource. Duplicates are settled by
   * age: while that origin still defines the resource, its definition keeps winning, and a newcomer
   * with the same kind, namespace and name elsewhere is rejected. Resources with no owner here (all
   * of them at startup) go to the first definition in path order (origin, then document). Not read
   * with an `index`, which holds its own (the owners at its last commit).
   */
  readonly incumbents?: ReadonlyMap<string, string>;
  /**
   * The index that lowered the previous documents of the same source: the lowering then costs what
   * changed since. The result is the same as without it.
   */
  readonly index?: DefinitionsIndex;
}

export interface ParsedManifests extends SourceState {
  /**
   * Resource identity → the origin whose definition is served; the next call's `incumbents`. With an
   * `index`, the index's own map, which its next lowering changes: copy it to keep it.
   */
  readonly owners: ReadonlyMap<string, string>;
}

export function parseManifests(
  docs: readonly ManifestDocument[],
  opts: ParseManifestsOptions = {},
): ParsedManifests {
  const index = opts.index ?? new DefinitionsIndex(opts.incumbents ? { incumbents: opts.incumbents } : {});
  return index.lower(docs, opts);
}
