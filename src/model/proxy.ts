// Who is on the other end of an xDS stream, read from its node id the way Istio names proxies:
//   sidecar~<ip>~<pod>.<namespace>~<namespace>.svc.cluster.local
//   proxyless~<ip>~<pod>.<namespace>~<namespace>.svc.cluster.local
// Any other id is accepted: its namespace comes from node metadata NAMESPACE (default "default"),
// and it is proxyless when its user agent is a gRPC library.

export type ProxyKind = 'sidecar' | 'proxyless';

export interface MeshProxy {
  readonly id: string;
  readonly kind: ProxyKind;
  readonly namespace: string;
  readonly ip?: string;
  readonly podName?: string;
  /** Where the proxy runs (node.locality), for locality-aware load balancing. */
  readonly locality?: Locality;
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
  /** node.user_agent_name: Envoy sends "envoy", gRPC libraries "grpc-<lang>". */
  readonly userAgentName?: string;
  readonly locality?: Locality;
}

export function proxyFromNode(node: NodeInfo): MeshProxy {
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
    };
  }
  const metaNs = node.metadata?.NAMESPACE;
  const proxyless = node.userAgentName?.startsWith('grpc') || node.metadata?.GENERATOR === 'grpc';
  return {
    id: node.id,
    kind: proxyless ? 'proxyless' : 'sidecar',
    namespace: typeof metaNs === 'string' && metaNs !== '' ? metaNs : 'default',
    ...(node.locality ? { locality: node.locality } : {}),
  };
}
