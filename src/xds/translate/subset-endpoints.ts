// Which endpoints of a service port belong to a DestinationRule subset: those whose pod carries all
// of the subset's labels. Labels live on pods, so an endpoint is matched through its EndpointSlice
// targetRef (kind Pod) to the Workload of that namespace and name.
import type { Labels, Mesh, Workload } from '../../model/mesh.js';
import type { EndpointAddress } from './endpoints.js';

/** outbound|<port>|<subset>|<fqdn>, Istio's name for a subset's cluster. */
export const subsetClusterName = (port: number, subset: string, hostname: string): string =>
  `outbound|${port}|${subset}|${hostname}`;

// Every proxy's translation reads the same workloads: index them once per array (immutable, so the
// index never goes stale; the WeakMap lets it go with the array).
const workloadIndexes = new WeakMap<readonly Workload[], ReadonlyMap<string, Workload>>();

function workloadNamed(mesh: Mesh, namespace: string, name: string): Workload | undefined {
  let index = workloadIndexes.get(mesh.workloads);
  if (!index) {
    index = new Map(mesh.workloads.map((w) => [`${w.namespace}/${w.name}`, w]));
    workloadIndexes.set(mesh.workloads, index);
  }
  return index.get(`${namespace}/${name}`);
}

const hasAll = (labels: Labels, wanted: Labels): boolean =>
  Object.entries(wanted).every(([key, value]) => labels[key] === value);

/**
 * The endpoints in the subset. An endpoint whose pod we cannot find (no targetRef, a targetRef that
 * is not a Pod, or a pod we have not seen) has no labels we know of: it is left out of every subset
 * that names a label, and kept only in a subset that names none (which, as in Istio, is the whole
 * service).
 */
export function subsetEndpoints(
  mesh: Mesh,
  endpoints: readonly EndpointAddress[],
  labels: Labels,
): EndpointAddress[] {
  if (Object.keys(labels).length === 0) return [...endpoints];
  return endpoints.filter((e) => {
    const pod = e.pod && workloadNamed(mesh, e.pod.namespace, e.pod.name);
    return pod !== undefined && hasAll(pod.labels, labels);
  });
}
