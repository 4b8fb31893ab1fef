import { describe, expect, it } from 'vitest';
import { type RedirectRules, redirectRules } from './iptables-render.js';
import { MAX_ITEMS } from './redirect-config.js';

function rules(annotations: Record<string, string>, podIps = ['10.0.0.5']): RedirectRules {
  const r = redirectRules(annotations, podIps);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.value;
}

const PLAIN_V4 = `# Trellis traffic redirect (ipv4), for iptables-restore --noflush
*nat
:TRELLIS_INBOUND - [0:0]
:TRELLIS_IN_REDIRECT - [0:0]
:TRELLIS_OUTPUT - [0:0]
:TRELLIS_REDIRECT - [0:0]
-A PREROUTING -p tcp -j TRELLIS_INBOUND
-A OUTPUT -p tcp -j TRELLIS_OUTPUT
-A TRELLIS_INBOUND -p tcp -m tcp --dport 15000 -j RETURN
-A TRELLIS_INBOUND -p tcp -m tcp --dport 15020 -j RETURN
-A TRELLIS_INBOUND -p tcp -m tcp --dport 15021 -j RETURN
-A TRELLIS_INBOUND -p tcp -m tcp --dport 15090 -j RETURN
-A TRELLIS_INBOUND -p tcp -j TRELLIS_IN_REDIRECT
-A TRELLIS_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006
-A TRELLIS_OUTPUT -s 127.0.0.6/32 -o lo -j RETURN
-A TRELLIS_OUTPUT -o lo -p tcp -m tcp --dport 15000 -j RETURN
-A TRELLIS_OUTPUT -o lo -p tcp -m tcp --dport 15020 -j RETURN
-A TRELLIS_OUTPUT -o lo -p tcp -m tcp --dport 15021 -j RETURN
-A TRELLIS_OUTPUT -o lo -p tcp -m tcp --dport 15090 -j RETURN
-A TRELLIS_OUTPUT ! -d 127.0.0.1/32 -o lo -m owner --uid-owner 1337 -j TRELLIS_IN_REDIRECT
-A TRELLIS_OUTPUT -o lo -m owner ! --uid-owner 1337 -j RETURN
-A TRELLIS_OUTPUT -m owner --uid-owner 1337 -j RETURN
-A TRELLIS_OUTPUT ! -d 127.0.0.1/32 -o lo -m owner --gid-owner 1337 -j TRELLIS_IN_REDIRECT
-A TRELLIS_OUTPUT -o lo -m owner ! --gid-owner 1337 -j RETURN
-A TRELLIS_OUTPUT -m owner --gid-owner 1337 -j RETURN
-A TRELLIS_OUTPUT -d 127.0.0.1/32 -j RETURN
-A TRELLIS_OUTPUT -j TRELLIS_REDIRECT
-A TRELLIS_REDIRECT -p tcp -j REDIRECT --to-ports 15001
COMMIT
`;

const lines = (text: string): string[] => text.split('\n');
/** The lines of `text` that the plain pod's file does not have, and those it lacks, in order. */
function diffFromPlain(text: string): { added: string[]; removed: string[] } {
  const plain = lines(PLAIN_V4);
  const got = lines(text);
  return { added: got.filter((l) => !plain.includes(l)), removed: plain.filter((l) => !got.includes(l)) };
}

