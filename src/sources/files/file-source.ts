// `trellis serve --manifests DIR`: reads a manifest directory and watches it. Each burst of file
// events re-reads only the files it touched; the files that now read differently are reported to the
// shared StateBuilder (state/state-builder.ts) as changes (a file's documents added, updated or
// deleted), which lowers the whole set again (duplicates span files) and emits a new state. A burst
// that changes no file's content (a settle pass, a comment edited) reports nothing and emits nothing.
// A file that fails keeps serving its last good version (FileEntry); duplicates are settled by age
// (parse-manifests.ts, `incumbents`).

import { createHash } from 'node:crypto';
import { realpathSync, type Stats } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import type { Logger } from '../../log.js';
import type { Issue } from '../../model/issue.js';
import type { MeshConfig } from '../../model/mesh.js';
import type { Source, SourceState } from '../source.js';
import type { BuildStateOptions, OriginVersion } from '../state/build-state.js';
import type { ManifestChange } from '../state/manifest-index.js';
import { Pacer } from '../state/pacer.js';
import { StateBuilder } from '../state/state-builder.js';
import { versionOf } from './file-version.js';
import { IssueLog } from './issue-log.js';
import { DEFAULT_LIMITS, type ManifestLimits } from './limits.js';
import { type ReadManifestOptions, readManifestFile, readManifestFiles } from './read-file.js';
import {
  assertManifestDir,
  fromOrigin,
  isInside,
  isManifestFileName,
  isSkippedPath,
  listManifestFiles,
  toOrigin,
} from './walk.js';
import type { ManifestText } from './yaml-documents.js';

export interface FileSourceOptions {
  readonly logger: Logger;
  readonly clusterDomain?: string;
  /** Trust domain and root namespace (--trust-domain, --root-namespace). */
  readonly meshConfig?: Partial<MeshConfig>;
  /** Quiet time after the last file event before re-reading; editors write a file in several steps. */
  readonly debounceMs?: number;
  readonly limits?: ManifestLimits;
  /** Read files and directories whose real path is outside the directory (--follow-external-links). */
  readonly followExternalLinks?: boolean;
  /** The lowering (state/build-state.ts); a test replaces it with one that throws. */
  readonly parse?: BuildStateOptions['parse'];
  /** The clock of "the last good version from TIME"; a test fixes it. */
  readonly now?: () => Date;
}

const DEFAULT_DEBOUNCE_MS = 50;

/**
 * chokidar drops a 'change' event that follows another for the same file within 50 ms (a
 * leading-edge throttle with no trailing event), so the last write of a quick burst can go
 * unreported. Every touched path is therefore read once more after this quiet time; a file that
 * reads the same as before costs no re-parse and emits nothing.
 */
const SETTLE_MS = 120;

/**
 * Most writers are not atomic: `writeFile`, `cp` and a shell's `>` truncate the file, then write it.
 * A reload that was already due (a settle pass, the debounce of other files' events) may read the
 * file in between, empty or cut short, and an empty file is a valid one: served, it withdraws the
 * file's resources, and a duplicate of one in another file then becomes the one served, for good
 * (duplicates are settled by age). So a read that differs from what was recorded is taken only if
 * the file had been quiet for the debounce time when the read began, judged by its ctime (which,
 * unlike the mtime, no writer sets) looked up after the read; otherwise the file is read again after
 * the debounce, its recorded version kept meanwhile. The time the read began, not the time of the
 * look-up: on a starved machine the look-up may come long after a read that was torn.
 */
function changedSince(info: Stats, since: number, quietMs: number): boolean {
  // A ctime far ahead of the clock (the clock was set back) would hold the file back for as long.
  return info.ctimeMs > since - quietMs && info.ctimeMs < Date.now() + quietMs;
}

/**
 * One manifest file as the source knows it.
 *
 * The last good version. A file is the unit of an edit, like one `kubectl apply`. A read that fails
 * as a whole (a read error, invalid UTF-8, a broken limit, a YAML or JSON syntax error in any of its
 * documents; see yaml-documents.ts), or whose documents make the lowering throw, is rejected: the
 * file's last good version keeps serving, and every issue about it says "serving the last good
 * version of FILE from TIME because: …". Without a last good version (at startup, or a new file),
 * nothing of the file is served. Problems inside a document of a file that reads well are no
 * file-level failure: that document alone is rejected and the others are served, as the new
 * version. Deleting the file drops everything of it, the last good version included.
 */
