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
  /** The cluster is dual-stack: the redirect gets ip6tables rules too. */
  readonly dualStack?: boolean;
}

/** The environment variables the init image reads its rules from (deploy/proxy-init/). */
export const IPTABLES_ENV = 'TRELLIS_IPTABLES_RULES';
export const IP6TABLES_ENV = 'TRELLIS_IP6TABLES_RULES';

// Addresses that only say which families a pod has, for redirectRules.
const DUAL_STACK: readonly string[] = ['10.0.0.1', 'fd00::1'];

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
      // A pod has no IP at admission: the cluster's IP families (--ip-families) stand for them.
      const rules = redirectRules(pod.annotations, options.dualStack ? DUAL_STACK : []);
      if (!rules.ok) return fail(rules.errors.map((e) => e.message));
      return ok([
        { name: IPTABLES_ENV, value: rules.value.ipv4 },
        ...(rules.value.ipv6 ? [{ name: IP6TABLES_ENV, value: rules.value.ipv6 }] : []),
      ]);
    },
  };
}
