import { DEFAULT_TRUST_DOMAIN } from './identity.js';
import { EMPTY_ROUTING, type Routing } from './routing.js';

// The internal model: plain, readonly, JSON-shaped data. Every source and API family lowers into
// it; translation reads only it. No Kubernetes or Envoy types appear here.

/** The L7 protocol a service port speaks, decided from appProtocol, then the port name prefix. */
export type Protocol = 'HTTP' | 'HTTP2' | 'GRPC' | 'TCP';

export type Labels = Readonly<Record<string, string>>;

export interface Namespace {
  readonly name: string;
  readonly labels: Labels;
  readonly annotations: Labels;
}

export interface ServicePort {
  /** Kubernetes port name; EndpointSlice ports are matched to it by name ("" when unnamed). */
  readonly name: string;
  readonly port: number;
  /** The L4 protocol Kubernetes declares (TCP, UDP, SCTP). Only TCP is meshed. */
  readonly transport: 'TCP' | 'UDP' | 'SCTP';
  readonly protocol: Protocol;
  /** A container port number or a named container port, resolved against each pod. */
  readonly targetPort: number | string;
}

export interface Service {
  readonly namespace: string;
  readonly name: string;
  /** name.namespace.svc.<cluster domain> */
  readonly hostname: string;
  /** Absent for headless services (clusterIP: None). */
  readonly clusterIP?: string;
  readonly ports: readonly ServicePort[];
  /** Absent when the service has no selector (endpoints managed by hand). */
  readonly selector?: Labels;
}

export interface EndpointPort {
  readonly name: string;
  readonly port: number;
}

export interface EndpointTarget {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export interface Endpoint {
  readonly addresses: readonly string[];
  /** Kubernetes conditions; an absent ready/serving is read as true, an absent terminating as false. */
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  readonly zone?: string;
  readonly nodeName?: string;
  readonly targetRef?: EndpointTarget;
}

/** One EndpointSlice: a share of one service's endpoints, with the ports they listen on. */
export interface EndpointSlice {
  readonly namespace: string;
  readonly name: string;
  /** The service it belongs to (label kubernetes.io/service-name). */
  readonly serviceName: string;
  readonly addressType: 'IPv4' | 'IPv6' | 'FQDN';
  readonly ports: readonly EndpointPort[];
  readonly endpoints: readonly Endpoint[];
}

export interface ContainerPort {
  readonly name?: string;
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
}

/** A pod, as far as the mesh cares: where it is, who it is, what it listens on. */
export interface Workload {
  readonly namespace: string;
  readonly name: string;
  readonly ip?: string;
  readonly labels: Labels;
  readonly serviceAccount: string;
  readonly ports: readonly ContainerPort[];
}

/** Everything the sources know, after parsing: the input of every translation. Arrays are sorted by namespace/name. */
export interface Mesh {
  readonly namespaces: readonly Namespace[];
  readonly services: readonly Service[];
  readonly endpointSlices: readonly EndpointSlice[];
  readonly workloads: readonly Workload[];
  /** Routes and policies from every routing API, merged and resolved against the services above. */
  readonly routing: Routing;
  /** Mesh-wide settings; absent means the defaults (meshConfigOf). */
  readonly config?: MeshConfig;
}

/** Mesh-wide settings that are not resources: set by flags (--trust-domain, --root-namespace). */
export interface MeshConfig {
  /** The SPIFFE trust domain of every workload identity (spiffe://<trustDomain>/ns/<ns>/sa/<sa>). */
  readonly trustDomain: string;
  /** Where mesh-wide policies live (Istio's istio-system): a PeerAuthentication there without a selector applies to every namespace. */
  readonly rootNamespace: string;
}

export const DEFAULT_ROOT_NAMESPACE = 'trellis-system';

export const DEFAULT_MESH_CONFIG: MeshConfig = {
  trustDomain: DEFAULT_TRUST_DOMAIN,
  rootNamespace: DEFAULT_ROOT_NAMESPACE,
};

/** The mesh's settings, the defaults where it has none. */
export function meshConfigOf(mesh: { readonly config?: MeshConfig | undefined }): MeshConfig {
  return mesh.config ?? DEFAULT_MESH_CONFIG;
}

export const EMPTY_MESH: Mesh = {
  namespaces: [],
  services: [],
  endpointSlices: [],
  workloads: [],
  routing: EMPTY_ROUTING,
};

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
