// Which form of a field each client accepts. Envoy takes every current form (Trellis targets Envoy
// 1.24 and later: MIN_ENVOY); a gRPC library's xDS client takes what its release implemented, and
// rejects (NACKs) the whole resource on a field it does not know in a oneof it reads. Every field
// whose accepted form changed across gRPC releases is decided here, once, from the proxy's profile:
// translation asks the dialect, never the version. A version we cannot read gets the form every
// release accepts (still valid for Envoy), so the worst an unknown client gets is an older
// spelling of the same configuration, never a NACK.
//
// The same table is docs/proxyless.md (proxyless-doc.ts), so what the page says is what runs.
import {
  type ClientProfile,
  compareVersions,
  type GrpcLanguage,
  parseVersion,
  type Version,
} from '../../model/client-profile.js';
import type { MeshProxy } from '../../model/proxy.js';

/** Who reads the configuration: Envoy, or a gRPC library's xDS client. */
export type XdsClient = 'envoy' | 'grpc';

/** A gRPC implementation whose releases are known. */
export type Implementation = Exclude<GrpcLanguage, 'unknown'>;

/** First releases per implementation, as written in the tables ("1.56.0"). */
export type FirstReleases = Partial<Record<Implementation, string>>;

/**
 * The oldest Envoy whose forms Trellis sends: 1.24 made WeightedCluster.total_weight optional
 * (envoyproxy/envoy#23170); an older Envoy NACKs a split whose weights do not add up to 100.
 */
export const MIN_ENVOY = '1.24.0';

/** Whether a client of `language` at `version` is at least the first release `since` names. */
export function releaseAtLeast(
  since: FirstReleases,
  language: GrpcLanguage,
  version: Version | undefined,
): boolean {
  const first = language === 'unknown' ? undefined : since[language];
  const parsed = first === undefined ? undefined : parseVersion(first);
  return parsed !== undefined && version !== undefined && compareVersions(version, parsed) >= 0;
}

export interface ClientDialect {
  readonly client: XdsClient;
  /**
   * gRFC A63: HeaderMatcher.string_match. Without it a client reads only the older oneof members
   * (exact_match, prefix_match, suffix_match, safe_regex_match, present_match) and NACKs the route
   * configuration on string_match ("Invalid route header matcher specified").
   */
  readonly headerStringMatch: boolean;
  /**
   * Weighted clusters without WeightedCluster.total_weight, which Envoy 1.24 deprecated in favour of
   * the sum of the weights. Older gRPC clients take the absent field as 100 and NACK weights that
   * do not add up to it ("weighted_cluster has incorrect total weight"), or pick no cluster for
   * part of the calls (@grpc/grpc-js-xds before 1.14.1): they get total_weight, equal to the sum.
   */
  readonly implicitTotalWeight: boolean;
  /**
   * gRFC A42: lb_policy RING_HASH and the route's hash_policy. Older releases NACK the cluster
   * ("LB policy is not ROUND_ROBIN"): they get round robin and no hash policy, so their calls are
   * balanced but not sticky.
   */
  readonly ringHash: boolean;
}

/** A newer form of a field that some gRPC releases do not accept, and the first release of each that does. */
export interface VersionedForm {
  readonly id: keyof Omit<ClientDialect, 'client'>;
  readonly what: string;
  readonly grfc: string;
  /** The first release known to accept the form, per implementation; absent: not known, never sent. */
  readonly since: FirstReleases;
  /** What a client older than `since` (or of unknown version) gets instead. */
  readonly older: string;
  /** True when the older form does less (reported for the proxy), false when it is equivalent. */
  readonly loses: boolean;
}

// The first releases come from each implementation's sources and release notes (the page
// docs/proxyless.md cites them): grpc/grpc doc/grpc_xds_features.md, the code at each release tag.
export const VERSIONED_FORMS: readonly VersionedForm[] = [
  {
    id: 'headerStringMatch',
    what: 'Header matches as `HeaderMatcher.string_match` (with `ignore_case`)',
    grfc: 'A63',
    // C-core grpc/grpc#32993, Java grpc/grpc-java#9845, Go grpc/grpc-go#6313; grpc-js-xds 1.9.0.
    since: { 'c-core': '1.56.0', java: '1.53.0', go: '1.56.0', node: '1.9.0' },
    older:
      '`exact_match`, `prefix_match`, `suffix_match`, `safe_regex_match`, `present_match`; a case-insensitive match becomes the equivalent `(?i)` regex',
    loses: false,
  },
  {
    id: 'implicitTotalWeight',
    what: 'Weighted clusters without `total_weight` (weights need not add up to 100)',
    grfc: 'A28',
    // C-core before grpc/grpc#32134 and Go before grpc/grpc-go#6085 compare the sum with
    // total_weight (absent: 100, or 0 in Go 1.31-1.38); grpc-js-xds before 1.14.1 picks a
    // cluster out of total_weight, absent: 100 (grpc/grpc-node#3069). Java always used the sum.
    since: { 'c-core': '1.53.0', java: '1.0.0', go: '1.54.0', node: '1.14.1' },
    older: '`total_weight` set to the sum of the weights: the same split',
    loses: false,
  },
  {
    id: 'ringHash',
    what: 'Ring hash: `lb_policy: RING_HASH` on the cluster, `hash_policy` on the route',
    grfc: 'A42',
    // Older releases NACK the cluster; Java 1.37-1.40.0 took it but failed calls without an
    // environment variable (fixed in 1.40.1).
    since: { 'c-core': '1.40.0', java: '1.40.1', go: '1.41.0', node: '1.10.0' },
    older: 'round robin and no hash policy: calls are balanced but not sticky',
    loses: true,
  },
];

function grpcAccepts(id: VersionedForm['id'], language: GrpcLanguage, version: Version | undefined): boolean {
  const form = VERSIONED_FORMS.find((f) => f.id === id);
  return form !== undefined && releaseAtLeast(form.since, language, version);
}

// Envoy has read every newer form since MIN_ENVOY.
const ENVOY: ClientDialect = {
  client: 'envoy',
  headerStringMatch: true,
  implicitTotalWeight: true,
  ringHash: true,
};

/** The forms `profile` accepts. Equal dialects give equal translations, so proxies share by dialect. */
export function clientDialect(profile: ClientProfile): ClientDialect {
  if (profile.kind === 'envoy') return ENVOY;
  const { language, version } = profile;
  return {
    client: 'grpc',
    headerStringMatch: grpcAccepts('headerStringMatch', language, version),
    implicitTotalWeight: grpcAccepts('implicitTotalWeight', language, version),
    ringHash: grpcAccepts('ringHash', language, version),
  };
}

/**
 * The dialect of a proxy: a sidecar's configuration is Envoy's whatever its node claims, and a
 * proxyless client that says it is Envoy is still a gRPC client of unknown release.
 */
export function proxyDialect(proxy: MeshProxy): ClientDialect {
  if (proxy.kind === 'sidecar') return ENVOY;
  return clientDialect(
    proxy.profile?.kind === 'grpc' ? proxy.profile : { kind: 'grpc', language: 'unknown' },
  );
}

/** The dialect for tests and callers that know only the client: Envoy's, or the oldest gRPC's. */
export const dialectOf = (client: XdsClient): ClientDialect =>
  client === 'envoy' ? ENVOY : clientDialect({ kind: 'grpc', language: 'unknown' });
