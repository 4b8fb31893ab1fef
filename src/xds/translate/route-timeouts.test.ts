import { describe, expect, it } from 'vitest';
import { timeoutFields } from './route-timeouts.js';

describe('timeouts', () => {
  it('set no route timeout by default, and keep the caller deadline on gRPC ports', () => {
    expect(timeoutFields(undefined, 'HTTP', 'envoy')).toEqual({ timeout: '0s' });
    expect(timeoutFields(undefined, 'GRPC', 'envoy')).toEqual({
      timeout: '0s',
      max_stream_duration: { grpc_timeout_header_max: '0s' },
    });
  });

  it('cap streams and the caller grpc-timeout on HTTP/2 and gRPC ports, and for gRPC clients', () => {
    const capped = {
      timeout: '2s',
      max_stream_duration: { max_stream_duration: '2s', grpc_timeout_header_max: '2s' },
    };
    expect(timeoutFields(2000, 'GRPC', 'envoy')).toEqual(capped);
    expect(timeoutFields(2000, 'HTTP2', 'envoy')).toEqual(capped);
    expect(timeoutFields(2000, 'TCP', 'grpc')).toEqual(capped);
    expect(timeoutFields(2000, 'HTTP', 'envoy')).toEqual({ timeout: '2s' });
  });
});
