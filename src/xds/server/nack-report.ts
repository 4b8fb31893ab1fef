// The NACKs connected proxies hold, as /debug/config-errors and the proxies-nacked gauge show them.
// Entries are grouped by what was rejected and why, so 2,000 proxies that NACK the same push make
// one entry of bounded size. Everything is read from the streams when asked for: nothing is kept
// here, and a push costs nothing more.
import type { NackStatus, RejectedResources, XdsVariant } from './status.js';

/** A NACK a stream holds: the proxy has ACKed nothing of the type since. */
export interface HeldNack {
  readonly typeUrl: string;
  readonly nack: NackStatus;
}

/** What the report reads of one connected stream. */
export interface NackingStream {
  readonly proxy: { readonly id: string };
  readonly variant: XdsVariant;
  heldNacks(): readonly HeldNack[];
  /** The version of the type last sent on the stream, answered or not. */
  sentVersion(typeUrl: string): string | undefined;
}

export interface NackedProxy {
  readonly proxyId: string;
  readonly variant: XdsVariant;
  /** The nonce of the response it rejected. */
  readonly nonce: string;
  readonly at: string;
}

/** One rejected content and message, with the proxies that hold it. */
export interface NackEntry {
  readonly typeUrl: string;
  /** The version rejected: SotW version_info, delta system_version_info (the same hash). */
  readonly version: string;
  /** error_detail.message, at most 1 KiB and a marker (nack-record.ts). */
  readonly message: string;
  /** Absent when the NACK answered no response we know of. */
  readonly resources?: RejectedResources;
  /** Connected proxies that hold this NACK. */
  readonly proxyCount: number;
  /** The first of them by id, at most `maxProxiesPerEntry`. */
  readonly proxies: readonly NackedProxy[];
  /**
   * Other connected proxies last sent this type at this version, so sharing the rejected content:
   * whether they ACKed it, rejected it with another message, or have not answered yet.
   */
  readonly sharedWith: number;
}

/** The part of /debug/config-errors this adds. */
export interface NackReport {
  /** Most proxies first, at most `maxEntries`. */
  readonly nacks: readonly NackEntry[];
  /** How many entries were left out past `maxEntries`; present only then. */
  readonly nacksOmitted?: number;
}

export interface NackReportLimits {
  readonly maxEntries: number;
  readonly maxProxiesPerEntry: number;
}

export const NACK_REPORT_LIMITS: NackReportLimits = { maxEntries: 100, maxProxiesPerEntry: 10 };

/** Connected proxies holding a NACK, by type URL: what the gauge reads when scraped. */
export type NackedProxyCounter = () => ReadonlyMap<string, number>;

interface Group {
  readonly typeUrl: string;
  readonly nack: NackStatus;
  /** By proxy id: a proxy whose reconnected stream holds the same NACK counts once. */
  readonly holders: Map<string, NackedProxy>;
}

export function nackReport(
  streams: Iterable<NackingStream>,
  limits: NackReportLimits = NACK_REPORT_LIMITS,
): NackReport {
  const all = [...streams];
  const groups = new Map<string, Group>();
  for (const stream of all) {
    for (const { typeUrl, nack } of stream.heldNacks()) {
      const key = groupKey(typeUrl, nack);
      let group = groups.get(key);
      if (!group) {
        group = { typeUrl, nack, holders: new Map() };
        groups.set(key, group);
      }
      const holder = { proxyId: stream.proxy.id, variant: stream.variant, nonce: nack.nonce, at: nack.at };
      const known = group.holders.get(holder.proxyId);
      if (!known || known.at < holder.at) group.holders.set(holder.proxyId, holder);
    }
  }
  const sorted = [...groups.values()].sort(
    (a, b) =>
      b.holders.size - a.holders.size ||
      compare(a.typeUrl, b.typeUrl) ||
      compare(a.nack.version, b.nack.version) ||
      compare(a.nack.message, b.nack.message),
  );
  const shown = sorted.slice(0, limits.maxEntries);
  const sentTo = proxiesSentTo(all, shown);
  const nacks = shown.map((group) => entry(group, sentTo, limits.maxProxiesPerEntry));
  const omitted = sorted.length - shown.length;
  return omitted > 0 ? { nacks, nacksOmitted: omitted } : { nacks };
}

export function nackedProxyCounts(streams: Iterable<NackingStream>): Map<string, number> {
  const proxies = new Map<string, Set<string>>();
  for (const stream of streams) {
    for (const { typeUrl } of stream.heldNacks()) {
      let ids = proxies.get(typeUrl);
      if (!ids) {
        ids = new Set();
        proxies.set(typeUrl, ids);
      }
      ids.add(stream.proxy.id);
    }
  }
  return new Map([...proxies].map(([typeUrl, ids]) => [typeUrl, ids.size]));
}

function entry(group: Group, sentTo: ReadonlyMap<string, Set<string>>, maxProxies: number): NackEntry {
  const { typeUrl, nack, holders } = group;
  let sharedWith = 0;
  for (const proxyId of sentTo.get(versionKey(typeUrl, nack.version)) ?? [])
    if (!holders.has(proxyId)) sharedWith++;
  const proxies = [...holders.values()].sort((a, b) => compare(a.proxyId, b.proxyId)).slice(0, maxProxies);
  return {
    typeUrl,
    version: nack.version,
    message: nack.message,
    ...(nack.resources ? { resources: nack.resources } : {}),
    proxyCount: holders.size,
    proxies,
    sharedWith,
  };
}

/** Per (type, version) of the groups shown, the proxies last sent that type at that version. */
function proxiesSentTo(
  streams: readonly NackingStream[],
  groups: readonly Group[],
): Map<string, Set<string>> {
  const sentTo = new Map<string, Set<string>>();
  for (const { typeUrl, nack } of groups) sentTo.set(versionKey(typeUrl, nack.version), new Set());
  const types = new Set(groups.map((g) => g.typeUrl));
  for (const stream of streams) {
    for (const typeUrl of types) {
      const version = stream.sentVersion(typeUrl);
      if (version === undefined) continue;
      sentTo.get(versionKey(typeUrl, version))?.add(stream.proxy.id);
    }
  }
  return sentTo;
}

// Proxies that rejected the same content (SotW and delta name it differently) with the same
// message are one entry; the nonce and time are each proxy's own.
function groupKey(typeUrl: string, nack: NackStatus): string {
  const { version, message, resources } = nack;
  return JSON.stringify([typeUrl, version, message, resources ?? null]);
}

function versionKey(typeUrl: string, version: string): string {
  return `${typeUrl}\n${version}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
