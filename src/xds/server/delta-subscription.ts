// One type's subscription on an incremental (delta) xDS stream, and what the client holds: the
// state go-control-plane keeps per stream and never in the cache. From it come the changes that
// bring the client level with a snapshot: resources whose version differs, and names to remove.
// Rules (https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol, "Incremental xDS"):
// - the first request for a type with no names to subscribe is a wildcard subscription (legacy
//   form); "*" among the names subscribes to the wildcard explicitly, and unsubscribing "*" ends it;
// - a wildcard stream may also name resources; unsubscribing such a name while the wildcard stays
//   obliges the server to say again whether the resource exists (the client forgot it);
// - initial_resource_versions, on the first request of a type, says what the client kept from an
//   earlier stream: only what differs from it is sent;
// - a name the client subscribed to explicitly and that does not exist is listed once in
//   removed_resources, so the client stops waiting for it.
import type { CachedResource } from '../cache/snapshot.js';

const WILDCARD = '*';
/** Held for an explicitly subscribed name we told the client does not exist. Never a content hash. */
export const ABSENT = '-';
/** Held for a name whose state the client no longer knows: whatever exists must be sent again. */
const UNKNOWN = '';
/** An override saying the client holds nothing of a name the base map has. Never a content hash. */
const NOT_HELD = '\u0000';

export interface ClientChange {
  readonly name: string;
  /** The resource to send; undefined lists the name in removed_resources. */
  readonly resource?: CachedResource;
  /** What the client holds once it applies the change: a version, ABSENT, or nothing. */
  readonly after: string | undefined;
}

export interface PendingChanges {
  /** Sorted by name. */
  readonly changes: readonly ClientChange[];
  /** How many subscribed resources exist: what a state-of-the-world response would carry. */
  readonly selectedCount: number;
  /** Those resources, in no particular order (made when asked for). */
  selected(): readonly CachedResource[];
}

interface LastPending {
  readonly of: ReadonlyMap<string, CachedResource>;
  readonly revision: number;
  readonly result: PendingChanges;
  /** How many of its changes were applied since, in order. */
  applied: number;
}

// Consecutive snapshots of a type mostly differ in a few resources, and every stream of a group
// moves from the same map to the same next one: the names that differ are found once per pair.
const diffs = new WeakMap<
  ReadonlyMap<string, CachedResource>,
  { readonly to: ReadonlyMap<string, CachedResource>; readonly names: readonly string[] }
>();

function changedNames(
  from: ReadonlyMap<string, CachedResource>,
  to: ReadonlyMap<string, CachedResource>,
): readonly string[] {
  const known = diffs.get(from);
  if (known?.to === to) return known.names;
  const names: string[] = [];
  for (const [name, resource] of to) if (from.get(name) !== resource) names.push(name);
  for (const name of from.keys()) if (!to.has(name)) names.push(name);
  diffs.set(from, { to, names });
  return names;
}

// A list's names as a set, once per list array: request-names.ts hands every request with the same
// bytes the same array, so a thousand streams subscribing to the same thousand names share one set
// (copied when one of them changes its own) instead of holding a thousand copies.
const namedSets = new WeakMap<
  readonly string[],
  { readonly names: ReadonlySet<string>; readonly bytes: number }
>();

function sharedNames(
  list: readonly string[],
  intern: (names: readonly string[]) => readonly string[],
): { readonly names: ReadonlySet<string>; readonly bytes: number } {
  let known = namedSets.get(list);
  if (!known) {
    const names = new Set(intern(list));
    let bytes = 0;
    for (const name of names) bytes += Buffer.byteLength(name);
    known = { names, bytes };
    namedSets.set(list, known);
  }
  return known;
}

const asGiven = (names: readonly string[]) => names;
const NO_NAMES: ReadonlySet<string> = new Set();

