// The in-memory object store behind the fake API server's REST routes. It holds the objects of the
// resources installed (a resource can be installed after the start, as a CRD can), bumps one global
// resourceVersion on every change, keeps a bounded log of the changes, and streams them to watches
// (watch-hub.ts). From that log it can also give a resource's objects as they were at an older
// resourceVersion, which is what a paginated list's continue token reads.
//
// Tests seed it with `apply`/`remove` (objects are stored as given, with only their resourceVersion
// set); the REST routes (rest-routes.ts) write through `write`/`delete` with the API server's rules.
import type { ServerResponse } from 'node:http';
import { listBody } from './list-page.js';
import { apiVersionOf, type FakeResource, resourcePath } from './resources.js';
import { requestFilter } from './selectors.js';
import { badRequest } from './status.js';
import { type EventType, type KubeObject, type StoredEvent, WatchHub } from './watch-hub.js';

export {
  ALL_FAKE_RESOURCES,
  apiVersionOf,
  FAKE_RESOURCES,
  type FakeResource,
  fakeResource,
  resourcePath,
} from './resources.js';
export type { KubeObject } from './watch-hub.js';

/** The most events kept for watchers resuming from an older resourceVersion. */
const MAX_EVENTS = 10_000;
/** The most objects the store holds, and the most resources installed. */
const MAX_OBJECTS = 50_000;
const MAX_RESOURCES = 100;

interface Collection {
  readonly resource: FakeResource;
  readonly objects: Map<string, KubeObject>;
}

export class FakeObjectStore {
  private rv = 1;
  private readonly collections = new Map<string, Collection>();
  private readonly events: StoredEvent[] = [];
  private readonly hub = new WatchHub();
  private readonly failing = new Map<string, { code: number; left: number }>();

  constructor(resources: readonly FakeResource[]) {
    for (const resource of resources) this.install(resource);
  }

  /** Serves `resource` from now on (a CRD installed later); false when it was served already. */
  install(resource: FakeResource): boolean {
    const path = resourcePath(resource);
    if (this.collections.has(path)) return false;
    if (this.collections.size >= MAX_RESOURCES)
      throw new Error(`the fake serves at most ${MAX_RESOURCES} resources`);
    this.collections.set(path, { resource, objects: new Map() });
    return true;
  }

  /** The resources served, in the order installed. */
  resources(): readonly FakeResource[] {
    return [...this.collections.values()].map((c) => c.resource);
  }

  /** The resource served at `/api(s)/{group}/{version}/{plural}`, if any. */
  served(group: string, version: string, plural: string): FakeResource | undefined {
    return this.collections.get(resourcePath({ group, version, plural }))?.resource;
  }

  /** The cluster-wide collection paths served (list and watch). */
  paths(): readonly string[] {
    return [...this.collections.keys()];
  }

  resourceVersion(): string {
    return String(this.rv);
  }

  /** Adds or replaces an object (by apiVersion, kind, namespace and name); returns its new resourceVersion. */
  apply(object: unknown): string {
    const value = structuredClone(object) as KubeObject;
    const collection = this.collectionOf(value);
    return this.store(collection, keyOf(value), value).metadata!.resourceVersion as string;
  }

  /** Deletes an object; returns false when there was none. */
  remove(object: unknown): boolean {
    const value = object as KubeObject;
    return this.drop(this.collectionOf(value), keyOf(value)) !== undefined;
  }

  /** A copy of the object `namespace/name` of `resource` ('' namespace when cluster-scoped). */
  get(resource: FakeResource, namespace: string, name: string): KubeObject | undefined {
    const found = this.collection(resource).objects.get(`${namespace}/${name}`);
    return found && structuredClone(found);
  }

  /** Stores `object` (ADDED or MODIFIED) at a new resourceVersion; returns a copy as stored. */
  write(resource: FakeResource, object: KubeObject): KubeObject {
    const value = structuredClone(object);
    return structuredClone(this.store(this.collection(resource), keyOf(value), value));
  }

  /** Deletes `namespace/name` (DELETED); returns its last state, at the deletion's resourceVersion. */
  delete(resource: FakeResource, namespace: string, name: string): KubeObject | undefined {
    const gone = this.drop(this.collection(resource), `${namespace}/${name}`);
    return gone && structuredClone(gone);
  }

  /** The objects of `resource` by namespace/name, now or (when `rv` is given) as they were then. */
  objects(resource: FakeResource, rv?: number): readonly KubeObject[] | undefined {
    const { objects } = this.collection(resource);
    const path = resourcePath(resource);
    if (rv === undefined || rv >= this.rv) return sorted(objects);
    if (!this.resumable(rv)) return undefined;
    const then = new Map(objects);
    for (let i = this.events.length - 1; i >= 0 && this.events[i]!.rv > rv; i -= 1) {
      const event = this.events[i]!;
      if (event.path !== path) continue;
      if (event.type === 'ADDED') then.delete(keyOf(event.object));
      else then.set(keyOf(event.object), event.previous!);
    }
    return sorted(then);
  }

  /** Forgets the change log: a watch or continue token from before now is expired (410). */
  compact(): void {
    this.events.splice(0);
  }

  /** Sends a BOOKMARK with the current resourceVersion to every watcher that allows bookmarks. */
  bookmark(): void {
    this.hub.bookmark(this.rv);
  }

