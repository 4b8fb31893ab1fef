import { describeProfile } from '../../model/client-profile.js';
import {
  type CachedResource,
  resourcesOfType,
  type Snapshot,
  sotwVersion,
  versionOfAll,
} from '../cache/snapshot.js';
import { boundedText } from './log-throttle.js';
import { boundedMessage, rejectedResources } from './nack-record.js';
import { inPushOrder, isFullStateType } from './resource-types.js';
import { type NackStatus, type ProxySyncStatus, subscribedSample, type TypeSyncStatus } from './status.js';
import { type BaseTypeState, StreamBase, type StreamOptions } from './stream-base.js';
import { nameBytes } from './stream-limits.js';
import { pushReason } from './stream-metrics.js';

export interface SotwRequest {
  readonly typeUrl: string;
  readonly versionInfo: string;
  readonly resourceNames: readonly string[];
  /** '' on the first request for a type. */
  readonly responseNonce: string;
  /** Present when the client rejects the response with `responseNonce` (a NACK). */
  readonly errorDetail?: { readonly code: number; readonly message: string };
}

export interface SotwResponse {
  readonly typeUrl: string;
  readonly versionInfo: string;
  readonly nonce: string;
  /** Sorted by name. */
  readonly resources: readonly CachedResource[];
}

export type SotwStreamOptions = StreamOptions<SotwResponse>;

interface Subscription {
  /** Every resource of the type, whether or not it is also named. */
  readonly wildcard: boolean;
  readonly names: ReadonlySet<string>;
  /** Equal keys select the same: '*' for a wildcard, else the sorted names. */
  readonly key: string;
}

interface TypeState extends BaseTypeState {
  subscription: Subscription;
  /** Once a name (or '*') was asked for, an empty list unsubscribes instead of meaning wildcard. */
  named: boolean;
  /** The names of the last request that was not stale, as the client listed them. */
  lastNames?: readonly string[];
  /** The subscription changed since the last response: answer even if the version did not change. */
  owesResponse: boolean;
  /** The last response sent is not yet ACKed or NACKed: nothing more of this type goes out. */
  awaiting: boolean;
  /** When the latest request of the type that was not stale arrived (clock milliseconds). */
  requestAt: number;
  /**
   * What the subscription selects from `of`, the snapshot's resources of the type, once computed;
   * forgotten when the subscription changes, and stale when the snapshot's map is another.
   */
  selected?: { readonly of: ReadonlyMap<string, CachedResource>; readonly selection: Selection | undefined };
  lastSentNonce?: string;
  /**
   * The response sent with lastSentNonce, shared with the streams that selected the same: a NACK
   * names no resource, so what it rejects is read from here.
   */
  lastSent?: SotwResponse;
  lastAckedVersion?: string;
  /** The response the proxy last ACKed: what it holds of the type. */
  lastAcked?: SotwResponse;
  lastNack?: NackStatus;
}

export class SotwStream extends StreamBase<SotwResponse, TypeState> {
  onRequest(request: SotwRequest): void {
    const { typeUrl, responseNonce } = request;
    const known = this.types.get(typeUrl);
    if (responseNonce !== '' && responseNonce !== known?.lastSentNonce) {
      this.throttled.log(
        'debug',
        'stale nonce',
        { typeUrl, nonce: boundedText(responseNonce), latest: known?.lastSentNonce },
        'stale nonce: request ignored',
      );
      return;
    }
    const requestAt = this.metrics.clock();
    const state: TypeState = known ?? {
      subscription: subscription(false, []),
      named: false,
      owesResponse: true,
      awaiting: false,
      requestAt,
    };
    if (!known) this.types.set(typeUrl, state);
    state.requestAt = requestAt;
    if (request.errorDetail) this.recordNack(state, request, request.errorDetail);
    // An ACK names the version it accepts. After a NACK, a client that changes its subscription
    // repeats the nonce with the version it kept: that request accepts nothing.
    else if (responseNonce !== '' && request.versionInfo === state.lastSentVersion)
      this.recordAck(state, request);
    // The latest response is answered, either way: the type may send again.
    if (responseNonce !== '') state.awaiting = false;
    this.subscribe(typeUrl, state, request.resourceNames);
    this.push();
  }

