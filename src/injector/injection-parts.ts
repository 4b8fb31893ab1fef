// The real parts of an injection, joined: the sidecar's bootstrap, credential step and volumes
// (sidecar-container.ts), with the forwarding of the pod's rewritten probes added to the bootstrap
// (probe-rewrite.ts), and the init container's iptables rules (iptables-render.ts). pod-patch.ts
// places them; this module only decides what goes in.
import { fail, ok } from '../model/result.js';
import type { ControlPlane } from './bootstrap.js';
import { redirectRules } from './iptables-render.js';
import type { InjectionParts } from './pod-patch.js';
import type { JsonObject } from './pod-view.js';
import { probeForwarding } from './probe-rewrite.js';
import { sidecarParts } from './sidecar-container.js';

export interface PartsOptions {
  readonly controlPlane: ControlPlane;
  readonly trellisVersion: string;
  readonly clusterDomain?: string;
}

/** The environment variables the init image reads its rules from (deploy/proxy-init/). */
export const IPTABLES_ENV = 'TRELLIS_IPTABLES_RULES';
export const IP6TABLES_ENV = 'TRELLIS_IP6TABLES_RULES';

const asJson = <T>(value: readonly T[]): JsonObject[] => value as unknown as JsonObject[];

export function injectionParts(options: PartsOptions): InjectionParts {
  return {
    sidecar: (pod, probes) => {
      const forwarding = probeForwarding(probes);
      const parts = sidecarParts({
        namespace: pod.namespace,
        serviceAccount: pod.serviceAccount,
        labels: pod.labels,
        trellisVersion: options.trellisVersion,
        controlPlane: options.controlPlane,
        ...(options.clusterDomain ? { clusterDomain: options.clusterDomain } : {}),
        extraListeners: forwarding.listeners,
        extraClusters: forwarding.clusters,
      });
      const container = (c: (typeof parts)['envoy']) => ({
        args: c.args,
        env: asJson(c.env),
        volumeMounts: asJson(c.volumeMounts),
      });
      return ok({
        envoy: container(parts.envoy),
        credential: { renew: container(parts.credential.renew), once: container(parts.credential.once) },
        volumes: asJson(parts.volumes),
      });
    },
    redirect: (pod) => {
      // A pod has no IP at admission: the rules are IPv4's. Dual-stack pods need the cluster's IP
      // families from configuration, which Trellis does not take yet.
      const rules = redirectRules(pod.annotations, []);
      if (!rules.ok) return fail(rules.errors.map((e) => e.message));
      return ok([
        { name: IPTABLES_ENV, value: rules.value.ipv4 },
        ...(rules.value.ipv6 ? [{ name: IP6TABLES_ENV, value: rules.value.ipv6 }] : []),
      ]);
    },
  };
}
