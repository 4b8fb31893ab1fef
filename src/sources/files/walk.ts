// Which files of a manifest directory are manifests: .yaml, .yml and .json files, recursively,
// skipping dotfiles, dot-directories (.git, Kubernetes' ..data) and node_modules, and never leaving
// the directory through a link unless told to. The file watcher applies the same rules, so a watched
// change and a fresh read always agree.
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

/** The path of an origin under `dir`: toOrigin's inverse. */
export function fromOrigin(dir: string, origin: string): string {
  return path.join(dir, ...origin.split('/'));
}

export interface ManifestFileList {
  /**
   * Origins (paths relative to the directory, '/'-separated), sorted. A manifest-named link that
   * cannot be resolved, or that leaves the directory, is listed too: reading it reports why.
   */
  readonly files: string[];
  /**
   * Directories that were not read: one that cannot be listed, a link that leaves the directory, a
   * link that closes a cycle or leads to a directory already read.
   */
  readonly issues: Issue[];
  /** Each directory read, by real path → its origin ("" for the root). */
  readonly dirs: ReadonlyMap<string, string>;
}

export interface WalkOptions {
  /** Follow links whose real path is outside the directory (--follow-external-links). */
  readonly followExternalLinks?: boolean;
}

/**
 * Lists the manifest files under dir. The directory is a boundary: a link whose real path is outside
 * it is not followed unless followExternalLinks, and is reported. Links inside it are followed, as a
 * ConfigMap volume is made of them, but every directory is read once, under one origin: real
 * directories come first, then links in path order, and a link to a directory already read (an
 * ancestor, which would be a cycle, or any other) is skipped and reported. The order of entries is
 * sorted, so the same tree always gives the same origins.
 * Rejects when dir itself is missing or not a directory: that is a usage error, not bad input.
 */
export async function listManifestFiles(dir: string, opts: WalkOptions = {}): Promise<ManifestFileList> {
  await assertManifestDir(dir);
  const root = path.resolve(dir);
  const realRoot = await realpath(root);

  const files: string[] = [];
  const issues: Issue[] = [];
  const dirs = new Map<string, string>();
  /** Linked directories, read after every real one: [absolute path, real path, real path of its directory]. */
  const links: [string, string, string][] = [];

  const walk = async (current: string, real: string): Promise<void> => {
    dirs.set(real, toOrigin(root, current));
    let entries: Dirent[];
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch (err) {
      issues.push(readError(toOrigin(root, current) || '.', err));
      return;
    }
    entries.sort((a, b) => compareCodeUnits(a.name, b.name));
    for (const entry of entries) {
      if (isSkippedName(entry.name)) continue;
      const full = path.join(current, entry.name);
      if (entry.isSymbolicLink()) {
        const target = await resolveLink(full);
        if ('error' in target) {
          // A link to nowhere that looks like a manifest was probably meant to be one: reading says so.
          if (isManifestFileName(entry.name)) files.push(toOrigin(root, full));
          else if (target.error === 'ELOOP') issues.push(linkLoop(toOrigin(root, full)));
          continue;
        }
        if (target.isDirectory) links.push([full, target.real, real]);
        else if (target.isFile && isManifestFileName(entry.name)) files.push(toOrigin(root, full));
        continue;
      }
      if (entry.isDirectory()) {
        const childReal = path.join(real, entry.name);
        // Reached already through a link to it or to an ancestor of it (links outside the root).
        const skipped = skippedLink(toOrigin(root, full), childReal, real, realRoot, dirs, {
          followExternalLinks: true,
        });
        if (skipped) issues.push(skipped);
        else await walk(full, childReal);
      } else if (entry.isFile() && isManifestFileName(entry.name)) files.push(toOrigin(root, full));
    }
  };

  await walk(root, realRoot);
  // Links are taken in path order; a directory read through one may hold more links.
  links.sort((a, b) => compareCodeUnits(a[0], b[0]));
  for (let i = 0; i < links.length; i++) {
    const [full, real, parent] = links[i]!;
    const origin = toOrigin(root, full);
    const skipped = skippedLink(origin, real, parent, realRoot, dirs, opts);
    if (skipped) {
      issues.push(skipped);
      continue;
    }
    const before = links.length;
    await walk(full, real);
    // Links found under this one go next, in path order, before links found earlier.
    const found = links.splice(before).sort((a, b) => compareCodeUnits(a[0], b[0]));
    links.splice(i + 1, 0, ...found);
  }
  files.sort(compareCodeUnits);
  return { files, issues, dirs };
}

/** Why a linked directory is not read, or undefined when it is. */
function skippedLink(
  origin: string,
  real: string,
  parent: string,
  realRoot: string,
  dirs: ReadonlyMap<string, string>,
  opts: WalkOptions,
): Issue | undefined {
  if (!opts.followExternalLinks && !isInside(real, realRoot)) return externalLink(origin);
  const seen = dirs.get(real);
  if (seen === undefined) return undefined;
  // Following a link to a directory that holds the link itself would never end.
  const ancestor = isInside(parent, real);
  return {
    severity: 'warning',
    origin,
    fieldPath: '',
    reason: ancestor ? 'SymlinkCycle' : 'DuplicateDirectory',
    message: ancestor
      ? `leads to ${seen === '' ? 'the manifest directory' : seen}, which contains it: a cycle, not followed`
      : `leads to ${seen}, which is read already: not read twice`,
  };
}

/** What a link resolves to, or the error code when it cannot be resolved. */
async function resolveLink(
  full: string,
): Promise<{ real: string; isDirectory: boolean; isFile: boolean } | { error: string }> {
  try {
    const real = await realpath(full);
    const info = await stat(real);
    return { real, isDirectory: info.isDirectory(), isFile: info.isFile() };
  } catch (err) {
    const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
    return { error: typeof code === 'string' ? code : 'unknown' };
  }
}

function linkLoop(origin: string): Issue {
  return {
    severity: 'warning',
    origin,
    fieldPath: '',
    reason: 'SymlinkCycle',
    message: 'is a symbolic link that leads back to itself (ELOOP): not followed',
  };
}

/** True when real (a real path) is root or under it. */
export function isInside(real: string, realRoot: string): boolean {
  if (real === realRoot) return true;
  const prefix = realRoot.endsWith(path.sep) ? realRoot : `${realRoot}${path.sep}`;
  return real.startsWith(prefix);
}

/** A link out of the manifest directory, not followed. Its target is not named: only that it leaves. */
export function externalLink(origin: string): Issue {
  return {
    severity: 'warning',
    origin,
    fieldPath: '',
    reason: 'ExternalLink',
    message:
      'is a symbolic link to outside the manifest directory: not followed (--follow-external-links follows it)',
  };
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
  ENXIO: 'no such device or address',
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