  /**
   * Sends `event` to every watch of `resource` as it is, bypassing the store: nothing is stored, no
   * resourceVersion is set or bumped, no selector is applied. A string is sent as the line itself
   * (malformed JSON, say), anything else as its JSON. Returns how many watches it was sent to.
   */
  sendRaw(resource: FakeResource, event: unknown): number {
    const line = typeof event === 'string' ? event : JSON.stringify(event);
    if (line.includes('\n')) throw new Error('a raw watch event is one line');
    return this.hub.raw(resourcePath(this.collection(resource).resource), line);
  }

  /** Ends every watch with an ERROR 410 Gone event, so clients relist. */
  expireWatches(): void {
    this.hub.expireAll();
  }

  /** Ends every watch stream (clients resume from their last resourceVersion). */
  endWatches(): void {
    this.hub.endAll();
  }

  watcherCount(): number {
    return this.hub.count();
  }

  /** The next `count` requests of `path` (any method) fail with `code` and a Status body. */
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

  /** Every object of the collection at `path`, as the list route answers without a query. */
  list(path: string): unknown {
    const { resource } = this.collections.get(path)!;
    return listBody(resource, this.objects(resource)!, { resourceVersion: String(this.rv) });
  }

  /** A watch of the whole collection at `path` (the watch route without a namespace). */
  watch(path: string, query: URLSearchParams, response: ServerResponse): void {
    this.watchResource(this.collections.get(path)!.resource, query, response);
  }

  /**
   * Holds `response` open and streams the events of `resource` (in `namespace`, named `name`, and
   * matching the query's selectors) after the query's `resourceVersion`: with none (or "0"), the
   * current objects as ADDED first. A version older than the log is an ERROR 410 event.
   * Throws a StatusError (400) for a malformed query.
   */
  watchResource(
    resource: FakeResource,
    query: URLSearchParams,
    response: ServerResponse,
    namespace?: string,
    name?: string,
  ): void {
    const path = resourcePath(resource);
    const filter = requestFilter(resource, query, namespace, name);
    const timeout = query.get('timeoutSeconds');
    if (timeout !== null && !/^\d+$/.test(timeout))
      throw badRequest(`invalid timeoutSeconds: ${JSON.stringify(timeout)}`);
    const asked = query.get('resourceVersion') ?? '';
    let backlog: StoredEvent[];
    if (asked === '' || asked === '0') {
      backlog = sorted(this.collection(resource).objects).map((object) => ({
        rv: this.rv,
        path,
        type: 'ADDED' as const,
        object,
      }));
    } else {
      if (!/^\d+$/.test(asked)) throw badRequest(`invalid resource version: ${JSON.stringify(asked)}`);
      const from = Number(asked);
      if (!this.resumable(from)) {
        WatchHub.expired(response);
        return;
      }
      backlog = this.events.filter((event) => event.rv > from && event.path === path);
    }
    this.hub.open(
      {
        resource,
        path,
        filter,
        bookmarks: query.get('allowWatchBookmarks') === 'true',
        ...(timeout !== null ? { timeoutSeconds: Number(timeout) } : {}),
      },
      response,
      backlog,
    );
  }

  /** Whether every change after `rv` is still in the log. */
  private resumable(rv: number): boolean {
    const oldest = this.events[0]?.rv ?? this.rv + 1;
    return rv >= oldest - 1;
  }

  private collection(resource: FakeResource): Collection {
    const found = this.collections.get(resourcePath(resource));
    if (!found) throw new Error(`the fake does not serve ${resourcePath(resource)}`);
    return found;
  }

  private collectionOf(value: KubeObject): Collection {
    const found = [...this.collections.values()].find(
      (c) => apiVersionOf(c.resource) === value?.apiVersion && c.resource.kind === value.kind,
    );
    if (!found)
      throw new Error(`the fake does not serve ${String(value?.apiVersion)} ${String(value?.kind)}`);
    return found;
  }

  private store(collection: Collection, key: string, value: KubeObject): KubeObject {
    const previous = collection.objects.get(key);
    if (!previous && this.objectCount() >= MAX_OBJECTS)
      throw new Error(`the fake holds at most ${MAX_OBJECTS} objects`);
    this.rv += 1;
    const stored: KubeObject = {
      ...value,
      metadata: { ...(value.metadata ?? {}), resourceVersion: String(this.rv) },
    };
    collection.objects.set(key, stored);
    this.record(collection.resource, previous ? 'MODIFIED' : 'ADDED', stored, previous);
    return stored;
  }

  private drop(collection: Collection, key: string): KubeObject | undefined {
    const previous = collection.objects.get(key);
    if (!previous) return undefined;
    collection.objects.delete(key);
    this.rv += 1;
    const gone = {
      ...previous,
      metadata: { ...(previous.metadata ?? {}), resourceVersion: String(this.rv) },
    };
    this.record(collection.resource, 'DELETED', gone, previous);
    return gone;
  }

  private record(resource: FakeResource, type: EventType, object: KubeObject, previous?: KubeObject): void {
    const event: StoredEvent = { rv: this.rv, path: resourcePath(resource), type, object, previous };
    this.events.push(event);
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
    this.hub.publish(event);
  }

  private objectCount(): number {
    let count = 0;
    for (const collection of this.collections.values()) count += collection.objects.size;
    return count;
  }
}

/** `namespace/name` ('' namespace for a cluster-scoped object); throws without a name. */
function keyOf(value: KubeObject): string {
  const name = value?.metadata?.name;
  if (typeof name !== 'string' || name === '') throw new Error('an object needs metadata.name');
  const namespace = typeof value.metadata?.namespace === 'string' ? value.metadata.namespace : '';
  return `${namespace}/${name}`;
}

function sorted(objects: ReadonlyMap<string, KubeObject>): KubeObject[] {
  return [...objects.keys()].sort().map((key) => objects.get(key)!);
}