interface FileEntry {
  /** What the file read as last time. */
  readonly read: ManifestText;
  /** Tells a real change from a rewrite of the same content. */
  readonly fingerprint: string;
  /** The last version that was served: what serves while `read` is rejected. */
  good?: { readonly text: ManifestText; readonly fingerprint: string; readonly at: string };
  /** Set when `read` made the lowering throw. */
  threw?: Issue;
}

export class FileSource implements Source {
  private readonly dir: string;
  private readonly logger: Logger;
  private readonly debounceMs: number;
  private readonly issueLog: IssueLog;
  private readonly readOptions: ReadManifestOptions;
  private readonly followExternalLinks: boolean;
  private readonly builder: StateBuilder;
  private readonly now: () => Date;
  private realRoot = '';
  private readonly files = new Map<string, FileEntry>();
  /** Issues about directories from the last listing: links not followed, unreadable directories. */
  private notes: readonly Issue[] = [];
  /** Each directory read, by real path → its origin, from the last listing. */
  private dirs: ReadonlyMap<string, string> = new Map();
  /** Files read differently, or gone, since the last build: the changes reported to the builder. */
  private readonly changed = new Set<string>();
  /** The directories the watcher follows, by real path → the path it follows them at. */
  private readonly watched = new Map<string, string>();
  /** Absolute paths with events since the last reload. */
  private readonly dirty = new Set<string>();
  /** Absolute paths with events since the last settle pass (see SETTLE_MS). */
  private readonly settling = new Set<string>();
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  /** Reloads run one at a time, in order; this is the tail of that chain. */
  private queue: Promise<void> = Promise.resolve();
  private onChange: ((state: SourceState) => void) | undefined;
  private stopped = false;
  /** Counts file events; `lastEvent` holds the count at each file's last event since the last publish. */
  private events = 0;
  private readonly lastEvent = new Map<string, number>();
  /**
   * Files whose changed reads were recorded since the last publish, by origin: the path read and
   * `events` when that read began. A file forgotten since is no longer here.
   */
  private readonly taken = new Map<string, { readonly file: string; readonly event: number }>();
  /** A reload recorded changes that were not published (see flush). */
  private unpublished = false;

  constructor(dir: string, opts: FileSourceOptions) {
    this.dir = path.resolve(dir);
    this.logger = opts.logger;
    this.debounceMs = opts.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.issueLog = new IssueLog(opts.logger);
    this.followExternalLinks = opts.followExternalLinks ?? false;
    this.readOptions = {
      limits: opts.limits ?? DEFAULT_LIMITS,
      followExternalLinks: this.followExternalLinks,
    };
    this.builder = new StateBuilder({
      logger: opts.logger,
      ...(opts.clusterDomain ? { clusterDomain: opts.clusterDomain } : {}),
      ...(opts.meshConfig ? { meshConfig: opts.meshConfig } : {}),
      ...(opts.parse ? { parse: opts.parse } : {}),
    });
    this.now = opts.now ?? (() => new Date());
  }

