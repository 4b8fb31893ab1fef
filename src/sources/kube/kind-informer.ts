// One kind's informer (client-node's ListWatch over a GuardedWatch), as a change-emitting layer: each
// object becomes one document keyed `kube:<group>/<Kind>/<ns>/<name>`, and `drain()` reports what
// changed since the last drain (documents added, updated, deleted) for the StateBuilder.
//
// - Objects are trimmed as they arrive (trim.ts), in the list and in every watch event, so the
//   informer stores only what the parsers read; the document's value is the informer's own object.
// - Nothing that says the same thing is a change. An object whose trimmed content equals what was
//   last reported (a Pod's status conditions changed, a relist after 410 Gone found it again) is
//   handed to the informer as the object already held, with the new resourceVersion: the informer
//   sees the same version and calls nothing, and the document (and its parse, memoised in
//   parse-manifests.ts) stays. A relist that finds the same objects reports nothing.
// - An event costs a trim, a comparison and a map update, in proportion to the object.
// - At most `maxObjects` objects are served (the first by namespace/name), with a warning when the
//   cap is reached; only then is the whole kind listed and sorted on a drain.
// - A list that answers 404 (the kind's CRD is not installed) skips the kind with one info line, and
//   the list is tried again every `crdRetryMs`. Any other error restarts the informer after a backoff
//   with jitter (started over after a quiet while); the informer itself relists on 410 Gone and
//   resumes from its resourceVersion otherwise.
// - An event or a list item the informer cannot file as an object of its kind (no metadata, a name
//   that is not a string, the body of another kind) is left out with a warning that says why
//   (guarded-watch.ts); an object it can file goes to the parsers, which name what is wrong with it.
import { type KubeConfig, type KubernetesObject, ListWatch } from '@kubernetes/client-node';
import type { Logger } from '../../log.js';
import { compareStrings } from '../apis/issues.js';
import type { ManifestDocument } from '../apis/manifest.js';
import type { ManifestChange } from '../state/manifest-index.js';
import { GuardedWatch, jitter, refusal } from './guarded-watch.js';
import { type KubeKind, kindApiVersion, kindLabel, kindPath } from './kube-kinds.js';
import { listRaw } from './list-request.js';
import { sameContent, trimObject } from './trim.js';

export interface KindInformerOptions {
  readonly logger: Logger;
  /** Aborts the lists in flight (the source's stop). */
  readonly signal: AbortSignal;
  readonly maxObjects: number;
  readonly crdRetryMs: number;
  readonly backoffMs: { readonly initial: number; readonly max: number };
  /** Called on every event that may have changed something; `drain()` says what. */
  readonly onTouched: () => void;
}

export class KindInformer {
  readonly kind: KubeKind;
  /** Resolves once the kind has listed, or was skipped (or the informer was stopped). */
  readonly synced: Promise<void>;
  phase: 'pending' | 'synced' | 'skipped' = 'pending';
  private readonly opts: KindInformerOptions;
  private readonly watch: GuardedWatch;
  private readonly informer: ListWatch<KubernetesObject>;
  private ready: () => void = () => undefined;
  /** Said once: a kind not served, tried again quietly. */
  private skipLogged = false;
  /** Set by a list that succeeded. */
  private listed = false;
  private failures = 0;
  /** When the last error came (Date.now()); one long after it starts the backoff over. */
  private lastFailure = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private capped = false;
  private stopped = false;
  /** The document last reported for each object, by namespace/name. */
  private readonly served = new Map<string, ManifestDocument>();
  /** The objects with events since the last drain, by namespace/name. */
  private readonly pending = new Map<string, { readonly namespace: string; readonly name: string }>();

  constructor(config: KubeConfig, kind: KubeKind, opts: KindInformerOptions) {
    this.kind = kind;
    this.opts = opts;
    this.synced = new Promise<void>((resolve) => {
      this.ready = resolve;
    });
    const prepare = (object: unknown): unknown => this.prepare(object);
    const label = kindLabel(kind);
    const expects = { apiVersion: kindApiVersion(kind), kind: kind.kind };
    const refused = (message: string): void =>
      this.opts.logger.warn({ kind: label }, `the ${label} watch: ${message}`);
    this.watch = new GuardedWatch(config, { transform: prepare, expects, onRefused: refused });
    const path = kindPath(kind);
    this.informer = new ListWatch<KubernetesObject>(
      path,
      this.watch,
      async () => {
        const list = await listRaw(config, path, { signal: opts.signal });
        this.listed = true;
        // An item the informer cannot file is left out, as a watch event would be (guarded-watch.ts).
        const items = list.items.filter((item) => {
          const why = refusal('ADDED', item, expects);
          if (why !== undefined)
            this.opts.logger.warn(
              { kind: label },
              `the ${label} list: ${why.replace(/^an ADDED event/, 'an item')}`,
            );
          return why === undefined;
        });
        return { ...list, items: items.map((item) => prepare(item) as KubernetesObject) };
      },
      false,
    );
    const touched = (object: KubernetesObject): void => {
      const { namespace, name } = object.metadata ?? {};
      this.pending.set(keyOf(object), { namespace: namespace || '', name: name || '' });
      this.opts.onTouched();
    };
    this.informer.on('add', touched);
    this.informer.on('update', touched);
    this.informer.on('delete', touched);
    this.informer.on('error', (err: unknown) => this.failed(err));
  }

