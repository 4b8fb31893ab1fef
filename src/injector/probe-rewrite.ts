// Kubelet's HTTP probes under mesh mTLS: kubelet has no mesh certificate, so a probe sent to the
// app's port would meet a STRICT inbound chain and be refused. Each HTTP probe is rewritten to a
// plaintext Envoy listener on PROBE_PORT, at /app-health/<container>/<kind>, which Envoy forwards
// to the original port and path on 127.0.0.1 (Envoy's own traffic is not captured: UID 1337). The
// original probes are kept in an annotation, so an operator (and `kubectl get -o yaml`) sees them.
// HTTPS probes are left as they are and said so: forwarding them needs TLS to the app.
import type { Cluster } from '../generated/envoy/config/cluster/v3/Cluster.js';
import type { Listener } from '../generated/envoy/config/listener/v3/Listener.js';
import type { HttpConnectionManager } from '../generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager.js';
// The same filter builders as the translation's: one way to write an HCM and its router.
import { hcmFilter, routerFilter } from '../xds/translate/filters.js';
import type { Json, JsonObject, PodView, ProbeKind } from './pod-view.js';

/** The plaintext port Envoy answers rewritten probes on (Istio's agent uses the same). */
export const PROBE_PORT = 15020;
export const ORIGINAL_PROBES_ANNOTATION = 'trellis.dev/original-probes';

export interface RewrittenProbe {
  readonly containerIndex: number;
  readonly container: string;
  readonly kind: ProbeKind;
  /** The probe to write in place of the original. */
  readonly probe: JsonObject;
  /** Where Envoy forwards it. */
  readonly path: string;
  readonly targetPort: number;
  readonly original: JsonObject;
}

export interface ProbeRewrite {
  readonly probes: readonly RewrittenProbe[];
  /** Probes left as they are, and why (HTTPS, a port name no container port has, …). */
  readonly skipped: readonly string[];
}

export const probePath = (container: string, kind: ProbeKind): string => `/app-health/${container}/${kind}`;

export function rewriteProbes(pod: PodView): ProbeRewrite {
  const probes: RewrittenProbe[] = [];
  const skipped: string[] = [];
  pod.containers.forEach((container, containerIndex) => {
    for (const [kind, probe] of Object.entries(container.probes) as [
      ProbeKind,
      NonNullable<(typeof container.probes)[ProbeKind]>,
    ][]) {
      const where = `container ${container.name} ${kind}`;
      if (probe.scheme.toUpperCase() !== 'HTTP') {
        skipped.push(`${where}: scheme ${probe.scheme} is left as it is (only HTTP probes are rewritten)`);
        continue;
      }
      const port =
        typeof probe.port === 'number'
          ? probe.port
          : (container.namedPorts.get(probe.port) ?? Number(probe.port));
      if (!Number.isInteger(port) || port < 1 || port > 65_535) {
        skipped.push(`${where}: port ${JSON.stringify(probe.port)} is not a port of the container`);
        continue;
      }
      const httpGet = probe.raw.httpGet as JsonObject;
      const rewritten: JsonObject = {
        ...probe.raw,
        httpGet: {
          ...httpGet,
          path: probePath(container.name, kind),
          port: PROBE_PORT,
          scheme: 'HTTP',
        },
      };
      // A host set on the probe would send kubelet elsewhere than the pod's Envoy.
      delete (rewritten.httpGet as JsonObject).host;
      probes.push({
        containerIndex,
        container: container.name,
        kind,
        probe: rewritten,
        path: probe.path,
        targetPort: port,
        original: probe.raw,
      });
    }
  });
  return { probes, skipped };
}

/** The annotation that keeps the original probes: {"<container>/<kind>": probe}. */
export function originalProbesAnnotation(probes: readonly RewrittenProbe[]): string {
  const byName: Record<string, Json> = {};
  for (const p of probes) byName[`${p.container}/${p.kind}`] = p.original;
  return JSON.stringify(byName);
}

export const probeClusterName = (port: number): string => `trellis-probe|${port}`;

/**
 * The listener and clusters that answer the rewritten probes, for the sidecar's bootstrap (static:
 * the probes must work before, and without, any xDS). No probe, no listener.
 */
export function probeForwarding(probes: readonly RewrittenProbe[]): {
  listeners: Listener[];
  clusters: Cluster[];
} {
  if (probes.length === 0) return { listeners: [], clusters: [] };
  const hcm: HttpConnectionManager = {
    stat_prefix: 'trellis_probes',
    codec_type: 'AUTO',
    route_config: {
      name: 'trellis-probes',
      virtual_hosts: [
        {
          name: 'probes',
          domains: ['*'],
          routes: probes.map((p) => ({
            name: `${p.container}/${p.kind}`,
            match: { path: probePath(p.container, p.kind) },
            route: { cluster: probeClusterName(p.targetPort), prefix_rewrite: p.path, timeout: '0s' },
          })),
        },
      ],
    },
    http_filters: [routerFilter()],
  };
  const listener: Listener = {
    name: 'trellis-probes',
    address: { socket_address: { address: '0.0.0.0', port_value: PROBE_PORT } },
    filter_chains: [{ filters: [hcmFilter(hcm)] }],
  };
  const ports = [...new Set(probes.map((p) => p.targetPort))].sort((a, b) => a - b);
  const clusters: Cluster[] = ports.map((port) => ({
    name: probeClusterName(port),
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: {
      cluster_name: probeClusterName(port),
      endpoints: [
        {
          lb_endpoints: [
            { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } },
          ],
        },
      ],
    },
  }));
  return { listeners: [listener], clusters };
}
