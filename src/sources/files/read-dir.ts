// One-shot read of a manifest directory, for `trellis validate`, `config-dump` and tests. It reads
// and parses exactly as the file source does, with the same limits; having no earlier version, a
// file that fails as a whole contributes nothing.

import type { SourceState } from '../source.js';
import { type BuildStateOptions, buildState } from '../state/build-state.js';
import { Pacer } from '../state/pacer.js';
import { versionOf } from './file-version.js';
import type { ManifestLimits } from './limits.js';
import { readManifestFiles } from './read-file.js';
import { listManifestFiles } from './walk.js';

export interface ReadManifestDirOptions extends Omit<BuildStateOptions, 'incumbents' | 'pacer'> {
  readonly limits?: ManifestLimits;
  /** Follow links whose real path is outside the directory (--follow-external-links). */
  readonly followExternalLinks?: boolean;
}

/**
 * Reads every manifest under dir. Rejects only when dir itself cannot be read (a usage error the CLI
 * prints); every problem inside it is an Issue in the resolved state.
 */
export async function readManifestDir(dir: string, opts: ReadManifestDirOptions = {}): Promise<SourceState> {
  const { limits, followExternalLinks, ...buildOptions } = opts;
  const pacer = new Pacer();
  const walk = followExternalLinks ? { followExternalLinks } : {};
  const { files, issues } = await listManifestFiles(dir, walk);
  const texts = await readManifestFiles(dir, files, { ...walk, ...(limits ? { limits } : {}), pacer });
  const versions = files.map((origin, i) => versionOf(origin, texts[i]!));
  return (await buildState(versions, issues, { ...buildOptions, pacer })).state;
}
