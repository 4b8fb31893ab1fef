// `KubeSource`: the mesh read from a Kubernetes API server. One informer per kind in kube-kinds.ts
// (KindInformer, kind-informer.ts: client-node's ListWatch, objects trimmed to what the parsers read)
// reports what changed, object by object, and the shared StateBuilder (state/state-builder.ts) turns
// the documents into the next SourceState, through the same glue as the file source, so both sources
// give the same model for the same objects.
//
// - start() resolves with the first complete state once every informer has listed, or was skipped: a
//   kind whose list answers 404 (its CRD is not installed) is skipped with one info line, and its
//   list is tried again every `crdRetryMs`, so a CRD installed later is picked up without a restart.
// - Later events are drained after `debounceMs` of quiet; onChange is called only when some object's
//   document changed, so a relist that finds nothing new computes and pushes nothing.
// - An error (a failed list, a watch that cannot open) restarts that informer after a backoff with
//   jitter; the informer itself relists on 410 Gone and resumes from its resourceVersion otherwise.
// - Each kind serves at most `maxObjectsPerKind` objects (the first by namespace/name), with a warning
//   when the cap is reached.
// - Each state says at which metadata.generation it read each routing resource (generationOf): the
//   observedGeneration its status is written with (src/cluster/status-publisher.ts).
// - stop() aborts every list and watch and clears every timer; nothing restarts afterwards.
import { setMaxListeners } from 'node:events';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../../log.js';
import type { MeshConfig } from '../../model/mesh.js';
import { isRecord } from '../apis/core/resource.js';
import type { Source, SourceState } from '../source.js';
import type { BuildStateOptions } from '../state/build-state.js';
import type { ManifestChange } from '../state/manifest-index.js';
import { StateBuilder } from '../state/state-builder.js';
import { KindInformer, messageOf } from './kind-informer.js';
import { KUBE_KINDS, type KubeKind, kindLabel } from './kube-kinds.js';

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

export class KubeSource implements Source {
  private readonly opts: KubeSourceOptions;
  private readonly informers: KindInformer[] = [];
  private readonly abort = new AbortController();
  private readonly builder: StateBuilder;
  private onChange: ((state: SourceState) => void) | undefined;
  private ready = false;
  private stopped = false;
  private debounce: NodeJS.Timeout | undefined;
  private building: Promise<void> | undefined;
  private rebuildAgain = false;
  /**
   * Origin → metadata.generation of every object served that has one (the routing kinds keep it when
   * trimmed). Replaced, never changed, once a state reads it, so each state keeps its own.
   */
  private generations: ReadonlyMap<string, number> = new Map();

  constructor(
    private readonly config: KubeConfig,
    opts: KubeSourceOptions,
  ) {
    this.opts = opts;
    this.builder = new StateBuilder({
      logger: opts.logger,
      unit: 'object',
      ...(opts.clusterDomain ? { clusterDomain: opts.clusterDomain } : {}),
      ...(opts.meshConfig ? { meshConfig: opts.meshConfig } : {}),
      ...(opts.parse ? { parse: opts.parse } : {}),
    });
  }

  async start(onChange: (state: SourceState) => void): Promise<SourceState> {
    if (this.informers.length > 0 || this.stopped) throw new Error('a KubeSource starts once');
    this.onChange = onChange;
    const options = {
      logger: this.opts.logger,
      signal: this.abort.signal,
      maxObjects: this.opts.maxObjectsPerKind ?? DEFAULT_MAX_OBJECTS_PER_KIND,
      crdRetryMs: this.opts.crdRetryMs ?? DEFAULT_CRD_RETRY_MS,
      backoffMs: this.opts.backoffMs ?? { initial: 200, max: 30_000 },
      onTouched: () => this.touched(),
    };
    for (const kind of this.opts.kinds ?? KUBE_KINDS)
      this.informers.push(new KindInformer(this.config, kind, options));
    // One list in flight per kind listens to the shared abort signal.
    setMaxListeners(Math.max(10, this.informers.length + 1), this.abort.signal);
    for (const informer of this.informers) informer.start();
    await Promise.all(this.informers.map((informer) => informer.synced));
    if (this.stopped) throw new Error('the Kubernetes source was stopped before it synced');
    this.builder.apply(this.drain());
    const state = this.withGenerations(await this.builder.build());
    this.ready = true;
    if (this.informers.some((informer) => informer.pendingCount > 0)) this.schedule();
    return state;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.debounce);
    this.abort.abort();
    await Promise.all(this.informers.map((informer) => informer.stop()));
    await this.building?.catch(() => undefined);
  }

  /** Every kind's changes since the last drain; the generations follow them. */
  private drain(): ManifestChange[] {
    const all: ManifestChange[] = [];
    let generations: Map<string, number> | undefined;
    for (const informer of this.informers) {
      for (const change of informer.drain()) {
        all.push(change);
        const generation = change.type === 'deleted' ? undefined : generationOf(change.documents[0]?.value);
        if (generation === undefined && !(generations ?? this.generations).has(change.origin)) continue;
        generations ??= new Map(this.generations);
        if (generation === undefined) generations.delete(change.origin);
        else generations.set(change.origin, generation);
      }
    }
    if (generations) this.generations = generations;
    return all;
  }

  /** The state, saying at which generation it read each routing resource. */
  private withGenerations(state: SourceState): SourceState {
    const generations = this.generations;
    const labels = new Map((this.opts.kinds ?? KUBE_KINDS).map((kind) => [kind.kind, kindLabel(kind)]));
    return {
      ...state,
      generationOf: ({ kind, namespace, name }) => {
        const label = labels.get(kind);
        return label === undefined
          ? undefined
          : generations.get(`kube:${label}/${namespace ? `${namespace}/` : ''}${name}`);
      },
    };
  }

  private touched(): void {
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
        const changes = this.drain();
        const state = await this.builder.next(changes);
        if (!state) {
          this.opts.logger.debug({ changes: changes.length }, 'Kubernetes events; nothing changed');
          return;
        }
        if (this.stopped) return;
        this.opts.logger.debug({ changes: changes.length }, 'Kubernetes objects changed');
        this.onChange?.(this.withGenerations(state));
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
}

function generationOf(value: unknown): number | undefined {
  const generation = isRecord(value) && isRecord(value.metadata) ? value.metadata.generation : undefined;
  return typeof generation === 'number' ? generation : undefined;
}
