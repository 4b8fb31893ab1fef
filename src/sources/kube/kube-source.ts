// `KubeSource`: the mesh read from a Kubernetes API server. One informer (client-node's ListWatch) per
// kind in kube-kinds.ts; every object becomes a ManifestDocument and the whole set goes through the
// same documents → SourceState glue as the file source (state/build-state.ts), so both sources give
// the same model for the same objects.
//
// - start() resolves with the first complete state once every informer has listed, or was skipped: a
//   kind whose list answers 404 (its CRD is not installed) is skipped with one info line, and its
//   list is tried again every `crdRetryMs`, so a CRD installed later is picked up without a restart.
// - Later events recompute the state after `debounceMs` of quiet; onChange is called only when the
//   state differs from the last one, so a relist that finds nothing new pushes nothing.
// - An error (a failed list, a watch that cannot open) restarts that informer after a backoff with
//   jitter; the informer itself relists on 410 Gone and resumes from its resourceVersion otherwise.
// - Each kind serves at most `maxObjectsPerKind` objects (the first by namespace/name), with a warning
//   when the cap is reached.
// - stop() aborts every list and watch and clears every timer; nothing restarts afterwards.
import { setMaxListeners } from 'node:events';
import { type KubeConfig, type KubernetesObject, ListWatch } from '@kubernetes/client-node';
import type { Logger } from '../../log.js';
import type { MeshConfig } from '../../model/mesh.js';
import type { ManifestDocument } from '../apis/manifest.js';
import type { Source, SourceState } from '../source.js';
import { type BuildStateOptions, buildState, type OriginVersion } from '../state/build-state.js';
import { Pacer } from '../state/pacer.js';
import { GuardedWatch, jitter } from './guarded-watch.js';
import { KUBE_KINDS, type KubeKind, kindApiVersion, kindLabel, kindPath } from './kube-kinds.js';
import { listRaw } from './list-request.js';

export interface KubeSourceOptions {
  readonly logger: Logger;
  readonly clusterDomain?: string;
  /** Trust domain and root namespace (--trust-domain, --root-namespace). */
  readonly meshConfig?: Partial<MeshConfig>;
  /** Quiet time after the last event before recomputing the state. */
  readonly debounceMs?: number;
  /** The kinds watched (default KUBE_KINDS). */
  readonly kinds?: readonly KubeKind[];
  /** The most objects of one kind served (default 50,000). */
  readonly maxObjectsPerKind?: number;
  /** How often a kind skipped for a missing CRD is listed again (default 60 s). */
  readonly crdRetryMs?: number;
  /** Backoff after an informer error: first delay and cap (defaults 200 ms and 30 s). */
  readonly backoffMs?: { readonly initial: number; readonly max: number };
  /** The lowering (state/build-state.ts); a test may replace it. */
  readonly parse?: BuildStateOptions['parse'];
}

const DEFAULT_DEBOUNCE_MS = 50;
const DEFAULT_MAX_OBJECTS_PER_KIND = 50_000;
const DEFAULT_CRD_RETRY_MS = 60_000;

interface KindEntry {
  readonly kind: KubeKind;
  readonly watch: GuardedWatch;
  readonly informer: ListWatch<KubernetesObject>;
  phase: 'pending' | 'synced' | 'skipped';
  /** Said once: a kind not served, tried again quietly. */
  skipLogged?: boolean;
  /** Set by a list that succeeded; the informer has its items once start() returns. */
  listed: boolean;
  /** The status code of the last failed list, if any. */
  listFailure?: number;
  failures: number;
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
  capped: boolean;
  ready: () => void;
  readonly synced: Promise<void>;
}

export class KubeSource implements Source {
  private readonly opts: KubeSourceOptions;
  private readonly entries: KindEntry[] = [];
  private readonly abort = new AbortController();
  private readonly pacer = new Pacer();
  /** The document made of an informer's object; an updated object is a new one, so this never goes stale. */
  private readonly documents = new WeakMap<object, ManifestDocument>();
  private onChange: ((state: SourceState) => void) | undefined;
  private owners: ReadonlyMap<string, string> | undefined;
  private lastSerialized: string | undefined;
  private ready = false;
  private stopped = false;
  private generation = 0;
  private debounce: NodeJS.Timeout | undefined;
  private building: Promise<void> | undefined;
  private rebuildAgain = false;

