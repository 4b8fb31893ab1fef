import { describeProfile } from '../../model/client-profile.js';
import {
  type CachedResource,
  resourcesOfType,
  type Snapshot,
  sotwVersion,
  versionOfAll,
} from '../cache/snapshot.js';
import { ABSENT, type ClientChange, DeltaSubscription, type PendingChanges } from './delta-subscription.js';
import { boundedText } from './log-throttle.js';
import { boundedMessage, rejectedResources } from './nack-record.js';
import { inPushOrder } from './resource-types.js';
import { type NackStatus, type ProxySyncStatus, subscribedSample, type TypeSyncStatus } from './status.js';
import { type BaseTypeState, StreamBase, type StreamOptions } from './stream-base.js';
import { checkNameCount, nameBytes } from './stream-limits.js';
import { pushReason } from './stream-metrics.js';

export interface DeltaRequest {
  readonly typeUrl: string;
  readonly subscribe: readonly string[];
  readonly unsubscribe: readonly string[];
  /** What the client kept from an earlier stream, by name; read on the first request of a type only. */
  readonly initialVersions: ReadonlyMap<string, string>;
  /** '' when the request answers no response. */
  readonly responseNonce: string;
  /** Present when the client rejects the response with `responseNonce` (a NACK). */
  readonly errorDetail?: { readonly code: number; readonly message: string };
}

export interface DeltaResponse {
  readonly typeUrl: string;
  /** The state-of-the-world version of the subscribed resources: for logs and /debug/syncz. */
  readonly systemVersionInfo: string;
  readonly nonce: string;
  /** Added or changed, sorted by name; each carries its own version. */
  readonly resources: readonly CachedResource[];
  /** Sorted. */
  readonly removedResources: readonly string[];
}

export type DeltaStreamOptions = StreamOptions<DeltaResponse>;

interface SentResponse {
  readonly nonce: string;
  readonly systemVersion: string;
  /** The changes the response carried, each with what it leaves the client holding. */
  readonly sent: readonly ClientChange[];
  /**
   * What the client held before, per name sent. Absent when it held nothing of the type: a cold
   * start sends a thousand changes per type to every stream, and keeps no record per name of them.
   */
  readonly before: ReadonlyMap<string, string | undefined> | undefined;
  /** `sent` by name, made when first asked for (rarely: a status page, a trust bundle check). */
  byName?: ReadonlyMap<string, ClientChange>;
}

interface PendingResponse {
  readonly toSend: readonly ClientChange[];
  readonly systemVersion: string;
}

interface Rejection {
  /** The version of all the type's resources in the snapshot when the NACK came. */
  readonly typeVersion: string;
  /** What the rejected response would have left the client holding, per name. */
  readonly after: ReadonlyMap<string, string | undefined>;
}

interface TypeState extends BaseTypeState {
  readonly subscription: DeltaSubscription;
  /** The response not yet ACKed or NACKed: nothing more of this type goes out until it is. */
  inFlight?: SentResponse;
  /** The client subscribed or unsubscribed since the last response: never held behind another type. */
  asked: boolean;
  /** When the type's latest request arrived (clock milliseconds). */
  requestAt: number;
  /** Bytes of the initial_resource_versions of the type's first request (names and versions). */
  readonly initialBytes: number;
  rejected?: Rejection;
  lastSentNonce?: string;
  lastAckedVersion?: string;
  lastNack?: NackStatus;
}

export class DeltaStream extends StreamBase<DeltaResponse, TypeState> {
  private lastNonce = 0;

  constructor(options: DeltaStreamOptions) {
    super(options, { variant: 'delta' });
  }

  onRequest(request: DeltaRequest): void {
    const { typeUrl } = request;
    const known = this.types.get(typeUrl);
    const state: TypeState = known ?? {
      subscription: new DeltaSubscription(),
      asked: true,
      requestAt: 0,
      initialBytes: nameBytes(request.initialVersions.keys()) + nameBytes(request.initialVersions.values()),
    };
    if (!known) {
      // What the client says it kept counts before the subscription keeps it.
      this.nameBudget.set(typeUrl, state.initialBytes);
      this.types.set(typeUrl, state);
    }
    const answered = request.responseNonce !== '' && this.settle(state, request);
    const asks = request.subscribe.length > 0 || request.unsubscribe.length > 0;
    if (asks) state.asked = true;
    // Only a request that may let the type send restarts its push timer; a stale ACK does not.
    if (!known || answered || asks) state.requestAt = this.metrics.clock();
    state.subscription.update(
      request.subscribe,
      request.unsubscribe,
      known ? undefined : request.initialVersions,
      (names) => this.internNames(typeUrl, names),
    );
    // Each request is checked by the server; a client could still add names a request at a time.
    checkNameCount(typeUrl, state.subscription.namedCount);
    this.nameBudget.set(typeUrl, state.subscription.namedBytes + state.initialBytes);
    this.push();
  }