  status(): ProxySyncStatus {
    const types: Record<string, TypeSyncStatus> = {};
    for (const typeUrl of inPushOrder(this.types.keys())) {
      const s = this.types.get(typeUrl)!;
      types[typeUrl] = {
        ...(s.subscription.wildcard
          ? { subscribed: '*' as const }
          : subscribedSample(s.subscription.names, s.subscription.names.size)),
        ...(s.lastSentVersion !== undefined ? { lastSentVersion: s.lastSentVersion } : {}),
        ...(s.lastSentNonce !== undefined ? { lastSentNonce: s.lastSentNonce } : {}),
        ...(s.lastAckedVersion !== undefined ? { lastAckedVersion: s.lastAckedVersion } : {}),
        ...(s.lastNack ? { lastNack: s.lastNack } : {}),
        ...(s.heldNack ? { nackHeld: true } : {}),
      };
    }
    return {
      proxyId: boundedText(this.proxy.id),
      variant: 'sotw',
      kind: this.proxy.kind,
      ...(this.proxy.profile ? { client: boundedText(describeProfile(this.proxy.profile)) } : {}),
      namespace: boundedText(this.proxy.namespace),
      connectedAt: this.connectedAt.toISOString(),
      types,
    };
  }

  /** The version of `name` the proxy last ACKed, if it ACKed one. */
  ackedVersion(typeUrl: string, name: string): string | undefined {
    return this.types.get(typeUrl)?.lastAcked?.resources.find((r) => r.name === name)?.version;
  }

  private recordAck(state: TypeState, request: SotwRequest): void {
    state.lastAckedVersion = state.lastSentVersion;
    state.lastAcked = state.lastSent;
    state.heldNack = undefined;
    this.metrics.answered(request.typeUrl, request.responseNonce, true);
    this.logger.debug(
      { typeUrl: request.typeUrl, version: state.lastSentVersion, nonce: request.responseNonce },
      'ACK',
    );
  }

  private recordNack(state: TypeState, request: SotwRequest, error: { code: number; message: string }): void {
    // The rejected version is the one sent with this nonce; version_info is what the client kept.
    const keptVersion = boundedText(request.versionInfo);
    const version = request.responseNonce !== '' ? (state.lastSentVersion ?? '') : keptVersion;
    const message = boundedMessage(error.message);
    // A NACK without a nonce answers no response: what it rejects is unknown.
    const names = request.responseNonce !== '' ? state.lastSent?.resources.map((r) => r.name) : undefined;
    state.lastNack = {
      version,
      nonce: request.responseNonce,
      message,
      at: this.now().toISOString(),
      ...(names ? { resources: rejectedResources(names, true) } : {}),
    };
    state.heldNack = state.lastNack;
    this.metrics.answered(request.typeUrl, request.responseNonce, false);
    this.throttled.log(
      'warn',
      'NACK',
      {
        typeUrl: request.typeUrl,
        version,
        keptVersion,
        nonce: request.responseNonce,
        code: error.code,
        error: message,
      },
      'proxy rejected configuration (NACK)',
    );
  }

  private subscribe(typeUrl: string, state: TypeState, resourceNames: readonly string[]): void {
    // Legacy wildcard: an empty list is '*' until the client first names something.
    if (resourceNames.length > 0) state.named = true;
    // Every ACK repeats the names, mostly as the same list in the same order: one comparison.
    if (sameList(state.lastNames, resourceNames)) return;
    // A new list replaces the type's names: within the stream's budget, or the stream ends here.
    this.nameBudget.set(typeUrl, nameBytes(resourceNames));
    state.lastNames = resourceNames;
    const wildcard = resourceNames.includes('*') || !state.named;
    if (sameSubscription(state.subscription, wildcard, resourceNames)) return;
    state.subscription = subscription(wildcard, resourceNames);
    state.owesResponse = true;
    state.selected = undefined;
  }

