// One-shot read of a manifest directory, for `trellis validate`, `config-dump` and tests.

import type { SourceState } from '../source.js';
import { type BuildStateOptions, buildState } from './build-state.js';
import { readManifestFiles } from './read-file.js';
import { listManifestFiles } from './walk.js';

export type ReadManifestDirOptions = BuildStateOptions;

/**
 * Reads every manifest under dir. Rejects only when dir itself cannot be read (a usage error the CLI
 * prints); every problem inside it is an Issue in the resolved state.
 */
export async function readManifestDir(dir: string, opts: ReadManifestDirOptions = {}): Promise<SourceState> {
  const { files, issues } = await listManifestFiles(dir);
  const texts = await readManifestFiles(dir, files);
  return buildState(texts, issues, opts);
}
