// A proxy's configuration comes in parts, each translated from the mesh and a small view of the
// proxy that holds only what that part reads about it. Most of a proxy's configuration is the same
// for every proxy that sees the same services (its outbound clusters and endpoints, its routes and
// listeners), and only a small inbound part belongs to its own workload; so a part's key is its view
// itself, and proxies whose views are equal share the part's translation. `reads` names the parts of
// the mesh a part looks at; the part is translated from a mesh holding only those, so a part that
// reads something it does not declare gets nothing there, and the golden tests (which translate
// every proxy part by part, see translate-proxy.ts) fail. That is what lets a caller reuse a part
// across mesh changes that leave everything it reads as it was.
import {
  type EndpointSlice,
  type Mesh,
  meshConfigOf,
  type Service,
  type Workload,
} from '../../model/mesh.js';
import { upstreamTls } from '../../model/mtls.js';
import type { MeshProxy } from '../../model/proxy.js';
import { EMPTY_ROUTING, type Routing, type TrafficPolicy } from '../../model/routing.js';
import { backendPolicyFor } from '../../model/traffic-policy.js';
import { workloadsIn } from '../../model/workload-selection.js';
import { pairMemo } from '../../pair-memo.js';
import { type ClusterView, servicePortClusters } from './backend-policy-clusters.js';
import { proxyDialect } from './client-dialect.js';
import { slicesOf } from './endpoints.js';
import { inboundClusters, inboundListener, workloadInboundPorts } from './inbound.js';
import { isHeadless, meshedPorts } from './names.js';
import { outboundClusters, sidecarFixedClusters } from './outbound-clusters.js';
import { outboundListener } from './outbound-listener.js';
import { findWorkload } from './own-workload.js';
import { proxylessListeners, proxylessRoutes } from './proxyless.js';
import { proxylessServerListeners, proxylessServerPorts } from './proxyless-server.js';
import { routeReader, sidecarRoutes } from './routes.js';
import type { ProxyResources } from './translate-proxy.js';

/**
 * The fields of the mesh, with routing split by kind: a route change leaves the inbound side be.
 * `config` is the mesh's settings (trust domain, root namespace).
 */
export type MeshField =
  | 'namespaces'
  | 'services'
  | 'endpointSlices'
  /** Only the slices of headless services: all the outbound listener reads of endpoints. */
  | 'headlessEndpointSlices'
  | 'workloads'
  | 'routeTables'
  | 'backendPolicies'
  | 'rateLimits'
  | 'peerAuthentications'
  | 'config';

/**
 * A piece of a part that can be translated on its own, such as the clusters of one service port.
 * `inputs` is everything it reads, as plain data: equal inputs (compared as JSON) give equal
 * resources, so a caller keeps the unit's earlier result while they stay equal.
 *
 * `reads` is the quick way to the same answer: the model objects the inputs are made from. The
 * model is immutable and the sources keep the objects of what did not change, so when each is the
 * same object as at the unit's last compilation the inputs are equal, and are not even made.
 */
export interface TranslationUnit {
  readonly key: string;
  /** Compared item by item with `===`; what the part's key fixes need not be here. */
  readonly reads: readonly unknown[];
  inputs(): unknown;
  translate(): ProxyResources;
}

export interface TranslationPart {
  /** Equal keys and equal `reads` of the mesh give equal resources. */
  readonly key: string;
  /**
   * Every field of the mesh the part reads; the others are empty when it is translated. Absent: it
   * may read anything, even outside the mesh (test doubles), so no earlier result can stand for it.
   */
  readonly reads?: readonly MeshField[];
  translate(mesh: Mesh): ProxyResources;
  /**
   * The same resources as `translate`, as units, for a part large enough that most of it stays the
   * same across a change (an endpoint change touches one service's clusters, not a thousand).
   */
  units?(mesh: Mesh): readonly TranslationUnit[];
}

const NONE: ProxyResources = { listeners: [], routes: [], clusters: [], endpoints: [] };

/** `mesh` with only the fields of `reads` filled. */
export function restrictedMesh(mesh: Mesh, reads: readonly MeshField[]): Mesh {
  const has = (field: MeshField) => reads.includes(field);
  const peerAuthentications = has('peerAuthentications') ? mesh.routing.peerAuthentications : undefined;
  return {
    namespaces: has('namespaces') ? mesh.namespaces : [],
    services: has('services') ? mesh.services : [],
    endpointSlices: has('endpointSlices')
      ? mesh.endpointSlices
      : has('headlessEndpointSlices')
        ? headlessEndpointSlices(mesh)
        : [],
    workloads: has('workloads') ? mesh.workloads : [],
    routing: {
      routeTables: has('routeTables') ? mesh.routing.routeTables : EMPTY_ROUTING.routeTables,
      backendPolicies: has('backendPolicies') ? mesh.routing.backendPolicies : EMPTY_ROUTING.backendPolicies,
      rateLimits: has('rateLimits') ? mesh.routing.rateLimits : EMPTY_ROUTING.rateLimits,
      ...(peerAuthentications ? { peerAuthentications } : {}),
    },
    ...(has('config') && mesh.config ? { config: mesh.config } : {}),
  };
}

