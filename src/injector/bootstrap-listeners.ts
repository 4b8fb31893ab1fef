// The sidecar's two plaintext listeners that are not mesh traffic, as Istio lays them out: Prometheus
// scrapes 15090 and the kubelet checks 15021. Both forward one exact path to Envoy's admin
// interface and answer 404 to anything else, so the admin port itself stays on loopback.
import type { Address } from '../generated/envoy/config/core/v3/Address.js';
import type { Listener } from '../generated/envoy/config/listener/v3/Listener.js';
import type { Route } from '../generated/envoy/config/route/v3/Route.js';
import { hcmFilter, inlineConnectionManager } from '../xds/translate/filters.js';
import type { IpFamily } from './bootstrap.js';
import { ADMIN_CLUSTER, READINESS_PATH, READINESS_PORT, STATS_PATH, STATS_PORT } from './sidecar-layout.js';

export function socketAddress(address: string, port: number, ipv4Compat = false): Address {
  return {
    socket_address: { address, port_value: port, ...(ipv4Compat ? { ipv4_compat: true } : {}) },
  };
}

/** All addresses: `::` also takes IPv4 (ipv4_compat) so a dual-stack pod answers on both. */
const wildcard = (family: IpFamily, port: number): Address =>
  family === 'IPv6' ? socketAddress('::', port, true) : socketAddress('0.0.0.0', port);

function adminPathListener(name: string, family: IpFamily, port: number, route: Route): Listener {
  return {
    name,
    address: wildcard(family, port),
    filter_chains: [
      {
        filters: [
          hcmFilter(
            inlineConnectionManager(name, {
              name,
              virtual_hosts: [{ name, domains: ['*'], routes: [route] }],
            }),
          ),
        ],
      },
    ],
  };
}

/** GET /stats/prometheus on 15090: the admin interface's Prometheus exposition, nothing else of it. */
export function statsListener(family: IpFamily): Listener {
  return adminPathListener('stats', family, STATS_PORT, {
    match: { path: STATS_PATH },
    route: { cluster: ADMIN_CLUSTER },
  });
}

/**
 * /healthz/ready on 15021, rewritten to the admin interface's /ready: 200 once the server is LIVE
 * (its initial Clusters and Listeners arrived, bootstrap.ts waits for them without a timeout), 503
 * while it initialises or drains. So the pod turns ready only once its sidecar is configured.
 */
export function readinessListener(family: IpFamily): Listener {
  return adminPathListener('readiness', family, READINESS_PORT, {
    match: { path: READINESS_PATH },
    route: { cluster: ADMIN_CLUSTER, prefix_rewrite: '/ready' },
  });
}
