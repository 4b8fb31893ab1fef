// The traffic policy that applies to one destination, the way Istio layers a DestinationRule:
// a subset's policy over the port's over the service's, field group by field group.
import type { BackendPolicy, ServiceRef, TrafficPolicy } from './routing.js';

export function backendPolicyFor(
  policies: readonly BackendPolicy[],
  service: ServiceRef,
): BackendPolicy | undefined {
  return policies.find((p) => p.service.namespace === service.namespace && p.service.name === service.name);
}

/** The effective policy for traffic to `service` on `port`, optionally to one subset; undefined when none applies. */
export function effectivePolicy(
  policies: readonly BackendPolicy[],
  service: ServiceRef,
  port: number,
  subset?: string,
): TrafficPolicy | undefined {
  const policy = backendPolicyFor(policies, service);
  if (!policy) return undefined;
  const layers: (TrafficPolicy | undefined)[] = [
    policy.policy,
    policy.portPolicies?.find((p) => p.port === port)?.policy,
  ];
  if (subset !== undefined) layers.push(policy.subsets.find((s) => s.name === subset)?.policy);
  let merged: TrafficPolicy | undefined;
  for (const layer of layers) {
    if (!layer) continue;
    merged = { ...merged, ...layer };
  }
  return merged;
}