/**
 * The slices of the headless services (one filter chain per endpoint address): a ClusterIP
 * service's chain matches its IP alone, so its endpoints are none of the listener's business.
 * One array per (slices, services), so its content hash is computed once per mesh.
 */
export function headlessEndpointSlices(
  mesh: Pick<Mesh, 'services' | 'endpointSlices'>,
): readonly EndpointSlice[] {
  return headlessOf(mesh.endpointSlices, mesh.services);
}

const headlessOf = pairMemo(
  (endpointSlices: readonly EndpointSlice[], services: readonly Service[]): readonly EndpointSlice[] => {
    const headless = new Set(
      services.filter((s) => isHeadless(s) || !s.clusterIP).map((s) => `${s.namespace}/${s.name}`),
    );
    return headless.size === 0
      ? []
      : endpointSlices.filter((slice) => headless.has(`${slice.namespace}/${slice.serviceName}`));
  },
);

function part(
  key: object,
  reads: readonly MeshField[],
  translate: (mesh: Mesh) => ProxyResources,
  units?: (mesh: Mesh) => readonly TranslationUnit[],
): TranslationPart {
  return {
    key: JSON.stringify(key),
    reads,
    translate: (mesh: Mesh) => translate(restrictedMesh(mesh, reads)),
    ...(units ? { units: (mesh: Mesh) => units(restrictedMesh(mesh, reads)) } : {}),
  };
}

/**
 * One unit per meshed service port. What servicePortClusters reads: the service, its slices, its
 * backend policy, the proxy's kind and locality, the pods' labels when the policy has subsets, and
 * the TLS of each of its destinations (upstreamTls: the service accounts of the pods
 * behind it and their modes, which is what it reads of the pods and PeerAuthentications) and the
 * trust domain. A pod or policy change therefore recompiles only the services whose TLS it changes.
 */
function clusterUnits(mesh: Mesh, view: ClusterView): TranslationUnit[] {
  const units: TranslationUnit[] = [];
  const config = meshConfigOf(mesh);
  const { backendPolicies } = mesh.routing;
  const peerAuthentications = mesh.routing.peerAuthentications ?? null;
  for (const service of mesh.services) {
    const policy = backendPolicyFor(backendPolicies, service);
    const subsets = policy?.subsets ?? [];
    const slices = slicesOf(mesh, service);
    // The pods are read for the identities behind the service and their modes (its own
    // namespace's, one array kept while they are the same objects: a selector selects no other),
    // and by label for subsets (all of them). The view is in the part's key; the policy lists and
    // the settings are read whole by upstreamTls.
    const workloads = subsets.length > 0 ? mesh.workloads : workloadsIn(mesh.workloads, service.namespace);
    const reads = [service, policy, backendPolicies, peerAuthentications, config, workloads, ...slices];
    let inputs: unknown;
    const inputsOf = () => {
      inputs ??= {
        service,
        slices,
        policy: policy ?? null,
        view,
        workloads: subsets.length > 0 ? mesh.workloads : null,
        trustDomain: config.trustDomain,
        tls: meshedPorts(service).map((port) => [
          upstreamTls(mesh, service, port),
          ...subsets.map((s) => upstreamTls(mesh, service, port, s.name)),
        ]),
      };
      return inputs;
    };
    for (const port of meshedPorts(service)) {
      units.push({
        key: `${service.namespace}/${service.name}:${port.port}`,
        reads,
        inputs: inputsOf,
        translate: () => ({ ...NONE, ...servicePortClusters(mesh, service, port, view) }),
      });
    }
  }
  return units;
}

// Whether some traffic policy of the mesh has a property, memoised per (immutable) routing.
function anyPolicy(test: (policy: TrafficPolicy) => boolean): (routing: Routing) => boolean {
  const known = new WeakMap<Routing, boolean>();
  return (routing) => {
    let answer = known.get(routing);
    if (answer === undefined) {
      answer = routing.backendPolicies.some((p) =>
        [p.policy, ...(p.portPolicies ?? []).map((pp) => pp.policy), ...p.subsets.map((s) => s.policy)].some(
          (policy) => policy !== undefined && test(policy),
        ),
      );
      known.set(routing, answer);
    }
    return answer;
  };
}

const hasLocalityFailover = anyPolicy((policy) => (policy.localityFailover?.length ?? 0) > 0);
const hasConsistentHash = anyPolicy((policy) => policy.loadBalancer?.kind === 'consistentHash');