  status(): ProxySyncStatus {
    const types: Record<string, TypeSyncStatus> = {};
    for (const typeUrl of inPushOrder(this.types.keys())) {
      const s = this.types.get(typeUrl)!;
      types[typeUrl] = {
        ...(s.subscription.wildcard
          ? { subscribed: '*' as const }
          : subscribedSample(s.subscription.namesInOrder(), s.subscription.namedCount)),
        ...(s.lastSentVersion !== undefined ? { lastSentVersion: s.lastSentVersion } : {}),
        ...(s.lastSentNonce !== undefined ? { lastSentNonce: s.lastSentNonce } : {}),
        ...(s.lastAckedVersion !== undefined ? { lastAckedVersion: s.lastAckedVersion } : {}),
        ...(s.lastNack ? { lastNack: s.lastNack } : {}),
        ...(s.heldNack ? { nackHeld: true } : {}),
      };
    }
    return {
      proxyId: boundedText(this.proxy.id),
      variant: 'delta',
      kind: this.proxy.kind,
      ...(this.proxy.profile ? { client: boundedText(describeProfile(this.proxy.profile)) } : {}),
      namespace: boundedText(this.proxy.namespace),
      connectedAt: this.connectedAt.toISOString(),
      types,
    };
  }

  /** The ACK or NACK part of a request; false when its nonce is stale. */
  private settle(state: TypeState, request: DeltaRequest): boolean {
    const { typeUrl, responseNonce: nonce } = request;
    const response = state.inFlight;
    if (response?.nonce !== nonce) {
      this.throttled.log(
        'debug',
        'stale nonce',
        { typeUrl, nonce: boundedText(nonce), latest: state.lastSentNonce },
        'stale nonce: ACK/NACK ignored',
      );
      return false;
    }
    state.inFlight = undefined;
    this.metrics.answered(typeUrl, nonce, !request.errorDetail);
    if (!request.errorDetail) {
      state.lastAckedVersion = response.systemVersion;
      // The NACK stands while what it rejected is still held back (nextResponse): an ACK of other
      // names, or of a subscription change, leaves that content unaccepted.
      if (!this.withholds(typeUrl, state)) state.heldNack = undefined;
      this.debug({ typeUrl, version: response.systemVersion, nonce }, 'ACK');
      return true;
    }
    this.rollBack(state, typeUrl, response);
    const { code } = request.errorDetail;
    const message = boundedMessage(request.errorDetail.message);
    state.lastNack = {
      version: response.systemVersion,
      nonce,
      message,
      at: this.now().toISOString(),
      resources: rejectedResources(
        response.sent.map((c) => c.name),
        false,
      ),
    };
    state.heldNack = state.lastNack;
    this.throttled.log(
      'warn',
      'NACK',
      { typeUrl, version: response.systemVersion, nonce, code, error: message },
      'proxy rejected configuration (NACK)',
    );
    return true;
  }

  /** The version of `name` the proxy has ACKed: what it held before a response still unanswered. */
  ackedVersion(typeUrl: string, name: string): string | undefined {
    const state = this.types.get(typeUrl);
    if (!state) return undefined;
    const inFlight = state.inFlight;
    if (inFlight) {
      inFlight.byName ??= new Map(inFlight.sent.map((c) => [c.name, c]));
      if (inFlight.byName.has(name)) {
        const before = inFlight.before?.get(name);
        return before === ABSENT || before === '' ? undefined : before;
      }
    }
    return state.subscription.heldVersion(name);
  }

  /** Whether rejected content of the type is still held back: the type has not changed since. */
  private withholds(typeUrl: string, state: TypeState): boolean {
    return state.rejected !== undefined && state.rejected.typeVersion === this.typeVersion(typeUrl);
  }

