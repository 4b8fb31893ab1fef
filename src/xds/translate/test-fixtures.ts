// Model objects for unit tests, built in code with the defaults a Kubernetes parser would give.

import type { Endpoint, EndpointSlice, Mesh, Service, ServicePort, Workload } from '../../model/mesh.js';
import type { MeshProxy } from '../../model/proxy.js';
import { EMPTY_ROUTING } from '../../model/routing.js';

export function port(p: Partial<ServicePort> & { readonly port: number }): ServicePort {
  return { name: '', transport: 'TCP', protocol: 'TCP', targetPort: p.port, ...p };
}

export function service(
  namespace: string,
  name: string,
  ports: readonly ServicePort[],
  extra: Partial<Service> = {},
): Service {
  return { namespace, name, hostname: `${name}.${namespace}.svc.cluster.local`, ports, ...extra };
}

export function endpoint(addresses: readonly string[], extra: Partial<Endpoint> = {}): Endpoint {
  return { addresses, ready: true, serving: true, terminating: false, ...extra };
}

export function slice(
  namespace: string,
  serviceName: string,
  ports: EndpointSlice['ports'],
  endpoints: readonly Endpoint[],
  extra: Partial<EndpointSlice> = {},
): EndpointSlice {
  return {
    namespace,
    name: `${serviceName}-abc`,
    serviceName,
    addressType: 'IPv4',
    ports,
    endpoints,
    ...extra,
  };
}

export function workload(namespace: string, name: string, extra: Partial<Workload> = {}): Workload {
  return { namespace, name, labels: {}, serviceAccount: 'default', ports: [], ...extra };
}

export function mesh(parts: Partial<Mesh>): Mesh {
  return {
    namespaces: [],
    services: [],
    endpointSlices: [],
    workloads: [],
    routing: EMPTY_ROUTING,
    ...parts,
  };
}

export const sidecar: MeshProxy = {
  id: 'sidecar~10.0.0.9~client-0.default~default.svc.cluster.local',
  kind: 'sidecar',
  namespace: 'default',
  ip: '10.0.0.9',
  podName: 'client-0',
};

/** A proxyless client as the tests' own @grpc/grpc-js-xds 1.14.1 presents itself. */
export const proxyless: MeshProxy = {
  ...sidecar,
  id: 'proxyless~10.0.0.9~client-0.default~default.svc.cluster.local',
  kind: 'proxyless',
  profile: { kind: 'grpc', language: 'node', version: { major: 1, minor: 14, patch: 1 } },
};
