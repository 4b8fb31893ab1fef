import { describeProfile } from '../../model/client-profile.js';
import { type CachedResource, resourcesOfType, type Snapshot } from '../cache/snapshot.js';
import { boundedText } from './log-throttle.js';
import { boundedMessage, rejectedResources } from './nack-record.js';
import { inPushOrder, isFullStateType } from './resource-types.js';
import { changesFor, type Held, heldAfterAck, withoutUnsubscribed } from './sotw-changes.js';
import {
  type Selection,
  type SotwResponse,
  type Subscription,
  sameSubscription,
  selectShared,
  subscription,
} from './sotw-selection.js';
import { type NackStatus, type ProxySyncStatus, subscribedSample, type TypeSyncStatus } from './status.js';
import { type BaseTypeState, StreamBase, type StreamOptions } from './stream-base.js';
import { nameBytes } from './stream-limits.js';
import { pushReason } from './stream-metrics.js';

export type { SotwResponse } from './sotw-selection.js';

export interface SotwRequest {
  readonly typeUrl: string;
  readonly versionInfo: string;
  readonly resourceNames: readonly string[];
  /** '' on the first request for a type. */
  readonly responseNonce: string;
  /** Present when the client rejects the response with `responseNonce` (a NACK). */
  readonly errorDetail?: { readonly code: number; readonly message: string };
}

export type SotwStreamOptions = StreamOptions<SotwResponse>;

interface TypeState extends BaseTypeState {
  subscription: Subscription;
  /** Once a name (or '*') was asked for, an empty list unsubscribes instead of meaning wildcard. */
  named: boolean;
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
   * The response sent with lastSentNonce, shared with the streams that sent the same: a NACK names
   * no resource, so what it rejects is read from here.
   */
  lastSent?: SotwResponse;
  /** What lastSent brings the client level with: once it is ACKed, the client holds all of it. */
  lastSentSelection?: Selection;
  lastAckedVersion?: string;
  /** What the proxy holds of the type (shared, see sotw-changes.ts); a NACK leaves it as it was. */
  held?: Held;
  lastNack?: NackStatus;
}

/** How many of a response's resource names its debug line lists. */
const LOGGED_NAMES = 10;

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
    // repeats the nonce with the version it kept: that request accepts nothing. Nor does one that
    // repeats an ACKed nonce: what the client holds is what it ACKed, less what it unsubscribed since.
    else if (responseNonce !== '' && state.awaiting && request.versionInfo === state.lastSentVersion)
      this.recordAck(state, request);
    // The latest response is answered, either way: the type may send again. What it carried is
    // not needed any more (an ACK moved it into `held`, a NACK named it in lastNack), and a stream
    // keeping it kept its group's whole message alive for as long as the stream lived.
    if (responseNonce !== '' && state.awaiting) {
      state.awaiting = false;
      state.lastSent = undefined;
      state.lastSentSelection = undefined;
    }
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
    return this.types.get(typeUrl)?.held?.get(name)?.version;
  }

  private recordAck(state: TypeState, request: SotwRequest): void {
    state.lastAckedVersion = state.lastSentVersion;
    if (state.lastSentSelection)
      state.held = heldAfterAck(state.held, state.lastSentSelection, state.subscription);
    state.heldNack = undefined;
    this.metrics.answered(request.typeUrl, request.responseNonce, true);
    this.debug(
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
    // Every ACK repeats the names: the subscription (shared with the streams that subscribe alike)
    // is what is kept of them, not the request's list.
    const wildcard = resourceNames.includes('*') || !state.named;
    if (sameSubscription(state.subscription, wildcard, resourceNames)) return;
    // A new list replaces the type's names: within the stream's budget, or the stream ends here.
    this.nameBudget.set(typeUrl, nameBytes(resourceNames));
    state.subscription = subscription(wildcard, resourceNames, (names) => this.internNames(typeUrl, names));
    state.owesResponse = true;
    state.selected = undefined;
    // The client drops what it no longer asks for, and is sent it again if it asks again.
    if (state.held) state.held = withoutUnsubscribed(state.held, state.subscription);
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
      const next = this.nextResponse(snapshot, typeUrl, state, state.held);
      if (!next) {
        // A subscription change that brings nothing the client lacks is answered by nothing.
        state.owesResponse = false;
        continue;
      }
      if (!state.owesResponse && waiting.some((t) => this.hasNewer(snapshot, t))) continue;
      this.respond(snapshot, typeUrl, state, next);
    }
  }

  /** Whether a type whose response is in flight will have more to send once the client ACKs it. */
  private hasNewer(snapshot: Snapshot, typeUrl: string): boolean {
    const state = this.types.get(typeUrl)!;
    const sent = state.lastSentSelection;
    const held = sent ? heldAfterAck(state.held, sent, state.subscription) : state.held;
    return this.nextResponse(snapshot, typeUrl, state, held) !== undefined;
  }

  /**
   * What to send a client holding `held`, or undefined when nothing is to be sent: Listeners and
   * Clusters whole whenever the selection is not the one last sent; other types only the resources
   * the client lacks (sotw-changes.ts).
   */
  private nextResponse(
    snapshot: Snapshot,
    typeUrl: string,
    state: TypeState,
    held: Held | undefined,
  ): SotwResponse | undefined {
    const selection = this.selection(snapshot, typeUrl, state);
    if (!selection) return undefined;
    // The last response (ACKed, NACKed or in flight) already said this: a rejected one is not sent
    // again until something the client asked for changes.
    if (selection.version === state.lastSentVersion && !state.owesResponse) return undefined;
    if (isFullStateType(typeUrl)) return selection.response;
    const changes = changesFor(held, selection);
    // A first wildcard request is answered, even with nothing.
    if (!changes && state.lastSentNonce === undefined && state.subscription.wildcard)
      return selection.response;
    return changes;
  }

  /** Memoised: every request re-checks every type, and most of them have not changed. */
  private selection(snapshot: Snapshot, typeUrl: string, state: TypeState): Selection | undefined {
    const available = resourcesOfType(snapshot, typeUrl);
    if (state.selected?.of !== available) {
      state.selected = { of: available, selection: selectShared(available, typeUrl, state.subscription) };
    }
    return state.selected.selection;
  }

  private respond(snapshot: Snapshot, typeUrl: string, state: TypeState, response: SotwResponse): void {
    const { versionInfo: version, nonce, resources } = response;
    const reason = pushReason(state.lastSentNonce === undefined, state.owesResponse);
    state.lastSentVersion = version;
    state.lastSentNonce = nonce;
    state.lastSent = response;
    state.lastSentSelection = state.selected?.selection;
    state.owesResponse = false;
    state.awaiting = true;
    // What a partial response carries, by name: the first few are enough to read a push by.
    if (this.debugging()) {
      const names = resources.slice(0, LOGGED_NAMES).map((r) => r.name);
      this.logger.debug({ typeUrl, version, nonce, resources: resources.length, names }, 'sending');
    }
    if (!this.send(response)) this.writable = false;
    const since = Math.max(this.snapshotAt, state.requestAt);
    this.metrics.sent(typeUrl, nonce, reason, since, snapshot.changeStamp);
  }
}
