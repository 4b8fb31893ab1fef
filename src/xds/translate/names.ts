// Names of the resources a proxy receives. They follow Istio's so users' habits and tools carry over:
// clusters outbound|<port>||<fqdn> and inbound|<port>||, listeners virtualOutbound/virtualInbound,
// sidecar route configurations named by port, proxyless listeners and routes named <fqdn>:<port>.
import { isIP } from 'node:net';
import type { Protocol, Service, ServicePort } from '../../model/mesh.js';

export const VIRTUAL_OUTBOUND = 'virtualOutbound';
export const VIRTUAL_INBOUND = 'virtualInbound';
export const OUTBOUND_PORT = 15001;
export const INBOUND_PORT = 15006;

export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';
export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';
export const INBOUND_PASSTHROUGH_CLUSTER = 'InboundPassthroughCluster';
/** Source address of connections the sidecar makes to its own app, so iptables does not redirect them again. */
export const INBOUND_SOURCE_ADDRESS = '127.0.0.6';

export const outboundClusterName = (port: number, hostname: string): string =>
  `outbound|${port}||${hostname}`;
export const inboundClusterName = (port: number): string => `inbound|${port}||`;
/** Sidecar route configurations are shared by every service on one port. */
export const portRouteName = (port: number): string => String(port);
/** Virtual hosts (sidecar), proxyless API listeners and their route configurations. */
export const hostPortName = (hostname: string, port: number): string => `${hostname}:${port}`;

export const isHttpish = (protocol: Protocol): boolean => protocol !== 'TCP';
export const isHttp2 = (protocol: Protocol): boolean => protocol === 'HTTP2' || protocol === 'GRPC';

/** Headless: no virtual IP, clients connect to pod addresses themselves. */
export const isHeadless = (service: Service): boolean =>
  !service.clusterIP || service.clusterIP === 'None' || isIP(service.clusterIP) === 0;

/**
 * The ports the mesh carries: TCP transport only (UDP and SCTP pass by untouched), one per port
 * number (Kubernetes allows one number twice only across transports; first one wins otherwise).
 */
export function meshedPorts(service: Service): ServicePort[] {
  const seen = new Set<number>();
  const ports: ServicePort[] = [];
  for (const port of service.ports) {
    if (port.transport !== 'TCP' || seen.has(port.port)) continue;
    seen.add(port.port);
    ports.push(port);
  }
  return ports;
}

/** An IP as it appears in a Host header: IPv6 in brackets. */
const hostOfIP = (ip: string): string => (isIP(ip) === 6 ? `[${ip}]` : ip);

/**
 * Every name a client may put in the Host (or :authority) header for a service port: the FQDN,
 * name.ns.svc, name.ns, the bare name (only from the service's own namespace: short names of two
 * namespaces would collide, and Envoy rejects a domain twice in one route configuration), and the
 * cluster IP; each with and without :<port>.
 */
export function serviceDomains(service: Service, port: number, proxyNamespace: string): string[] {
  const hosts = [
    service.hostname,
    `${service.name}.${service.namespace}.svc`,
    `${service.name}.${service.namespace}`,
  ];
  if (service.namespace === proxyNamespace) hosts.push(service.name);
  if (!isHeadless(service) && service.clusterIP) hosts.push(hostOfIP(service.clusterIP));
  const domains: string[] = [];
  for (const host of new Set(hosts)) domains.push(host, `${host}:${port}`);
  return domains;
}
