// Locality failover as EDS priorities, per proxy: its own zone first, then the zones the policy
// names as where its zone fails over to, then everything else. Envoy moves traffic to the next
// priority as the hosts of the current one become unhealthy, and without health checking only
// outlier detection marks them so; that is why Istio applies failover only when outlier detection
// is on, and so do we (a failover policy without it is ignored).
//
// `from` and `to` name zones (topology.kubernetes.io/zone), not Istio's region/zone/subzone paths:
// EndpointSlices tell us only an endpoint's zone, and the proxy's node.locality.zone is compared
// with them as it is.
import type { Locality } from '../../model/proxy.js';
import type { TrafficPolicy } from '../../model/routing.js';

const OWN_ZONE = 0;
const FAILOVER_ZONE = 1;
const OTHER_ZONE = 2;

/**
 * The priority of each of `zones` ('' = endpoints with no zone, always "everything else"), or
 * undefined when failover does not apply: no failover in the policy, no outlier detection, or a
 * proxy that did not say where it runs. Priorities are renumbered to have no gaps (0, 1, ...):
 * gRPC rejects an assignment with priority N but not N-1, and Envoy documents the same rule.
 */
export function localityPriorities(
  zones: readonly string[],
  proxy: Locality | undefined,
  policy: TrafficPolicy | undefined,
): ReadonlyMap<string, number> | undefined {
  const own = proxy?.zone;
  if (!own || !policy?.outlierDetection || !policy.localityFailover?.length) return undefined;
  const failoverTo = new Set(policy.localityFailover.filter((f) => f.from === own).map((f) => f.to));
  const rank = (zone: string): number =>
    zone === own ? OWN_ZONE : zone !== '' && failoverTo.has(zone) ? FAILOVER_ZONE : OTHER_ZONE;
  const used = [...new Set(zones.map(rank))].sort((a, b) => a - b);
  return new Map(zones.map((zone) => [zone, used.indexOf(rank(zone))]));
}