export class DeltaSubscription {
  private wildcardOn = false;
  /** Shared with other streams while `namesShared` (never changed then: see `ownNames`). */
  private names: ReadonlySet<string> = new Set<string>();
  private namesShared = false;
  /** UTF-8 bytes of `names`, for the stream's name budget (stream-limits.ts). */
  private namesBytes = 0;
  /**
   * What the client holds, name → the version we sent (or it reported on reconnect), ABSENT or
   * UNKNOWN, kept in two layers so that a stream level with its group costs one reference, not a
   * map of every name (issue 15): `base` is a snapshot map the client was last level with (it holds
   * exactly the subscribed resources of it), and `over` what differs from it since (NOT_HELD for a
   * name the base has and the client does not hold). Without a base, `over` is all of it.
   */
  private base: ReadonlyMap<string, CachedResource> | undefined;
  /** With a base, the named names it lacks: so that moving to the next map is not a walk of all names. */
  private absent: ReadonlySet<string> | undefined;
  private over = new Map<string, string>();
  /** Bumped on every change of the above, so `pending` can tell what its last result still says. */
  private revision = 0;
  private last?: LastPending;

  get wildcard(): boolean {
    return this.wildcardOn;
  }

  /** How many names the client subscribed to by name (what it, not the mesh, makes us keep). */
  get namedCount(): number {
    return this.names.size;
  }

  /** UTF-8 bytes of the names the client subscribed to by name. */
  get namedBytes(): number {
    return this.namesBytes;
  }

  /** The explicitly subscribed names in the order the client first asked for them, unsorted. */
  namesInOrder(): IterableIterator<string> {
    return this.names.values();
  }

  /**
   * Applies one request's subscription changes. `initialVersions` is given for the first request of
   * the type only: later ones never reset what the client holds. `intern` gives the names kept (the
   * snapshot's own strings).
   */
  update(
    subscribe: readonly string[],
    unsubscribe: readonly string[],
    initialVersions?: ReadonlyMap<string, string>,
    intern: (names: readonly string[]) => readonly string[] = asGiven,
  ): void {
    const first = initialVersions !== undefined;
    // An ACK carries no subscription change: it must not cost the next pending() its shortcut.
    if (!first && subscribe.length === 0 && unsubscribe.length === 0) return;
    this.revision++;
    // The base says what a subscribed name holds: a wider subscription would claim too much.
    if (first && subscribe.length === 0) this.joinWildcard();
    if (this.namesOnly(subscribe)) {
      // A first list of names, with nothing held: it is the subscription, as every stream's alike.
      const shared = sharedNames(subscribe, intern);
      this.names = shared.names;
      this.namesShared = true;
      this.namesBytes = shared.bytes;
    } else {
      for (const name of intern(subscribe)) {
        if (name === WILDCARD) this.joinWildcard();
        else if (!this.names.has(name)) {
          if (!this.wildcardOn && this.base?.has(name) && !this.over.has(name)) this.over.set(name, NOT_HELD);
          if (this.base && !this.base.has(name)) this.ownAbsent()?.add(name);
          this.ownNames().add(name);
          this.namesBytes += Buffer.byteLength(name);
        }
      }
    }
    for (const name of unsubscribe) {
      if (name === WILDCARD) this.leaveWildcard();
      else this.unsubscribeName(name);
    }
    for (const [name, version] of initialVersions ?? []) {
      // A client may send any string: one equal to a marker must not read as "told absent" or "none".
      if (this.isSubscribed(name))
        this.over.set(name, version === ABSENT || version === NOT_HELD ? UNKNOWN : version);
    }
  }

  /**
   * What to send so the client holds exactly the subscribed resources of `available`. Asked for
   * every type on every request and snapshot, so it answers from its last result when it can: the
   * same while nothing changed; and once the client is level with one map (nothing was pending, or
   * everything pending has been applied), the changes for the next map are among the few names
   * that differ between the two.
   */
  pending(available: ReadonlyMap<string, CachedResource>): PendingChanges {
    const last = this.last;
    if (last?.of === available && last.revision === this.revision) return last.result;
    const level =
      last !== undefined &&
      last.applied === last.result.changes.length &&
      this.revision === last.revision + last.applied;
    if (level) this.rebase(last.of);
    const result =
      level && last.of === available
        ? this.levelWith(available, last.result.selectedCount)
        : level
          ? this.incremental(last.of, available, last.result.selectedCount)
          : this.compute(available);
    this.last = { of: available, revision: this.revision, result, applied: 0 };
    return result;
  }

  private levelWith(available: ReadonlyMap<string, CachedResource>, selectedCount: number): PendingChanges {
    return { changes: [], selectedCount, selected: () => this.compute(available).selected() };
  }

