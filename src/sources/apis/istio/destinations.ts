// Istio destinations (route, mirror and TCP targets) as model backends. A destination that cannot
// be reached (an external host, a subset no DestinationRule defines) keeps its share of traffic
// and answers 503, as Envoy does for a cluster it does not know: the rule is still served.
import type { Backend, ServiceRef } from '../../../model/routing.js';
import { resolveHost, serviceKey } from './hosts.js';
import type { IstioDestination } from './istio-fields.js';
import type { LoweringScope } from './lowering-scope.js';

export interface DestinationTarget {
  readonly service: ServiceRef;
  readonly port?: number;
  readonly subset?: string;
}

/** The target, or undefined after a warning that ends with `consequence`. */
export function resolveDestination(
  dest: IstioDestination,
  at: string,
  consequence: string,
  scope: LoweringScope,
): DestinationTarget | undefined {
  const host = resolveHost(dest.host, scope.namespace, scope.clusterDomain);
  if (host.kind === 'unsupported') {
    scope.issues.push(
      scope.report(
        `${at}.host`,
        'UnsupportedValue',
        `${JSON.stringify(dest.host)} ${host.why}; ${consequence}`,
        'warning',
      ),
    );
    return undefined;
  }
  const subset = dest.subset || undefined;
  if (subset !== undefined && !scope.subsets.get(serviceKey(host.service))?.has(subset)) {
    const { name, namespace } = host.service;
    scope.issues.push(
      scope.report(
        `${at}.subset`,
        'BadReference',
        `no DestinationRule defines subset ${JSON.stringify(subset)} for service ${name}.${namespace}; ${consequence}`,
        'warning',
      ),
    );
    return undefined;
  }
  return {
    service: host.service,
    ...(dest.port ? { port: dest.port.number } : {}),
    ...(subset !== undefined ? { subset } : {}),
  };
}

export interface WeightedDestination {
  readonly destination: IstioDestination;
  readonly weight?: number | null;
}

const UNREACHABLE_STATUS = 503;

/**
 * Weighted backends for route[] (at = "spec.http[0].route"), or undefined after an error. One
 * destination takes all traffic whatever its weight; several share it by weight/(sum of weights), as
 * current Istio defines weight (older releases required a sum of 100; such rules still work).
 */
export function lowerBackends(
  routes: readonly WeightedDestination[],
  at: string,
  scope: LoweringScope,
): Backend[] | undefined {
  if (routes.length > 1) {
    const total = routes.reduce((sum, r) => sum + (r.weight ?? 0), 0);
    if (total <= 0) {
      scope.issues.push(
        scope.report(at, 'InvalidValue', 'with several destinations, at least one needs a weight above 0'),
      );
      return undefined;
    }
  }
  return routes.map((route, j): Backend => {
    const weight = routes.length === 1 ? 100 : (route.weight ?? 0);
    const target = resolveDestination(
      route.destination,
      `${at}[${j}].destination`,
      `its share of requests is answered with ${UNREACHABLE_STATUS}`,
      scope,
    );
    if (!target) {
      return {
        kind: 'invalid',
        weight,
        status: UNREACHABLE_STATUS,
        reason: `destination ${route.destination.host}${route.destination.subset ? ` subset ${route.destination.subset}` : ''} cannot be reached`,
      };
    }
    return { kind: 'service', ...target, weight };
  });
}
