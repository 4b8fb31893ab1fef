import { describe, expect, it } from 'vitest';
import { serviceHost } from './service-host.js';

describe('serviceHost', () => {
  it('reads a name, name.namespace, name.namespace.svc and the FQDN', () => {
    expect(serviceHost('reviews', 'cluster.local')).toEqual({ ok: true, name: 'reviews' });
    for (const host of [
      'reviews.shop',
      'reviews.shop.svc',
      'reviews.shop.svc.cluster.local',
      'reviews.shop.svc.cluster.local.',
    ]) {
      expect(serviceHost(host, 'cluster.local'), host).toEqual({
        ok: true,
        name: 'reviews',
        namespace: 'shop',
      });
    }
  });

  it('tells a host of another form from one of another cluster domain', () => {
    for (const host of ['Reviews', '', '*.shop', 'reviews.shop.cluster', 'api.example.com', '10.0.0.1']) {
      expect(serviceHost(host, 'cluster.local'), host).toEqual({ ok: false, why: 'form' });
    }
    expect(serviceHost('reviews.shop.svc.elsewhere', 'cluster.local')).toEqual({
      ok: false,
      why: 'cluster-domain',
    });
  });

  it('leaves the namespace to the family: an empty one is returned as written', () => {
    expect(serviceHost('reviews..svc', 'cluster.local')).toEqual({
      ok: true,
      name: 'reviews',
      namespace: '',
    });
  });
});
