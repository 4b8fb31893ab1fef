// What /debug/syncz shows for each connected stream: JSON-ready, times as ISO strings.
import type { ProxyKind } from '../../model/proxy.js';

/** What the rejected response carried: a NACK itself names no resource. */
export interface RejectedResources {
  /**
   * SotW: true, the response held every resource of the type the proxy subscribes to, and the
   * NACK rejects it whole. Delta: false, only the names the response added, changed or removed.
   */
  readonly wholeResponse: boolean;
  /** How many resources the response carried (delta: removals included). */
  readonly count: number;
  /** The first of them by name, at most 20 (nack-record.ts). */
  readonly names: readonly string[];
}

export interface NackStatus {
  /** The version the proxy rejected (the one sent with `nonce`). */
  readonly version: string;
  readonly nonce: string;
  /** error_detail.message from the NACK, cut to 1 KiB with a marker (nack-record.ts). */
  readonly message: string;
  readonly at: string;
  /** Absent when the NACK answered no response we know of (a SotW NACK without a nonce). */
  readonly resources?: RejectedResources;
}

export interface TypeSyncStatus {
  /**
   * The names the proxy subscribed to, or '*' for a wildcard subscription (a delta stream may add
   * names to a wildcard; it still shows '*', as every resource is sent).
   */
  readonly subscribed: readonly string[] | '*';
  /** SotW: the version_info sent. Delta: the system_version_info, the same hash of the selected resources. */
  readonly lastSentVersion?: string;
  readonly lastSentNonce?: string;
  readonly lastAckedVersion?: string;
  /** The most recent NACK; kept after later ACKs, so a rejection stays visible. */
  readonly lastNack?: NackStatus;
}

/** Which xDS protocol variant a stream speaks: state of the world or incremental (delta). */
export type XdsVariant = 'sotw' | 'delta';

export interface ProxySyncStatus {
  readonly proxyId: string;
  readonly variant: XdsVariant;
  readonly kind: ProxyKind;
  /** The client's profile as text ("gRPC c-core 1.51.1", "Envoy 1.30.2"): what decides its forms. */
  readonly client?: string;
  readonly namespace: string;
  readonly connectedAt: string;
  /** Per type URL the proxy requested. */
  readonly types: Readonly<Record<string, TypeSyncStatus>>;
}
