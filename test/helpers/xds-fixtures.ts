// Real encoded Envoy resources for server tests, small enough to read in a test, and a bounded
// wait for state that changes when a message arrives.
import type { SnapshotResource } from '../../src/xds/cache/snapshot.js';
import { envoyType } from '../../src/xds/envoy/proto-root.js';
import { TYPE_URL } from '../../src/xds/envoy/type-urls.js';

function encoded(
  typeName: string,
  typeUrl: string,
  name: string,
  object: Record<string, unknown>,
): SnapshotResource {
  const type = envoyType(typeName);
  return { typeUrl, name, value: type.encode(type.fromObject(object)).finish() };
}

export const cluster = (name: string, timeoutSeconds = 1): SnapshotResource =>
  encoded('envoy.config.cluster.v3.Cluster', TYPE_URL.cluster, name, {
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: { ads: {} } },
    connect_timeout: { seconds: timeoutSeconds },
  });

export const endpoints = (name: string, ip = '10.1.0.1'): SnapshotResource =>
  encoded('envoy.config.endpoint.v3.ClusterLoadAssignment', TYPE_URL.endpoint, name, {
    cluster_name: name,
    endpoints: [
      { lb_endpoints: [{ endpoint: { address: { socket_address: { address: ip, port_value: 8080 } } } }] },
    ],
  });

export const listener = (name: string, port: number): SnapshotResource =>
  encoded('envoy.config.listener.v3.Listener', TYPE_URL.listener, name, {
    name,
    address: { socket_address: { address: '0.0.0.0', port_value: port } },
  });

export const routes = (name: string, cluster = 'a'): SnapshotResource =>
  encoded('envoy.config.route.v3.RouteConfiguration', TYPE_URL.route, name, {
    name,
    virtual_hosts: [
      { name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster } }] },
    ],
  });

export const secret = (name: string): SnapshotResource =>
  encoded('envoy.extensions.transport_sockets.tls.v3.Secret', TYPE_URL.secret, name, {
    name,
    validation_context: { trusted_ca: { inline_string: 'not a real certificate' } },
  });

/** Polls `condition` until it holds; fails after `ms` saying what it waited for. */
export async function until(condition: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// Long enough for a response already written to arrive over loopback; says nothing about speed.
export const QUIET_MS = 300;