  private incremental(
    from: ReadonlyMap<string, CachedResource>,
    to: ReadonlyMap<string, CachedResource>,
    selectedBefore: number,
  ): PendingChanges {
    const changes: ClientChange[] = [];
    let selectedCount = selectedBefore;
    for (const name of changedNames(from, to)) {
      if (!this.isSubscribed(name)) continue;
      selectedCount += (to.has(name) ? 1 : 0) - (from.has(name) ? 1 : 0);
      this.visit(name, to, changes);
    }
    sortByName(changes);
    return { changes, selectedCount, selected: () => this.compute(to).selected() };
  }

  // Each candidate name once (what the client holds, what it named, and with the wildcard all that
  // exists), without sorting them all: only the few changes are sorted, and the selection's order
  // does not matter to its version (sotwVersion sorts).
  private compute(available: ReadonlyMap<string, CachedResource>): PendingChanges {
    const changes: ClientChange[] = [];
    const selected: CachedResource[] = [];
    const visit = (name: string) => {
      const resource = this.visit(name, available, changes);
      if (resource) selected.push(resource);
    };
    const held = this.heldNames();
    for (const name of held) visit(name);
    for (const name of this.names) if (!held.has(name)) visit(name);
    if (this.wildcardOn) {
      for (const name of available.keys()) if (!held.has(name) && !this.names.has(name)) visit(name);
    }
    sortByName(changes);
    return { changes, selectedCount: selected.length, selected: () => selected };
  }

  /** Adds what the client lacks of `name` to `changes`; returns the resource when it exists. */
  private visit(
    name: string,
    available: ReadonlyMap<string, CachedResource>,
    changes: ClientChange[],
  ): CachedResource | undefined {
    const resource = available.get(name);
    const held = this.heldOf(name);
    if (resource) {
      if (held !== resource.version) changes.push({ name, resource, after: resource.version });
    } else if (held !== ABSENT && (held !== undefined || this.names.has(name))) {
      // Explicit names stay subscribed after removal: remember that the client was told.
      changes.push({ name, after: this.names.has(name) ? ABSENT : undefined });
    }
    return resource;
  }

  /** How many names the client holds differently from the base map: its own memory, per stream. */
  heldOverrides(): number {
    return this.over.size;
  }

  /** The version of `name` the client holds, as far as we sent it (absent: none, or unknown). */
  heldVersion(name: string): string | undefined {
    const version = this.heldOf(name);
    return version === ABSENT || version === UNKNOWN ? undefined : version;
  }

  /** Records that a change was sent; returns what the client held before it. */
  apply(change: ClientChange): string | undefined {
    const before = this.heldOf(change.name);
    this.set(change.name, change.after);
    // Changes applied in the order pending gave them keep the client level with its map.
    const last = this.last;
    if (last && last.result.changes[last.applied] === change) last.applied++;
    return before;
  }

  /**
   * Records that `changes`, the last result of `pending` for a client that held nothing of the
   * type, were all sent: the client is then level with their map, which becomes the base, without
   * a record per name (what `apply` would leave for each, the base says). False when the client
   * held something, or `changes` is not that result unapplied: the caller applies them one by one.
   */
  applyFresh(changes: readonly ClientChange[]): boolean {
    const last = this.last;
    if (last?.result.changes !== changes || last.applied !== 0 || last.revision !== this.revision)
      return false;
    if (this.base !== undefined || this.over.size > 0) return false;
    this.revision++;
    this.rebase(last.of);
    this.last = {
      of: last.of,
      revision: this.revision,
      result: this.levelWith(last.of, last.result.selectedCount),
      applied: 0,
    };
    return true;
  }

  /**
   * Undoes a change the client rejected: it holds `before` again. Skipped when something else
   * changed the name since (`after` is no longer what we hold) or the name is no longer subscribed.
   */
  restore(name: string, before: string | undefined, after: string | undefined): void {
    if (!this.isSubscribed(name) || this.heldOf(name) !== after) return;
    this.set(name, before);
  }

  private set(name: string, value: string | undefined): void {
    this.revision++;
    this.hold(name, value);
  }

