// How a host names a Kubernetes Service: "name", "name.namespace", "name.namespace.svc" or
// "name.namespace.svc.<cluster domain>", with or without the root dot, as the cluster's DNS search
// path reads it. SMI and Istio both take Services written so; what a family allows beyond the form
// (another namespace, say) is its own rule.
import { isDns1035Label } from '../core/fields.js';

export type ServiceHost =
  | { readonly ok: true; readonly name: string; readonly namespace?: string }
  | { readonly ok: false; readonly why: 'form' | 'cluster-domain' };

/** The Service `host` names, and its namespace when the host says one. */
export function serviceHost(host: string, clusterDomain: string): ServiceHost {
  const parts = (host.endsWith('.') ? host.slice(0, -1) : host).split('.');
  const [name = '', namespace, svc, ...domain] = parts;
  if (!isDns1035Label(name) || (svc !== undefined && svc !== 'svc')) return { ok: false, why: 'form' };
  if (domain.length > 0 && domain.join('.') !== clusterDomain) return { ok: false, why: 'cluster-domain' };
  return { ok: true, name, ...(namespace !== undefined ? { namespace } : {}) };
}
