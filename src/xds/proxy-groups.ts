// Proxies that translation cannot tell apart get one translation and one snapshot. The key holds
// everything translation reads about a proxy (translate/*: `proxy.kind`, `proxy.namespace`,
// `proxy.locality.zone`, and the proxy's own pod as `findWorkload` finds it: its namespace, labels
// and container ports). The pod's name and IP only find the pod, so the replicas of one workload
// share a group. A translation that starts reading anything else about the proxy must add it here.
import type { Labels, Mesh, Workload } from '../model/mesh.js';
import type { MeshProxy } from '../model/proxy.js';

// findWorkload scans every pod; done for every proxy on every change that would be proxies × pods.
// This index answers the same question the same way (first match in the mesh's order), once per
// pod array.
interface WorkloadIndex {
  readonly byName: ReadonlyMap<string, Workload>;
  readonly byNamespaceIp: ReadonlyMap<string, Workload>;
  readonly byIp: ReadonlyMap<string, Workload>;
}

const indexes = new WeakMap<readonly Workload[], WorkloadIndex>();

function setFirst(map: Map<string, Workload>, key: string, workload: Workload): void {
  if (!map.has(key)) map.set(key, workload);
}

function indexOf(workloads: readonly Workload[]): WorkloadIndex {
  const known = indexes.get(workloads);
  if (known) return known;
  const byName = new Map<string, Workload>();
  const byNamespaceIp = new Map<string, Workload>();
  const byIp = new Map<string, Workload>();
  for (const w of workloads) {
    setFirst(byName, `${w.namespace}/${w.name}`, w);
    if (w.ip === undefined) continue;
    setFirst(byNamespaceIp, `${w.namespace}/${w.ip}`, w);
    setFirst(byIp, w.ip, w);
  }
  const index = { byName, byNamespaceIp, byIp };
  indexes.set(workloads, index);
  return index;
}

/** The proxy's own pod, as translate/inbound.ts's findWorkload finds it. */
export function ownWorkload(mesh: Mesh, proxy: MeshProxy): Workload | undefined {
  const index = indexOf(mesh.workloads);
  const byName = proxy.podName ? index.byName.get(`${proxy.namespace}/${proxy.podName}`) : undefined;
  if (byName) return byName;
  if (!proxy.ip) return undefined;
  return index.byNamespaceIp.get(`${proxy.namespace}/${proxy.ip}`) ?? index.byIp.get(proxy.ip);
}

function sortedLabels(labels: Labels): [string, string][] {
  return Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function workloadPart(workload: Workload | undefined) {
  if (!workload) return null;
  return {
    namespace: workload.namespace,
    labels: sortedLabels(workload.labels),
    // In their own order: translation takes the first container port of a name.
    ports: workload.ports.map((p) => [p.name ?? null, p.port, p.protocol]),
  };
}

/** Equal keys, equal translations: the proxy's kind, namespace, zone and own workload. */
export function proxyGroupKey(mesh: Mesh, proxy: MeshProxy): string {
  return JSON.stringify({
    kind: proxy.kind,
    // The namespace also decides the visibility (its annotation) and the short service names.
    namespace: proxy.namespace,
    zone: proxy.locality?.zone ?? null,
    workload: workloadPart(ownWorkload(mesh, proxy)),
  });
}
