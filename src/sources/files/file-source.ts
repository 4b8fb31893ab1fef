// `trellis serve --manifests DIR`: reads a manifest directory and watches it. Each burst of file
// events re-reads only the files it touched, re-parses the whole set (duplicates span files), and
// emits the new state only if it differs from the last one.
import { lstat, stat } from 'node:fs/promises';
import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import type { Logger } from '../../log.js';
import type { Source, SourceState } from '../source.js';
import { buildState } from './build-state.js';
import { IssueLog } from './issue-log.js';
import { readManifestFile, readManifestFiles } from './read-file.js';
import {
  assertManifestDir,
  isManifestFileName,
  isSkippedPath,
  listManifestFiles,
  readError,
  toOrigin,
} from './walk.js';
import type { ManifestText } from './yaml-documents.js';

export interface FileSourceOptions {
  readonly logger: Logger;
  readonly clusterDomain?: string;
  /** Quiet time after the last file event before re-reading; editors write a file in several steps. */
  readonly debounceMs?: number;
}

const DEFAULT_DEBOUNCE_MS = 50;

/**
 * chokidar drops a 'change' event that follows another for the same file within 50 ms (a
 * leading-edge throttle with no trailing event), so the last write of a quick burst can go
 * unreported. Every touched path is therefore read once more after this quiet time; a file that
 * reads the same as before costs no re-parse and emits nothing.
 */
const SETTLE_MS = 120;

export class FileSource implements Source {
  private readonly dir: string;
  private readonly logger: Logger;
  private readonly clusterDomain: string | undefined;
  private readonly debounceMs: number;
  private readonly issueLog: IssueLog;
  /**
   * What each file (by origin) last read as, with a serialisation to tell a real change from a
   * rewrite of the same content. A directory that could not be listed is an entry too.
   */
  private readonly files = new Map<string, { readonly text: ManifestText; readonly fingerprint: string }>();
  /** Absolute paths with events since the last reload. */
  private readonly dirty = new Set<string>();
  /** Absolute paths with events since the last settle pass (see SETTLE_MS). */
  private readonly settling = new Set<string>();
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  /** Reloads run one at a time, in order; this is the tail of that chain. */
  private queue: Promise<void> = Promise.resolve();
  private last = '';
  private onChange: ((state: SourceState) => void) | undefined;
  private stopped = false;

  constructor(dir: string, opts: FileSourceOptions) {
    this.dir = path.resolve(dir);
    this.logger = opts.logger;
    this.clusterDomain = opts.clusterDomain;
    this.debounceMs = opts.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.issueLog = new IssueLog(opts.logger);
  }

  async start(onChange: (state: SourceState) => void): Promise<SourceState> {
    if (this.onChange || this.stopped) throw new Error('FileSource.start may be called once');
    this.onChange = onChange;
    // Fails with a usage error when the directory is missing; chokidar would silently wait for it.
    await assertManifestDir(this.dir);
    // Watch first, then read: a change made while reading is then seen twice, never missed.
    await this.startWatcher();
    let initial: SourceState | undefined;
    // In the queue like every reload, so no watcher-triggered reload can interleave with it.
    await this.enqueue(async () => {
      await this.reload([this.dir]);
      initial = this.state();
      this.last = JSON.stringify(initial);
      this.issueLog.update(initial.issues);
    });
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
    await this.queue;
  }

  private async startWatcher(): Promise<void> {
    const watcher = watch(this.dir, {
      ignoreInitial: true,
      awaitWriteFinish: false,
      ignored: (file, stats) => this.isIgnored(file, stats?.isFile() ?? false),
    });
    this.watcher = watcher;
    const onEvent = (file: string) => this.touch(file);
    watcher.on('add', onEvent).on('change', onEvent).on('unlink', onEvent);
    watcher.on('addDir', onEvent).on('unlinkDir', onEvent);
    watcher.on('error', (err: unknown) => this.logger.warn({ err, dir: this.dir }, 'manifest watcher error'));
    await new Promise<void>((resolve) => watcher.once('ready', resolve));
  }

  private isIgnored(file: string, isFile: boolean): boolean {
    const relative = path.relative(this.dir, file);
    if (relative === '' || relative.startsWith('..')) return false;
    return isSkippedPath(relative) || (isFile && !isManifestFileName(path.basename(file)));
  }

  private touch(file: string): void {
    if (this.stopped) return;
    const absolute = path.resolve(file);
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
      if (await this.reload(batch)) this.publish();
      else this.logger.debug({ files: batch.length }, 'manifest files re-read; nothing changed');
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
   * whether any file now reads differently. Most reloads change nothing (a settle pass, an editor
   * touching a file, a comment edited), and those skip the re-parse entirely.
   */
  private async reload(paths: readonly string[]): Promise<boolean> {
    let changed = false;
    for (const file of paths) {
      const origin = toOrigin(this.dir, file);
      if (origin.startsWith('..') || isSkippedPath(origin)) continue;
      const info = await stat(file).catch(() => undefined);
      if (info?.isDirectory()) {
        changed = (await this.rescan(origin)) || changed;
      } else if (info?.isFile()) {
        if (isManifestFileName(origin))
          changed = this.put(origin, await readManifestFile(this.dir, origin)) || changed;
      } else {
        // A manifest that is a link to nowhere is reported, as a full read does.
        const link = info ? undefined : await lstat(file).catch(() => undefined);
        if (link?.isSymbolicLink() && isManifestFileName(origin)) {
          changed =
            this.put(origin, { documents: [], issues: [readError(origin, { code: 'ENOENT' })] }) || changed;
        } else {
          changed = this.forget(origin, new Set()) || changed;
        }
      }
    }
    return changed;
  }

  /** Re-lists a directory ("" for the root): reads what is there, forgets what no longer is. */
  private async rescan(origin: string): Promise<boolean> {
    const listed = await listManifestFiles(this.dir, origin || '.');
    const texts = await readManifestFiles(this.dir, listed.files);
    const found = new Map<string, ManifestText>();
    listed.files.forEach((file, i) => {
      found.set(file, texts[i]!);
    });
    for (const issue of listed.issues) found.set(issue.origin, { documents: [], issues: [issue] });
    let changed = this.forget(origin, new Set(found.keys()));
    for (const [file, text] of found) changed = this.put(file, text) || changed;
    return changed;
  }

  /** Caches what a file read as; true if that differs from what was cached. */
  private put(origin: string, text: ManifestText): boolean {
    const fingerprint = JSON.stringify(text);
    if (this.files.get(origin)?.fingerprint === fingerprint) return false;
    this.files.set(origin, { text, fingerprint });
    return true;
  }

  /** Drops the entries of origin and of everything under it, except those in keep; true if any. */
  private forget(origin: string, keep: ReadonlySet<string>): boolean {
    let changed = false;
    for (const key of [...this.files.keys()]) {
      if (keep.has(key)) continue;
      if (origin === '' || key === origin || key.startsWith(`${origin}/`))
        changed = this.files.delete(key) || changed;
    }
    return changed;
  }

  private state(): SourceState {
    const origins = [...this.files.keys()].sort();
    return buildState(
      origins.map((origin) => this.files.get(origin)!.text),
      [],
      {
        logger: this.logger,
        ...(this.clusterDomain ? { clusterDomain: this.clusterDomain } : {}),
      },
    );
  }

  private publish(): void {
    if (this.stopped) return;
    const state = this.state();
    const serialised = JSON.stringify(state);
    if (serialised === this.last) return;
    this.last = serialised;
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
