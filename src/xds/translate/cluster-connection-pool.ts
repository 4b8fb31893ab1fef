// A DestinationRule's connectionPool on a cluster: circuit breaker thresholds, the connect timeout,
// and per-connection HTTP limits. Istio reads 0 in a limit as "not set", and so do we.
import type { Cluster } from '../../generated/envoy/config/cluster/v3/Cluster.js';
import type { HttpProtocolOptions as CommonHttpProtocolOptions } from '../../generated/envoy/config/core/v3/HttpProtocolOptions.js';
import type { HttpProtocolOptions } from '../../generated/envoy/extensions/upstreams/http/v3/HttpProtocolOptions.js';
import type { Protocol } from '../../model/mesh.js';
import type { ProxyKind } from '../../model/proxy.js';
import type { ConnectionPool } from '../../model/routing.js';
import { HTTP_PROTOCOL_OPTIONS_KEY, HTTP_PROTOCOL_OPTIONS_TYPE, typed } from './filters.js';
import { isHttpish } from './names.js';
import { durationFromMs, uint32 } from './route-scalars.js';

type Thresholds = NonNullable<NonNullable<Cluster['circuit_breakers']>['thresholds']>[number];

const positive = (n: number | undefined): n is number => n !== undefined && n > 0;

function thresholds(pool: ConnectionPool, target: ProxyKind): Thresholds | undefined {
  const { tcp, http } = pool;
  // gRPC reads only max_requests of the DEFAULT priority (gRFC A32); the rest would be noise.
  const t: Thresholds = {
    ...(target === 'sidecar' && positive(tcp?.maxConnections)
      ? { max_connections: uint32(tcp.maxConnections) }
      : {}),
    ...(target === 'sidecar' && positive(http?.http1MaxPendingRequests)
      ? { max_pending_requests: uint32(http.http1MaxPendingRequests) }
      : {}),
    ...(positive(http?.http2MaxRequests) ? { max_requests: uint32(http.http2MaxRequests) } : {}),
    ...(target === 'sidecar' && positive(http?.maxRetries) ? { max_retries: uint32(http.maxRetries) } : {}),
  };
  return Object.keys(t).length > 0 ? t : undefined;
}

function commonHttpOptions(pool: ConnectionPool): CommonHttpProtocolOptions | undefined {
  const http = pool.http;
  if (!http) return undefined;
  const options: CommonHttpProtocolOptions = {
    // 0 is meaningful here: Envoy reads an idle_timeout of 0s as "never close idle connections".
    ...(http.idleTimeoutMs !== undefined && http.idleTimeoutMs >= 0
      ? { idle_timeout: durationFromMs(http.idleTimeoutMs) }
      : {}),
    ...(positive(http.maxRequestsPerConnection)
      ? { max_requests_per_connection: uint32(http.maxRequestsPerConnection) }
      : {}),
  };
  return Object.keys(options).length > 0 ? options : undefined;
}

/**
 * Adds common HTTP options to the cluster's HttpProtocolOptions, keeping the HTTP/2 choice that is
 * already there. Envoy requires an upstream protocol in that message, so an HTTP/1 port states
 * HTTP/1.1 explicitly (the default it would have used anyway).
 */
function withCommonHttpOptions(cluster: Cluster, common: CommonHttpProtocolOptions): Cluster {
  const existing = cluster.typed_extension_protocol_options?.[HTTP_PROTOCOL_OPTIONS_KEY] as
    | HttpProtocolOptions
    | undefined;
  const options: HttpProtocolOptions = {
    ...(existing ?? { explicit_http_config: { http_protocol_options: {} } }),
    common_http_protocol_options: common,
  };
  return {
    ...cluster,
    typed_extension_protocol_options: {
      ...cluster.typed_extension_protocol_options,
      [HTTP_PROTOCOL_OPTIONS_KEY]: typed(HTTP_PROTOCOL_OPTIONS_TYPE, options),
    },
  };
}

/**
 * Sidecars get everything; proxyless clients get only the concurrent-request limit, the one part of
 * a connection pool gRPC implements (no connect timeout, no per-connection HTTP options: gRPC
 * manages its own HTTP/2 connections). HTTP options are skipped on TCP ports, where tcp_proxy
 * carries no HTTP requests for them to count.
 */
export function withConnectionPool(
  cluster: Cluster,
  pool: ConnectionPool | undefined,
  protocol: Protocol,
  target: ProxyKind,
): Cluster {
  if (!pool) return cluster;
  let out = cluster;
  const t = thresholds(pool, target);
  if (t) out = { ...out, circuit_breakers: { thresholds: [t] } };
  if (target === 'proxyless') return out;
  if (positive(pool.tcp?.connectTimeoutMs))
    out = { ...out, connect_timeout: durationFromMs(pool.tcp.connectTimeoutMs) };
  const common = isHttpish(protocol) ? commonHttpOptions(pool) : undefined;
  if (common) out = withCommonHttpOptions(out, common);
  return out;
}
