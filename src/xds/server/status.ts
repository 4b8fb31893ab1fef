// What /debug/syncz shows for each connected stream: JSON-ready, times as ISO strings. Nothing in
// it grows with what a client sends: client text is cut to 1 KiB (log-throttle.ts), a type's names
// are sampled (subscribedSample), and the server answers a page of streams at a time (takePage).
import type { ProxyKind } from '../../model/proxy.js';
import { boundedText } from './log-throttle.js';

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
  /**
   * How many names the proxy subscribed to, when `subscribed` lists only some of them: at most
   * 100, the first it asked for, sorted, and 8 KiB of them (subscribedSample).
   */
  readonly subscribedCount?: number;
  /** SotW: the version_info sent. Delta: the system_version_info, the same hash of the selected resources. */
  readonly lastSentVersion?: string;
  readonly lastSentNonce?: string;
  readonly lastAckedVersion?: string;
  /** The most recent NACK; kept after later ACKs, so a rejection stays visible. */
  readonly lastNack?: NackStatus;
  /** True while the proxy holds lastNack: it has not accepted a later version of the type since. */
  readonly nackHeld?: boolean;
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
  /**
   * Whether the proxy has ACKed the trust bundle (ROOTCA) it is offered now, or still runs with an
   * older one (during a root rotation) or none; absent when it never asked for it.
   */
  readonly trustBundle?: 'current' | 'outdated';
}

/** Names of a type listed in /debug/syncz at most, and characters of them at most. */
export const MAX_STATUS_NAMES = 100;
export const MAX_STATUS_NAME_CHARS = 8 * 1024;

/**
 * `subscribed` for `count` names given in the order the proxy asked for them: the first of them
 * (each cut to 1 KiB) up to MAX_STATUS_NAMES and MAX_STATUS_NAME_CHARS, sorted; `subscribedCount`
 * when some were left out. Reads only as many names as it shows.
 */
export function subscribedSample(
  names: Iterable<string>,
  count: number,
): Pick<TypeSyncStatus, 'subscribed' | 'subscribedCount'> {
  const shown: string[] = [];
  let chars = 0;
  for (const name of names) {
    const text = boundedText(name);
    if (shown.length === MAX_STATUS_NAMES || chars + text.length > MAX_STATUS_NAME_CHARS) break;
    shown.push(text);
    chars += text.length;
  }
  shown.sort();
  return shown.length < count ? { subscribed: shown, subscribedCount: count } : { subscribed: shown };
}

/** Which streams of the sorted list /debug/syncz answers: `?offset=&limit=` (the admin server reads them). */
export interface StatusPage {
  /** Default 0. */
  readonly offset?: number;
  /** Default DEFAULT_SYNCZ_PAGE. */
  readonly limit?: number;
}

/** Streams in a page of /debug/syncz when the request names no limit. */
export const DEFAULT_SYNCZ_PAGE = 1000;
/** Characters of a page's entries as compact JSON at most (beyond its first entry). */
export const MAX_SYNCZ_PAGE_CHARS = 4 * 1024 * 1024;

/**
 * The page of `sorted` (each rendered only if it is in the page): from `offset`, at most `limit`
 * entries and MAX_SYNCZ_PAGE_CHARS of them, so a page may hold fewer than `limit` while more
 * follow. An empty page is the end: a reader asks for the next offset until it gets one.
 */
export function takePage<T>(
  sorted: readonly T[],
  page: StatusPage,
  render: (item: T) => ProxySyncStatus,
  maxChars = MAX_SYNCZ_PAGE_CHARS,
): ProxySyncStatus[] {
  const entries: ProxySyncStatus[] = [];
  const limit = page.limit ?? DEFAULT_SYNCZ_PAGE;
  let chars = 0;
  for (let i = page.offset ?? 0; i < sorted.length && entries.length < limit; i++) {
    const entry = render(sorted[i]!);
    chars += JSON.stringify(entry).length;
    if (entries.length > 0 && chars > maxChars) break;
    entries.push(entry);
  }
  return entries;
}
