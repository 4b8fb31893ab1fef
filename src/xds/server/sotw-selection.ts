// What a state-of-the-world subscription selects from a snapshot's resources of one type, and the
// response that sends all of it. Proxies of one group hold the same per-type maps (the builder
// keeps a map's identity while its content is unchanged) and mostly subscribe to the same names,
// so a selection is computed once per map and subscription, not once per stream; the response's
// encoding is then shared as well (see ads-service.ts).
import { type CachedResource, sotwVersion, versionOfAll } from '../cache/snapshot.js';
import { isFullStateType } from './resource-types.js';

export interface SotwResponse {
  readonly typeUrl: string;
  /** The version of the whole selection, whether the response carries all of it or part. */
  readonly versionInfo: string;
  readonly nonce: string;
  /** Sorted by name. */
  readonly resources: readonly CachedResource[];
}

export interface Subscription {
  /** Every resource of the type, whether or not it is also named. */
  readonly wildcard: boolean;
  readonly names: ReadonlySet<string>;
  /** Equal keys select the same: '*' for a wildcard, else the sorted names. */
  readonly key: string;
  /**
   * The list as the first stream to subscribe so gave it. Clients repeat their list on every ACK,
   * in the same order: comparing it element by element is much cheaper than hashing every name.
   */
  readonly listed: readonly string[];
}

/** What a subscription selects from one map, sorted by name, its version, and the response that sends it. */
export interface Selection {
  readonly version: string;
  /** All of the selection: what a client that holds none of it is sent. */
  readonly response: SotwResponse;
  /** The map it was selected from. */
  readonly of: ReadonlyMap<string, CachedResource>;
  /** The key of the subscription that selected it. */
  readonly subscriptionKey: string;
}

let responsesMade = 0;

/** A nonce no other response has: every response object is sent with its own. */
export function nextNonce(): string {
  return String(++responsesMade);
}

// Proxies of a group mostly subscribe to the same names, and a subscription of a thousand names is
// a set and a key of some 50 kB: streams that subscribe alike share one subscription object, held
// here only while some stream holds it.
const subscriptions = new Map<string, WeakRef<Subscription>>();
const forgetSubscription = new FinalizationRegistry<string>((poolKey) => {
  if (subscriptions.get(poolKey)?.deref() === undefined) subscriptions.delete(poolKey);
});

// Streams handed the same list (request-names.ts gives every stream the same array for the same
// bytes) find its subscription by the array, without reading a name. Kept while the list is.
const byList = new WeakMap<readonly string[], Subscription>();

/**
 * The subscription to `listed`, the list as the client gave it. `intern` gives the names the
 * subscription keeps (the snapshot's own strings), when one is made.
 */
export function subscription(
  wildcard: boolean,
  listed: readonly string[],
  intern: (names: readonly string[]) => readonly string[] = (names) => names,
): Subscription {
  const same = byList.get(listed);
  if (same?.wildcard === wildcard) return same;
  const made = pooledSubscription(wildcard, intern(listed), listed);
  byList.set(listed, made);
  return made;
}

function pooledSubscription(
  wildcard: boolean,
  resourceNames: readonly string[],
  listed: readonly string[],
): Subscription {
  const names = new Set(resourceNames.filter((n) => n !== '*'));
  const sorted = [...names].sort().join('\n');
  // A wildcard's key ignores its names (it selects everything), but its names are still its own.
  const poolKey = `${wildcard ? '*' : ''}\n${sorted}`;
  const known = subscriptions.get(poolKey)?.deref();
  if (known) return known;
  const made: Subscription = { wildcard, names, key: wildcard ? '*' : sorted, listed };
  subscriptions.set(poolKey, new WeakRef(made));
  forgetSubscription.register(made, poolKey);
  return made;
}

export function sameSubscription(
  a: Subscription,
  wildcard: boolean,
  resourceNames: readonly string[],
): boolean {
  if (a.wildcard !== wildcard) return false;
  if (sameList(a.listed, resourceNames)) return true;
  let named = 0;
  for (const name of resourceNames) {
    if (name === '*') continue;
    if (!a.names.has(name)) return false;
    named++;
  }
  if (named === a.names.size) return true;
  // Every name is known: equal unless some are missing, which only repeats in the list can hide.
  return named > a.names.size && new Set(resourceNames.filter((n) => n !== '*')).size === a.names.size;
}

