import { describe, expect, it } from 'vitest';
import { resolveHost } from './hosts.js';

const service = (namespace: string, name: string) => ({ kind: 'service', service: { namespace, name } });

describe('resolveHost', () => {
  it('reads a short name in the namespace of the resource that wrote it', () => {
    expect(resolveHost('reviews', 'shop', 'cluster.local')).toEqual(service('shop', 'reviews'));
  });

  it('reads name.namespace, name.namespace.svc and the FQDN as the same service', () => {
    for (const host of [
      'reviews.other',
      'reviews.other.svc',
      'reviews.other.svc.cluster.local',
      'reviews.other.svc.cluster.local.',
    ]) {
      expect(resolveHost(host, 'shop', 'cluster.local'), host).toEqual(service('other', 'reviews'));
    }
  });

  it('uses the configured cluster domain', () => {
    expect(resolveHost('reviews.other.svc.corp.example', 'shop', 'corp.example')).toEqual(
      service('other', 'reviews'),
    );
    expect(resolveHost('reviews.other.svc.cluster.local', 'shop', 'corp.example').kind).toBe('unsupported');
  });

  it('does not resolve wildcards, IP addresses or external names', () => {
    expect(resolveHost('*.shop.svc.cluster.local', 'shop', 'cluster.local')).toEqual({
      kind: 'unsupported',
      why: 'wildcard hosts are not supported: name one service of the cluster',
    });
    for (const host of [
      '10.0.0.1',
      'api.example.com',
      'Reviews',
      'reviews.other.svc.elsewhere',
      '',
      'a..b',
    ]) {
      expect(resolveHost(host, 'shop', 'cluster.local').kind, host).toBe('unsupported');
    }
  });
});
