// Which files of a manifest directory are manifests: .yaml, .yml and .json files, recursively,
// skipping dotfiles, dot-directories (.git, Kubernetes' ..data) and node_modules. The file watcher
// applies the same rules, so a watched change and a fresh read always agree.
import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Issue } from '../../model/issue.js';

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

export function isManifestFileName(name: string): boolean {
  const lower = name.toLowerCase();
  return MANIFEST_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** A directory entry never looked at: hidden files and directories, and node_modules. */
export function isSkippedName(name: string): boolean {
  return name.startsWith('.') || name === 'node_modules';
}

/** True when a path relative to the manifest directory crosses a skipped name. */
export function isSkippedPath(relative: string): boolean {
  return relative.split(/[\\/]/).some((part) => part !== '' && isSkippedName(part));
}

/** Relative paths are the origins of documents: always '/'-separated, whatever the platform. */
export function toOrigin(dir: string, file: string): string {
  return path.relative(dir, file).split(path.sep).join('/');
}

export interface ManifestFileList {
  /** Origins (paths relative to the directory, '/'-separated), sorted. */
  readonly files: string[];
  /** Entries that could not be read (a dangling symlink, a directory without permission). */
  readonly issues: Issue[];
}

/**
 * Lists the manifest files under dir (or under `under`, a subdirectory relative to dir). Symlinks are
 * followed, since ConfigMap volumes are made of them; a directory reached twice is read once.
 * Rejects when dir itself is missing or not a directory: that is a usage error, not bad input.
 */
export async function listManifestFiles(dir: string, under = '.'): Promise<ManifestFileList> {
  await assertManifestDir(dir);
  const root = path.resolve(dir);

  const files: string[] = [];
  const issues: Issue[] = [];
  const visited = new Set<string>();

  const walk = async (current: string): Promise<void> => {
    const real = await realpath(current).catch(() => current);
    if (visited.has(real)) return;
    visited.add(real);
    let entries: Dirent[];
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch (err) {
      issues.push(readError(toOrigin(root, current) || '.', err));
      return;
    }
    for (const entry of entries) {
      if (isSkippedName(entry.name)) continue;
      const full = path.join(current, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          const target = await stat(full);
          isDir = target.isDirectory();
          isFile = target.isFile();
        } catch (err) {
          // A link to nowhere that looks like a manifest was probably meant to be one: say so.
          if (isManifestFileName(entry.name)) issues.push(readError(toOrigin(root, full), err));
          continue;
        }
      }
      if (isDir) await walk(full);
      else if (isFile && isManifestFileName(entry.name)) files.push(toOrigin(root, full));
    }
  };

  const start = path.resolve(root, under);
  const startStat = await stat(start).catch(() => undefined);
  if (startStat?.isDirectory()) await walk(start);
  files.sort(compareCodeUnits);
  return { files, issues };
}

/** Rejects when dir is missing or not a directory: a usage error the CLI prints, not an Issue. */
export async function assertManifestDir(dir: string): Promise<void> {
  const info = await stat(dir).catch((err: unknown) => {
    throw new Error(`manifest directory ${dir} cannot be read: ${fsErrorText(err)}`);
  });
  if (!info.isDirectory()) throw new Error(`manifest directory ${dir} is not a directory`);
}

export function readError(origin: string, err: unknown): Issue {
  return {
    severity: 'error',
    origin,
    fieldPath: '',
    reason: 'ReadError',
    message: `cannot read: ${fsErrorText(err)}`,
  };
}

const FS_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files',
};

/** A system error without the absolute path Node puts in its message, which differs per machine. */
export function fsErrorText(err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  if (typeof code === 'string') {
    const text = Object.hasOwn(FS_ERRORS, code) ? FS_ERRORS[code] : undefined;
    return text ? `${text} (${code})` : code;
  }
  return err instanceof Error ? err.message : String(err);
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