// Keyed by type too: the empty map is one object for every type, and what an empty selection means
// depends on the type.
const selections = new WeakMap<ReadonlyMap<string, CachedResource>, Map<string, Selection | undefined>>();

/** What `sub` selects from `available`, once per map and subscription; undefined when nothing is to be sent yet. */
export function selectShared(
  available: ReadonlyMap<string, CachedResource>,
  typeUrl: string,
  sub: Subscription,
): Selection | undefined {
  let byKey = selections.get(available);
  if (!byKey) {
    byKey = new Map();
    selections.set(available, byKey);
  }
  const key = available.size === 0 ? `${typeUrl}\n${sub.key}` : sub.key;
  if (byKey.has(key)) return byKey.get(key);
  const resources = select(available, typeUrl, sub);
  let selection: Selection | undefined;
  if (resources) {
    resources.sort((a, b) => (a.name < b.name ? -1 : 1)); // names are unique
    // Selecting all of the map (wildcard, or every name there is) is the usual case, shared with
    // the delta streams of the same group.
    const version = resources.length === available.size ? versionOfAll(available) : sotwVersion(resources);
    selection = sameContent(typeUrl, sub, version, resources) ?? {
      version,
      response: { typeUrl, versionInfo: version, nonce: nextNonce(), resources },
      of: available,
      subscriptionKey: sub.key,
    };
    pool(typeUrl, sub, selection);
  }
  byKey.set(key, selection);
  return selection;
}

// Groups are told apart by their parts, but two groups' maps often hold the very same resources
// (the encode memo gives equal content one object): proxies of two services whose own parts
// translate alike. Such groups share one Selection, and so one response, one nonce and one
// encoding: at a cold start of 1,000 groups alike, one 465 kB Cluster response is encoded once,
// not 1,000 times. Held here only while some group's map holds the selection.
const byContent = new Map<string, WeakRef<Selection>>();
const forgetSelection = new FinalizationRegistry<string>((contentKey) => {
  if (byContent.get(contentKey)?.deref() === undefined) byContent.delete(contentKey);
});
const subscriptionIds = new WeakMap<Subscription, number>();
let subscriptionsSeen = 0;

function contentKey(typeUrl: string, sub: Subscription, version: string): string {
  let id = subscriptionIds.get(sub);
  if (id === undefined) {
    id = ++subscriptionsSeen;
    subscriptionIds.set(sub, id);
  }
  return `${typeUrl}\n${id}\n${version}`;
}

/** A selection made before from another map with exactly these resources, if one is still held. */
function sameContent(
  typeUrl: string,
  sub: Subscription,
  version: string,
  resources: readonly CachedResource[],
): Selection | undefined {
  const known = byContent.get(contentKey(typeUrl, sub, version))?.deref();
  if (!known || known.response.resources.length !== resources.length) return undefined;
  // The version is a hash of names and contents: the objects themselves must be the same too, as
  // the responses carry them.
  return known.response.resources.every((r, i) => r === resources[i]) ? known : undefined;
}

function pool(typeUrl: string, sub: Subscription, selection: Selection): void {
  const key = contentKey(typeUrl, sub, selection.version);
  if (byContent.get(key)?.deref() === selection) return;
  byContent.set(key, new WeakRef(selection));
  forgetSelection.register(selection, key);
}

/** The resources a subscription selects, or undefined when there is nothing to send yet. */
function select(
  available: ReadonlyMap<string, CachedResource>,
  typeUrl: string,
  { wildcard, names }: Subscription,
): CachedResource[] | undefined {
  const selected = wildcard
    ? [...available.values()]
    : [...names].flatMap((name) => {
        const resource = available.get(name);
        return resource ? [resource] : [];
      });
  // Named EDS/RDS resources that do not exist yet: wait until they do.
  if (selected.length === 0 && !wildcard && !isFullStateType(typeUrl)) return undefined;
  return selected;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  // The request codec hands every request with the same list the same array (request-names.ts).
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
