// Which services a proxy receives, like the egress hosts of Istio's Sidecar resource: a namespace
// annotation `trellis.dev/visible-namespaces: "ns1,ns2"` (or "*"), else the mesh-wide default.
// The proxy's own namespace is always visible. Restricting what a proxy sees is what keeps each
// proxy's configuration, and the work of pushing it, proportional to what it calls rather than to
// the size of the mesh.
//
// A route of a visible service that sends traffic to a service that is not visible is kept: its
// share fails (the cluster is never sent), as it does in Istio, where the destination host must be
// visible too. That keeps the rule simple to state: a proxy knows only the namespaces it lists.
import type { Mesh } from './mesh.js';

export const VISIBLE_NAMESPACES_ANNOTATION = 'trellis.dev/visible-namespaces';

export type Visibility =
  | { readonly kind: 'all' }
  /** Sorted and without duplicates; the proxy's own namespace is added when the visibility is resolved. */
  | { readonly kind: 'namespaces'; readonly namespaces: readonly string[] };

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

/** What proxies in `namespace` may see: the namespace's annotation, else `defaultVisibility`, plus itself. */
export function visibilityOf(mesh: Mesh, namespace: string, defaultVisibility: Visibility): Visibility {
  const annotation = mesh.namespaces.find((ns) => ns.name === namespace)?.annotations[
    VISIBLE_NAMESPACES_ANNOTATION
  ];
  const declared = annotation === undefined ? defaultVisibility : parseVisibleNamespaces(annotation);
  if (declared.kind === 'all') return declared;
  if (declared.namespaces.includes(namespace)) return declared;
  return { kind: 'namespaces', namespaces: [...declared.namespaces, namespace].sort() };
}

/** A short, stable name for a visibility: equal keys, equal filtered meshes. */
export function visibilityKey(visibility: Visibility): string {
  return visibility.kind === 'all' ? '*' : visibility.namespaces.join(',');
}

// Every proxy with one visibility reads the same filtered mesh: build it once per mesh and keep the
// arrays identical, so translation's per-array indexes are built once too.
const filtered = new WeakMap<Mesh, Map<string, Mesh>>();

/** The same array when nothing is dropped, so identity-keyed indexes stay valid. */
function keep<T>(items: readonly T[], visible: (item: T) => boolean): readonly T[] {
  const kept = items.filter(visible);
  return kept.length === items.length ? items : kept;
}

/** `mesh` without the services (and their endpoints, route tables and policies) outside `visibility`. */
export function meshWithin(mesh: Mesh, visibility: Visibility): Mesh {
  if (visibility.kind === 'all') return mesh;
  const key = visibilityKey(visibility);
  let byKey = filtered.get(mesh);
  const known = byKey?.get(key);
  if (known) return known;
  const namespaces = new Set(visibility.namespaces);
  const inside = (namespace: string): boolean => namespaces.has(namespace);
  const routing = mesh.routing;
  // Namespaces and workloads are not destinations (the proxy's own pod is looked up among them);
  // they, and anything else that is not a destination, pass through as they are.
  const result: Mesh = {
    ...mesh,
    services: keep(mesh.services, (s) => inside(s.namespace)),
    endpointSlices: keep(mesh.endpointSlices, (s) => inside(s.namespace)),
    routing: {
      ...routing,
      routeTables: keep(routing.routeTables, (t) => inside(t.service.namespace)),
      backendPolicies: keep(routing.backendPolicies, (p) => inside(p.service.namespace)),
      // Only a proxy's own services' limits are ever applied, and they are in its own namespace.
      rateLimits: keep(routing.rateLimits, (r) => inside(r.service.namespace)),
    },
  };
  if (!byKey) {
    byKey = new Map();
    filtered.set(mesh, byKey);
  }
  byKey.set(key, result);
  return result;
}

/** The mesh as a proxy in `proxyNamespace` sees it. */
export function visibleMesh(mesh: Mesh, proxyNamespace: string, defaultVisibility: Visibility): Mesh {
  return meshWithin(mesh, visibilityOf(mesh, proxyNamespace, defaultVisibility));
}
