import { describe, expect, it } from 'vitest';
import { isHeadless, meshedPorts, serviceDomains } from './names.js';
import { port, service } from './test-fixtures.js';

describe('serviceDomains', () => {
  const web = service('shop', 'web', [port({ port: 80 })], { clusterIP: '10.96.0.1' });

  it('lists the FQDN, name.ns.svc, name.ns and the cluster IP, each with and without the port', () => {
    expect(serviceDomains(web, 80, 'other')).toEqual([
      'web.shop.svc.cluster.local',
      'web.shop.svc.cluster.local:80',
      'web.shop.svc',
      'web.shop.svc:80',
      'web.shop',
      'web.shop:80',
      '10.96.0.1',
      '10.96.0.1:80',
    ]);
  });

  it('adds the bare name only for a proxy in the same namespace', () => {
    expect(serviceDomains(web, 80, 'shop')).toContain('web');
    expect(serviceDomains(web, 80, 'shop')).toContain('web:80');
    expect(serviceDomains(web, 80, 'default')).not.toContain('web');
  });

  it('brackets an IPv6 cluster IP the way a Host header does', () => {
    const v6 = service('shop', 'web', [port({ port: 80 })], { clusterIP: 'fd00::1' });
    expect(serviceDomains(v6, 80, 'shop').slice(-2)).toEqual(['[fd00::1]', '[fd00::1]:80']);
  });

  it('has no IP domain for a headless service', () => {
    const headless = service('shop', 'db', [port({ port: 5432 })]);
    expect(isHeadless(headless)).toBe(true);
    expect(serviceDomains(headless, 5432, 'shop')).toHaveLength(8);
  });
});

describe('meshedPorts', () => {
  it('keeps TCP ports only, one per port number', () => {
    const dns = service('kube-system', 'dns', [
      port({ name: 'dns', port: 53, transport: 'UDP' }),
      port({ name: 'dns-tcp', port: 53 }),
      port({ name: 'metrics', port: 9153 }),
      port({ name: 'sctp', port: 9999, transport: 'SCTP' }),
      port({ name: 'again', port: 9153 }),
    ]);
    expect(meshedPorts(dns).map((p) => p.name)).toEqual(['dns-tcp', 'metrics']);
  });
});
