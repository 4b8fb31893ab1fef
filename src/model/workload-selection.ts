// Which pods are behind a service, and on which port they listen: what the inbound side (ports to
// open) and the mTLS decisions (identities behind a service, modes on their ports) both read.

import { sameItems } from '../same-items.js';
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

// The last index built of each kind. A new array (the next state) whose namespace holds the same
// objects as before gets that namespace's list back, so what goes by identity carries over from
// one state to the next: a pod change in one namespace leaves the others' lists as they were.
const lastIndex = new Map<string, ReadonlyMap<string, readonly unknown[]>>();
/** A namespace with nothing: one array, so that it too stays the same from one state to the next. */
const NONE: readonly never[] = [];

function inNamespace<T extends { readonly namespace: string }>(
  kind: 'services' | 'workloads',
  items: readonly T[],
  namespace: string,
): readonly T[] {
  let index = byNamespace.get(items) as ReadonlyMap<string, readonly T[]> | undefined;
  if (!index) {
    const built = new Map<string, readonly T[]>();
    for (const item of items) {
      const list = built.get(item.namespace) as T[] | undefined;
      if (list) list.push(item);
      else built.set(item.namespace, [item]);
    }
    const last = lastIndex.get(kind) as ReadonlyMap<string, readonly T[]> | undefined;
    for (const [name, list] of built) {
      const before = last?.get(name);
      if (before && sameItems(before, list)) built.set(name, before);
    }
    index = built;
    byNamespace.set(items, index);
    lastIndex.set(kind, index);
  }
  return index.get(namespace) ?? NONE;
}

/** The services of `namespace`, in the order of `services`. */
export function servicesIn(services: readonly Service[], namespace: string): readonly Service[] {
  return inNamespace('services', services, namespace);
}

/** A service port's target on one pod: a number, or the pod's TCP container port of that name. */
export function resolveTargetPort(port: ServicePort, workload: Workload): number | undefined {
  if (typeof port.targetPort === 'number') return port.targetPort;
  return workload.ports.find((c) => c.name === port.targetPort && c.protocol === 'TCP')?.port;
}

export const hasLabels = (labels: Labels, wanted: Labels): boolean =>
  Object.entries(wanted).every(([key, value]) => labels[key] === value);

/**
 * The pods of `namespace`, in the order of `workloads`: the same array as for the last pod array
 * asked about when the namespace's pods are the same objects.
 */
export function workloadsIn(workloads: readonly Workload[], namespace: string): readonly Workload[] {
  return inNamespace('workloads', workloads, namespace);
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
