// What Trellis does with every field of VirtualService, DestinationRule, PeerAuthentication and
// Sidecar. The rows feed the support table in the docs and the walker that reports unsupported and
// unknown fields, so the table cannot drift from what the parser reports.
import type { SupportRow } from '../routing-family.js';
import type { FieldWalk } from '../shared/unsupported-fields.js';

type Row = readonly [field: string, supported: boolean, note?: string];

const rows = (kind: string, list: readonly Row[]): SupportRow[] =>
  list.map(([field, supported, note]) => ({ kind, field, supported, ...(note ? { note } : {}) }));

const SKIPPED_MATCH = 'the match is skipped, so a rule never matches more than it says';

function stringMatch(path: string, note?: string): Row[] {
  return [
    [path, true, note],
    [`${path}.exact`, true],
    [`${path}.prefix`, true],
    [`${path}.regex`, true, 'RE2 syntax'],
  ];
}

function destination(path: string): Row[] {
  return [
    [path, true],
    [`${path}.host`, true, 'a service of the cluster; other hosts answer 503 (warning)'],
    [`${path}.subset`, true, 'must be defined by a DestinationRule subset; otherwise answers 503 (warning)'],
    [`${path}.port`, true],
    [`${path}.port.number`, true],
  ];
}

function percentage(path: string): Row[] {
  return [
    [path, true],
    [`${path}.value`, true, '0..100, fractions allowed'],
  ];
}

const http = 'spec.http[]';
const match = `${http}.match[]`;

