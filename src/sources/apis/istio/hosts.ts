// Which Kubernetes Service an Istio host names. Istio reads a short name in the namespace of the
// resource that wrote it; Trellis also reads "name.namespace" as the Kubernetes DNS search path
// would. Anything else (wildcards, IPs, external names) would need a ServiceEntry.
import type { ServiceRef } from '../../../model/routing.js';
import { isDns1035Label, isDns1123Label } from '../core/fields.js';

export type HostTarget =
  | { readonly kind: 'service'; readonly service: ServiceRef }
  | { readonly kind: 'unsupported'; readonly why: string };

export function resolveHost(host: string, namespace: string, clusterDomain: string): HostTarget {
  if (host.includes('*')) {
    return { kind: 'unsupported', why: 'wildcard hosts are not supported: name one service of the cluster' };
  }
  // A fully qualified name may end with the root dot.
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  const parts = name.split('.');
  const [service = '', ns = namespace, svc, ...domain] = parts;
  const shapeOk =
    parts.length <= 2 || (svc === 'svc' && (domain.length === 0 || domain.join('.') === clusterDomain));
  if (!shapeOk || !isDns1035Label(service) || !isDns1123Label(ns)) {
    return {
      kind: 'unsupported',
      why: `is not a service of the cluster (<name>, <name>.<namespace> or <name>.<namespace>.svc.${clusterDomain}); external hosts are not supported`,
    };
  }
  return { kind: 'service', service: { namespace: ns, name: service } };
}

export function serviceKey(service: ServiceRef): string {
  return `${service.namespace}/${service.name}`;
}
