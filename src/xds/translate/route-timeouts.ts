// Request timeouts. route.timeout bounds the whole request, retries included; 0s means none (Envoy's
// own default of 15 s would cut long calls and streams). gRPC clients ignore route.timeout and read
// max_stream_duration (gRFC A31): grpc_timeout_header_max first, where 0 means "the caller's
// deadline, unchanged". So with a timeout both fields carry it: Envoy and gRPC then both apply
// the caller's deadline capped at the timeout. Without one, gRPC ports keep the caller's deadline.
import type { RouteAction } from '../../generated/envoy/config/route/v3/RouteAction.js';
import type { Protocol } from '../../model/mesh.js';
import type { XdsClient } from './client-dialect.js';
import { isHttp2 } from './names.js';
import { durationFromMs } from './route-scalars.js';

export function timeoutFields(
  timeoutMs: number | undefined,
  protocol: Protocol,
  client: XdsClient,
): Pick<RouteAction, 'timeout' | 'max_stream_duration'> {
  const timeout = durationFromMs(timeoutMs ?? 0);
  if (timeoutMs !== undefined && timeoutMs > 0 && (isHttp2(protocol) || client === 'grpc')) {
    return {
      timeout,
      max_stream_duration: { max_stream_duration: timeout, grpc_timeout_header_max: timeout },
    };
  }
  return protocol === 'GRPC'
    ? { timeout, max_stream_duration: { grpc_timeout_header_max: '0s' } }
    : { timeout };
}
