// The traffic policy that applies to one destination, the way Istio layers a DestinationRule:
// a subset's policy over the port's over the service's, field group by field group.
import type { BackendPolicy, ServiceRef, TrafficPolicy } from './routing.js';

// Asked for every service port of every translation: an index per policy array (immutable, so it
// never goes stale) answers as the first match a scan would find.
const policyIndexes = new WeakMap<readonly BackendPolicy[], ReadonlyMap<string, BackendPolicy>>();

export function backendPolicyFor(
  policies: readonly BackendPolicy[],
  service: ServiceRef,
): BackendPolicy | undefined {
  let index = policyIndexes.get(policies);
  if (!index) {
    const built = new Map<string, BackendPolicy>();
    for (const p of policies) {
      const key = `${p.service.namespace}/${p.service.name}`;
      if (!built.has(key)) built.set(key, p);
    }
    index = built;
    policyIndexes.set(policies, index);
  }
  return index.get(`${service.namespace}/${service.name}`);
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