// The zone decides EDS priorities only under a locality failover policy, and whether the client
// takes a ring hash only under a consistent hash policy; without one in the mesh, proxies of every
// zone and every client release share the clusters.
function clusterView(mesh: Mesh, proxy: MeshProxy): ClusterView {
  const zone = proxy.locality?.zone;
  const noRing = !proxyDialect(proxy).ringHash && hasConsistentHash(mesh.routing);
  return {
    kind: proxy.kind,
    ...(zone && hasLocalityFailover(mesh.routing) ? { locality: { zone } } : {}),
    ...(noRing ? { withoutRingHash: true as const } : {}),
  };
}

// What each part reads, one array per kind of part: a fingerprint of the mesh is computed once per
// mesh and array (mesh-fingerprint.ts), not once per proxy.
const CLUSTER_READS: readonly MeshField[] = [
  'services',
  'endpointSlices',
  'workloads',
  'backendPolicies',
  // Clusters carry mTLS: the pods' modes and the identities behind each service.
  'peerAuthentications',
  'config',
];
const ROUTE_READS: readonly MeshField[] = ['services', 'routeTables', 'backendPolicies'];
const PROXYLESS_LISTENER_READS: readonly MeshField[] = ['services', 'routeTables'];
// Endpoints only of headless services: an endpoint change of any other service leaves the outbound
// listener (hundreds of kB at a thousand services) as it was.
const SIDECAR_LISTENER_READS: readonly MeshField[] = [
  'services',
  'headlessEndpointSlices',
  'routeTables',
  'backendPolicies',
];
const INBOUND_READS: readonly MeshField[] = ['services', 'rateLimits', 'peerAuthentications', 'config'];
const SERVER_READS: readonly MeshField[] = ['peerAuthentications', 'config'];

/**
 * A proxyless server's Listeners (proxyless-server.ts, gRFC A36): what it reads of its pod is the
 * namespace and labels (which PeerAuthentications select it, whether it is meshed), the container
 * ports and the IP (the Listeners' addresses); of the mesh, the policies and the root namespace.
 */
function proxylessServerPart(workload: Workload | undefined, proxyIp: string | undefined): TranslationPart {
  // Without a pod there is nothing to serve: such proxies share one empty part.
  const ip = workload ? (workload.ip ?? proxyIp) : undefined;
  return part(
    {
      part: 'server',
      ip: ip ?? null,
      workload: workload && {
        namespace: workload.namespace,
        labels: Object.entries(workload.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        ports: workload.ports.map((p) => [p.port, p.protocol]),
      },
    },
    SERVER_READS,
    (m) => ({ ...NONE, listeners: proxylessServerListeners(proxylessServerPorts(m, workload), ip) }),
  );
}

/**
 * The parts of `proxy`'s configuration, shared ones first and the one of its own workload (if any)
 * last. `mesh` is the mesh as the proxy may see it (visibility); callers that share parts between
 * proxies of different visibilities must add the visibility to the key.
 */
export function translationParts(mesh: Mesh, proxy: MeshProxy): TranslationPart[] {
  const clusters = clusterView(mesh, proxy);
  const reader = routeReader(mesh, proxy);
  const clusterPart = part(
    { part: 'clusters', ...clusters },
    CLUSTER_READS,
    (m) => ({ ...NONE, ...outboundClusters(m, clusters) }),
    (m) => clusterUnits(m, clusters),
  );
  if (proxy.kind === 'proxyless') {
    return [
      clusterPart,
      part({ part: 'routes', ...reader }, ROUTE_READS, (m) => ({
        ...NONE,
        routes: proxylessRoutes(m, reader),
      })),
      part({ part: 'listeners', kind: proxy.kind }, PROXYLESS_LISTENER_READS, (m) => ({
        ...NONE,
        listeners: proxylessListeners(m),
      })),
      proxylessServerPart(findWorkload(mesh, proxy), proxy.ip),
    ];
  }
  const workload = findWorkload(mesh, proxy);
  return [
    clusterPart,
    part({ part: 'routes', ...reader }, ROUTE_READS, (m) => ({
      ...NONE,
      routes: sidecarRoutes(m, reader),
    })),
    part({ part: 'listeners', kind: proxy.kind }, SIDECAR_LISTENER_READS, (m) => ({
      ...NONE,
      listeners: [outboundListener(m)],
      clusters: sidecarFixedClusters(),
    })),
    // What the inbound side reads of the pod: its namespace and labels (which services and which
    // PeerAuthentications select it) and its container ports (named target ports). Its name and IP
    // only found it. The mesh settings: the root namespace (mesh-wide policies), the trust domain.
    part(
      {
        part: 'inbound',
        workload: workload && {
          namespace: workload.namespace,
          labels: Object.entries(workload.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
          // In their own order: the first container port of a name wins.
          ports: workload.ports.map((p) => [p.name ?? null, p.port, p.protocol]),
        },
      },
      INBOUND_READS,
      (m) => {
        const ports = workloadInboundPorts(m, workload);
        return {
          ...NONE,
          listeners: [inboundListener(ports, meshConfigOf(m).trustDomain)],
          clusters: inboundClusters(ports),
        };
      },
    ),
  ];
}