  /** Records what the client holds of `name`, as an override only where the base says otherwise. */
  private hold(name: string, value: string | undefined): void {
    const fromBase = this.isSubscribed(name) ? this.base?.get(name)?.version : undefined;
    if (value === fromBase) this.over.delete(name);
    else this.over.set(name, value === undefined ? NOT_HELD : value);
  }

  /** What the client holds of `name`: a version, ABSENT, UNKNOWN, or undefined for nothing. */
  private heldOf(name: string): string | undefined {
    const value = this.over.get(name);
    if (value !== undefined) return value === NOT_HELD ? undefined : value;
    return this.isSubscribed(name) ? this.base?.get(name)?.version : undefined;
  }

  /** Every name the client holds something of. */
  private heldNames(): Set<string> {
    const names = new Set<string>();
    for (const [name, value] of this.over) if (value !== NOT_HELD) names.add(name);
    if (this.base)
      for (const name of this.base.keys())
        if (!this.over.has(name) && this.isSubscribed(name)) names.add(name);
    return names;
  }

  /**
   * The client applied everything pending for `of`: it holds exactly the subscribed resources of
   * it, and ABSENT for each named one `of` lacks (it was told). That is the base from now on.
   */
  private rebase(of: ReadonlyMap<string, CachedResource>): void {
    if (this.base === of && this.over.size === 0) return;
    // Made only when some name is absent: a stream rebases on every change it ACKs.
    let absent: Set<string> | undefined;
    const lacks = (name: string) => {
      if (of.has(name)) return;
      absent ??= new Set();
      absent.add(name);
    };
    if (this.base !== undefined && this.absent !== undefined) {
      // A named name `of` lacks was lacking from the base already, or is among the few names that
      // differ between the two maps (found once for every stream of the group).
      for (const name of this.absent) lacks(name);
      for (const name of changedNames(this.base, of)) if (this.names.has(name)) lacks(name);
    } else for (const name of this.names) lacks(name);
    this.base = of;
    this.absent = absent ?? NO_NAMES;
    this.over.clear();
    for (const name of this.absent) this.over.set(name, ABSENT);
  }

  /** Drops the base: every held name becomes an override (before the subscription changes shape). */
  private materialize(): void {
    if (!this.base) return;
    const held = new Map<string, string>();
    for (const name of this.heldNames()) held.set(name, this.heldOf(name) as string);
    this.base = undefined;
    this.absent = undefined;
    this.over = held;
  }

  private joinWildcard(): void {
    if (this.wildcardOn) return;
    this.materialize();
    this.wildcardOn = true;
  }

  private isSubscribed(name: string): boolean {
    return this.wildcardOn || this.names.has(name);
  }

  private leaveWildcard(): void {
    this.materialize();
    this.wildcardOn = false;
    // The client keeps only what it named; it expects no removal for the rest.
    for (const name of [...this.over.keys()]) if (!this.names.has(name)) this.over.delete(name);
  }

  /** Whether `subscribe` is all there is to the subscription: no name, wildcard or held state yet. */
  private namesOnly(subscribe: readonly string[]): boolean {
    return (
      subscribe.length > 0 &&
      this.names.size === 0 &&
      !this.wildcardOn &&
      this.base === undefined &&
      this.over.size === 0 &&
      !subscribe.includes(WILDCARD)
    );
  }

  /** `absent` to change, this subscription's own (not the shared empty set); none without a base. */
  private ownAbsent(): Set<string> | undefined {
    if (this.absent === NO_NAMES) this.absent = new Set();
    return this.absent as Set<string> | undefined;
  }

  /** The names, this subscription's own from now on (a shared set is copied first). */
  private ownNames(): Set<string> {
    if (this.namesShared) {
      this.names = new Set(this.names);
      this.namesShared = false;
    }
    return this.names as Set<string>;
  }

  private unsubscribeName(name: string): void {
    const wasNamed = this.names.has(name) && this.ownNames().delete(name);
    if (this.absent?.has(name)) this.ownAbsent()?.delete(name);
    if (wasNamed) this.namesBytes -= Buffer.byteLength(name);
    if (this.wildcardOn && wasNamed) this.over.set(name, UNKNOWN);
    // Not subscribed any more: the base says nothing of it, and an override would be stale.
    else if (!this.wildcardOn) this.over.delete(name);
  }
}

function sortByName(changes: ClientChange[]): void {
  changes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
