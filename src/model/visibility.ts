// Which services a proxy receives: Istio's Sidecar resource (its egress hosts, `namespace/dnsName`),
// else a namespace annotation `trellis.dev/visible-namespaces: "ns1,ns2"` (or "*"), else the
// mesh-wide default. Restricting what a proxy sees is what keeps each proxy's configuration, and the
// work of pushing it, proportional to what it calls rather than to the size of the mesh.
//
// Precedence, most specific first: a Sidecar of the proxy's namespace whose workloadSelector selects
// its pod; the Sidecar of its namespace without a selector; the namespace's annotation; the Sidecar
// without a selector in the mesh's root namespace; the server's default (--default-visible-namespaces).
// The annotation adds the proxy's own namespace; a Sidecar lists what it wants (`./*` for its own
// namespace), as in Istio, except that a proxy always sees the services that select its own pod: its
// inbound side is built from them.
//
// A route of a visible service that sends traffic to a service that is not visible is kept: its
// share fails (the cluster is never sent), as it does in Istio, where the destination host must be
// visible too. That keeps the rule simple to state: a proxy knows only the services it lists.

import { sameItems } from '../same-items.js';
import { type Mesh, meshConfigOf, type Service } from './mesh.js';
import type { Routing, SidecarPolicy } from './routing.js';
import { applicableSidecars, type SidecarViewer } from './sidecar-scope.js';
import { servicesIn } from './workload-selection.js';

export const VISIBLE_NAMESPACES_ANNOTATION = 'trellis.dev/visible-namespaces';

/** Services matched by hostname (a Sidecar's `namespace/dnsName` host, once resolved). */
export interface VisibleHost {
  /** A namespace, or `*` for every namespace. */
  readonly namespace: string;
  /** `*.<suffix>` (hostnames ending with .<suffix>) or an exact hostname; never `*` alone. */
  readonly host: string;
}

export type Visibility =
  | { readonly kind: 'all' }
  | {
      readonly kind: 'namespaces';
      /**
       * Every service of these namespaces. Sorted and without duplicates; the annotation's own
       * namespace is added when the visibility is resolved.
       */
      readonly namespaces: readonly string[];
      /**
       * Besides those namespaces, the services matching one of these hosts (a Sidecar's). Sorted by
       * namespace then host, each once, none in a namespace listed above; absent = none.
       */
      readonly hosts?: readonly VisibleHost[];
    };

export const ALL_NAMESPACES: Visibility = { kind: 'all' };

/**
 * "ns1, ns2" → those namespaces; a "*" entry → all. Blank entries are skipped, so a blank value
 * means the proxy's own namespace only: listing nothing says "nothing else", not "everything".
 */
export function parseVisibleNamespaces(text: string): Visibility {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.includes('*')) return ALL_NAMESPACES;
  return { kind: 'namespaces', namespaces: [...new Set(entries)].sort() };
}

function namespaceAnnotation(mesh: Mesh, namespace: string): string | undefined {
  return mesh.namespaces.find((ns) => ns.name === namespace)?.annotations[VISIBLE_NAMESPACES_ANNOTATION];
}

/** What proxies in `namespace` may see: the namespace's annotation, else `defaultVisibility`, plus itself. */
export function visibilityOf(mesh: Mesh, namespace: string, defaultVisibility: Visibility): Visibility {
  const annotation = namespaceAnnotation(mesh, namespace);
  const declared = annotation === undefined ? defaultVisibility : parseVisibleNamespaces(annotation);
  if (declared.kind === 'all') return declared;
  if (declared.namespaces.includes(namespace)) return declared;
  return { ...declared, namespaces: [...declared.namespaces, namespace].sort() };
}

/** A short, stable name for a visibility: equal keys, equal filtered meshes. */
export function visibilityKey(visibility: Visibility): string {
  if (visibility.kind === 'all') return '*';
  const namespaces = visibility.namespaces.join(',');
  // Namespace names hold neither " " nor "/": the two lists cannot be mistaken for one another.
  const hosts = visibility.hosts ?? [];
  return hosts.length === 0
    ? namespaces
    : `${namespaces} ${hosts.map((h) => `${h.namespace}/${h.host}`).join(',')}`;
}

