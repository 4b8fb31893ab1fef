// A DestinationRule's outlierDetection on a sidecar's cluster, with Istio's meaning: a consecutive
// error count of 0 turns that check off, and success-rate ejection (on by default in Envoy, absent
// from the API) is always off.
import type { Cluster } from '../../generated/envoy/config/cluster/v3/Cluster.js';
import type { OutlierDetection as EnvoyOutlierDetection } from '../../generated/envoy/config/cluster/v3/OutlierDetection.js';
import type { ProxyKind } from '../../model/proxy.js';
import type { OutlierDetection } from '../../model/routing.js';
import { durationFromMs, uint32 } from './route-scalars.js';

/** Envoy counts ejection in whole percents. */
const wholePercent = (percent: number): number => Math.min(100, uint32(Math.round(percent)));

/**
 * An unset consecutive5xxErrors is left to Envoy's default (5 errors, enforced), which is also
 * Istio's documented default; an unset consecutiveGatewayErrors is left off (Envoy's default too).
 * interval and base_ejection_time must be above zero (validate rules), so 0 keeps the default.
 */
export function outlierDetection(od: OutlierDetection): EnvoyOutlierDetection {
  const { consecutive5xxErrors: c5xx, consecutiveGatewayErrors: cGateway } = od;
  return {
    ...(c5xx !== undefined
      ? { consecutive_5xx: uint32(c5xx), enforcing_consecutive_5xx: c5xx > 0 ? 100 : 0 }
      : {}),
    ...(od.intervalMs !== undefined && od.intervalMs > 0 ? { interval: durationFromMs(od.intervalMs) } : {}),
    ...(od.baseEjectionTimeMs !== undefined && od.baseEjectionTimeMs > 0
      ? { base_ejection_time: durationFromMs(od.baseEjectionTimeMs) }
      : {}),
    ...(od.maxEjectionPercent !== undefined
      ? { max_ejection_percent: wholePercent(od.maxEjectionPercent) }
      : {}),
    enforcing_success_rate: 0,
    ...(cGateway !== undefined
      ? {
          consecutive_gateway_failure: uint32(cGateway),
          enforcing_consecutive_gateway_failure: cGateway > 0 ? 100 : 0,
        }
      : {}),
  };
}

/**
 * Proxyless clients get none: gRPC's outlier detection (gRFC A50) implements only success-rate and
 * failure-percentage ejection, and the API has only consecutive-error ejection. Sent to gRPC it
 * would eject nothing, yet look active in the client's config dump; and leaving
 * enforcing_success_rate unset there would turn on an ejection nobody asked for.
 */
export function withOutlierDetection(
  cluster: Cluster,
  od: OutlierDetection | undefined,
  target: ProxyKind,
): Cluster {
  if (!od || target === 'proxyless') return cluster;
  return { ...cluster, outlier_detection: outlierDetection(od) };
}
