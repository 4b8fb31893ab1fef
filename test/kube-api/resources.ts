// The resources the fake API server can serve, described as its discovery documents describe them:
// group, version, kind, plural, whether they are namespaced, which subresources they have, and
// whether they come from a CustomResourceDefinition (the API server treats those differently: no
// strategic merge patch, an update must carry a resourceVersion, lists keep apiVersion and kind on
// their items, a delete answers the deleted object).

/** One resource the fake serves: list, watch, get, create, update, patch and delete routes. */
export interface FakeResource {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  /** Objects live in a namespace (`/namespaces/{ns}/{plural}`), or not. */
  readonly namespaced: boolean;
  /** Subresources served under `{plural}/{name}/`: only `status` is supported. */
  readonly subresources?: readonly 'status'[];
  /** Served from a CustomResourceDefinition rather than built into the API server. */
  readonly custom?: boolean;
}

const core = (kind: string, plural: string, namespaced: boolean, status = false): FakeResource => ({
  group: '',
  version: 'v1',
  kind,
  plural,
  namespaced,
  ...(status ? { subresources: ['status'] as const } : {}),
});

const crd = (
  group: string,
  version: string,
  kind: string,
  plural: string,
  status: boolean,
): FakeResource => ({
  group,
  version,
  kind,
  plural,
  namespaced: true,
  custom: true,
  ...(status ? { subresources: ['status'] as const } : {}),
});

const NAMESPACE = core('Namespace', 'namespaces', false, true);
const SERVICE = core('Service', 'services', true, true);
const POD = core('Pod', 'pods', true, true);
const ENDPOINT_SLICE: FakeResource = {
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  plural: 'endpointslices',
  namespaced: true,
};
const HTTP_ROUTE = crd('gateway.networking.k8s.io', 'v1', 'HTTPRoute', 'httproutes', true);
const VIRTUAL_SERVICE = crd('networking.istio.io', 'v1', 'VirtualService', 'virtualservices', true);
const DESTINATION_RULE = crd('networking.istio.io', 'v1', 'DestinationRule', 'destinationrules', true);

/**
 * The resources the Kubernetes source's tests serve by default. A kind of KUBE_KINDS missing here
 * (TrafficSplit, GRPCRoute, ...) answers 404, as when its CRD is not installed: tests rely on that.
 */
export const FAKE_RESOURCES: readonly FakeResource[] = [
  NAMESPACE,
  SERVICE,
  POD,
  ENDPOINT_SLICE,
  HTTP_ROUTE,
  VIRTUAL_SERVICE,
  DESTINATION_RULE,
];

/** Every resource the fake can serve: FAKE_RESOURCES and what Trellis's Kubernetes mode writes or reads. */
export const ALL_FAKE_RESOURCES: readonly FakeResource[] = [
  ...FAKE_RESOURCES,
  core('Secret', 'secrets', true),
  core('ConfigMap', 'configmaps', true),
  core('ServiceAccount', 'serviceaccounts', true),
  { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true },
  {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    kind: 'MutatingWebhookConfiguration',
    plural: 'mutatingwebhookconfigurations',
    namespaced: false,
  },
  crd('gateway.networking.k8s.io', 'v1', 'GRPCRoute', 'grpcroutes', true),
  crd('gateway.networking.k8s.io', 'v1beta1', 'ReferenceGrant', 'referencegrants', false),
  crd('security.istio.io', 'v1', 'PeerAuthentication', 'peerauthentications', true),
  crd('networking.istio.io', 'v1', 'Sidecar', 'sidecars', true),
  crd('split.smi-spec.io', 'v1alpha4', 'TrafficSplit', 'trafficsplits', false),
  crd('specs.smi-spec.io', 'v1alpha4', 'HTTPRouteGroup', 'httproutegroups', false),
  crd('trellis.dev', 'v1alpha1', 'LocalRateLimitPolicy', 'localratelimitpolicies', true),
];

/** The one resource of ALL_FAKE_RESOURCES with this kind (and apiVersion, when given). */
export function fakeResource(kind: string, apiVersion?: string): FakeResource {
  const found = ALL_FAKE_RESOURCES.find(
    (r) => r.kind === kind && (apiVersion === undefined || apiVersionOf(r) === apiVersion),
  );
  if (!found) throw new Error(`the fake has no resource ${apiVersion ?? ''} ${kind}`);
  return found;
}

/** The cluster-wide collection path: `/api/v1/pods`, `/apis/{group}/{version}/{plural}`. */
export function resourcePath(resource: Pick<FakeResource, 'group' | 'version' | 'plural'>): string {
  return `${groupVersionPath(resource)}/${resource.plural}`;
}

/** `/api/v1` or `/apis/{group}/{version}`. */
export function groupVersionPath(resource: { readonly group: string; readonly version: string }): string {
  return resource.group === '' ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`;
}

export function apiVersionOf(resource: { readonly group: string; readonly version: string }): string {
  return resource.group === '' ? resource.version : `${resource.group}/${resource.version}`;
}

/** `secrets`, `leases.coordination.k8s.io`: how the API server's messages name a resource. */
export function groupResource(resource: FakeResource): string {
  return resource.group === '' ? resource.plural : `${resource.plural}.${resource.group}`;
}

export function hasStatus(resource: FakeResource): boolean {
  return resource.subresources?.includes('status') ?? false;
}
