import { describe, expect, it } from 'vitest';
import { withConnectionPool } from './cluster-connection-pool.js';
import { edsCluster, withProtocolOptions } from './clusters.js';
import { HTTP_PROTOCOL_OPTIONS_KEY, HTTP_PROTOCOL_OPTIONS_TYPE } from './filters.js';

const eds = edsCluster('outbound|80||web.shop.svc.cluster.local');
const pool = {
  tcp: { maxConnections: 100, connectTimeoutMs: 250 },
  http: {
    http1MaxPendingRequests: 10,
    http2MaxRequests: 1000,
    maxRequestsPerConnection: 5,
    maxRetries: 3,
    idleTimeoutMs: 30_000,
  },
};

describe('withConnectionPool for a sidecar', () => {
  it('maps limits to the first circuit breaker threshold and the connect timeout', () => {
    const out = withConnectionPool(eds, pool, 'HTTP', 'sidecar');
    expect(out.circuit_breakers).toEqual({
      thresholds: [{ max_connections: 100, max_pending_requests: 10, max_requests: 1000, max_retries: 3 }],
    });
    expect(out.connect_timeout).toBe('0.250s');
  });

  it('states HTTP/1.1 explicitly when it adds per-connection options to an HTTP/1 port', () => {
    const out = withConnectionPool(eds, pool, 'HTTP', 'sidecar');
    expect(out.typed_extension_protocol_options).toEqual({
      [HTTP_PROTOCOL_OPTIONS_KEY]: {
        '@type': HTTP_PROTOCOL_OPTIONS_TYPE,
        explicit_http_config: { http_protocol_options: {} },
        common_http_protocol_options: { idle_timeout: '30s', max_requests_per_connection: 5 },
      },
    });
  });

  it('keeps the HTTP/2 choice of a gRPC port when it adds per-connection options', () => {
    const out = withConnectionPool(withProtocolOptions(eds, 'GRPC'), pool, 'GRPC', 'sidecar');
    expect(out.typed_extension_protocol_options?.[HTTP_PROTOCOL_OPTIONS_KEY]).toMatchObject({
      explicit_http_config: { http2_protocol_options: {} },
      common_http_protocol_options: { idle_timeout: '30s', max_requests_per_connection: 5 },
    });
  });

  it('adds no HTTP options to a TCP port', () => {
    expect(withConnectionPool(eds, pool, 'TCP', 'sidecar').typed_extension_protocol_options).toBeUndefined();
  });

  it('reads 0 in a limit as not set, as Istio does', () => {
    const out = withConnectionPool(
      eds,
      { tcp: { maxConnections: 0, connectTimeoutMs: 0 }, http: { maxRequestsPerConnection: 0 } },
      'HTTP',
      'sidecar',
    );
    expect(out).toEqual(eds);
  });
});

describe('withConnectionPool for a proxyless client', () => {
  it('sends only max_requests, the one limit gRPC implements', () => {
    expect(withConnectionPool(eds, pool, 'GRPC', 'proxyless')).toEqual({
      ...eds,
      circuit_breakers: { thresholds: [{ max_requests: 1000 }] },
    });
  });
});