const VIRTUAL_SERVICE: readonly Row[] = [
  [
    'spec.hosts',
    true,
    'short names, <name>.<namespace>, .svc and FQDNs of cluster services; others are skipped (warning)',
  ],
  [
    'spec.gateways',
    true,
    'absent or listing "mesh": applied to sidecars; a gateway-only VirtualService is ignored (warning)',
  ],
  ['spec.exportTo', false, 'the VirtualService applies to clients in every namespace'],
  [http, true, 'first match wins; a rule with an error is dropped and the others are served'],
  [`${http}.name`, true, 'informational: routes are named VirtualService/<ns>/<name>/<rule>[/<match>]'],
  [match, true, 'each match becomes its own route, in order'],
  [`${match}.name`, true, 'informational'],
  ...stringMatch(`${match}.uri`),
  ...stringMatch(`${match}.scheme`, 'matched as the :scheme header'),
  ...stringMatch(`${match}.method`, 'exact as the method; prefix and regex as the :method header'),
  ...stringMatch(`${match}.authority`, 'matched as the :authority header'),
  ...stringMatch(`${match}.headers.<name>`, 'an empty match ({}) checks that the header is present'),
  [`${match}.headers`, true],
  ...stringMatch(`${match}.withoutHeaders.<name>`, 'the request must not match'),
  [`${match}.withoutHeaders`, true],
  ...stringMatch(`${match}.queryParams.<name>`, 'an empty match ({}) checks that the parameter is present'),
  [`${match}.queryParams`, true],
  [`${match}.port`, true],
  [`${match}.sourceLabels`, true],
  [`${match}.sourceNamespace`, true],
  [`${match}.gateways`, true, 'a match that lists gateways but not "mesh" is skipped'],
  [`${match}.ignoreUriCase`, true, 'for exact and prefix uri matches; ignored on regex (warning)'],
  [`${match}.statPrefix`, false, 'statistics are not prefixed'],
  [`${http}.route[]`, true, 'with several destinations each gets weight/(sum of weights) of the traffic'],
  ...destination(`${http}.route[].destination`),
  [`${http}.route[].weight`, true, '0..100'],
  [`${http}.route[].headers`, false, 'no per-destination header edits; use spec.http[].headers'],
  [`${http}.redirect`, true],
  [`${http}.redirect.uri`, true, 'replaces the whole path'],
  [`${http}.redirect.prefixRewrite`, true, 'replaces the matched prefix'],
  [`${http}.redirect.authority`, true],
  [`${http}.redirect.port`, true],
  [`${http}.redirect.derivePort`, false, 'the redirect keeps the port Envoy derives by default'],
  [`${http}.redirect.scheme`, true],
  [`${http}.redirect.redirectCode`, true, '301 (default), 302, 303, 307 or 308'],
  [`${http}.directResponse`, true],
  [`${http}.directResponse.status`, true, '200..599'],
  [`${http}.directResponse.body`, true],
  [`${http}.directResponse.body.string`, true],
  [`${http}.directResponse.body.bytes`, false, 'the response is sent without a body'],
  [`${http}.delegate`, false, 'the rule is skipped (delegate VirtualServices are not read)'],
  [`${http}.rewrite`, true],
  [
    `${http}.rewrite.uri`,
    true,
    'replaces the matched prefix, or the whole path on an exact match; not on regex matches (warning)',
  ],
  [`${http}.rewrite.authority`, true],
  [`${http}.rewrite.uriRegexRewrite`, false, 'the path is not rewritten'],
  [`${http}.timeout`, true, '0s disables the timeout'],
  [`${http}.retries`, true],
  [`${http}.retries.attempts`, true, '0 disables retries'],
  [`${http}.retries.perTryTimeout`, true],
  [`${http}.retries.retryOn`, true, 'Envoy retry_on and gRPC conditions, and HTTP status codes'],
  [`${http}.retries.backoff`, true, 'the base interval'],
  [`${http}.retries.retryRemoteLocalities`, false, "Envoy's default host selection applies"],
  [`${http}.retries.retryIgnorePreviousHosts`, false, "Envoy's default host selection applies"],
  [`${http}.fault`, true],
  [`${http}.fault.delay`, true],
  [`${http}.fault.delay.fixedDelay`, true],
  [`${http}.fault.delay.exponentialDelay`, false, 'no delay is injected'],
  ...percentage(`${http}.fault.delay.percentage`),
  [`${http}.fault.delay.percent`, true, 'deprecated: used when percentage is absent'],
  [`${http}.fault.abort`, true],
  [`${http}.fault.abort.httpStatus`, true, '200..599'],
  [`${http}.fault.abort.grpcStatus`, true, 'a gRPC status name such as UNAVAILABLE'],
  [`${http}.fault.abort.http2Error`, false, 'no abort is injected'],
  ...percentage(`${http}.fault.abort.percentage`),
  ...destination(`${http}.mirror`),
  ...percentage(`${http}.mirrorPercentage`),
  [`${http}.mirrorPercent`, true, 'deprecated: used when mirrorPercentage is absent'],
  [`${http}.mirrors[]`, true],
  ...destination(`${http}.mirrors[].destination`),
  ...percentage(`${http}.mirrors[].percentage`),
  [`${http}.corsPolicy`, true],
  ...stringMatch(`${http}.corsPolicy.allowOrigins[]`),
  [`${http}.corsPolicy.allowOrigin`, true, 'deprecated: exact origins'],
  [`${http}.corsPolicy.allowMethods`, true],
  [`${http}.corsPolicy.allowHeaders`, true],
  [`${http}.corsPolicy.exposeHeaders`, true],
  [`${http}.corsPolicy.maxAge`, true, 'whole seconds'],
  [`${http}.corsPolicy.allowCredentials`, true],
  [
    `${http}.corsPolicy.unmatchedPreflights`,
    false,
    'preflight requests from origins that are not allowed are forwarded',
  ],
  [`${http}.headers`, true],
  [`${http}.headers.request`, true],
  [`${http}.headers.request.set`, true, 'setting host or :authority rewrites the authority'],
  [`${http}.headers.request.add`, true],
  [`${http}.headers.request.remove`, true],
  [`${http}.headers.response`, true],
  [`${http}.headers.response.set`, true],
  [`${http}.headers.response.add`, true],
  [`${http}.headers.response.remove`, true],
  ['spec.tcp[]', true, 'first match wins'],
  ['spec.tcp[].match[]', true, 'each match becomes its own route'],
  ['spec.tcp[].match[].port', true],
  ['spec.tcp[].match[].gateways', true, 'a match that lists gateways but not "mesh" is skipped'],
  ['spec.tcp[].match[].sourceLabels', false, SKIPPED_MATCH],
  ['spec.tcp[].match[].sourceNamespace', false, SKIPPED_MATCH],
  ['spec.tcp[].match[].destinationSubnets', false, SKIPPED_MATCH],
  ['spec.tcp[].match[].sourceSubnet', false, SKIPPED_MATCH],
  ['spec.tcp[].route[]', true, 'with several destinations each gets weight/(sum of weights) of the traffic'],
  ...destination('spec.tcp[].route[].destination'),
  ['spec.tcp[].route[].weight', true, '0..100'],
  ['spec.tls', false, 'TLS (SNI) routes are not served: that traffic follows the TCP routes'],
];

