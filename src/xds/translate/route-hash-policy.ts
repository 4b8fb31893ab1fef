// Session affinity: when the destination's DestinationRule asks for a consistent hash, the route
// says what to hash (the cluster side picks the ring). gRPC hashes only on a header, or on its own
// channel (gRFC A42), which is what source-IP affinity means for one client process; it has no
// cookies and no query strings, so those give it nothing.
import type { RouteAction } from '../../generated/envoy/config/route/v3/RouteAction.js';
import type { BackendPolicy } from '../../model/routing.js';
import { effectivePolicy } from '../../model/traffic-policy.js';
import type { ClientDialect } from './client-dialect.js';
import type { BackendTarget } from './route-backends.js';
import { durationFromMs } from './route-scalars.js';

type HashPolicy = NonNullable<RouteAction['hash_policy']>[number];

/**
 * The hash policy of the first target whose effective policy hashes (a split over differently
 * configured destinations still has one hash per request).
 */
export function hashPolicies(
  policies: readonly BackendPolicy[],
  targets: readonly BackendTarget[],
  tablePort: number,
  dialect: ClientDialect,
): HashPolicy[] | undefined {
  // A client without ring hash balances round robin (client-dialect.ts): nothing to hash for.
  if (!dialect.ringHash) return undefined;
  const { client } = dialect;
  for (const target of targets) {
    const lb = effectivePolicy(
      policies,
      target.service,
      target.port ?? tablePort,
      target.subset,
    )?.loadBalancer;
    if (lb?.kind !== 'consistentHash') continue;
    const on = lb.hashOn;
    switch (on.kind) {
      case 'header':
        return [{ header: { header_name: on.name } }];
      case 'sourceIP':
        return client === 'grpc'
          ? [{ filter_state: { key: 'io.grpc.channel_id' } }]
          : [{ connection_properties: { source_ip: true } }];
      case 'cookie':
        if (client === 'grpc') return undefined;
        return [
          {
            cookie: {
              name: on.name,
              ...(on.ttlMs !== undefined ? { ttl: durationFromMs(on.ttlMs) } : {}),
              ...(on.path !== undefined ? { path: on.path } : {}),
            },
          },
        ];
      case 'queryParam':
        return client === 'grpc' ? undefined : [{ query_parameter: { name: on.name } }];
    }
  }
  return undefined;
}
