import { describe, expect, it } from 'vitest';
import { protocolOf } from './protocol.js';

describe('protocolOf', () => {
  it.each([
    ['http', 'HTTP'],
    ['http2', 'HTTP2'],
    ['kubernetes.io/h2c', 'HTTP2'],
    ['grpc', 'GRPC'],
    ['tcp', 'TCP'],
    ['kubernetes.io/ws', 'HTTP'],
    ['kubernetes.io/wss', 'HTTP'],
    ['HTTP', 'HTTP'],
    ['mongo', 'TCP'],
    ['https', 'TCP'],
    ['constructor', 'TCP'],
  ] as const)('appProtocol %s is %s', (appProtocol, expected) => {
    expect(protocolOf({ appProtocol })).toBe(expected);
  });

  it('lets appProtocol win over the port name, even when it is unknown', () => {
    expect(protocolOf({ name: 'http', appProtocol: 'grpc' })).toBe('GRPC');
    expect(protocolOf({ name: 'grpc-api', appProtocol: 'redis' })).toBe('TCP');
  });

  it.each([
    ['http', 'HTTP'],
    ['http-web', 'HTTP'],
    ['http2', 'HTTP2'],
    ['http2-web', 'HTTP2'],
    ['grpc', 'GRPC'],
    ['grpc-api', 'GRPC'],
    ['tcp', 'TCP'],
    ['tcp-db', 'TCP'],
    ['https', 'TCP'],
    ['httpx', 'TCP'],
    ['web-http', 'TCP'],
    ['grpcweb', 'TCP'],
    ['', 'TCP'],
  ] as const)('port name %j is %s', (name, expected) => {
    expect(protocolOf({ name })).toBe(expected);
  });

  it('uses the name when appProtocol is empty or absent', () => {
    expect(protocolOf({ name: 'http', appProtocol: '' })).toBe('HTTP');
    expect(protocolOf({ name: 'grpc', appProtocol: null })).toBe('GRPC');
    expect(protocolOf({})).toBe('TCP');
  });
});