  protected push(): void {
    const snapshot = this.snapshot;
    if (!snapshot) return;
    // Types with a response in flight: while one of them has newer state to send, later types hold
    // what the client did not ask for, so the wire keeps the push order.
    const waiting: string[] = [];
    for (const typeUrl of inPushOrder(this.types.keys())) {
      if (!this.writable) return;
      const state = this.types.get(typeUrl)!;
      if (state.awaiting) {
        waiting.push(typeUrl);
        continue;
      }
      if (!this.hasNewer(snapshot, typeUrl, state)) continue;
      if (!state.owesResponse && waiting.some((t) => this.hasNewer(snapshot, t, this.types.get(t)!)))
        continue;
      this.respond(snapshot, typeUrl, state);
    }
  }

  private hasNewer(snapshot: Snapshot, typeUrl: string, state: TypeState): boolean {
    const version = this.selectedVersion(snapshot, typeUrl, state);
    return version !== undefined && (version !== state.lastSentVersion || state.owesResponse);
  }

  /** Memoised: every request re-checks every type, and most of them have not changed. */
  private selection(snapshot: Snapshot, typeUrl: string, state: TypeState): Selection | undefined {
    const available = resourcesOfType(snapshot, typeUrl);
    if (state.selected?.of !== available) {
      state.selected = { of: available, selection: selectShared(available, typeUrl, state.subscription) };
    }
    return state.selected.selection;
  }

  private selectedVersion(snapshot: Snapshot, typeUrl: string, state: TypeState): string | undefined {
    return this.selection(snapshot, typeUrl, state)?.version;
  }

  private respond(snapshot: Snapshot, typeUrl: string, state: TypeState): void {
    const { response } = this.selection(snapshot, typeUrl, state)!;
    const { versionInfo: version, nonce, resources } = response;
    const reason = pushReason(state.lastSentNonce === undefined, state.owesResponse);
    state.lastSentVersion = version;
    state.lastSentNonce = nonce;
    state.lastSent = response;
    state.owesResponse = false;
    state.awaiting = true;
    this.logger.debug({ typeUrl, version, nonce, resources: resources.length }, 'sending');
    if (!this.send(response)) this.writable = false;
    const since = Math.max(this.snapshotAt, state.requestAt);
    this.metrics.sent(typeUrl, nonce, reason, since, snapshot.changeStamp);
  }
}

function subscription(wildcard: boolean, resourceNames: readonly string[]): Subscription {
  const names = new Set(resourceNames.filter((n) => n !== '*'));
  return { wildcard, names, key: wildcard ? '*' : [...names].sort().join('\n') };
}

/** What a subscription selects, sorted by name, its version, and the response that sends it. */
interface Selection {
  readonly version: string;
  readonly response: SotwResponse;
}

let selectionsMade = 0;

// Proxies of one group hold the same per-type maps (the builder keeps a map's identity while its
// content is unchanged) and mostly subscribe to the same names, so a selection is computed once
// per map and subscription, not once per stream; the response's encoding is then shared as well
// (see ads-service.ts).
// Keyed by type too: the empty map is one object for every type, and what an empty selection means
// depends on the type.
const selections = new WeakMap<ReadonlyMap<string, CachedResource>, Map<string, Selection | undefined>>();

function selectShared(
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
    const nonce = String(++selectionsMade);
    selection = { version, response: { typeUrl, versionInfo: version, nonce, resources } };
  }
  byKey.set(key, selection);
  return selection;
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

function sameList(a: readonly string[] | undefined, b: readonly string[]): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameSubscription(a: Subscription, wildcard: boolean, resourceNames: readonly string[]): boolean {
  if (a.wildcard !== wildcard) return false;
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
