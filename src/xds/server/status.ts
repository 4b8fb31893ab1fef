// What /debug/syncz shows for each connected stream: JSON-ready, times as ISO strings.
import type { ProxyKind } from '../../model/proxy.js';

export interface NackStatus {
  /** The version the proxy rejected (the one sent with `nonce`). */
  readonly version: string;
  readonly nonce: string;
  /** error_detail.message from the NACK. */
  readonly message: string;
  readonly at: string;
}

export interface TypeSyncStatus {
  /** The names the proxy subscribed to, or '*' for a wildcard subscription. */
  readonly subscribed: readonly string[] | '*';
  readonly lastSentVersion?: string;
  readonly lastSentNonce?: string;
  readonly lastAckedVersion?: string;
  /** The most recent NACK; kept after later ACKs, so a rejection stays visible. */
  readonly lastNack?: NackStatus;
}

export interface ProxySyncStatus {
  readonly proxyId: string;
  readonly kind: ProxyKind;
  readonly namespace: string;
  readonly connectedAt: string;
  /** Per type URL the proxy requested. */
  readonly types: Readonly<Record<string, TypeSyncStatus>>;
}
