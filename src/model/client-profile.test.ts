import { describe, expect, it } from 'vitest';
import {
  clientProfile,
  commonProfile,
  compareVersions,
  describeProfile,
  parseVersion,
  sameProfile,
} from './client-profile.js';
import { proxyFromNode } from './proxy.js';

const v = (major: number, minor: number, patch = 0) => ({ major, minor, patch });

describe('client profiles read from the node', () => {
  it('read a wrapped C-core client by its language release, as python3-grpcio 1.51 sends it', () => {
    expect(
      clientProfile({
        userAgentName: 'gRPC C-core linux Python',
        userAgentVersion: 'C-core 29.0.0 Python 1.51.1',
      }),
    ).toEqual({ kind: 'grpc', language: 'c-core', version: v(1, 51, 1) });
  });

  it('map a bare C-core library version to its gRPC release', () => {
    expect(clientProfile({ userAgentName: 'gRPC C-core linux', userAgentVersion: 'C-core 34.0.0' })).toEqual({
      kind: 'grpc',
      language: 'c-core',
      version: v(1, 56),
    });
  });

  it('read Java, Go and grpc-js-xds by their own version', () => {
    expect(clientProfile({ userAgentName: 'gRPC Java', userAgentVersion: '1.56.0' })).toEqual({
      kind: 'grpc',
      language: 'java',
      version: v(1, 56),
    });
    expect(clientProfile({ userAgentName: 'gRPC Go', userAgentVersion: 'v1.60.1' })).toMatchObject({
      language: 'go',
      version: v(1, 60, 1),
    });
    expect(clientProfile({ userAgentName: 'gRPC Node Pure JS', userAgentVersion: '1.14.1' })).toMatchObject({
      language: 'node',
      version: v(1, 14, 1),
    });
  });

  it('keep a gRPC client whose release it cannot read, without a version', () => {
    expect(clientProfile({ userAgentName: 'grpc-rust', userAgentVersion: 'dev' })).toEqual({
      kind: 'grpc',
      language: 'unknown',
    });
    expect(clientProfile({ idKind: 'proxyless' })).toEqual({ kind: 'grpc', language: 'unknown' });
    expect(clientProfile({ generator: 'grpc' })).toEqual({ kind: 'grpc', language: 'unknown' });
  });

  it('read Envoy from its build version or its version text, and anything else as Envoy', () => {
    expect(clientProfile({ userAgentName: 'envoy', userAgentBuildVersion: v(1, 30, 2) })).toEqual({
      kind: 'envoy',
      version: v(1, 30, 2),
    });
    expect(clientProfile({ userAgentName: 'envoy', userAgentVersion: '1.29.0' })).toEqual({
      kind: 'envoy',
      version: v(1, 29),
    });
    expect(clientProfile({ idKind: 'sidecar' })).toEqual({ kind: 'envoy' });
  });

  it('keep the client features it knows, and none from an absurd list', () => {
    const features = ['xds.config.resource-in-sotw', 'envoy.lb.does_not_support_overprovisioning', 'made.up'];
    expect(
      clientProfile({ userAgentName: 'gRPC Go', userAgentVersion: '1.60.0', clientFeatures: features }),
    ).toEqual({
      kind: 'grpc',
      language: 'go',
      version: v(1, 60),
      features: ['envoy.lb.does_not_support_overprovisioning', 'xds.config.resource-in-sotw'],
    });
    const flood = Array.from({ length: 1000 }, () => 'xds.config.resource-in-sotw');
    expect(clientProfile({ userAgentName: 'envoy', clientFeatures: flood })).toEqual({ kind: 'envoy' });
  });

  it('read only the start of an absurdly long user agent', () => {
    const huge = `gRPC Go ${'x'.repeat(1_000_000)} 1.99.0`;
    expect(clientProfile({ userAgentName: huge, userAgentVersion: `${'y'.repeat(1_000_000)}1.2.3` })).toEqual(
      {
        kind: 'grpc',
        language: 'go',
      },
    );
  });

  it('is part of the proxy: a gRPC user agent makes a plain node id proxyless', () => {
    const proxy = proxyFromNode({ id: 'client-7', userAgentName: 'gRPC Java', userAgentVersion: '1.60.0' });
    expect(proxy.kind).toBe('proxyless');
    expect(proxy.profile).toEqual({ kind: 'grpc', language: 'java', version: v(1, 60) });
    expect(describeProfile(proxy.profile!)).toBe('gRPC java 1.60.0');
  });
});

describe('the profile two clients behind one node id share', () => {
  const core151 = { kind: 'grpc', language: 'c-core', version: v(1, 51, 1) } as const;
  it('is theirs when they agree, else the forms every release reads', () => {
    expect(commonProfile(core151, { ...core151 })).toEqual(core151);
    expect(commonProfile(core151, { kind: 'grpc', language: 'c-core', version: v(1, 60) })).toEqual({
      kind: 'grpc',
      language: 'unknown',
    });
    expect(commonProfile({ kind: 'envoy', version: v(1, 30) }, { kind: 'envoy' })).toEqual({ kind: 'envoy' });
    expect(sameProfile(undefined, undefined)).toBe(true);
  });
});

describe('versions', () => {
  it('compare by major, minor, then patch', () => {
    expect(compareVersions(v(1, 56), v(1, 51, 9))).toBeGreaterThan(0);
    expect(compareVersions(v(1, 14, 0), v(1, 14, 1))).toBeLessThan(0);
    expect(parseVersion('1.14')).toEqual(v(1, 14));
    expect(parseVersion('none')).toBeUndefined();
  });
});
