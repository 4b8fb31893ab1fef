// ClusterLoadAssignments from EndpointSlices: which pods serve a service port, grouped by zone.
import { isIP } from 'node:net';
import type { ClusterLoadAssignment } from '../../generated/envoy/config/endpoint/v3/ClusterLoadAssignment.js';
import type { LocalityLbEndpoints } from '../../generated/envoy/config/endpoint/v3/LocalityLbEndpoints.js';
import type { EndpointSlice, Mesh, Service, ServicePort } from '../../model/mesh.js';
import { compareStrings } from './order.js';

/** One address a service port can be reached at; zone '' when the slice names none. */
export interface EndpointAddress {
  readonly address: string;
  readonly port: number;
  readonly zone: string;
  /** The pod behind it (EndpointSlice targetRef of kind Pod), for subset label matching. */
  readonly pod?: { readonly namespace: string; readonly name: string };
}

// Every proxy's translation reads the same slices: index them once per slice array. The model is
// immutable, so the index can never go stale, and a WeakMap lets it go with the array.
const sliceIndexes = new WeakMap<readonly EndpointSlice[], ReadonlyMap<string, readonly EndpointSlice[]>>();

/** The service's EndpointSlices, in the mesh's order. */
export function slicesOf(mesh: Mesh, service: Service): readonly EndpointSlice[] {
  let index = sliceIndexes.get(mesh.endpointSlices);
  if (!index) {
    const built = new Map<string, EndpointSlice[]>();
    for (const slice of mesh.endpointSlices) {
      const key = `${slice.namespace}/${slice.serviceName}`;
      const list = built.get(key);
      if (list) list.push(slice);
      else built.set(key, [slice]);
    }
    index = built;
    sliceIndexes.set(mesh.endpointSlices, index);
  }
  return index.get(`${service.namespace}/${service.name}`) ?? [];
}

const compareEndpoints = (a: EndpointAddress, b: EndpointAddress): number =>
  compareStrings(a.address, b.address) || a.port - b.port;

/**
 * The endpoints of one service port: from the service's EndpointSlices whose ports name the same
 * port ("" matches an unnamed port), at that slice port's number. Only ready, non-terminating
 * endpoints count (a draining pod gets no new requests); FQDN slices and anything that is not an
 * IP address are skipped. An address:port listed twice is kept once (gRPC rejects duplicates),
 * in the alphabetically first zone so the choice does not depend on slice order.
 */
export function servicePortEndpoints(
  mesh: Mesh,
  service: Service,
  servicePort: ServicePort,
): EndpointAddress[] {
  const unique = new Map<string, EndpointAddress>();
  for (const slice of slicesOf(mesh, service)) {
    if (slice.namespace !== service.namespace || slice.addressType === 'FQDN') continue;
    const slicePort = slice.ports.find((p) => p.name === servicePort.name);
    if (!slicePort) continue;
    for (const endpoint of slice.endpoints) {
      if (!endpoint.ready || endpoint.terminating) continue;
      const zone = endpoint.zone ?? '';
      const target = endpoint.targetRef;
      const pod = target?.kind === 'Pod' ? { namespace: target.namespace, name: target.name } : undefined;
      for (const address of endpoint.addresses) {
        if (isIP(address) === 0) continue;
        const key = `${address}|${slicePort.port}`;
        const existing = unique.get(key);
        if (!existing || compareStrings(zone, existing.zone) < 0) {
          unique.set(key, { address, port: slicePort.port, zone, ...(pod ? { pod } : {}) });
        }
      }
    }
  }
  return [...unique.values()].sort(compareEndpoints);
}

/** The distinct zones of some endpoints ('' for those without one). */
export const zonesOf = (endpoints: readonly EndpointAddress[]): string[] =>
  [...new Set(endpoints.map((e) => e.zone))].sort(compareStrings);

/**
 * One locality per zone (no zone: the empty locality), each weighted by its endpoint count: gRPC's
 * xDS client ignores a locality without a weight, and Envoy ignores the weights unless locality
 * weighted balancing is on. Always emitted, possibly empty, so a proxy never waits for it.
 * With `priorities` (zone → EDS priority, for locality failover) each locality carries its
 * priority and they are listed by priority; without, every locality is priority 0.
 */
export function loadAssignment(
  clusterName: string,
  endpoints: readonly EndpointAddress[],
  priorities?: ReadonlyMap<string, number>,
): ClusterLoadAssignment {
  const byZone = new Map<string, EndpointAddress[]>();
  for (const endpoint of endpoints) {
    const list = byZone.get(endpoint.zone);
    if (list) list.push(endpoint);
    else byZone.set(endpoint.zone, [endpoint]);
  }
  const priorityOf = (zone: string): number => priorities?.get(zone) ?? 0;
  const zones = [...byZone.keys()].sort((a, b) => priorityOf(a) - priorityOf(b) || compareStrings(a, b));
  const localities: LocalityLbEndpoints[] = zones.map((zone) => {
    const members = [...(byZone.get(zone) ?? [])].sort(compareEndpoints);
    const priority = priorityOf(zone);
    return {
      locality: zone ? { zone } : {},
      lb_endpoints: members.map((e) => ({
        endpoint: { address: { socket_address: { address: e.address, port_value: e.port } } },
        health_status: 'HEALTHY' as const,
      })),
      load_balancing_weight: members.length,
      ...(priority > 0 ? { priority } : {}),
    };
  });
  return { cluster_name: clusterName, endpoints: localities };
}