const NO_SECRETS =
  'Kubernetes Secrets are not read or served; use caCertificates, clientCertificate and privateKey (files on the proxy)';

function policyGroups(path: string): Row[] {
  const lb = `${path}.loadBalancer`;
  const hash = `${lb}.consistentHash`;
  const locality = `${lb}.localityLbSetting`;
  const pool = `${path}.connectionPool`;
  const outlier = `${path}.outlierDetection`;
  const tls = `${path}.tls`;
  return [
    [lb, true],
    [`${lb}.simple`, true, 'ROUND_ROBIN, LEAST_REQUEST (LEAST_CONN), RANDOM, PASSTHROUGH'],
    [hash, true],
    [`${hash}.httpHeaderName`, true],
    [`${hash}.httpCookie`, true],
    [`${hash}.httpCookie.name`, true],
    [`${hash}.httpCookie.path`, true],
    [`${hash}.httpCookie.ttl`, true],
    [`${hash}.httpCookie.attributes`, false, 'the cookie is generated without extra attributes'],
    [`${hash}.useSourceIp`, true],
    [`${hash}.httpQueryParameterName`, true],
    [`${hash}.ringHash`, true],
    [`${hash}.ringHash.minimumRingSize`, true],
    [`${hash}.maglev`, false, 'ring hash is used instead'],
    [`${hash}.minimumRingSize`, true, 'deprecated: used when ringHash is absent'],
    [locality, true],
    [`${locality}.failover[]`, true],
    [
      `${locality}.failover[].from`,
      true,
      'matched against zones (topology.kubernetes.io/zone of the endpoints, node.locality.zone of the proxy), not regions',
    ],
    [
      `${locality}.failover[].to`,
      true,
      'matched against zones (topology.kubernetes.io/zone of the endpoints, node.locality.zone of the proxy), not regions',
    ],
    [`${locality}.distribute`, false, "traffic follows Envoy's locality weights"],
    [`${locality}.failoverPriority`, false, 'failover follows failover[] only'],
    [`${locality}.enabled`, false, 'locality load balancing is left as configured'],
    [`${lb}.zoneAwareLbSetting`, false, 'zone-aware routing is left as configured'],
    [`${lb}.warmupDurationSecs`, false, 'new endpoints get their full share at once'],
    [`${lb}.warmup`, false, 'new endpoints get their full share at once'],
    [pool, true],
    [`${pool}.tcp`, true],
    [`${pool}.tcp.maxConnections`, true],
    [`${pool}.tcp.connectTimeout`, true],
    [`${pool}.tcp.tcpKeepalive`, false, 'no TCP keepalive is configured'],
    [`${pool}.tcp.maxConnectionDuration`, false, 'connections are not aged out'],
    [`${pool}.tcp.idleTimeout`, false, "Envoy's default TCP idle timeout applies"],
    [`${pool}.http`, true],
    [`${pool}.http.http1MaxPendingRequests`, true],
    [`${pool}.http.http2MaxRequests`, true],
    [`${pool}.http.maxRequestsPerConnection`, true],
    [`${pool}.http.maxRetries`, true],
    [`${pool}.http.idleTimeout`, true],
    [`${pool}.http.h2UpgradePolicy`, false, 'HTTP/1.1 connections are not upgraded to HTTP/2'],
    [`${pool}.http.useClientProtocol`, false, "the upstream protocol follows the service port's protocol"],
    [`${pool}.http.maxConcurrentStreams`, false, "Envoy's default applies"],
    [`${pool}.http.http2KeepAlive`, false, 'no HTTP/2 keepalive pings are sent'],
    [outlier, true],
    [`${outlier}.consecutive5xxErrors`, true, '0 disables'],
    [`${outlier}.consecutiveGatewayErrors`, true, '0 disables'],
    [`${outlier}.interval`, true],
    [`${outlier}.baseEjectionTime`, true],
    [`${outlier}.maxEjectionPercent`, true],
    [`${outlier}.minHealthPercent`, false, "Envoy's default panic threshold applies"],
    [`${outlier}.splitExternalLocalOriginErrors`, false, 'local-origin failures are not counted apart'],
    [`${outlier}.consecutiveLocalOriginFailures`, false, 'local-origin failures are not counted apart'],
    [`${outlier}.consecutiveErrors`, false, 'deprecated and ignored: use consecutive5xxErrors'],
    [`${outlier}.outlierDetectionHttpErrorCodes`, false, 'only 5xx and gateway errors count'],
    [tls, true, 'a tls block without a mode means DISABLE, as in Istio; without one, auto mTLS applies'],
    [
      `${tls}.mode`,
      true,
      'ISTIO_MUTUAL (the mesh certificates over SDS), DISABLE (plaintext), SIMPLE and MUTUAL (files on the proxy)',
    ],
    [`${tls}.clientCertificate`, true, 'MUTUAL: required, a file path on the proxy'],
    [`${tls}.privateKey`, true, 'MUTUAL: required, a file path on the proxy'],
    [
      `${tls}.caCertificates`,
      true,
      'SIMPLE, MUTUAL: required unless insecureSkipVerify (the system roots are not used), a file path on the proxy',
    ],
    [`${tls}.credentialName`, false, NO_SECRETS],
    [
      `${tls}.subjectAltNames`,
      true,
      'spiffe:// names are matched as URI SANs, others as DNS SANs; ISTIO_MUTUAL defaults to the identities of the pods behind',
    ],
    [`${tls}.sni`, true, 'ISTIO_MUTUAL defaults to outbound_.<port>_.<subset>_.<host>'],
    [`${tls}.insecureSkipVerify`, true, 'SIMPLE, MUTUAL: the server certificate is not checked'],
    [`${tls}.caCrl`, false, 'revocation lists are not checked'],
  ];
}

