// Fault injection (Istio fault, gRFC A33). The filter sits in the HCM with an empty configuration,
// which injects nothing; each route with a fault carries its own HTTPFault. gRPC clients implement
// it too, and map an HTTP abort status to a gRPC code themselves.
import type { HTTPFault } from '../../../generated/envoy/extensions/filters/http/fault/v3/HTTPFault.js';
import type { Any } from '../../../generated/google/protobuf/Any.js';
import type { FaultPolicy } from '../../../model/routing.js';
import { typed } from '../filters.js';
import { durationFromMs, fractionalPercent, uint32 } from '../route-scalars.js';
import type { HttpFilterPlugin } from './http-filter.js';

export const FAULT_FILTER = 'envoy.filters.http.fault';
export const FAULT_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';

/**
 * The route's HTTPFault; undefined when nothing is left to inject. A delay of 0 and an HTTP status
 * outside 200..599 are not faults Envoy accepts, so they are left out rather than failing the
 * whole route configuration.
 */
export function httpFault(fault: FaultPolicy): HTTPFault | undefined {
  const config: HTTPFault = {};
  if (fault.delay && fault.delay.fixedMs > 0) {
    config.delay = {
      fixed_delay: durationFromMs(fault.delay.fixedMs),
      percentage: fractionalPercent(fault.delay.percent),
    };
  }
  const abort = fault.abort;
  if (abort?.kind === 'http' && abort.status >= 200 && abort.status < 600) {
    config.abort = { http_status: abort.status, percentage: fractionalPercent(abort.percent) };
  } else if (abort?.kind === 'grpc') {
    config.abort = { grpc_status: uint32(abort.status), percentage: fractionalPercent(abort.percent) };
  }
  return config.delay || config.abort ? config : undefined;
}

function routeFault(fault: FaultPolicy | undefined): Any | undefined {
  const config = fault && httpFault(fault);
  return config && typed(FAULT_TYPE, config);
}

export const faultPlugin: HttpFilterPlugin = {
  name: FAULT_FILTER,
  grpc: true,
  connectionFilter: (scope) =>
    scope.routes.some((r) => routeFault(r.fault) !== undefined)
      ? { name: FAULT_FILTER, typed_config: typed(FAULT_TYPE, {}) }
      : undefined,
  routeConfig: (route) => routeFault(route.fault),
};
