// client-node's Watch, made stoppable for good and gentle on a server that ends watches at once.
//
// ListWatch.stop() aborts only the watch it holds; a list or a watch request in flight when it is
// called still opens a new watch afterwards. This Watch refuses to open once closed, aborts what it
// opened when closed, asks for bookmarks, and waits (with backoff and jitter) before reconnecting
// after a watch that ended within a second of opening having delivered no event (a watch that
// delivered one was working: its end, however soon, starts the backoff over, else a few ends in a
// busy minute would leave the kind unwatched for up to 30 s). It can also replace each object an event
// carries before the informer sees (and stores) it: the Kubernetes source trims them (trim.ts).
//
// It screens every event before client-node's ListWatch sees it, because the ListWatch reads any
// event's object as a Kubernetes object in an async handler: an event whose object is null or has no
// metadata rejects a promise nobody awaits, which ends the process. So:
// - an ADDED, MODIFIED or DELETED event whose object is not a mapping with a metadata mapping, whose
//   name, namespace or resourceVersion is not a string, or whose body names another apiVersion or
//   kind than the collection watched, is ignored, and `onRefused` told why (the field path and the
//   value); so is a BOOKMARK without a resourceVersion, and an event of a type there is none of;
// - an ERROR event other than 410 Gone ends the watch with an error that says its code, reason and
//   message (as the API server itself ends the stream after one), so the informer restarts;
// - a watch the server refuses for its resourceVersion (400 or 422: a version it cannot read) is
//   taken as 410 Gone: the informer lists again instead of asking for that version forever.
// A line that is not JSON is skipped by client-node's Watch itself, without a word.
import { type KubeConfig, Watch } from '@kubernetes/client-node';
import { describeValue } from '../apis/issues.js';

type Callback = (phase: string, apiObj: unknown, watchObj?: unknown) => void;

export interface GuardedWatchOptions {
  /** Replaces the object of each ADDED, MODIFIED and DELETED event. */
  readonly transform?: (object: unknown) => unknown;
  /** The apiVersion and kind of the collection watched: an object event whose body says otherwise is ignored. */
  readonly expects?: { readonly apiVersion: string; readonly kind: string };
  /** Told why an event was ignored, or why a watch's resourceVersion was given up. */
  readonly onRefused?: (message: string) => void;
}

const OBJECT_EVENTS: ReadonlySet<string> = new Set(['ADDED', 'MODIFIED', 'DELETED']);
const QUICK_END_MS = 1000;
const MAX_DELAY_MS = 30_000;
/** What the API server answers a watch from a resourceVersion it cannot read. */
const REFUSED_VERSION_CODES: ReadonlySet<number> = new Set([400, 422]);

export class GuardedWatch extends Watch {
  private closed = false;
  private readonly open = new Set<AbortController>();
  private quickEnds = 0;
  private lastOpened = 0;
  private sleeping: { timer: NodeJS.Timeout; wake: () => void } | undefined;

