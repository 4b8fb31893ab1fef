// Which pods are behind a service, and on which port they listen: what the inbound side (ports to
// open) and the mTLS decisions (identities behind a service, modes on their ports) both read.
import type { Labels, Mesh, Service, ServicePort, Workload } from './mesh.js';

/** A selector selects a pod when it is non-empty and every pair is among the pod's labels. */
export function selects(service: Service, workload: Workload): boolean {
  // The namespace first: most services are elsewhere, and reading the selector allocates.
  if (service.namespace !== workload.namespace) return false;
  const selector = Object.entries(service.selector ?? {});
  return selector.length > 0 && selector.every(([key, value]) => workload.labels[key] === value);
}

// A pod's own services are in its namespace: each proxy's inbound side looked at every service of
// the mesh (1,000 groups × 1,000 services at a cold start). Indexed once per (immutable) array.
const servicesByNamespace = new WeakMap<readonly Service[], ReadonlyMap<string, readonly Service[]>>();

/** The services of `namespace`, in the order of `services`. */
export function servicesIn(services: readonly Service[], namespace: string): readonly Service[] {
  let index = servicesByNamespace.get(services);
  if (!index) {
    const built = new Map<string, Service[]>();
    for (const service of services) {
      const list = built.get(service.namespace);
      if (list) list.push(service);
      else built.set(service.namespace, [service]);
    }
    index = built;
    servicesByNamespace.set(services, index);
  }
  return index.get(namespace) ?? [];
}

/** A service port's target on one pod: a number, or the pod's TCP container port of that name. */
export function resolveTargetPort(port: ServicePort, workload: Workload): number | undefined {
  if (typeof port.targetPort === 'number') return port.targetPort;
  return workload.ports.find((c) => c.name === port.targetPort && c.protocol === 'TCP')?.port;
}

export const hasLabels = (labels: Labels, wanted: Labels): boolean =>
  Object.entries(wanted).every(([key, value]) => labels[key] === value);

// Asked for every service port of every translation: the pods of each namespace, indexed once per
// (immutable) pod array.
const byNamespace = new WeakMap<readonly Workload[], ReadonlyMap<string, readonly Workload[]>>();

function workloadsIn(workloads: readonly Workload[], namespace: string): readonly Workload[] {
  let index = byNamespace.get(workloads);
  if (!index) {
    const built = new Map<string, Workload[]>();
    for (const w of workloads) {
      const list = built.get(w.namespace);
      if (list) list.push(w);
      else built.set(w.namespace, [w]);
    }
    index = built;
    byNamespace.set(workloads, index);
  }
  return index.get(namespace) ?? [];
}

/** A pod and the port it serves one service port on. */
export interface WorkloadPort {
  readonly workload: Workload;
  readonly port: number;
}

/**
 * The pods the service's selector selects that serve `port` (its target port resolves on them), in
 * the mesh's order; with `labels`, only those carrying them too (a DestinationRule subset).
 */
export function workloadsBehind(
  mesh: Pick<Mesh, 'workloads'>,
  service: Service,
  port: ServicePort,
  labels?: Labels,
): WorkloadPort[] {
  const found: WorkloadPort[] = [];
  if (Object.keys(service.selector ?? {}).length === 0) return found;
  for (const workload of workloadsIn(mesh.workloads, service.namespace)) {
    if (!selects(service, workload)) continue;
    if (labels && !hasLabels(workload.labels, labels)) continue;
    const target = resolveTargetPort(port, workload);
    if (target === undefined || target < 1 || target > 65535) continue;
    found.push({ workload, port: target });
  }
  return found;
}