function trafficPolicy(path: string, portLevel: boolean): Row[] {
  const ports = `${path}.portLevelSettings[]`;
  return [
    [path, true],
    ...policyGroups(path),
    ...(portLevel
      ? ([
          [ports, true, 'overrides the service-level policy on one port'],
          [`${ports}.port`, true],
          [`${ports}.port.number`, true],
          ...policyGroups(ports),
        ] satisfies Row[])
      : ([[ports, false, "the subset's policy applies to every port"]] satisfies Row[])),
    [`${path}.tunnel`, false, 'connections are not tunneled'],
    [`${path}.proxyProtocol`, false, 'no PROXY protocol header is sent'],
    [`${path}.retryBudget`, false, "Envoy's default retry budget applies"],
  ];
}

const DESTINATION_RULE: readonly Row[] = [
  ['spec.host', true, 'a service of the cluster; other hosts are skipped (warning)'],
  ...trafficPolicy('spec.trafficPolicy', true),
  ['spec.subsets[]', true],
  ['spec.subsets[].name', true, 'a unique DNS-1123 label'],
  ['spec.subsets[].labels', true],
  ...trafficPolicy('spec.subsets[].trafficPolicy', false),
  ['spec.exportTo', false, 'the rule applies to clients in every namespace'],
  ['spec.workloadSelector', false, 'the DestinationRule is skipped, rather than applied to every client'],
];

