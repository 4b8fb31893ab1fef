// The in-memory object store behind the fake API server's list and watch routes. It holds objects of
// a few resources, bumps one global resourceVersion on every change, keeps a bounded log of the
// events, and streams them to watchers the way the API server does: newline-delimited
// `{type, object}` JSON after the resourceVersion asked for, BOOKMARK events when the watcher allows
// them, and an ERROR 410 Gone event when the version asked for is older than the log.
import type { ServerResponse } from 'node:http';

/** One resource the fake serves: a list and watch route at `path`. */
export interface FakeResource {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
}

export const FAKE_RESOURCES: readonly FakeResource[] = [
  { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces' },
  { group: '', version: 'v1', kind: 'Service', plural: 'services' },
  { group: '', version: 'v1', kind: 'Pod', plural: 'pods' },
  { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices' },
  { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'HTTPRoute', plural: 'httproutes' },
  { group: 'networking.istio.io', version: 'v1', kind: 'VirtualService', plural: 'virtualservices' },
  { group: 'networking.istio.io', version: 'v1', kind: 'DestinationRule', plural: 'destinationrules' },
];

export function resourcePath(resource: FakeResource): string {
  return resource.group === ''
    ? `/api/${resource.version}/${resource.plural}`
    : `/apis/${resource.group}/${resource.version}/${resource.plural}`;
}

export function apiVersionOf(resource: { readonly group: string; readonly version: string }): string {
  return resource.group === '' ? resource.version : `${resource.group}/${resource.version}`;
}

/** The most events kept for watchers resuming from an older resourceVersion. */
const MAX_EVENTS = 10_000;
/** The most objects the store holds, and the most watches open at once. */
const MAX_OBJECTS = 50_000;
const MAX_WATCHERS = 200;

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface StoredEvent {
  readonly rv: number;
  readonly path: string;
  readonly type: EventType;
  readonly object: Record<string, unknown>;
}

interface Watcher {
  readonly path: string;
  readonly bookmarks: boolean;
  readonly response: ServerResponse;
}

type KubeObject = Record<string, unknown> & {
  metadata?: { name?: unknown; namespace?: unknown; [key: string]: unknown };
};

export class FakeObjectStore {
  private rv = 1;
  private readonly byPath = new Map<string, { resource: FakeResource; objects: Map<string, KubeObject> }>();
  private readonly events: StoredEvent[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly failing = new Map<string, { code: number; left: number }>();

  constructor(resources: readonly FakeResource[]) {
    for (const resource of resources)
      this.byPath.set(resourcePath(resource), { resource, objects: new Map() });
  }

  /** The paths served (list and watch). */
  paths(): readonly string[] {
    return [...this.byPath.keys()];
  }

  resourceVersion(): string {
    return String(this.rv);
  }

  /** Adds or replaces an object (by apiVersion, kind, namespace and name); returns its new resourceVersion. */
  apply(object: unknown): string {
    const { entry, key, value } = this.locate(object);
    const existed = entry.objects.has(key);
    if (!existed && this.objectCount() >= MAX_OBJECTS)
      throw new Error(`the fake holds at most ${MAX_OBJECTS} objects`);
    this.rv += 1;
    const stored: KubeObject = {
      ...value,
      metadata: { ...(value.metadata ?? {}), resourceVersion: String(this.rv) },
    };
    entry.objects.set(key, stored);
    this.record(resourcePath(entry.resource), existed ? 'MODIFIED' : 'ADDED', stored);
    return String(this.rv);
  }

  /** Deletes an object; returns false when there was none. */
  remove(object: unknown): boolean {
    const { entry, key } = this.locate(object);
    const old = entry.objects.get(key);
    if (!old) return false;
    entry.objects.delete(key);
    this.rv += 1;
    this.record(resourcePath(entry.resource), 'DELETED', {
      ...old,
      metadata: { ...(old.metadata ?? {}), resourceVersion: String(this.rv) },
    });
    return true;
  }

  /** Sends a BOOKMARK with the current resourceVersion to every watcher that allows bookmarks. */
  bookmark(): void {
    for (const watcher of this.watchers) {
      if (!watcher.bookmarks) continue;
      const { resource } = this.byPath.get(watcher.path)!;
      write(watcher.response, {
        type: 'BOOKMARK',
        object: {
          apiVersion: apiVersionOf(resource),
          kind: resource.kind,
          metadata: { resourceVersion: String(this.rv) },
        },
      });
    }
  }

  /** Ends every watch with an ERROR 410 Gone event, so clients relist. */
  expireWatches(): void {
    for (const watcher of this.watchers) {
      write(watcher.response, {
        type: 'ERROR',
        object: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'too old resource version',
          reason: 'Expired',
          code: 410,
        },
      });
    }
    this.endWatches();
  }

  /** Ends every watch stream (clients resume from their last resourceVersion). */
  endWatches(): void {
    for (const watcher of this.watchers) watcher.response.end();
    this.watchers.clear();
  }

  /** The next `count` requests (list or watch) of `path` fail with `code` and a Status body. */
  failRequests(path: string, code: number, count: number): void {
    this.failing.set(path, { code, left: Math.max(0, Math.min(count, 1000)) });
  }

  /** A failure to send for this request of `path`, if one was asked for. */
  takeFailure(path: string): number | undefined {
    const failure = this.failing.get(path);
    if (!failure || failure.left === 0) return undefined;
    failure.left -= 1;
    return failure.code;
  }

  watcherCount(): number {
    return this.watchers.size;
  }

  /** The list route: `{apiVersion, kind: <Kind>List, metadata: {resourceVersion}, items}`. */
  list(path: string): unknown {
    const entry = this.byPath.get(path)!;
    const items = [...entry.objects.keys()].sort().map((key) => {
      // As the API server does for typed lists, items carry no apiVersion and kind.
      const { apiVersion: _a, kind: _k, ...rest } = entry.objects.get(key)!;
      return rest;
    });
    return {
      apiVersion: apiVersionOf(entry.resource),
      kind: `${entry.resource.kind}List`,
      metadata: { resourceVersion: String(this.rv) },
      items,
    };
  }

  /** The watch route: holds `response` open and streams events after `resourceVersion`. */
  watch(path: string, query: URLSearchParams, response: ServerResponse): void {
    const entry = this.byPath.get(path)!;
    if (this.watchers.size >= MAX_WATCHERS) {
      response.writeHead(429, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 429 }));
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    response.flushHeaders();
    const asked = query.get('resourceVersion') ?? '';
    const watcher: Watcher = { path, bookmarks: query.get('allowWatchBookmarks') === 'true', response };
    if (asked === '' || asked === '0') {
      // No version: the current objects as ADDED events, then what follows.
      for (const key of [...entry.objects.keys()].sort())
        write(response, { type: 'ADDED', object: entry.objects.get(key) });
    } else {
      const from = Number(asked);
      const oldest = this.events[0]?.rv ?? this.rv + 1;
      if (!Number.isInteger(from) || from < oldest - 1) {
        write(response, {
          type: 'ERROR',
          object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410 },
        });
        response.end();
        return;
      }
      for (const event of this.events)
        if (event.rv > from && event.path === path)
          write(response, { type: event.type, object: event.object });
    }
    this.watchers.add(watcher);
    response.on('close', () => this.watchers.delete(watcher));
  }

  private record(path: string, type: EventType, object: KubeObject): void {
    this.events.push({ rv: this.rv, path, type, object });
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
    for (const watcher of this.watchers) if (watcher.path === path) write(watcher.response, { type, object });
  }

  private objectCount(): number {
    let count = 0;
    for (const entry of this.byPath.values()) count += entry.objects.size;
    return count;
  }

  private locate(object: unknown): {
    entry: { resource: FakeResource; objects: Map<string, KubeObject> };
    key: string;
    value: KubeObject;
  } {
    const value = object as KubeObject;
    const apiVersion = value?.apiVersion;
    const kind = value?.kind;
    const entry = [...this.byPath.values()].find(
      (e) => apiVersionOf(e.resource) === apiVersion && e.resource.kind === kind,
    );
    if (!entry) throw new Error(`the fake does not serve ${String(apiVersion)} ${String(kind)}`);
    const name = value.metadata?.name;
    if (typeof name !== 'string' || name === '') throw new Error('an object needs metadata.name');
    const namespace = typeof value.metadata?.namespace === 'string' ? value.metadata.namespace : '';
    return { entry, key: `${namespace}/${name}`, value: structuredClone(value) };
  }
}

function write(response: ServerResponse, event: unknown): void {
  if (!response.writableEnded) response.write(`${JSON.stringify(event)}\n`);
}
