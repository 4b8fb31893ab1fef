// client-node's Watch, made stoppable for good and gentle on a server that ends watches at once.
//
// ListWatch.stop() aborts only the watch it holds; a list or a watch request in flight when it is
// called still opens a new watch afterwards. This Watch refuses to open once closed, aborts what it
// opened when closed, asks for bookmarks, and waits (with backoff and jitter) before reconnecting
// after a watch that ended within a second of opening. It can also replace each object an event
// carries before the informer sees (and stores) it: the Kubernetes source trims them (trim.ts).
import { type KubeConfig, Watch } from '@kubernetes/client-node';

type Callback = (phase: string, apiObj: unknown, watchObj?: unknown) => void;

const OBJECT_EVENTS: ReadonlySet<string> = new Set(['ADDED', 'MODIFIED', 'DELETED']);
const QUICK_END_MS = 1000;
const MAX_DELAY_MS = 30_000;

export class GuardedWatch extends Watch {
  private closed = false;
  private readonly open = new Set<AbortController>();
  private quickEnds = 0;
  private lastOpened = 0;
  private sleeping: { timer: NodeJS.Timeout; wake: () => void } | undefined;

  /** `transform` replaces the object of each ADDED, MODIFIED and DELETED event. */
  constructor(
    config: KubeConfig,
    private readonly transform?: (object: unknown) => unknown,
  ) {
    super(config);
  }

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: Callback,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    if (this.quickEnds > 0) await this.sleep(jitter(Math.min(MAX_DELAY_MS, 100 * 2 ** this.quickEnds)));
    // Closed: never call `done`, so the informer does not come back.
    if (this.closed) return new AbortController();
    this.lastOpened = Date.now();
    let controller: AbortController | undefined;
    let finished = false;
    const transform = this.transform;
    const deliver: Callback = transform
      ? (phase, apiObj, watchObj) =>
          callback(phase, OBJECT_EVENTS.has(phase) ? transform(apiObj) : apiObj, watchObj)
      : callback;
    controller = await super.watch(path, { ...queryParams, allowWatchBookmarks: true }, deliver, (err) => {
      finished = true;
      if (controller) this.open.delete(controller);
      this.quickEnds = Date.now() - this.lastOpened < QUICK_END_MS ? Math.min(this.quickEnds + 1, 20) : 0;
      if (!this.closed) done(err);
    });
    if (this.closed) controller.abort();
    else if (!finished) this.open.add(controller);
    return controller;
  }

  /** Aborts every open watch; no watch opens after this. */
  close(): void {
    this.closed = true;
    for (const controller of this.open) controller.abort();
    this.open.clear();
    if (this.sleeping) {
      clearTimeout(this.sleeping.timer);
      this.sleeping.wake();
      this.sleeping = undefined;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => resolve();
      this.sleeping = {
        timer: setTimeout(() => {
          this.sleeping = undefined;
          resolve();
        }, ms),
        wake,
      };
    });
  }
}

/** Between half and all of `ms`. */
export function jitter(ms: number): number {
  return Math.round(ms * (0.5 + Math.random() / 2));
}
