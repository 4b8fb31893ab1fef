// SMI says spec.service is "the FQDN that applications will use", and implementations accept
// anything from a bare name to the full hostname. Every form must name a Service in the
// TrafficSplit's own namespace: SMI splits traffic within one namespace.
import { serviceHost } from '../shared/service-host.js';

export type ServiceName =
  | { readonly ok: true; readonly name: string }
  | { readonly ok: false; readonly message: string };

export function serviceNameIn(text: string, namespace: string, clusterDomain: string): ServiceName {
  const host = serviceHost(text, clusterDomain);
  const forms = `a Service name, or name.${namespace}, name.${namespace}.svc or name.${namespace}.svc.${clusterDomain}`;
  if (!host.ok && host.why === 'form')
    return { ok: false, message: `must be ${forms}, got ${JSON.stringify(text)}` };
  if (!host.ok)
    return {
      ok: false,
      message: `must end in the cluster domain ${JSON.stringify(clusterDomain)}, got ${JSON.stringify(text)}`,
    };
  if (host.namespace !== undefined && host.namespace !== namespace)
    return {
      ok: false,
      message: `must name a Service in the TrafficSplit's namespace ${JSON.stringify(namespace)} (SMI splits within one namespace), got ${JSON.stringify(text)}`,
    };
  return { ok: true, name: host.name };
}
