// What proxyless gRPC clients get of each feature Trellis translates, and from which release each
// gRPC implementation reads it. The forms that Trellis chooses by release are in client-dialect.ts
// (VERSIONED_FORMS); these are the features a release either reads or ignores whole, so the
// translation is the same for every release and an older client simply goes without: such a
// proxy is reported (featureGaps) when it connects, never sent something it would NACK.
// docs/proxyless.md is rendered from both lists (proxyless-doc.ts).
import {
  type ClientProfile,
  compareVersions,
  formatVersion,
  type GrpcLanguage,
  parseVersion,
} from '../../model/client-profile.js';
import { VERSIONED_FORMS } from './client-dialect.js';

export type Implementation = Exclude<GrpcLanguage, 'unknown'>;

export interface GrpcFeature {
  readonly what: string;
  readonly grfc: string;
  /** The first release that reads it by default, per implementation; absent: none does yet. */
  readonly since: Partial<Record<Implementation, string>>;
  /** What Trellis sends, and what a client older than `since` makes of it. */
  readonly older: string;
  /** False for what Trellis does not send yet (the row says when it will). */
  readonly sent: boolean;
}

// Sources: grpc/grpc doc/grpc_xds_features.md, release notes, and each implementation's code at
// its release tags; the notes of client-dialect.ts name the changes behind the versioned forms.
export const GRPC_FEATURES: readonly GrpcFeature[] = [
  {
    what: 'Routing: path and header matches, weighted clusters',
    grfc: 'A28',
    since: { 'c-core': '1.31.0', java: '1.31.0', go: '1.31.0', node: '1.3.0' },
    older: 'no xDS routing at all: such a release is not supported',
    sent: true,
  },
  {
    what: 'Timeouts (`max_stream_duration`, `grpc_timeout_header_max`)',
    grfc: 'A31',
    since: { 'c-core': '1.37.0', java: '1.37.0', go: '1.37.0', node: '1.4.0' },
    older: 'the client ignores them: calls keep their own deadline',
    sent: true,
  },
  {
    what: 'Fault injection (`envoy.filters.http.fault`)',
    grfc: 'A33',
    since: { 'c-core': '1.37.0', java: '1.37.0', go: '1.37.0', node: '1.4.0' },
    older: 'the client ignores HTTP filters: no faults are injected',
    sent: true,
  },
  {
    what: 'Retries (`retry_policy`: gRPC status codes, attempts, back-off)',
    grfc: 'A44',
    since: { 'c-core': '1.40.0', java: '1.40.0', go: '1.41.0', node: '1.8.0' },
    older: 'the client ignores the policy: no retries',
    sent: true,
  },
  {
    what: 'Authorization (RBAC HTTP filter, server side)',
    grfc: 'A41',
    since: { 'c-core': '1.51.0', java: '1.42.0', go: '1.42.0' },
    older: 'not sent yet: Trellis has no authorization policies for proxyless servers',
    sent: false,
  },
  {
    what: 'mTLS (xDS security: certificate providers, SAN matching)',
    grfc: 'A29',
    since: { 'c-core': '1.41.0', java: '1.41.0', go: '1.41.0', node: '1.13.0' },
    older: 'not sent yet: comes with the built-in CA',
    sent: false,
  },
];

/** What every gRPC client goes without, whatever its release: gRPC has no such feature. */
export const NEVER_FOR_GRPC: readonly { readonly what: string; readonly instead: string }[] = [
  {
    what: 'Query parameter matches, methods other than POST',
    instead: 'the route is left out: a gRPC call never meets it',
  },
  { what: 'Gateway API PathPrefix', instead: 'the equivalent `safe_regex` (no `path_separated_prefix`)' },
  {
    what: 'Redirects, direct responses, routes with no weight',
    instead: 'a cluster that is never sent: exactly those calls fail with UNAVAILABLE',
  },
  {
    what: 'Header edits, rewrites, mirrors, CORS, local rate limits',
    instead: 'left out (gRPC ignores them); the calls are routed as the route says',
  },
  {
    what: 'Consistent hash on a cookie or query parameter',
    instead: 'no hash policy (gRPC hashes on a header or its channel)',
  },
  { what: 'LEAST_REQUEST, RANDOM and PASSTHROUGH balancing', instead: 'round robin' },
  { what: 'Outlier detection by consecutive errors', instead: 'left out' },
  { what: 'Circuit breakers other than max requests', instead: 'left out' },
];

/** A feature `profile`'s release goes without, for the report when it connects. */
export interface FeatureGap {
  readonly what: string;
  readonly grfc: string;
  readonly since: string;
  readonly instead: string;
}

/**
 * The features a gRPC client of known release reads only in a later release. Empty for Envoy and
 * for a client whose release is unknown (it is sent the forms every release reads).
 */
export function featureGaps(profile: ClientProfile | undefined): FeatureGap[] {
  if (profile?.kind !== 'grpc' || !profile.version || profile.language === 'unknown') return [];
  const { language, version } = profile;
  const rows = [...GRPC_FEATURES.filter((f) => f.sent), ...VERSIONED_FORMS.filter((f) => f.loses)];
  return rows.flatMap((row) => {
    const since = row.since[language];
    const first = since !== undefined ? parseVersion(since) : undefined;
    if (first && compareVersions(version, first) >= 0) return [];
    return [
      {
        what: row.what,
        grfc: row.grfc,
        since: first ? formatVersion(first) : 'no release yet',
        instead: row.older,
      },
    ];
  });
}