const PEER_AUTHENTICATION: readonly Row[] = [
  [
    'spec.selector',
    true,
    'absent or empty: the whole namespace, or the whole mesh in the root namespace (--root-namespace, default trellis-system)',
  ],
  [
    'spec.selector.matchLabels',
    true,
    "pods of the policy's namespace carrying all of these labels; when several policies select a pod, the oldest applies",
  ],
  ['spec.mtls', true],
  [
    'spec.mtls.mode',
    true,
    'STRICT, PERMISSIVE, DISABLE, or UNSET (inherit); a pod takes its selecting policy, else its namespace policy, else the mesh-wide one, else PERMISSIVE',
  ],
  ['spec.portLevelMtls', true, 'only on a policy with a selector (an error otherwise), as in Istio'],
  ['spec.portLevelMtls.<port>', true, 'the port the pod listens on (its container port), 1..65535'],
  ['spec.portLevelMtls.<port>.mode', true, "as spec.mtls.mode; UNSET inherits the pod's mode"],
];

const SIDECAR: readonly Row[] = [
  [
    'spec.workloadSelector',
    true,
    "absent: the default of the Sidecar's namespace (the oldest, if several), or of every namespace without one in the root namespace (--root-namespace, default trellis-system)",
  ],
  [
    'spec.workloadSelector.labels',
    true,
    "pods of the Sidecar's namespace carrying all of these labels (the pod's own labels); when several Sidecars select a pod, the oldest applies; at least one label",
  ],
  [
    'spec.egress[]',
    true,
    'the hosts of every listener together decide which services the proxy receives; no egress: every service',
  ],
  [
    'spec.egress[].hosts',
    true,
    "`namespace/dnsName`: the namespace a name, `*` (every one), `.` (the pod's own) or `~` (none); the dnsName `*`, `*.<domain>` or a service name `<name>.<namespace>.svc.cluster.local`. The services selecting the pod stay visible to it",
  ],
  ['spec.egress[].port', false, 'the hosts are visible on every port'],
  ['spec.egress[].bind', false, 'outbound traffic is captured on 15001 as for every sidecar'],
  ['spec.egress[].captureMode', false, "traffic capture follows the pod's iptables rules"],
  ['spec.ingress[]', false, 'the inbound side follows the services that select the pod'],
  [
    'spec.outboundTrafficPolicy',
    false,
    'traffic to a destination the proxy does not know passes through (ALLOW_ANY)',
  ],
  ['spec.inboundConnectionPool', false, "Envoy's defaults apply to inbound connections"],
];

export const VIRTUAL_SERVICE_SUPPORT: readonly SupportRow[] = rows('VirtualService', VIRTUAL_SERVICE);
export const DESTINATION_RULE_SUPPORT: readonly SupportRow[] = rows('DestinationRule', DESTINATION_RULE);
export const PEER_AUTHENTICATION_SUPPORT: readonly SupportRow[] = rows(
  'PeerAuthentication',
  PEER_AUTHENTICATION,
);
export const SIDECAR_SUPPORT: readonly SupportRow[] = rows('Sidecar', SIDECAR);
export const ISTIO_SUPPORT: readonly SupportRow[] = [
  ...VIRTUAL_SERVICE_SUPPORT,
  ...DESTINATION_RULE_SUPPORT,
  ...PEER_AUTHENTICATION_SUPPORT,
  ...SIDECAR_SUPPORT,
];

/** How UnsupportedField warnings about an Istio kind read. */
export const istioFieldWalk = (kind: string): FieldWalk => ({
  from: 'spec',
  unset: 'skipped-if-unsupported',
  notAField: () => `is not a field of ${kind}; it is ignored`,
  unsupported: (note) => `is not supported${note ? `; ${note}` : ''}`,
});
