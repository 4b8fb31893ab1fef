// The connected proxies whose gRPC release goes without some feature they are sent (an older
// release ignores it, or gets a form that does less: docs/proxyless.md), for the warning logged
// when one connects and for /debug/config-errors. Grouped by client, so 2,000 proxies of one
// release are one bounded entry.
import { compareVersions, describeProfile, parseVersion } from '../model/client-profile.js';
import type { MeshProxy } from '../model/proxy.js';
import { MIN_ENVOY } from './translate/client-dialect.js';
import { type FeatureGap, featureGaps } from './translate/proxyless-features.js';

export interface ClientGaps {
  /** The client as its profile reads, e.g. "gRPC go 1.38.0". */
  readonly client: string;
  /** Each feature it goes without: what, its gRFC, the first release with it, what it gets instead. */
  readonly without: readonly string[];
  readonly proxyCount: number;
  /** The first proxies by id, at most MAX_PROXIES_LISTED. */
  readonly proxies: readonly string[];
}

const MAX_PROXIES_LISTED = 10;
// Clients choose the version they state, so distinct releases are bounded too.
const MAX_CLIENTS_LISTED = 100;

/** What `proxy`'s client goes without, one sentence a feature; empty when nothing. */
export function gapsOf(proxy: MeshProxy): string[] {
  const { profile } = proxy;
  if (proxy.kind === 'sidecar' && profile?.kind === 'grpc') {
    return [
      'a gRPC client on a sidecar~ node id is sent the configuration of an Envoy sidecar: use a proxyless~ id',
    ];
  }
  if (proxy.kind === 'proxyless' && profile?.kind !== 'grpc') {
    // proxyDialect reads it as a gRPC client of unknown release.
    return featureGaps({ kind: 'grpc', language: 'unknown' }).map(sentence);
  }
  if (profile?.kind === 'envoy') {
    const min = parseVersion(MIN_ENVOY);
    const old = profile.version && min && compareVersions(profile.version, min) < 0;
    return old
      ? [
          `Envoy before ${MIN_ENVOY}: it NACKs weighted splits whose weights do not add up to 100 (Trellis sends the forms of ${MIN_ENVOY} and later)`,
        ]
      : [];
  }
  return featureGaps(profile).map(sentence);
}

const sentence = (g: FeatureGap): string => `${g.what} (gRFC ${g.grfc}, from ${g.since}): ${g.instead}`;

export function clientGaps(proxies: Iterable<MeshProxy>): ClientGaps[] {
  const byClient = new Map<string, { without: string[]; ids: string[] }>();
  for (const proxy of proxies) {
    const client = proxy.profile ? describeProfile(proxy.profile) : `${proxy.kind} (no profile)`;
    let entry = byClient.get(client);
    if (!entry) {
      entry = { without: gapsOf(proxy), ids: [] };
      byClient.set(client, entry);
    }
    if (entry.without.length > 0) entry.ids.push(proxy.id);
  }
  return [...byClient]
    .filter(([, e]) => e.ids.length > 0)
    .map(([client, e]) => ({
      client,
      without: e.without,
      proxyCount: e.ids.length,
      proxies: e.ids.sort().slice(0, MAX_PROXIES_LISTED),
    }))
    .sort((a, b) => b.proxyCount - a.proxyCount || (a.client < b.client ? -1 : 1))
    .slice(0, MAX_CLIENTS_LISTED);
}
