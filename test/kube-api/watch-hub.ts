// The open watches of the fake API server and how events reach them, as the API server streams
// them: newline-delimited `{type, object}` JSON on a chunked 200 response, filtered by the watch's
// namespace and selectors (an object that stops matching is DELETED for that watch, one that starts
// matching is ADDED), BOOKMARK events to watches that allow them, ERROR 410 Expired to end them, and
// the stream ended after `timeoutSeconds`.
import type { ServerResponse } from 'node:http';
import { apiVersionOf, type FakeResource } from './resources.js';
import type { ObjectFilter } from './selectors.js';
import { sendStatus } from './status.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export type KubeObject = Record<string, unknown> & {
  metadata?: { name?: unknown; namespace?: unknown; [key: string]: unknown };
};

/** A change, as the store logs it: the object after it, and before it for MODIFIED and DELETED. */
export interface StoredEvent {
  readonly rv: number;
  /** The resource's collection path (resourcePath), which names it. */
  readonly path: string;
  readonly type: EventType;
  readonly object: KubeObject;
  readonly previous?: KubeObject;
}

export interface WatchOptions {
  readonly resource: FakeResource;
  readonly path: string;
  readonly filter: ObjectFilter;
  readonly bookmarks: boolean;
  /** End the stream after this many seconds (the request's `timeoutSeconds`). */
  readonly timeoutSeconds?: number;
}

interface Watcher extends WatchOptions {
  readonly response: ServerResponse;
  timer?: NodeJS.Timeout;
}

/** The most watches open at once. */
const MAX_WATCHERS = 200;
/** The longest `timeoutSeconds` honoured. */
const MAX_TIMEOUT_SECONDS = 3600;

export class WatchHub {
  private readonly watchers = new Set<Watcher>();

  count(): number {
    return this.watchers.size;
  }

  /** Opens a watch on `response`: sends `backlog` (events before now), then every event published. */
  open(options: WatchOptions, response: ServerResponse, backlog: readonly StoredEvent[]): void {
    if (this.watchers.size >= MAX_WATCHERS) {
      sendStatus(response, 429, 'TooManyRequests', 'too many watches open on the fake API server');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    response.flushHeaders();
    const watcher: Watcher = { ...options, response };
    for (const event of backlog) deliver(watcher, event);
    this.watchers.add(watcher);
    response.on('close', () => this.close(watcher));
    const seconds = options.timeoutSeconds;
    if (seconds !== undefined && seconds > 0) {
      watcher.timer = setTimeout(() => this.end(watcher), Math.min(seconds, MAX_TIMEOUT_SECONDS) * 1000);
      watcher.timer.unref();
    }
  }

  /** An ERROR 410 Expired event on a response that is not a watch yet, then its end. */
  static expired(response: ServerResponse, message = 'too old resource version'): void {
    response.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    write(response, { type: 'ERROR', object: expiredStatus(message) });
    response.end();
  }

  publish(event: StoredEvent): void {
    for (const watcher of this.watchers) if (watcher.path === event.path) deliver(watcher, event);
  }

  /** Sends a BOOKMARK at `rv` to every watch that allows bookmarks. */
  bookmark(rv: number): void {
    for (const watcher of this.watchers) {
      if (!watcher.bookmarks) continue;
      write(watcher.response, {
        type: 'BOOKMARK',
        object: {
          apiVersion: apiVersionOf(watcher.resource),
          kind: watcher.resource.kind,
          metadata: { resourceVersion: String(rv) },
        },
      });
    }
  }

  /**
   * Writes `line` as it is, a newline added, to every watch of the collection at `path`, through no
   * filter: an event the store never made (malformed JSON, an object of another kind). Returns how
   * many watches it was written to.
   */
  raw(path: string, line: string): number {
    let count = 0;
    for (const watcher of this.watchers) {
      if (watcher.path !== path || watcher.response.writableEnded) continue;
      watcher.response.write(`${line}\n`);
      count += 1;
    }
    return count;
  }

  /** Ends every watch with an ERROR 410 Expired event, so clients relist. */
  expireAll(): void {
    for (const watcher of this.watchers) write(watcher.response, { type: 'ERROR', object: expiredStatus() });
    this.endAll();
  }

  /** Ends every watch stream (clients resume from their last resourceVersion). */
  endAll(): void {
    for (const watcher of [...this.watchers]) this.end(watcher);
  }

  private end(watcher: Watcher): void {
    this.close(watcher);
    watcher.response.end();
  }

  private close(watcher: Watcher): void {
    clearTimeout(watcher.timer);
    this.watchers.delete(watcher);
  }
}

/** Sends an event as this watch sees it through its filter. */
function deliver(watcher: Watcher, event: StoredEvent): void {
  const now = watcher.filter(event.object);
  if (event.type === 'MODIFIED' && event.previous) {
    const before = watcher.filter(event.previous);
    if (now) write(watcher.response, { type: before ? 'MODIFIED' : 'ADDED', object: event.object });
    else if (before) write(watcher.response, { type: 'DELETED', object: event.object });
    return;
  }
  if (now) write(watcher.response, { type: event.type, object: event.object });
}

function expiredStatus(message = 'too old resource version'): unknown {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: 'Expired',
    code: 410,
  };
}

function write(response: ServerResponse, event: unknown): void {
  if (!response.writableEnded) response.write(`${JSON.stringify(event)}\n`);
}