  constructor(
    private readonly config: KubeConfig,
    opts: KubeSourceOptions,
  ) {
    this.opts = opts;
  }

  async start(onChange: (state: SourceState) => void): Promise<SourceState> {
    if (this.entries.length > 0 || this.stopped) throw new Error('a KubeSource starts once');
    this.onChange = onChange;
    for (const kind of this.opts.kinds ?? KUBE_KINDS) this.entries.push(this.makeEntry(kind));
    // One list in flight per kind listens to the shared abort signal.
    setMaxListeners(Math.max(10, this.entries.length + 1), this.abort.signal);
    for (const entry of this.entries) this.run(entry);
    await Promise.all(this.entries.map((entry) => entry.synced));
    if (this.stopped) throw new Error('the Kubernetes source was stopped before it synced');
    const seen = this.generation;
    const state = await this.build();
    this.lastSerialized = JSON.stringify(state);
    this.ready = true;
    if (this.generation !== seen) this.schedule();
    return state;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.debounce);
    this.abort.abort();
    for (const entry of this.entries) {
      clearTimeout(entry.timer);
      entry.watch.close();
      entry.ready();
    }
    await Promise.all(this.entries.map((entry) => entry.informer.stop()));
    // A start() in flight may have opened a watch after the stop above: close it again.
    await Promise.all(this.entries.map((entry) => entry.running?.catch(() => undefined)));
    await Promise.all(this.entries.map((entry) => entry.informer.stop()));
    await this.building?.catch(() => undefined);
  }

  private makeEntry(kind: KubeKind): KindEntry {
    const watch = new GuardedWatch(this.config);
    const path = kindPath(kind);
    let entry: KindEntry | undefined;
    const informer = new ListWatch<KubernetesObject>(
      path,
      watch,
      async () => {
        const list = await listRaw(this.config, path, { signal: this.abort.signal });
        if (entry) {
          entry.listed = true;
          entry.listFailure = undefined;
        }
        return list;
      },
      false,
    );
    let ready = (): void => undefined;
    const synced = new Promise<void>((resolve) => {
      ready = resolve;
    });
    entry = {
      kind,
      watch,
      informer,
      phase: 'pending',
      listed: false,
      failures: 0,
      capped: false,
      ready,
      synced,
    };
    const created = entry;
    const touched = (): void => this.touched();
    informer.on('add', touched);
    informer.on('update', touched);
    informer.on('delete', touched);
    informer.on('error', (err: unknown) => this.failed(created, err));
    return entry;
  }

  /** Starts (or restarts) one informer: list, then watch. */
  private run(entry: KindEntry): void {
    if (this.stopped) return;
    entry.timer = undefined;
    entry.listed = false;
    entry.running = entry.informer
      .start()
      .catch((err: unknown) => this.failed(entry, err))
      .then(() => {
        if (this.stopped || entry.phase !== 'pending' || !entry.listed) return;
        entry.phase = 'synced';
        entry.failures = 0;
        entry.ready();
        // A kind that joins after the start (its CRD installed later) changes the state now.
        this.touched();
      });
  }

  private failed(entry: KindEntry, err: unknown): void {
    if (this.stopped || entry.phase === 'skipped') return;
    const code = statusOf(err);
    if (entry.phase === 'pending' && code === 404) {
      entry.phase = 'skipped';
      if (!entry.skipLogged)
        this.opts.logger.info(
          { kind: kindLabel(entry.kind), path: kindPath(entry.kind) },
          `${kindLabel(entry.kind)} ${entry.kind.version} is not served by the API server (its CRD is not installed): skipped`,
        );
      entry.skipLogged = true;
      void entry.informer.stop();
      entry.ready();
      // Tried again later: a CRD installed after the start is served without a restart.
      clearTimeout(entry.timer);
      entry.timer = setTimeout(() => {
        entry.timer = undefined;
        if (this.stopped) return;
        entry.phase = 'pending';
        this.run(entry);
      }, this.opts.crdRetryMs ?? DEFAULT_CRD_RETRY_MS);
      entry.timer.unref();
      return;
    }
    const backoff = this.opts.backoffMs ?? { initial: 200, max: 30_000 };
    const delay = jitter(Math.min(backoff.max, backoff.initial * 2 ** Math.min(entry.failures, 20)));
    entry.failures += 1;
    this.opts.logger.warn(
      { kind: kindLabel(entry.kind), err: messageOf(err), retryInMs: delay, failures: entry.failures },
      `the ${kindLabel(entry.kind)} informer failed; restarting it`,
    );
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      void entry.informer.stop().then(() => this.run(entry));
    }, delay);
  }

  private touched(): void {
    this.generation += 1;
    if (this.ready && !this.stopped) this.schedule();
  }

  private schedule(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.rebuild();
    }, this.opts.debounceMs ?? DEFAULT_DEBOUNCE_MS);
  }

  private async rebuild(): Promise<void> {
    if (this.stopped) return;
    if (this.building) {
      this.rebuildAgain = true;
      return;
    }
    const work = (async () => {
      try {
        const state = await this.build();
        const serialized = JSON.stringify(state);
        if (!this.stopped && serialized !== this.lastSerialized) {
          this.lastSerialized = serialized;
          this.onChange?.(state);
        }
      } catch (err) {
        this.opts.logger.error({ err: messageOf(err) }, 'building the state from the API server failed');
      }
    })();
    this.building = work;
    await work;
    this.building = undefined;
    if (this.rebuildAgain && !this.stopped) {
      this.rebuildAgain = false;
      this.schedule();
    }
  }

  private async build(): Promise<SourceState> {
    const versions: OriginVersion[] = [];
    for (const entry of this.entries) {
      if (entry.phase !== 'synced') continue;
      const limit = this.opts.maxObjectsPerKind ?? DEFAULT_MAX_OBJECTS_PER_KIND;
      const objects = [...entry.informer.list()].sort((a, b) => compare(keyOf(a), keyOf(b)));
      if (objects.length > limit && !entry.capped) {
        entry.capped = true;
        this.opts.logger.warn(
          { kind: kindLabel(entry.kind), objects: objects.length, limit },
          `${objects.length} ${kindLabel(entry.kind)} objects, more than the ${limit} served: the first ${limit} by namespace/name are served`,
        );
      } else if (objects.length <= limit) entry.capped = false;
      for (const object of objects.slice(0, limit)) {
        const document = this.documentOf(entry.kind, object);
        versions.push({ origin: document.origin, documents: [document], issues: [] });
      }
    }
    versions.sort((a, b) => compare(a.origin, b.origin));
    const built = await buildState(versions, [], {
      logger: this.opts.logger,
      pacer: this.pacer,
      ...(this.opts.clusterDomain ? { clusterDomain: this.opts.clusterDomain } : {}),
      ...(this.opts.meshConfig ? { meshConfig: this.opts.meshConfig } : {}),
      ...(this.owners ? { incumbents: this.owners } : {}),
      ...(this.opts.parse ? { parse: this.opts.parse } : {}),
    });
    this.owners = built.owners;
    return built.state;
  }

  private documentOf(kind: KubeKind, object: KubernetesObject): ManifestDocument {
    const known = this.documents.get(object);
    if (known) return known;
    const { managedFields: _managed, ...metadata } = object.metadata ?? {};
    const value = { ...object, apiVersion: kindApiVersion(kind), kind: kind.kind, metadata };
    const namespace = object.metadata?.namespace;
    const name = object.metadata?.name ?? '';
    const document: ManifestDocument = {
      origin: `kube:${kindLabel(kind)}/${namespace ? `${namespace}/` : ''}${name}`,
      documentIndex: 0,
      value,
    };
    this.documents.set(object, document);
    return document;
  }
}

function keyOf(object: KubernetesObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function statusOf(err: unknown): number | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const { statusCode, code } = err as { statusCode?: unknown; code?: unknown };
  if (typeof statusCode === 'number') return statusCode;
  return typeof code === 'number' ? code : undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
