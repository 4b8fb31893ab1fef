// What proxyless gRPC clients get of each feature Trellis translates, and from which release each
// gRPC implementation reads it. The forms that Trellis chooses by release are in client-dialect.ts
// (VERSIONED_FORMS); these are the features a release either reads or ignores whole, so the
// translation is the same for every release and an older client simply goes without: such a
// proxy is reported (featureGaps) when it connects, never sent something it would NACK.
// docs/proxyless.md is rendered from both lists (proxyless-doc.ts).
import type { ClientProfile } from '../../model/client-profile.js';
import { type FirstReleases, releaseAtLeast, VERSIONED_FORMS } from './client-dialect.js';

export interface GrpcFeature {
  readonly what: string;
  readonly grfc: string;
  /** The first release that reads it by default, per implementation; absent: none does yet. */
  readonly since: FirstReleases;
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
    what: 'Circuit breaking: `max_requests` (the only threshold gRPC reads)',
    grfc: 'A32',
    // First releases not verified here: no proxy is reported for lacking it.
    since: {},
    older: 'a release before gRFC A32 ignores it: no limit on concurrent calls',
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
    what: 'mTLS, client side (xDS security: certificate providers, SAN matching)',
    grfc: 'A29',
    // The fields sent (tls_certificate_provider_instance, ca_certificate_provider_instance,
    // match_subject_alt_names) are those of C-core grpc/grpc#27264 and Java grpc/grpc-java#8498,
    // both in 1.41; grpc-js-xds 1.14 reads only these (proxyless-tls.ts).
    since: { 'c-core': '1.41.0', java: '1.41.0', go: '1.41.0', node: '1.13.0' },
    older:
      'an `UpstreamTlsContext` on the clusters under mesh mTLS (see Mesh mTLS below); an older release ignores it and calls in plaintext',
    sent: true,
  },
  {
    what: 'xDS-enabled servers with mTLS (`grpc/server?xds.resource.listening_address=%s` Listeners)',
    grfc: 'A36, A29',
    // First releases not verified here: no proxy is reported for lacking it.
    since: {},
    older:
      'a Listener per TCP container port of the pod, at its IP and at the wildcard: mTLS (`DownstreamTlsContext`, client certificate required) or plaintext per PeerAuthentication; see below for PERMISSIVE',
    sent: true,
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
  {
    what: 'LEAST_REQUEST (gRFC A48 clients have it; Trellis does not send it yet), RANDOM and PASSTHROUGH balancing',
    instead: 'round robin',
  },
  { what: 'Outlier detection', instead: 'left out (gRFC A50 is not sent yet)' },
  { what: 'Circuit breaker thresholds other than max requests', instead: 'left out' },
];

/** A feature `profile`'s release goes without, for the report when it connects. */
export interface FeatureGap {
  readonly what: string;
  readonly grfc: string;
  readonly since: string;
  readonly instead: string;
}

/**
 * The features a gRPC client goes without. A known release: each feature it would be sent that
 * only a later release reads (rows whose first release for its implementation is not known are
 * not claimed either way). A release Trellis cannot read: the forms that do less which it is sent
 * instead (ring hash); whether it ignores the rest cannot be told. Envoy: none.
 */
export function featureGaps(profile: ClientProfile | undefined): FeatureGap[] {
  if (profile?.kind !== 'grpc') return [];
  const lossy = VERSIONED_FORMS.filter((f) => f.loses);
  const { language, version } = profile;
  if (language === 'unknown' || version === undefined) {
    return lossy.map((row) => ({
      what: row.what,
      grfc: row.grfc,
      since: 'a release it did not name',
      instead: row.older,
    }));
  }
  const sent = GRPC_FEATURES.filter((f) => f.sent && f.since[language] !== undefined);
  return [...sent, ...lossy].flatMap((row) =>
    releaseAtLeast(row.since, language, version)
      ? []
      : [
          {
            what: row.what,
            grfc: row.grfc,
            since: row.since[language] ?? 'no release yet',
            instead: row.older,
          },
        ],
  );
}
