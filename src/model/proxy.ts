// Who is on the other end of an xDS stream, read from its node id the way Istio names proxies:
//   sidecar~<ip>~<pod>.<namespace>~<namespace>.svc.cluster.local
//   proxyless~<ip>~<pod>.<namespace>~<namespace>.svc.cluster.local
// Any other id is accepted: its namespace comes from node metadata NAMESPACE (default "default"),
// and it is proxyless when its user agent is a gRPC library. What client it is (Envoy, or which
// gRPC release) is its profile (client-profile.ts).
import { type ClientProfile, clientProfile, type Version } from './client-profile.js';
import type { WorkloadIdentity } from './identity.js';

export type ProxyKind = 'sidecar' | 'proxyless';

export interface MeshProxy {
  readonly id: string;
  readonly kind: ProxyKind;
  readonly namespace: string;
  readonly ip?: string;
  readonly podName?: string;
  /** Where the proxy runs (node.locality), for locality-aware load balancing. */
  readonly locality?: Locality;
  /**
   * Which client it is: what it accepts decides the form of some fields (client-dialect.ts).
   * Absent (a proxy made up by a caller, not read from a node): its kind's most compatible forms.
   */
  readonly profile?: ClientProfile;
  /**
   * Who the stream proved to be (a client certificate or a ServiceAccount token), not what its node
   * claims: its service account and, through spiffeId(), its SPIFFE ID. Absent when the stream is
   * not authenticated (the plaintext port), which gets no private key.
   */
  readonly identity?: WorkloadIdentity;
}

export interface Locality {
  readonly region?: string;
  readonly zone?: string;
  readonly subZone?: string;
}

export interface NodeInfo {
  readonly id: string;
  /** node.metadata as plain JSON; only string values are read. */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** node.user_agent_name: Envoy sends "envoy", gRPC libraries "gRPC <language>…". */
  readonly userAgentName?: string;
  /** node.user_agent_version, free text ("1.56.0", "C-core 29.0.0 Python 1.51.1"). */
  readonly userAgentVersion?: string;
  /** node.user_agent_build_version.version, which Envoy sends instead of user_agent_version. */
  readonly userAgentBuildVersion?: Version;
  /** node.client_features. */
  readonly clientFeatures?: readonly string[];
  readonly locality?: Locality;
}

/**
 * What the node says it is: its namespace (from an Istio-style id, else metadata NAMESPACE) and its
 * service account (metadata SERVICE_ACCOUNT). Each is absent when the node does not say. An
 * authenticated stream's node must not claim anything its credential does not prove.
 */
export interface NodeClaims {
  readonly namespace?: string;
  readonly serviceAccount?: string;
}

export function nodeClaims(node: NodeInfo): NodeClaims {
  const metaNs = node.metadata?.NAMESPACE;
  const metaSa = node.metadata?.SERVICE_ACCOUNT;
  const idNs = idKind(node) ? istioIdNamespace(node.id) : undefined;
  const namespace = idNs ?? (typeof metaNs === 'string' && metaNs !== '' ? metaNs : undefined);
  return {
    ...(namespace !== undefined ? { namespace } : {}),
    ...(typeof metaSa === 'string' && metaSa !== '' ? { serviceAccount: metaSa } : {}),
  };
}

/** The namespace in `kind~ip~pod.namespace~namespace.svc.domain`, when the id has that shape. */
function istioIdNamespace(id: string): string | undefined {
  const parts = id.split('~');
  const [, , podDotNs, domain] = parts;
  if (parts.length !== 4 || !podDotNs || !domain) return undefined;
  const dot = podDotNs.lastIndexOf('.');
  return (dot > 0 ? podDotNs.slice(dot + 1) : domain.split('.')[0]) || undefined;
}

/**
 * The proxy as its stream proved it: the identity's namespace replaces the default a node that
 * claims none would get. Only call this once the claims were checked against the identity.
 */
export function withIdentity(proxy: MeshProxy, node: NodeInfo, identity: WorkloadIdentity): MeshProxy {
  const namespace = nodeClaims(node).namespace === undefined ? identity.namespace : proxy.namespace;
  return { ...proxy, namespace, identity };
}

function idKind(node: NodeInfo): ProxyKind | undefined {
  const kind = node.id.split('~', 1)[0];
  return kind === 'sidecar' || kind === 'proxyless' ? kind : undefined;
}

export function proxyFromNode(node: NodeInfo): MeshProxy {
  const generator = node.metadata?.GENERATOR;
  const profile = clientProfile({
    ...(node.userAgentName !== undefined ? { userAgentName: node.userAgentName } : {}),
    ...(node.userAgentVersion !== undefined ? { userAgentVersion: node.userAgentVersion } : {}),
    ...(node.userAgentBuildVersion ? { userAgentBuildVersion: node.userAgentBuildVersion } : {}),
    ...(node.clientFeatures ? { clientFeatures: node.clientFeatures } : {}),
    ...(typeof generator === 'string' ? { generator } : {}),
    ...(idKind(node) ? { idKind: idKind(node) } : {}),
  });
  const parts = node.id.split('~');
  const [kind, ip, podDotNs, domain] = parts;
  if (parts.length === 4 && (kind === 'sidecar' || kind === 'proxyless') && podDotNs && domain) {
    const dot = podDotNs.lastIndexOf('.');
    const podName = dot > 0 ? podDotNs.slice(0, dot) : podDotNs;
    const namespace = dot > 0 ? podDotNs.slice(dot + 1) : (domain.split('.')[0] ?? 'default');
    return {
      id: node.id,
      kind,
      namespace: namespace || 'default',
      ...(ip ? { ip } : {}),
      podName,
      ...(node.locality ? { locality: node.locality } : {}),
      profile,
    };
  }
  const metaNs = node.metadata?.NAMESPACE;
  return {
    id: node.id,
    kind: profile.kind === 'grpc' ? 'proxyless' : 'sidecar',
    namespace: typeof metaNs === 'string' && metaNs !== '' ? metaNs : 'default',
    ...(node.locality ? { locality: node.locality } : {}),
    profile,
  };
}
