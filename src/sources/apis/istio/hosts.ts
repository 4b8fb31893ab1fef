// Which Kubernetes Service an Istio host names. Istio reads a short name in the namespace of the
// resource that wrote it; Trellis also reads "name.namespace" as the Kubernetes DNS search path
// would. Anything else (wildcards, IPs, external names) would need a ServiceEntry.
import type { ServiceRef } from '../../../model/routing.js';
import { isDns1123Label } from '../core/fields.js';
import { serviceHost } from '../shared/service-host.js';

export type HostTarget =
  | { readonly kind: 'service'; readonly service: ServiceRef }
  | { readonly kind: 'unsupported'; readonly why: string };

export function resolveHost(host: string, namespace: string, clusterDomain: string): HostTarget {
  if (host.includes('*')) {
    return { kind: 'unsupported', why: 'wildcard hosts are not supported: name one service of the cluster' };
  }
  const service = serviceHost(host, clusterDomain);
  if (service.ok) {
    const ns = service.namespace ?? namespace;
    if (isDns1123Label(ns)) return { kind: 'service', service: { namespace: ns, name: service.name } };
  }
  return {
    kind: 'unsupported',
    why: `is not a service of the cluster (<name>, <name>.<namespace> or <name>.<namespace>.svc.${clusterDomain}); external hosts are not supported`,
  };
}

export function serviceKey(service: ServiceRef): string {
  return `${service.namespace}/${service.name}`;
}