  private rollBack(state: TypeState, typeUrl: string, response: SentResponse): void {
    for (const c of response.sent) state.subscription.restore(c.name, response.before?.get(c.name), c.after);
    const after = new Map(response.sent.map((c) => [c.name, c.after]));
    state.rejected = { typeVersion: this.typeVersion(typeUrl), after };
  }

  protected push(): void {
    const snapshot = this.snapshot;
    if (!snapshot) return;
    // Types with a response in flight: while one of them has newer state to send, later types hold
    // what the client did not ask for, so the wire keeps the push order. Checked only when needed.
    const unchecked: string[] = [];
    let behind = false;
    const isBehind = () => {
      while (!behind && unchecked.length > 0) {
        const typeUrl = unchecked.shift()!;
        behind = this.nextResponse(snapshot, typeUrl, this.types.get(typeUrl)!) !== undefined;
      }
      return behind;
    };
    for (const typeUrl of inPushOrder(this.types.keys())) {
      if (!this.writable) return;
      const state = this.types.get(typeUrl)!;
      if (state.inFlight) {
        unchecked.push(typeUrl);
        continue;
      }
      const next = this.nextResponse(snapshot, typeUrl, state);
      if (!next) state.asked = false;
      else if (state.asked || !isBehind()) this.respond(typeUrl, state, next);
    }
  }

  /** What the client lacks of the type, or undefined when nothing is to be sent. */
  private nextResponse(snapshot: Snapshot, typeUrl: string, state: TypeState): PendingResponse | undefined {
    const available = resourcesOfType(snapshot, typeUrl);
    const pending = state.subscription.pending(available);
    const { changes } = pending;
    if (state.rejected && state.rejected.typeVersion !== this.typeVersion(typeUrl))
      state.rejected = undefined;
    const { rejected } = state;
    // The pending result itself when nothing is held back: applyFresh knows it by identity.
    const toSend = rejected ? changes.filter((c) => !isRejected(rejected, c)) : changes;
    const firstWildcardAnswer = state.lastSentNonce === undefined && state.subscription.wildcard;
    if (toSend.length === 0 && !firstWildcardAnswer) return undefined;
    return { toSend, systemVersion: selectedVersion(available, pending) };
  }

  private respond(typeUrl: string, state: TypeState, { toSend, systemVersion }: PendingResponse): void {
    const nonce = String(++this.lastNonce);
    const reason = pushReason(state.lastSentNonce === undefined, state.asked);
    let before: Map<string, string | undefined> | undefined;
    if (!state.subscription.applyFresh(toSend)) {
      before = new Map();
      for (const change of toSend) before.set(change.name, state.subscription.apply(change));
    }
    state.inFlight = { nonce, systemVersion, sent: toSend, before };
    state.asked = false;
    state.lastSentVersion = systemVersion;
    state.lastSentNonce = nonce;
    const { resources, removedResources } = splitChanges(toSend);
    this.debug(
      {
        typeUrl,
        version: systemVersion,
        nonce,
        resources: resources.length,
        removed: removedResources.length,
      },
      'sending',
    );
    const more = this.send({ typeUrl, systemVersionInfo: systemVersion, nonce, resources, removedResources });
    if (!more) this.writable = false;
    const since = Math.max(this.snapshotAt, state.requestAt);
    this.metrics.sent(typeUrl, nonce, reason, since, this.snapshot?.changeStamp);
  }

  private typeVersion(typeUrl: string): string {
    return this.snapshot ? versionOfAll(resourcesOfType(this.snapshot, typeUrl)) : '';
  }
}

function splitChanges(
  changes: readonly ClientChange[],
): Pick<DeltaResponse, 'resources' | 'removedResources'> {
  // Loops, not flatMap: a cold start sends a thousand changes per type to every stream.
  const resources: CachedResource[] = [];
  const removedResources: string[] = [];
  for (const c of changes) {
    if (c.resource) resources.push(c.resource);
    else removedResources.push(c.name);
  }
  return { resources, removedResources };
}

function isRejected(rejected: Rejection | undefined, change: ClientChange): boolean {
  if (!rejected?.after.has(change.name)) return false;
  return rejected.after.get(change.name) === change.after;
}

function selectedVersion(available: ReadonlyMap<string, CachedResource>, pending: PendingChanges): string {
  // Every subscribed resource exists in `available` and no two share a name: equal counts mean all
  // of it, which is most subscriptions (wildcard CDS and LDS; EDS and RDS naming all there is).
  return pending.selectedCount === available.size ? versionOfAll(available) : sotwVersion(pending.selected());
}
