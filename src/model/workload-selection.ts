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

// Items of one namespace, indexed once per (immutable) array: asked for every proxy on every
// rebuild (its own services, the pods behind a service port, the services under a Sidecar).
const byNamespace = new WeakMap<
  readonly { readonly namespace: string }[],
  ReadonlyMap<string, readonly unknown[]>
>();

function inNamespace<T extends { readonly namespace: string }>(
  items: readonly T[],
  namespace: string,
): readonly T[] {
  let index = byNamespace.get(items) as ReadonlyMap<string, readonly T[]> | undefined;
  if (!index) {
    const built = new Map<string, T[]>();
    for (const item of items) {
      const list = built.get(item.namespace);
      if (list) list.push(item);
      else built.set(item.namespace, [item]);
    }
    index = built;
    byNamespace.set(items, index);
  }
  return index.get(namespace) ?? [];
}

/** The services of `namespace`, in the order of `services`. */
export function servicesIn(services: readonly Service[], namespace: string): readonly Service[] {
  return inNamespace(services, namespace);
}

/** A service port's target on one pod: a number, or the pod's TCP container port of that name. */
export function resolveTargetPort(port: ServicePort, workload: Workload): number | undefined {
  if (typeof port.targetPort === 'number') return port.targetPort;
  return workload.ports.find((c) => c.name === port.targetPort && c.protocol === 'TCP')?.port;
}

export const hasLabels = (labels: Labels, wanted: Labels): boolean =>
  Object.entries(wanted).every(([key, value]) => labels[key] === value);

/** The pods of `namespace`, in the order of `workloads`. */
export function workloadsIn(workloads: readonly Workload[], namespace: string): readonly Workload[] {
  return inNamespace(workloads, namespace);
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
