import { describe, expect, it } from 'vitest';
import { emailProblem, hostnameProblem, isIpv4, isIpv6, isUuid, uriProblem } from './string-formats.js';

describe('well-known string formats', () => {
  it.each(['1.2.3.4', '0.0.0.0', '255.255.255.255'])('accepts the IPv4 address %s', (ip) => {
    expect(isIpv4(ip)).toBe(true);
  });

  it.each(['1.2.3', '256.1.1.1', '01.2.3.4', '1.2.3.4 ', '::ffff:1.2.3.4'])('refuses %j as IPv4', (ip) => {
    expect(isIpv4(ip)).toBe(false);
  });

  it.each([
    '::',
    '::1',
    '2001:db8::8a2e:370:7334',
    '1:2:3:4:5:6:7:8',
    '1:2:3:4:5:6:7::',
    '::ffff:1.2.3.4',
    '1::2:3.4.5.6',
  ])('accepts the IPv6 address %s', (ip) => {
    expect(isIpv6(ip)).toBe(true);
  });

  it.each([
    ':::',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    '12345::',
    'fe80::1%eth0',
    '1.2.3.4::',
    '1:2:3:4:5:6:7:8::',
  ])('refuses %j as IPv6', (ip) => {
    expect(isIpv6(ip)).toBe(false);
  });

  it('checks host names label by label', () => {
    expect(hostnameProblem('web.default.svc.cluster.local.')).toBeUndefined();
    expect(hostnameProblem('-web.local')).toContain('begin or end');
    expect(hostnameProblem('web..local')).toContain('1 to 63');
    expect(hostnameProblem('we_b.local')).toContain('letters, digits');
    expect(hostnameProblem(`${'a'.repeat(64)}.local`)).toContain('1 to 63');
  });

  it('checks email addresses', () => {
    expect(emailProblem('ops@example.com')).toBeUndefined();
    expect(emailProblem('Ops Team <ops@example.com>')).toBeUndefined();
    expect(emailProblem('ops.example.com')).toBeDefined();
    expect(emailProblem('ops@-example.com')).toBeDefined();
    expect(emailProblem(`${'a'.repeat(65)}@example.com`)).toContain('64');
  });

  it('checks URIs and URI references', () => {
    expect(uriProblem('https://user@[::1]:8443/a/b?c=d#e', true)).toBeUndefined();
    expect(uriProblem('urn:isbn:0451450523', true)).toBeUndefined();
    expect(uriProblem('/relative/path?q', true)).toBe('missing scheme');
    expect(uriProblem('/relative/path?q', false)).toBeUndefined();
    expect(uriProblem('http://exa mple.com', true)).toBeDefined();
    expect(uriProblem('http://example.com/%zz', true)).toBeDefined();
  });

  it('checks UUIDs', () => {
    expect(isUuid('123e4567-e89b-12d3-a456-426614174000')).toBe(true);
    expect(isUuid('123e4567e89b12d3a456426614174000')).toBe(false);
  });
});