/** Whether `hostname` matches a host pattern: `*`, `*.<suffix>` or an exact name (Istio's rule). */
export function hostMatches(pattern: string, hostname: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return hostname.endsWith(pattern.slice(1));
  return pattern === hostname;
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A visibility of whole namespaces and hosts, in its one form: every service (a `*` namespace with
 * a `*` host) is ALL_NAMESPACES, a `*` host makes its namespace whole, hosts inside a whole
 * namespace are left out, and both lists are sorted and without duplicates. Equal sets of services
 * give equal visibilities, so the proxies that see them share their parts.
 */
export function normalizedVisibility(namespaces: Iterable<string>, hosts: Iterable<VisibleHost>): Visibility {
  const whole = new Set(namespaces);
  const patterns: VisibleHost[] = [];
  for (const host of hosts) {
    if (host.host !== '*') patterns.push(host);
    else if (host.namespace === '*') return ALL_NAMESPACES;
    else whole.add(host.namespace);
  }
  const byKey = new Map<string, VisibleHost>();
  for (const host of patterns) {
    if (whole.has(host.namespace)) continue;
    byKey.set(`${host.namespace}/${host.host}`, { namespace: host.namespace, host: host.host });
  }
  const sortedHosts = [...byKey.values()].sort(
    (a, b) => compareText(a.namespace, b.namespace) || compareText(a.host, b.host),
  );
  return {
    kind: 'namespaces',
    namespaces: [...whole].sort(compareText),
    ...(sortedHosts.length > 0 ? { hosts: sortedHosts } : {}),
  };
}

/** What a Sidecar lets a proxy of `namespace` see: its egress hosts, `.` read as that namespace. */
export function sidecarVisibility(sidecar: SidecarPolicy, namespace: string): Visibility {
  return normalizedVisibility(
    [],
    sidecar.egressHosts.map((h) => (h.namespace === '.' ? { namespace, host: h.host } : h)),
  );
}

/** `visibility` plus the services whose selector selects the proxy's pod, when they are not in it. */
function withOwnServices(mesh: Mesh, visibility: Visibility, viewer: SidecarViewer): Visibility {
  const labels = viewer.labels;
  if (visibility.kind === 'all' || !labels || visibility.namespaces.includes(viewer.namespace))
    return visibility;
  const own = servicesIn(mesh.services, viewer.namespace).filter((service) => {
    const selector = Object.entries(service.selector ?? {});
    return selector.length > 0 && selector.every(([key, value]) => labels[key] === value);
  });
  if (own.length === 0) return visibility;
  return normalizedVisibility(visibility.namespaces, [
    ...(visibility.hosts ?? []),
    ...own.map((service) => ({ namespace: service.namespace, host: service.hostname })),
  ]);
}

/**
 * What a proxy may see: its pod's Sidecar, else its namespace's Sidecar, else its namespace's
 * annotation, else the root namespace's Sidecar, else `defaultVisibility` (see the top of this file).
 * `viewer.labels` are its pod's labels, when the pod is known; without them no workloadSelector
 * selects it.
 */
export function proxyVisibility(
  mesh: Mesh,
  viewer: SidecarViewer,
  defaultVisibility: Visibility,
): Visibility {
  const sidecars = mesh.routing.sidecars ?? [];
  const applicable = applicableSidecars(sidecars, meshConfigOf(mesh).rootNamespace, viewer);
  const own = applicable.workload ?? applicable.namespace;
  const annotated = namespaceAnnotation(mesh, viewer.namespace) !== undefined;
  const sidecar = own ?? (annotated ? undefined : applicable.mesh);
  if (!sidecar) return visibilityOf(mesh, viewer.namespace, defaultVisibility);
  return withOwnServices(mesh, sidecarVisibility(sidecar, viewer.namespace), viewer);
}

/** The mesh as a proxy sees it (proxyVisibility). */
export function visibleMeshFor(mesh: Mesh, viewer: SidecarViewer, defaultVisibility: Visibility): Mesh {
  return meshWithin(mesh, proxyVisibility(mesh, viewer, defaultVisibility));
}

export type { SidecarViewer };

// Every proxy with one visibility reads the same filtered mesh: build it once per mesh and keep the
// arrays identical, so translation's per-array indexes are built once too.
const filtered = new WeakMap<Mesh, Map<string, Mesh>>();

/** The same array when nothing is dropped, or when what is kept is what was kept last time. */
function keep<T>(
  items: readonly T[],
  visible: (item: T) => boolean,
  last: readonly T[] | undefined,
): readonly T[] {
  const kept = items.filter(visible);
  if (kept.length === items.length) return items;
  return last && sameItems(last, kept) ? last : kept;
}

/**
 * `mesh` without the services (and their endpoints, route tables and policies) outside `visibility`.
 * `last`: what this gave for the same visibility in an earlier state. An array that holds the same
 * objects as its counterpart there is that array, so what goes by identity (the translation units'
 * quick check, per-array indexes) carries over from one state to the next.
 */
export function meshWithin(mesh: Mesh, visibility: Visibility, last?: Mesh): Mesh {
  if (visibility.kind === 'all') return mesh;
  const key = visibilityKey(visibility);
  let byKey = filtered.get(mesh);
  const known = byKey?.get(key);
  if (known) return known;
  const namespaces = new Set(visibility.namespaces);
  const hosts = visibility.hosts ?? [];
  const matched = (s: Service): boolean =>
    hosts.some(
      (h) => (h.namespace === '*' || h.namespace === s.namespace) && hostMatches(h.host, s.hostname),
    );
  const services = keep(mesh.services, (s) => namespaces.has(s.namespace) || matched(s), last?.services);
  // Whatever belongs to a service (its slices, route tables, policies) goes with it: a whole
  // namespace by its name, a service matched by hostname by its namespace/name.
  const byHost = new Set(
    hosts.length === 0
      ? []
      : services.filter((s) => !namespaces.has(s.namespace)).map((s) => `${s.namespace}/${s.name}`),
  );
  const inside = (namespace: string, name: string): boolean =>
    namespaces.has(namespace) || (byHost.size > 0 && byHost.has(`${namespace}/${name}`));
  const routing = mesh.routing;
  const lastRouting = last?.routing;
  const filteredRouting: Routing = {
    ...routing,
    routeTables: keep(
      routing.routeTables,
      (t) => inside(t.service.namespace, t.service.name),
      lastRouting?.routeTables,
    ),
    backendPolicies: keep(
      routing.backendPolicies,
      (p) => inside(p.service.namespace, p.service.name),
      lastRouting?.backendPolicies,
    ),
    // Only a proxy's own services' limits are ever applied, and they are always visible to it.
    rateLimits: keep(
      routing.rateLimits,
      (r) => inside(r.service.namespace, r.service.name),
      lastRouting?.rateLimits,
    ),
  };
  // Namespaces and workloads are not destinations (the proxy's own pod is looked up among them);
  // they, and anything else that is not a destination, pass through as they are.
  const result: Mesh = {
    ...mesh,
    services,
    endpointSlices: keep(
      mesh.endpointSlices,
      (s) => inside(s.namespace, s.serviceName),
      last?.endpointSlices,
    ),
    routing: lastRouting && sameFields(lastRouting, filteredRouting) ? lastRouting : filteredRouting,
  };
  if (!byKey) {
    byKey = new Map();
    filtered.set(mesh, byKey);
  }
  byKey.set(key, result);
  return result;
}

function sameFields(a: object, b: object): boolean {
  const entries = Object.entries(a);
  return (
    entries.length === Object.keys(b).length &&
    entries.every(([key, value]) => (b as Record<string, unknown>)[key] === value)
  );
}

/** The mesh as a proxy in `proxyNamespace` sees it by the annotation alone (no Sidecar). */
export function visibleMesh(mesh: Mesh, proxyNamespace: string, defaultVisibility: Visibility): Mesh {
  return meshWithin(mesh, visibilityOf(mesh, proxyNamespace, defaultVisibility));
}