  constructor(
    config: KubeConfig,
    private readonly options: GuardedWatchOptions = {},
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
    /** Set by an ERROR event that ends the watch: what `done` is told. */
    let ended: Error | undefined;
    /** Whether the watch handed the informer any event: it was working. */
    let delivered = false;
    const { transform, expects, onRefused } = this.options;
    const deliver: Callback = (phase, apiObj, watchObj) => {
      if (ended || this.closed) return;
      if (phase === 'ERROR' && !isGone(apiObj)) {
        ended = watchError(apiObj);
        controller?.abort();
        return;
      }
      const refused = refusal(phase, apiObj, expects);
      if (refused !== undefined) {
        onRefused?.(refused);
        return;
      }
      const object = transform && OBJECT_EVENTS.has(phase) ? transform(apiObj) : apiObj;
      delivered = true;
      callback(phase, object, watchObj);
    };
    const resourceVersion = queryParams.resourceVersion;
    controller = await super.watch(path, { ...queryParams, allowWatchBookmarks: true }, deliver, (err) => {
      finished = true;
      if (controller) this.open.delete(controller);
      const quick = !delivered && Date.now() - this.lastOpened < QUICK_END_MS;
      this.quickEnds = quick ? Math.min(this.quickEnds + 1, 20) : 0;
      if (this.closed) return;
      if (ended) return done(ended);
      const code = statusCodeOf(err);
      if (resourceVersion && code !== undefined && REFUSED_VERSION_CODES.has(code)) {
        onRefused?.(
          `the watch from resourceVersion ${describeValue(String(resourceVersion))} was refused (HTTP ${code}): listing again`,
        );
        return done(
          gone(`the watch from resourceVersion ${describeValue(String(resourceVersion))} was refused`),
        );
      }
      done(err);
    });
    if (this.closed || ended) controller.abort();
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

/**
 * Why an event cannot be handed to the informer, or undefined when it can. ERROR events are not
 * judged here (a 410 passes; see `watch`).
 */
export function refusal(
  phase: unknown,
  object: unknown,
  expects?: { readonly apiVersion: string; readonly kind: string },
): string | undefined {
  if (phase === 'ERROR') return undefined;
  if (phase === 'BOOKMARK') {
    const metadata = isMapping(object) ? object.metadata : undefined;
    const version = isMapping(metadata) ? metadata.resourceVersion : undefined;
    if (typeof version === 'string' && version !== '') return undefined;
    const where = !isMapping(object)
      ? ['object', 'must be a mapping', object]
      : !isMapping(metadata)
        ? ['object.metadata', 'must be a mapping', metadata]
        : ['object.metadata.resourceVersion', 'must be a non-empty string', version];
    return `a BOOKMARK event was ignored: ${where[0]}: ${where[1]}, not ${describeValue(where[2])}`;
  }
  if (typeof phase !== 'string' || !OBJECT_EVENTS.has(phase))
    return `an event of type ${describeValue(phase)} was ignored: there is no such type of watch event`;
  const event = `${phase === 'ADDED' ? 'an' : 'a'} ${phase} event`;
  if (!isMapping(object))
    return `${event} was ignored: object: must be a mapping, not ${describeValue(object)}`;
  const { metadata } = object;
  if (!isMapping(metadata))
    return `${event} was ignored: object.metadata: must be a mapping, not ${describeValue(metadata)}`;
  for (const field of ['name', 'namespace', 'resourceVersion'] as const) {
    const value = metadata[field];
    if (value !== undefined && value !== null && typeof value !== 'string')
      return `${event} was ignored: object.metadata.${field}: must be a string, not ${describeValue(value)}`;
  }
  const named = typeof metadata.name === 'string' && metadata.name !== '';
  const about = named
    ? `${event} for ${typeof metadata.namespace === 'string' && metadata.namespace ? `${metadata.namespace}/` : ''}${metadata.name}`
    : event;
  if (expects) {
    for (const field of ['apiVersion', 'kind'] as const) {
      const value = object[field];
      if (value !== undefined && value !== expects[field])
        return `${about} was ignored: object.${field}: must be ${describeValue(expects[field])}, the ${field} watched, not ${describeValue(value)}`;
    }
  }
  return undefined;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isGone(object: unknown): boolean {
  return isMapping(object) && object.code === 410;
}

/** The error an ERROR event ends a watch with: its code (statusCode), reason and message. */
function watchError(object: unknown): Error {
  const status = isMapping(object) ? object : {};
  const code = typeof status.code === 'number' ? status.code : undefined;
  const reason = typeof status.reason === 'string' ? status.reason : undefined;
  const message = typeof status.message === 'string' ? status.message : undefined;
  const said = [code, reason, message === undefined ? undefined : describeValue(message)]
    .filter((part) => part !== undefined)
    .join(' ');
  const error = new Error(
    `the API server ended the watch with an ERROR event: ${said || `not a Status but ${describeValue(object)}`}`,
  );
  return code === undefined ? error : Object.assign(error, { statusCode: code });
}

function gone(message: string): Error {
  return Object.assign(new Error(message), { statusCode: 410 });
}

function statusCodeOf(err: unknown): number | undefined {
  if (!isMapping(err) && !(err instanceof Error)) return undefined;
  const { statusCode } = err as { statusCode?: unknown };
  return typeof statusCode === 'number' ? statusCode : undefined;
}
