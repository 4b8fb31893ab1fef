// The kinds the Kubernetes source watches: the core kinds the model reads and one served version of
// every routing kind the parsers in src/sources/apis/ accept (the version a cluster most likely
// serves). Each is listed and watched across all namespaces.

export interface KubeKind {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
}

export const KUBE_KINDS: readonly KubeKind[] = [
  { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces' },
  { group: '', version: 'v1', kind: 'Service', plural: 'services' },
  { group: '', version: 'v1', kind: 'Pod', plural: 'pods' },
  // Accepted and kept to its identity (trim.ts); nothing in the model reads it yet (parse-manifests.ts).
  { group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts' },
  { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices' },
  { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'HTTPRoute', plural: 'httproutes' },
  { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'GRPCRoute', plural: 'grpcroutes' },
  {
    group: 'gateway.networking.k8s.io',
    version: 'v1beta1',
    kind: 'ReferenceGrant',
    plural: 'referencegrants',
  },
  { group: 'networking.istio.io', version: 'v1', kind: 'VirtualService', plural: 'virtualservices' },
  { group: 'networking.istio.io', version: 'v1', kind: 'DestinationRule', plural: 'destinationrules' },
  { group: 'networking.istio.io', version: 'v1', kind: 'Sidecar', plural: 'sidecars' },
  { group: 'security.istio.io', version: 'v1', kind: 'PeerAuthentication', plural: 'peerauthentications' },
  { group: 'split.smi-spec.io', version: 'v1alpha4', kind: 'TrafficSplit', plural: 'trafficsplits' },
  { group: 'specs.smi-spec.io', version: 'v1alpha4', kind: 'HTTPRouteGroup', plural: 'httproutegroups' },
  {
    group: 'trellis.dev',
    version: 'v1alpha1',
    kind: 'LocalRateLimitPolicy',
    plural: 'localratelimitpolicies',
  },
];

export function kindPath(kind: KubeKind): string {
  return kind.group === ''
    ? `/api/${kind.version}/${kind.plural}`
    : `/apis/${kind.group}/${kind.version}/${kind.plural}`;
}

export function kindApiVersion(kind: KubeKind): string {
  return kind.group === '' ? kind.version : `${kind.group}/${kind.version}`;
}

/** `group/Kind` for logs and origins; `core/Kind` for the core group. */
export function kindLabel(kind: KubeKind): string {
  return `${kind.group === '' ? 'core' : kind.group}/${kind.kind}`;
}