describe('redirectRules', () => {
  it('renders a plain pod: IPv4 only, every chain declared, in iptables-save form', () => {
    expect(rules({})).toEqual({ ipv4: PLAIN_V4 });
  });

  it('renders excluded inbound ports in both the inbound chain and the self-call bypass', () => {
    const text = rules({ 'trellis.dev/exclude-inbound-ports': '9090,8080' }).ipv4;
    expect(diffFromPlain(text)).toEqual({
      added: [
        '-A TRELLIS_INBOUND -p tcp -m tcp --dport 8080 -j RETURN',
        '-A TRELLIS_INBOUND -p tcp -m tcp --dport 9090 -j RETURN',
        '-A TRELLIS_OUTPUT -o lo -p tcp -m tcp --dport 8080 -j RETURN',
        '-A TRELLIS_OUTPUT -o lo -p tcp -m tcp --dport 9090 -j RETURN',
      ],
      removed: [],
    });
    expect(text.indexOf('--dport 9090 -j RETURN')).toBeLessThan(text.indexOf('--dport 15000 -j RETURN'));
  });

  it('renders no inbound capture for exclude-inbound-ports "*"', () => {
    expect(diffFromPlain(rules({ 'trellis.dev/exclude-inbound-ports': '*' }).ipv4)).toEqual({
      added: [],
      removed: [
        '-A PREROUTING -p tcp -j TRELLIS_INBOUND',
        '-A TRELLIS_INBOUND -p tcp -m tcp --dport 15000 -j RETURN',
        '-A TRELLIS_INBOUND -p tcp -m tcp --dport 15020 -j RETURN',
        '-A TRELLIS_INBOUND -p tcp -m tcp --dport 15021 -j RETURN',
        '-A TRELLIS_INBOUND -p tcp -m tcp --dport 15090 -j RETURN',
        '-A TRELLIS_INBOUND -p tcp -j TRELLIS_IN_REDIRECT',
        '-A TRELLIS_OUTPUT -o lo -p tcp -m tcp --dport 15000 -j RETURN',
        '-A TRELLIS_OUTPUT -o lo -p tcp -m tcp --dport 15020 -j RETURN',
        '-A TRELLIS_OUTPUT -o lo -p tcp -m tcp --dport 15021 -j RETURN',
        '-A TRELLIS_OUTPUT -o lo -p tcp -m tcp --dport 15090 -j RETURN',
        '-A TRELLIS_OUTPUT ! -d 127.0.0.1/32 -o lo -m owner --uid-owner 1337 -j TRELLIS_IN_REDIRECT',
        '-A TRELLIS_OUTPUT ! -d 127.0.0.1/32 -o lo -m owner --gid-owner 1337 -j TRELLIS_IN_REDIRECT',
      ],
    });
  });

  it('renders excluded outbound ports before the capture', () => {
    const text = rules({ 'trellis.dev/exclude-outbound-ports': '5432, 3306' }).ipv4;
    expect(text).toContain(
      [
        '-A TRELLIS_OUTPUT -d 127.0.0.1/32 -j RETURN',
        '-A TRELLIS_OUTPUT -p tcp -m tcp --dport 3306 -j RETURN',
        '-A TRELLIS_OUTPUT -p tcp -m tcp --dport 5432 -j RETURN',
        '-A TRELLIS_OUTPUT -j TRELLIS_REDIRECT',
      ].join('\n'),
    );
    expect(diffFromPlain(text).removed).toEqual([]);
  });

  it('renders excluded outbound ranges, IPv4 ones only in the IPv4 file', () => {
    const text = rules({
      'trellis.dev/exclude-outbound-ip-ranges': '169.254.169.254,fd00::/8,10.1.0.0/16',
    }).ipv4;
    expect(diffFromPlain(text)).toEqual({
      added: [
        '-A TRELLIS_OUTPUT -d 10.1.0.0/16 -j RETURN',
        '-A TRELLIS_OUTPUT -d 169.254.169.254/32 -j RETURN',
      ],
      removed: [],
    });
    expect(text).toContain('-d 169.254.169.254/32 -j RETURN\n-A TRELLIS_OUTPUT -j TRELLIS_REDIRECT\n');
  });

  it('renders no outbound capture when every range is excluded', () => {
    expect(diffFromPlain(rules({ 'trellis.dev/exclude-outbound-ip-ranges': '*' }).ipv4)).toEqual({
      added: [],
      removed: ['-A TRELLIS_OUTPUT -j TRELLIS_REDIRECT'],
    });
  });

  it('renders include ranges as the only captured destinations', () => {
    expect(
      diffFromPlain(rules({ 'trellis.dev/include-outbound-ip-ranges': '10.96.0.0/12, 10.0.0.0/16' }).ipv4),
    ).toEqual({
      added: [
        '-A TRELLIS_OUTPUT -d 10.0.0.0/16 -j TRELLIS_REDIRECT',
        '-A TRELLIS_OUTPUT -d 10.96.0.0/12 -j TRELLIS_REDIRECT',
      ],
      removed: ['-A TRELLIS_OUTPUT -j TRELLIS_REDIRECT'],
    });
    expect(rules({ 'trellis.dev/include-outbound-ip-ranges': '*' })).toEqual({ ipv4: PLAIN_V4 });
  });

  it('renders a dual-stack pod: the IPv6 file with ::1, ::6 and IPv6 ranges only', () => {
    const { ipv4, ipv6 } = rules(
      {
        'trellis.dev/exclude-outbound-ip-ranges': '10.0.0.0/8,fd00::/8',
        'trellis.dev/include-outbound-ip-ranges': '2001:db8::/32,192.168.0.0/16',
      },
      ['10.0.0.5', 'fd00::5'],
    );
    expect(ipv4).not.toContain('::');
    expect(ipv4).toContain('-A TRELLIS_OUTPUT -d 10.0.0.0/8 -j RETURN\n');
    expect(ipv4).toContain('-A TRELLIS_OUTPUT -d 192.168.0.0/16 -j TRELLIS_REDIRECT\n');
    const expectedV6 = PLAIN_V4.replace('(ipv4), for iptables-restore', '(ipv6), for ip6tables-restore')
      .replace('-s 127.0.0.6/32', '-s ::6/128')
      .replaceAll('127.0.0.1/32', '::1/128')
      .replace(
        '-A TRELLIS_OUTPUT -j TRELLIS_REDIRECT',
        '-A TRELLIS_OUTPUT -d fd00::/8 -j RETURN\n-A TRELLIS_OUTPUT -d 2001:db8::/32 -j TRELLIS_REDIRECT',
      );
    expect(ipv6).toBe(expectedV6);
  });

  it('is deterministic: the order of items and of annotations changes nothing', () => {
    const a = rules(
      {
        'trellis.dev/exclude-outbound-ports': '1,2',
        'trellis.dev/exclude-outbound-ip-ranges': 'fd00::/8,10.0.0.0/8',
      },
      ['10.0.0.5', 'fd00::5'],
    );
    const b = rules(
      {
        'trellis.dev/exclude-outbound-ip-ranges': '10.0.0.0/8, fd00::/8',
        'trellis.dev/exclude-outbound-ports': '2,1,2',
      },
      ['fd00::5', '10.0.0.5'],
    );
    expect(b).toEqual(a);
  });

  it('passes the configuration errors through', () => {
    const r = redirectRules({ 'trellis.dev/exclude-outbound-ports': 'http' }, []);
    expect(r).toEqual({
      ok: false,
      errors: [
        {
          field: 'trellis.dev/exclude-outbound-ports',
          item: 'http',
          reason: 'InvalidValue',
          message:
            'trellis.dev/exclude-outbound-ports: "http" is not a port: expected a decimal number from 1 to 65535',
        },
      ],
    });
  });

  it('stays under Linux 128 KiB limit on one environment variable with every annotation at its item limit', () => {
    const ports = Array.from({ length: MAX_ITEMS }, (_, i) => String(65535 - i)).join(',');
    const v6 = Array.from(
      { length: MAX_ITEMS },
      (_, i) => `2001:db8:1234:5678:9abc:def0:1234:${(i + 0x1000).toString(16)}`,
    );
    const v4 = Array.from({ length: MAX_ITEMS }, (_, i) => `100.64.${i}.255`);
    const worst = rules(
      {
        'trellis.dev/exclude-inbound-ports': ports,
        'trellis.dev/exclude-outbound-ports': ports,
        'trellis.dev/exclude-outbound-ip-ranges': v6.join(','),
        'trellis.dev/include-outbound-ip-ranges': v6.join(','),
      },
      ['10.0.0.5', 'fd00::5'],
    );
    const worstV4 = rules(
      {
        'trellis.dev/exclude-inbound-ports': ports,
        'trellis.dev/exclude-outbound-ports': ports,
        'trellis.dev/exclude-outbound-ip-ranges': v4.join(','),
        'trellis.dev/include-outbound-ip-ranges': v4.join(','),
      },
      ['10.0.0.5'],
    );
    for (const text of [worst.ipv6 ?? '', worstV4.ipv4])
      expect(Buffer.byteLength(text)).toBeLessThan(128 * 1024 - 64);
  });
});