  async start(onChange: (state: SourceState) => void): Promise<SourceState> {
    if (this.onChange || this.stopped) throw new Error('FileSource.start may be called once');
    this.onChange = onChange;
    // Fails with a usage error when the directory is missing; chokidar would silently wait for it.
    await assertManifestDir(this.dir);
    this.realRoot = await realpath(this.dir);
    this.watched.set(this.realRoot, this.dir);
    let initial: SourceState | undefined;
    try {
      // Watch first, then read: a change made while reading is then seen twice, never missed.
      await this.startWatcher();
      // In the queue like every reload, so no watcher-triggered reload can interleave with it.
      await this.enqueue(async () => {
        // At startup every file is taken as it reads: the watcher reports a write in progress again.
        await this.reload([this.dir], { initial: true });
        initial = await this.build();
        this.issueLog.update(initial.issues);
      });
    } catch (err) {
      // A watcher left running would keep the process alive with nothing served.
      await this.stop();
      throw err;
    }
    if (!initial) throw new Error('FileSource was stopped while starting');
    return initial;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.settleTimer);
    this.timer = undefined;
    this.settleTimer = undefined;
    this.dirty.clear();
    this.settling.clear();
    const watcher = this.watcher;
    this.watcher = undefined;
    await watcher?.close();
    // Let a reload in flight finish; it checks `stopped` and will not call onChange.
    await this.queue.catch(() => {});
  }

  private async startWatcher(): Promise<void> {
    const watcher = watch(this.dir, {
      ignoreInitial: true,
      awaitWriteFinish: false,
      ignored: (file, stats) => this.isIgnored(file, stats),
    });
    this.watcher = watcher;
    const onEvent = (file: string) => this.touch(file);
    watcher.on('add', onEvent).on('change', onEvent).on('unlink', onEvent);
    watcher.on('addDir', onEvent).on('unlinkDir', onEvent);
    watcher.on('error', (err: unknown) => this.logger.warn({ err, dir: this.dir }, 'manifest watcher error'));
    await new Promise<void>((resolve) => watcher.once('ready', resolve));
  }

  /**
   * The watcher follows links as the listing does (walk.ts): never out of the directory unless told
   * to, and never into a directory it already follows at another path, which stops cycles of any
   * shape (a link to an ancestor, or a -> b -> c -> a) and the blow-up of many links to one place.
   * An event under a directory followed at another path than the listing's is mapped to the
   * listing's origin (canonicalOrigin).
   */
  private isIgnored(file: string, stats: Stats | undefined): boolean {
    const relative = path.relative(this.dir, file);
    if (relative === '' || relative.startsWith('..')) return false;
    if (isSkippedPath(relative)) return true;
    if (!stats) return false;
    const isFile = stats.isFile();
    if (isFile && !isManifestFileName(path.basename(file))) return true;
    if (!isFile && !stats.isDirectory()) return false;
    let real: string;
    try {
      real = realpathSync.native(file);
    } catch {
      return false;
    }
    if (!this.followExternalLinks && !isInside(real, this.realRoot)) {
      // Not watched, but read once, which reports it as a link that is not followed.
      this.touch(file);
      return true;
    }
    if (isFile) return false;
    const follower = this.watched.get(real);
    if (follower !== undefined && follower !== file && stillAt(follower, real)) return true;
    this.watched.set(real, file);
    return false;
  }

  private touch(file: string): void {
    if (this.stopped) return;
    const absolute = path.resolve(file);
    this.lastEvent.set(absolute, ++this.events);
    this.dirty.add(absolute);
    this.settling.add(absolute);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(this.dirty), this.debounceMs);
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => this.flush(this.settling), Math.max(SETTLE_MS, 2 * this.debounceMs));
  }

  /** Re-reads the paths collected in `paths` (emptying it) and emits the new state if it changed. */
  private flush(paths: Set<string>): void {
    const batch = [...paths].sort();
    paths.clear();
    if (batch.length === 0) return;
    void this.enqueue(async () => {
      const changed = await this.reload(batch);
      if (!changed && !this.unpublished) {
        this.logger.debug({ files: batch.length }, 'manifest files re-read; nothing changed');
        return;
      }
      // A file whose change was recorded, and that had an event since, may have been read in the
      // middle of a write (see changedSince; on a starved machine its ctime can look old). Nothing is
      // published: the flush that event scheduled reads it again, and publishes.
      const rewritten = [...this.taken.values()].filter(
        ({ file, event }) => (this.lastEvent.get(file) ?? 0) > event,
      );
      if (rewritten.length > 0) {
        this.unpublished = true;
        this.logger.debug({ files: rewritten.length }, 'manifest files changed while read; read again first');
        return;
      }
      this.unpublished = false;
      this.taken.clear();
      this.lastEvent.clear();
      await this.publish();
    });
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(async () => {
      if (!this.stopped) await task();
    });
    // The chain must survive a failed task; the failure is logged, not lost.
    this.queue = run.catch((err: unknown) => this.logger.error({ err }, 'reloading manifests failed'));
    return run;
  }

  /**
   * Brings the cache up to date for the given absolute paths (files, directories, or gone) and says
   * whether anything now reads differently. Most reloads change nothing (a settle pass, an editor
   * touching a file, a comment edited), and those skip the re-parse entirely.
   */
  private async reload(paths: readonly string[], opts: { initial?: boolean } = {}): Promise<boolean> {
    const initial = opts.initial ?? false;
    let changed = false;
    const pacer = new Pacer();
    /** Directories with events, and paths that are neither manifests nor gone manifests. */
    const dirs: string[] = [];
    for (const file of paths) {
      const logical = toOrigin(this.dir, file);
      if (logical.startsWith('..') || isSkippedPath(logical)) continue;
      const info = await stat(file).catch(() => undefined);
      if (info?.isDirectory()) {
        dirs.push(logical);
        continue;
      }
      if (!isManifestFileName(logical)) {
        // A directory (or a link to one) that is gone takes its files with it.
        if (!info?.isFile()) dirs.push(logical);
        continue;
      }
      const origin = await this.canonicalOrigin(file, logical);
      // A file, or a link to nowhere or to outside, which reading reports.
      const isLink = !info && (await lstat(file).catch(() => undefined))?.isSymbolicLink();
      if (info?.isFile() || isLink) {
        const readAt = { time: Date.now(), event: this.events };
        const text = await readManifestFile(this.dir, origin, { ...this.readOptions, pacer });
        changed = (await this.take(file, origin, text, initial ? undefined : readAt)) || changed;
      } else if (!info) {
        changed = this.forget(origin) || changed;
      }
    }
    if (dirs.length > 0) changed = (await this.rescan(dirs, pacer, initial)) || changed;
    return changed;
  }

  /** The origin the listing gives a file found at `file`, whose directory may be a link. */
  private async canonicalOrigin(file: string, logical: string): Promise<string> {
    const parent = await realpath(path.dirname(file)).catch(() => undefined);
    const dir = parent === undefined ? undefined : this.dirs.get(parent);
    if (dir === undefined) return logical;
    return dir === '' ? path.basename(file) : `${dir}/${path.basename(file)}`;
  }

  /**
   * Lists the whole directory again after events at directories (`origins`, "" for the root):
   * forgets the files no longer listed, and reads those that are new or under one of `origins`. The
   * whole listing, not only those directories', so that every directory keeps the one origin a full
   * read gives it.
   */
  private async rescan(origins: readonly string[], pacer: Pacer, initial: boolean): Promise<boolean> {
    const listed = await listManifestFiles(this.dir, { followExternalLinks: this.followExternalLinks });
    this.dirs = listed.dirs;
    let changed = false;
    const present = new Set(listed.files);
    for (const known of [...this.files.keys()])
      if (!present.has(known)) changed = this.forget(known) || changed;
    const under = (file: string) =>
      origins.some((origin) => origin === '' || file === origin || file.startsWith(`${origin}/`));
    const toRead = listed.files.filter((file) => !this.files.has(file) || under(file));
    const readAt = { time: Date.now(), event: this.events };
    const texts = await readManifestFiles(this.dir, toRead, { ...this.readOptions, pacer });
    for (const [i, file] of toRead.entries()) {
      changed =
        (await this.take(fromOrigin(this.dir, file), file, texts[i]!, initial ? undefined : readAt)) ||
        changed;
    }
    if (JSON.stringify(listed.issues) !== JSON.stringify(this.notes)) {
      this.notes = listed.issues;
      changed = true;
    }
    return changed;
  }

  /**
   * Records what the file at `file` (absolute) read as; true if that differs from what was recorded.
   * Out of the initial read (`readAt` undefined), a different read of a file that changed in the
   * debounce time before `readAt` or since is not recorded but read again after the debounce (see
   * changedSince): it may be a write in progress.
   */
  private async take(
    file: string,
    origin: string,
    text: ManifestText,
    readAt: { readonly time: number; readonly event: number } | undefined,
  ): Promise<boolean> {
    // Safe to serialise: the limits bound every document's size and depth, aliases expanded. Only
    // the digest is kept: the serialised text would be a second copy of every file, for as long as
    // the server runs.
    const fingerprint = createHash('sha256').update(JSON.stringify(text)).digest('base64');
    const known = this.files.get(origin);
    if (known?.fingerprint === fingerprint) {
      // A later read of what was recorded: events before it no longer hold the publish back.
      if (readAt && this.taken.has(origin)) this.taken.set(origin, { file, event: readAt.event });
      return false;
    }
    if (readAt !== undefined) {
      // After the read: a write that began before it shows here, whether or not its event came yet.
      const info = await stat(file).catch(() => undefined);
      if (info && changedSince(info, readAt.time, this.debounceMs)) {
        this.logger.debug({ file: origin }, 'manifest file changed just now; read again after the debounce');
        this.touch(file);
        return false;
      }
      this.taken.set(origin, { file, event: readAt.event });
    }
    this.files.set(origin, { read: text, fingerprint, ...(known?.good ? { good: known.good } : {}) });
    this.changed.add(origin);
    return true;
  }

  /** Drops the entries of origin and of everything under it; true if any. */
  private forget(origin: string): boolean {
    let changed = false;
    for (const key of [...this.files.keys()]) {
      if (origin === '' || key === origin || key.startsWith(`${origin}/`)) {
        changed = this.files.delete(key) || changed;
        this.changed.add(key);
        this.taken.delete(key);
      }
    }
    return changed;
  }

  /** What a file serves now (see FileEntry), as a change: its version, or deleted once it is gone. */
  private changeOf(origin: string): ManifestChange {
    const entry = this.files.get(origin);
    if (!entry) return { type: 'deleted', origin };
    const read: ManifestText = entry.threw
      ? { documents: [], issues: [entry.threw], failed: true }
      : entry.read;
    // A last good version that is the very version that threw is no fallback.
    const good = entry.good && entry.good.fingerprint !== entry.fingerprint ? entry.good : undefined;
    const version: OriginVersion = versionOf(origin, read, good);
    return { type: 'updated', origin, documents: version.documents, issues: version.issues };
  }

  /**
   * Reports the files changed since the last build to the builder and builds the new state. A file
   * whose version makes the lowering throw falls back to its last good version, and if that throws as
   * well, to nothing; each round can only take documents away, so this ends.
   */
  private async build(): Promise<SourceState> {
    // A file may throw only together with another (two files meeting a lowering bug): when anything
    // else changed, each file left out for throwing gets another try, and is left out again if it
    // still throws; otherwise it stayed out until its own content changed.
    if (this.changed.size > 0) {
      for (const [origin, entry] of this.files) {
        if (!entry.threw || this.changed.has(origin)) continue;
        entry.threw = undefined;
        this.changed.add(origin);
      }
    }
    this.builder.setNotes(this.notes);
    this.builder.apply([...this.changed].map((origin) => this.changeOf(origin)));
    const state = await this.builder.build((origin, issue) => {
      const entry = this.files.get(origin);
      if (!entry) return { type: 'deleted', origin };
      if (entry.threw) entry.good = undefined;
      entry.threw = issue;
      return this.changeOf(origin);
    });
    const at = this.now().toISOString();
    for (const origin of this.changed) {
      const entry = this.files.get(origin);
      if (entry && !entry.read.failed && !entry.threw)
        entry.good = { text: entry.read, fingerprint: entry.fingerprint, at };
    }
    this.changed.clear();
    return state;
  }

  private async publish(): Promise<void> {
    if (this.stopped) return;
    const state = await this.build();
    if (this.stopped) return;
    this.issueLog.update(state.issues);
    this.logger.info(
      {
        services: state.mesh.services.length,
        endpointSlices: state.mesh.endpointSlices.length,
        pods: state.mesh.workloads.length,
        issues: state.issues.length,
      },
      'manifests changed',
    );
    try {
      this.onChange?.(state);
    } catch (err) {
      this.logger.error({ err }, 'manifest change handler failed');
    }
  }
}

/** True while `at` still resolves to `real`. */
function stillAt(at: string, real: string): boolean {
  try {
    return realpathSync.native(at) === real;
  } catch {
    return false;
  }
}