  /** How many objects have events not drained yet. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Starts (or restarts) the informer: list, then watch. */
  start(): void {
    if (this.stopped) return;
    this.timer = undefined;
    this.listed = false;
    this.running = this.informer
      .start()
      .catch((err: unknown) => this.failed(err))
      .then(() => {
        if (this.stopped || this.phase !== 'pending' || !this.listed) return;
        this.phase = 'synced';
        this.failures = 0;
        this.ready();
      });
  }

  /** Stops for good: no list, watch or timer is left, and nothing restarts. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.watch.close();
    this.ready();
    await this.informer.stop();
    // A start() in flight may have opened a watch after the stop above: close it again.
    await this.running?.catch(() => undefined);
    await this.informer.stop();
  }

  /**
   * What changed since the last drain: one change per object whose document differs from the one
   * last reported. In proportion to the events, unless the kind is over its cap.
   */
  drain(): ManifestChange[] {
    const changes: ManifestChange[] = [];
    if (this.capped || this.served.size + this.pending.size > this.opts.maxObjects) {
      this.drainCapped(changes);
      return changes;
    }
    for (const [key, at] of this.pending) {
      const object = this.informer.get(at.name, at.namespace || undefined);
      if (object) this.report(key, object, changes);
      else this.unreport(key, changes);
    }
    this.pending.clear();
    return changes;
  }

  /** Over the cap: the first `maxObjects` objects by namespace/name are served, and no other. */
  private drainCapped(changes: ManifestChange[]): void {
    this.pending.clear();
    const limit = this.opts.maxObjects;
    const objects = this.informer
      .list()
      .map((object) => ({ key: keyOf(object), object }))
      .sort((a, b) => compareStrings(a.key, b.key));
    if (objects.length > limit && !this.capped)
      this.opts.logger.warn(
        { kind: kindLabel(this.kind), objects: objects.length, limit },
        `${objects.length} ${kindLabel(this.kind)} objects, more than the ${limit} served: the first ${limit} by namespace/name are served`,
      );
    this.capped = objects.length > limit;
    const kept = objects.slice(0, limit);
    const keys = new Set(kept.map(({ key }) => key));
    for (const key of [...this.served.keys()]) if (!keys.has(key)) this.unreport(key, changes);
    for (const { key, object } of kept) this.report(key, object, changes);
  }

  private report(key: string, object: KubernetesObject, changes: ManifestChange[]): void {
    const known = this.served.get(key);
    if (known?.value === object) return;
    const document: ManifestDocument = { origin: this.originOf(object), documentIndex: 0, value: object };
    this.served.set(key, document);
    changes.push({ type: known ? 'updated' : 'added', origin: document.origin, documents: [document] });
  }

  private unreport(key: string, changes: ManifestChange[]): void {
    const known = this.served.get(key);
    if (!known) return;
    this.served.delete(key);
    changes.push({ type: 'deleted', origin: known.origin });
  }

  /**
   * What the informer is given for an object it receives: the trimmed object, or, when that says the
   * same as the object last reported, that very object with the new resourceVersion.
   */
  private prepare(object: unknown): unknown {
    const trimmed = trimObject(this.kind, object) as KubernetesObject;
    if (!trimmed?.metadata) return trimmed;
    const known = this.served.get(keyOf(trimmed))?.value as KubernetesObject | undefined;
    if (!known?.metadata || !sameContent(known, trimmed)) return trimmed;
    // Read by nothing but the informer: it resumes from it, and sees the object it holds.
    known.metadata.resourceVersion = trimmed.metadata.resourceVersion;
    return known;
  }

  private originOf(object: KubernetesObject): string {
    const namespace = object.metadata?.namespace;
    return `kube:${kindLabel(this.kind)}/${namespace ? `${namespace}/` : ''}${object.metadata?.name ?? ''}`;
  }

  private failed(err: unknown): void {
    if (this.stopped || this.phase === 'skipped') return;
    const label = kindLabel(this.kind);
    const code = statusOf(err);
    if (this.phase === 'pending' && code === 404) {
      this.phase = 'skipped';
      if (!this.skipLogged)
        this.opts.logger.info(
          { kind: label, path: kindPath(this.kind) },
          `${label} ${this.kind.version} is not served by the API server (its CRD is not installed): skipped`,
        );
      this.skipLogged = true;
      void this.informer.stop();
      this.ready();
      // Tried again later: a CRD installed after the start is served without a restart.
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (this.stopped) return;
        this.phase = 'pending';
        this.start();
      }, this.opts.crdRetryMs);
      this.timer.unref();
      return;
    }
    const backoff = this.opts.backoffMs;
    // The first error after a quiet while (twice the longest delay) starts the backoff over, as
    // client-go's does: else the few errors of a long life (API server restarts) would leave every
    // later one waiting the longest delay.
    const now = Date.now();
    if (now - this.lastFailure > 2 * backoff.max) this.failures = 0;
    this.lastFailure = now;
    const delay = jitter(Math.min(backoff.max, backoff.initial * 2 ** Math.min(this.failures, 20)));
    this.failures += 1;
    this.opts.logger.warn(
      { kind: label, err: messageOf(err), retryInMs: delay, failures: this.failures },
      `the ${label} informer failed; restarting it`,
    );
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.informer.stop().then(() => this.start());
    }, delay);
  }
}

/** namespace/name ("/name" for a cluster-scoped object), as the informer files it. */
function keyOf(object: KubernetesObject): string {
  return `${object.metadata?.namespace || ''}/${object.metadata?.name || ''}`;
}

function statusOf(err: unknown): number | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const { statusCode, code } = err as { statusCode?: unknown; code?: unknown };
  if (typeof statusCode === 'number') return statusCode;
  return typeof code === 'number' ? code : undefined;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
