import { describe, expect, it } from 'vitest';
import { formatHostPort, parseHostPort } from './address.js';

describe('parseHostPort', () => {
  it.each([
    ['127.0.0.1:15010', '127.0.0.1', 15010],
    [':15014', '127.0.0.1', 15014],
    [':0', '127.0.0.1', 0],
    ['0.0.0.0:15014', '0.0.0.0', 15014],
    ['localhost:15014', 'localhost', 15014],
    ['istiod.istio-system.svc.cluster.local.:15010', 'istiod.istio-system.svc.cluster.local.', 15010],
    ['[::1]:15010', '::1', 15010],
    ['[::]:65535', '::', 65535],
    ['[fe80::1%eth0]:80', 'fe80::1%eth0', 80],
    ['[::ffff:10.0.0.1]:80', '::ffff:10.0.0.1', 80],
    ['10.0.0.1:08080', '10.0.0.1', 8080],
  ])('reads %j as host %j, port %d', (text, host, port) => {
    expect(parseHostPort(text)).toEqual({ ok: true, value: { host, port } });
  });

  it('gives :PORT the default host it is told', () => {
    expect(parseHostPort(':80', '::1')).toEqual({ ok: true, value: { host: '::1', port: 80 } });
  });

  it.each([
    ['', /the address is empty/],
    ['   ', /the address is empty/],
    ['localhost', /"localhost" has no port/],
    ['15010', /"15010" has no port/],
    ['127.0.0.1:', /"127.0.0.1:" has no port/],
    [':', /":" has no port/],
    ['[::1]', /"\[::1\]" is not an address: a bracketed IPv6 host must be followed by :PORT/],
    ['[::1]15010', /must be followed by :PORT/],
    ['[::1:15010', /must be followed by :PORT/],
    ['[]:80', /"" is not an IPv6 address/],
    ['[127.0.0.1]:80', /"127.0.0.1" is not an IPv6 address/],
    ['[nope]:80', /"nope" is not an IPv6 address/],
    ['::1:15010', /an IPv6 host goes in brackets/],
    ['a:b:80', /an IPv6 host goes in brackets/],
    ['host:65536', /the port must be a number from 0 to 65535/],
    ['host:99999', /the port must be a number from 0 to 65535/],
    ['host:123456', /the port must be a number from 0 to 65535/],
    ['host:-1', /the port must be a number from 0 to 65535/],
    ['host:+80', /the port must be a number from 0 to 65535/],
    ['host:8 0', /the port must be a number from 0 to 65535/],
    ['host:0x50', /the port must be a number from 0 to 65535/],
    ['host:http', /the port must be a number from 0 to 65535/],
    ['foo bar:80', /"foo bar" is not an IP address or a host name/],
    ['http://localhost:80', /"http" is not an IP address or a host name|brackets/],
    ['999.0.0.1:80', /"999.0.0.1" is not an IP address or a host name/],
    ['1.2.3:80', /"1.2.3" is not an IP address or a host name/],
    ['-bad-.example:80', /is not an IP address or a host name/],
    ['under_score:80', /is not an IP address or a host name/],
    [`${'a'.repeat(64)}:80`, /is not an IP address or a host name/],
  ])('refuses %j, naming the value', (text, reason) => {
    const result = parseHostPort(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatch(reason);
    if (text.trim() !== '') expect(result.errors[0]).toContain(JSON.stringify(text));
  });
});

describe('formatHostPort', () => {
  it.each([
    [{ host: '127.0.0.1', port: 15010 }, '127.0.0.1:15010'],
    [{ host: '::1', port: 15010 }, '[::1]:15010'],
    [{ host: 'localhost', port: 0 }, 'localhost:0'],
  ])('writes %j as %j, which parseHostPort reads back', (hostPort, text) => {
    expect(formatHostPort(hostPort)).toBe(text);
    expect(parseHostPort(text)).toEqual({ ok: true, value: hostPort });
  });
});
