// What kind of xDS client is on the other end of a stream, read from what its node says about
// itself. Clients differ in what they accept: Envoy takes every current form of a field, while a
// gRPC library's xDS client accepts only what its release implemented (a field added to Envoy's API
// after that release makes the whole resource be rejected). Translation reads the profile through
// one table (src/xds/translate/client-dialect.ts); this module only reads the node.
//
// What the clients send, as observed and as their sources set it:
//   Envoy                  user_agent_name "envoy", user_agent_build_version {version {1, 30, 2}}
//   gRPC C-core (wrapped)  "gRPC C-core linux Python", user_agent_version "C-core 29.0.0 Python 1.51.1"
//   gRPC C-core (C++)      "gRPC C-core linux", "C-core 29.0.0" (the core library's own version)
//   gRPC Java / Go         "gRPC Java" / "gRPC Go", "1.56.0"
//   @grpc/grpc-js-xds      "gRPC Node Pure JS", the grpc-js-xds package version ("1.14.1")

/** The gRPC implementations whose xDS clients differ; C-core is shared by C++, Python, Ruby, PHP, C#. */
export type GrpcLanguage = 'c-core' | 'java' | 'go' | 'node' | 'unknown';

/** A release as major.minor.patch; absent parts are 0. */
export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/**
 * The node.client_features Trellis knows; others are not kept. None changes what is sent today:
 * gRPC clients say they ignore EDS overprovisioning and take resources wrapped in SotW responses.
 */
export const KNOWN_CLIENT_FEATURES = [
  'envoy.lb.does_not_support_overprovisioning',
  'envoy.lrs.supports_send_all_clusters',
  'xds.config.resource-in-sotw',
  'xds.config.resource-ttl',
] as const;
export type ClientFeature = (typeof KNOWN_CLIENT_FEATURES)[number];

export type ClientProfile =
  | { readonly kind: 'envoy'; readonly version?: Version; readonly features?: readonly ClientFeature[] }
  | {
      readonly kind: 'grpc';
      readonly language: GrpcLanguage;
      /** The gRPC release (for grpc-js-xds, its package version); absent when it could not be read. */
      readonly version?: Version;
      readonly features?: readonly ClientFeature[];
    };

/** What node fields the profile reads; the ADS server fills it from the first request's Node. */
export interface ClientIdentification {
  /** node.user_agent_name. */
  readonly userAgentName?: string;
  /** node.user_agent_version. */
  readonly userAgentVersion?: string;
  /** node.user_agent_build_version.version, when the client sent a build version instead. */
  readonly userAgentBuildVersion?: Version;
  /** The kind the node id names (sidecar~… or proxyless~…), if it names one. */
  readonly idKind?: 'sidecar' | 'proxyless';
  /** node.metadata GENERATOR (Istio's proxyless gRPC bootstraps say "grpc"). */
  readonly generator?: string;
  /** node.client_features. */
  readonly clientFeatures?: readonly string[];
}

// A client lists a handful of features; a list longer than this is not read at all.
const MAX_CLIENT_FEATURES = 64;

function knownFeatures(listed: readonly string[] | undefined): { features?: readonly ClientFeature[] } {
  if (!listed || listed.length === 0 || listed.length > MAX_CLIENT_FEATURES) return {};
  const known = KNOWN_CLIENT_FEATURES.filter((f) => listed.includes(f));
  return known.length > 0 ? { features: known } : {};
}

// C-core numbers its own library apart from the gRPC release, and bumps it less often: core 16 came
// with gRPC 1.38, core 29 with 1.51, core 30 with 1.52, core 31 with 1.54, core 55 with 1.83. So
// 1.(N+22) is a lower bound for core N, never above the real release: a client read this way may
// get an older form than it needs (which it still accepts), never a newer one.
const CORE_TO_RELEASE_MINOR = 22;

// User agents are the client's own words: read at most this much of them.
const MAX_AGENT_CHARS = 256;

const VERSION = /(\d{1,4})\.(\d{1,4})(?:\.(\d{1,6}))?/;

/** The first version number in `text` ("v1.56.0-dev" → 1.56.0), or undefined. */
export function parseVersion(text: string | undefined): Version | undefined {
  const m = text?.slice(0, MAX_AGENT_CHARS).match(VERSION);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}

export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export const formatVersion = (v: Version): string => `${v.major}.${v.minor}.${v.patch}`;

function grpcLanguage(name: string): GrpcLanguage {
  if (name.includes('c-core')) return 'c-core';
  if (/\bjava\b/.test(name)) return 'java';
  if (/\bgo\b/.test(name)) return 'go';
  if (/\bnode\b|\bjs\b/.test(name)) return 'node';
  return 'unknown';
}

/**
 * C-core's release: a wrapped language states it after its name ("… Python 1.51.1"); C++ states
 * only the core version ("C-core 29.0.0"), which gives a lower bound of the release.
 */
function coreRelease(agentVersion: string): Version | undefined {
  const text = agentVersion.slice(0, MAX_AGENT_CHARS);
  const afterCore = text.replace(/c-core\s+\d+(\.\d+)*/i, '');
  const wrapped = parseVersion(afterCore);
  if (wrapped) return wrapped;
  const core = text.match(/c-core\s+(\d{1,4})\./i);
  if (!core) return undefined;
  return { major: 1, minor: Number(core[1]) + CORE_TO_RELEASE_MINOR, patch: 0 };
}

/** The profile of a client from what its node says; anything unrecognised is an Envoy sidecar. */
export function clientProfile(client: ClientIdentification): ClientProfile {
  const name = (client.userAgentName ?? '').slice(0, MAX_AGENT_CHARS).toLowerCase();
  if (name.startsWith('grpc')) {
    const language = grpcLanguage(name);
    const version =
      language === 'c-core'
        ? coreRelease(client.userAgentVersion ?? '')
        : parseVersion(client.userAgentVersion);
    return {
      kind: 'grpc',
      language,
      ...(version ? { version } : {}),
      ...knownFeatures(client.clientFeatures),
    };
  }
  if (name === '' && (client.idKind === 'proxyless' || client.generator === 'grpc')) {
    // A gRPC client that did not say which: the forms every gRPC release accepts.
    return { kind: 'grpc', language: 'unknown', ...knownFeatures(client.clientFeatures) };
  }
  const version = client.userAgentBuildVersion ?? parseVersion(client.userAgentVersion);
  return { kind: 'envoy', ...(version ? { version } : {}), ...knownFeatures(client.clientFeatures) };
}

export function sameProfile(a: ClientProfile | undefined, b: ClientProfile | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * What two clients behind one node id can both be sent: the profile itself when they agree,
 * else one of unknown release (every release reads its forms; Envoy's kind is kept when both are).
 */
export function commonProfile(
  a: ClientProfile | undefined,
  b: ClientProfile | undefined,
): ClientProfile | undefined {
  if (sameProfile(a, b)) return a;
  if (a?.kind === 'envoy' && b?.kind === 'envoy') return { kind: 'envoy' };
  return { kind: 'grpc', language: 'unknown' };
}

/** "gRPC c-core 1.51.1", "Envoy 1.30.2", "gRPC (version unknown)": for logs, status and issues. */
export function describeProfile(profile: ClientProfile): string {
  if (profile.kind === 'envoy')
    return `Envoy${profile.version ? ` ${formatVersion(profile.version)}` : ' (version unknown)'}`;
  const language = profile.language === 'unknown' ? '' : ` ${profile.language}`;
  return `gRPC${language}${profile.version ? ` ${formatVersion(profile.version)}` : ' (release unknown)'}`;
}
