// The proxy's own pod: by pod name and namespace, else by IP (same namespace first). Asked for every
// proxy on every rebuild, so it is answered from an index built once per pod array (arrays in the
// model are immutable, and a WeakMap lets the index go with its array), giving the same answer a
// scan in the mesh's order would: the first match.
import type { Mesh, Workload } from '../../model/mesh.js';
import type { MeshProxy } from '../../model/proxy.js';

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

export function findWorkload(mesh: Mesh, proxy: MeshProxy): Workload | undefined {
  const index = indexOf(mesh.workloads);
  const byName = proxy.podName ? index.byName.get(`${proxy.namespace}/${proxy.podName}`) : undefined;
  if (byName) return byName;
  if (!proxy.ip) return undefined;
  return index.byNamespaceIp.get(`${proxy.namespace}/${proxy.ip}`) ?? index.byIp.get(proxy.ip);
}
