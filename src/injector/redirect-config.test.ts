import { describe, expect, it } from 'vitest';
import { seededRandom } from '../sources/apis/shared/fuzz-mutations.js';
import {
  EXCLUDE_INBOUND_PORTS,
  EXCLUDE_OUTBOUND_IP_RANGES,
  EXCLUDE_OUTBOUND_PORTS,
  INCLUDE_OUTBOUND_IP_RANGES,
  MAX_ITEMS,
  MAX_VALUE_LENGTH,
  POD_IPS_FIELD,
  type RedirectConfig,
  type RedirectError,
  redirectConfig,
} from './redirect-config.js';

const PORT_ANNOTATIONS = [EXCLUDE_INBOUND_PORTS, EXCLUDE_OUTBOUND_PORTS];
const RANGE_ANNOTATIONS = [EXCLUDE_OUTBOUND_IP_RANGES, INCLUDE_OUTBOUND_IP_RANGES];

function config(annotations: Record<string, unknown>, podIps: string[] = ['10.0.0.5']): RedirectConfig {
  const r = redirectConfig(annotations, podIps);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.value;
}

function errors(
  annotations: Record<string, unknown>,
  podIps: string[] = ['10.0.0.5'],
): readonly RedirectError[] {
  const r = redirectConfig(annotations, podIps);
  if (r.ok) throw new Error(`expected errors, got ${JSON.stringify(r.value)}`);
  return r.errors;
}

describe('redirectConfig defaults', () => {
  it('captures all inbound and all outbound TCP, IPv4 only, for a pod without annotations', () => {
    expect(config({})).toEqual({
      inbound: { capture: true, excludePorts: [] },
      outbound: { excludePorts: [], excludeRanges: [], includeRanges: 'all' },
      ipv6: false,
    });
    expect(redirectConfig(undefined, []).ok).toBe(true);
  });

  it('turns IPv6 rules on when the pod has an IPv6 address', () => {
    expect(config({}, ['10.0.0.5', 'fd00::5']).ipv6).toBe(true);
    expect(config({}, ['fd00::5']).ipv6).toBe(true);
    expect(config({}, []).ipv6).toBe(false);
  });

  it('ignores annotations that are not its own', () => {
    expect(config({ 'trellis.dev/inject': 'true', 'example.com/x': '*' })).toEqual(config({}));
  });

  it('refuses a pod address that is not an IP address, naming status.podIPs', () => {
    const [e] = errors({}, ['10.0.0.5', 'pod.local']);
    expect(e).toMatchObject({ field: POD_IPS_FIELD, item: 'pod.local', reason: 'InvalidValue' });
    expect(e?.message).toBe('status.podIPs: "pod.local" is not an IP address');
  });
});

describe('port annotations', () => {
  it('reads ports, trimmed, deduplicated and sorted', () => {
    const c = config({
      [EXCLUDE_INBOUND_PORTS]: ' 9090, 8080,9090 ',
      [EXCLUDE_OUTBOUND_PORTS]: '3306,1,65535',
    });
    expect(c.inbound).toEqual({ capture: true, excludePorts: [8080, 9090] });
    expect(c.outbound.excludePorts).toEqual([1, 3306, 65535]);
  });

  it('treats an empty value as no exclusion', () => {
    expect(config({ [EXCLUDE_INBOUND_PORTS]: '', [EXCLUDE_OUTBOUND_PORTS]: '  ' })).toEqual(config({}));
  });

  it('turns inbound capture off with exclude-inbound-ports "*"', () => {
    expect(config({ [EXCLUDE_INBOUND_PORTS]: '*' }).inbound).toEqual({ capture: false });
    expect(config({ [EXCLUDE_INBOUND_PORTS]: ' * ' }).inbound).toEqual({ capture: false });
  });

  it('refuses "*" for exclude-outbound-ports', () => {
    const [e] = errors({ [EXCLUDE_OUTBOUND_PORTS]: '*' });
    expect(e?.message).toBe(`${EXCLUDE_OUTBOUND_PORTS}: "*" is not accepted here: list the ports to exclude`);
  });

  it.each([
    ['http', 'is not a port: expected a decimal number from 1 to 65535'],
    ['-1', 'is not a port: expected a decimal number from 1 to 65535'],
    ['+80', 'is not a port: expected a decimal number from 1 to 65535'],
    ['80.5', 'is not a port: expected a decimal number from 1 to 65535'],
    ['0x50', 'is not a port: expected a decimal number from 1 to 65535'],
    ['0', 'is out of range: a port is from 1 to 65535'],
    ['65536', 'is out of range: a port is from 1 to 65535'],
    ['99999999999999999999', 'is out of range: a port is from 1 to 65535'],
    ['8000-8100', 'is a port range; list each port (ranges are not supported)'],
    ['8000:8100', 'is a port range; list each port (ranges are not supported)'],
  ])('refuses %j, saying why', (item, why) => {
    for (const annotation of PORT_ANNOTATIONS) {
      const errs = errors({ [annotation]: `80,${item}` });
      expect(errs).toEqual([
        {
          field: annotation,
          item,
          reason: 'InvalidValue',
          message: `${annotation}: ${JSON.stringify(item)} ${why}`,
        },
      ]);
    }
  });

  it('refuses an empty item and a "*" inside a list', () => {
    expect(errors({ [EXCLUDE_INBOUND_PORTS]: '80,,90' })[0]?.message).toBe(
      `${EXCLUDE_INBOUND_PORTS}: "" is an empty item: remove the extra comma`,
    );
    expect(errors({ [EXCLUDE_INBOUND_PORTS]: '80,*' })[0]?.message).toBe(
      `${EXCLUDE_INBOUND_PORTS}: "*" must be the whole value, not one item of a list`,
    );
  });
});

describe('IP range annotations', () => {
  it('reads IPv4 and IPv6 CIDRs and bare addresses, sorted by family then address', () => {
    const c = config({
      [EXCLUDE_OUTBOUND_IP_RANGES]: 'fd00::/8, 192.168.0.0/16,10.0.0.0/8,10.0.0.1,2001:db8::1',
    });
    expect(c.outbound.excludeRanges).toEqual([
      { family: 'ipv4', address: '10.0.0.0', prefix: 8 },
      { family: 'ipv4', address: '10.0.0.1', prefix: 32 },
      { family: 'ipv4', address: '192.168.0.0', prefix: 16 },
      { family: 'ipv6', address: '2001:db8::1', prefix: 128 },
      { family: 'ipv6', address: 'fd00::', prefix: 8 },
    ]);
  });

  it('clears host bits, as iptables does, and deduplicates what is then the same range', () => {
    const c = config({
      [INCLUDE_OUTBOUND_IP_RANGES]: '10.1.2.3/8,10.0.0.0/8,172.16.255.255/12,fd00:1::9/16',
    });
    expect(c.outbound.includeRanges).toEqual([
      { family: 'ipv4', address: '10.0.0.0', prefix: 8 },
      { family: 'ipv4', address: '172.16.0.0', prefix: 12 },
      { family: 'ipv6', address: 'fd00::', prefix: 16 },
    ]);
  });

  it('writes IPv6 as ip6tables-save prints it: RFC 5952, with a dotted tail where glibc writes one', () => {
    const c = config({
      [EXCLUDE_OUTBOUND_IP_RANGES]: [
        '2001:DB8:0:0:1:0:0:1/128',
        '2001:0db8:0000:0001:0000:0000:0000:0000/64',
        '1:0:0:2:0:0:0:3',
        '::ffff:10.1.2.3/128',
        '::ffff:0:0/96',
        '::1:2',
        '::/0',
      ].join(','),
    });
    expect(c.outbound.excludeRanges).toEqual([
      { family: 'ipv6', address: '::', prefix: 0 },
      { family: 'ipv6', address: '::0.1.0.2', prefix: 128 },
      { family: 'ipv6', address: '::ffff:0.0.0.0', prefix: 96 },
      { family: 'ipv6', address: '::ffff:10.1.2.3', prefix: 128 },
      { family: 'ipv6', address: '1:0:0:2::3', prefix: 128 },
      { family: 'ipv6', address: '2001:db8::1:0:0:1', prefix: 128 },
      { family: 'ipv6', address: '2001:db8:0:1::', prefix: 64 },
    ]);
  });

  it('treats "*" as everything: include all, or exclude all', () => {
    expect(config({ [INCLUDE_OUTBOUND_IP_RANGES]: '*' }).outbound.includeRanges).toBe('all');
    expect(config({ [EXCLUDE_OUTBOUND_IP_RANGES]: '*' }).outbound.excludeRanges).toBe('all');
  });

  it('includes nothing for an empty include-outbound-ip-ranges (no outbound capture), as Istio', () => {
    expect(config({ [INCLUDE_OUTBOUND_IP_RANGES]: '' }).outbound.includeRanges).toEqual([]);
    expect(config({ [EXCLUDE_OUTBOUND_IP_RANGES]: '' }).outbound.excludeRanges).toEqual([]);
  });

  const NOT_A_CIDR =
    'is not a CIDR: expected an IPv4 or IPv6 address with an optional /prefix, e.g. 10.0.0.0/8 or fd00::/8';
  it.each([
    ['10.0.0/8', NOT_A_CIDR],
    ['256.0.0.0/8', NOT_A_CIDR],
    ['example.com', NOT_A_CIDR],
    ['fe80::1%eth0/64', NOT_A_CIDR],
    ['fd00:::1/64', NOT_A_CIDR],
    ['/8', NOT_A_CIDR],
    ['010.0.0.0/8', 'is not a CIDR: an IPv4 octet has a leading zero (octal to some parsers)'],
    ['10.0.0.0/', 'is not a CIDR: the prefix length must be a number from 0 to 32'],
    ['10.0.0.0/-1', 'is not a CIDR: the prefix length must be a number from 0 to 32'],
    ['10.0.0.0/8/8', 'is not a CIDR: the prefix length must be a number from 0 to 32'],
    ['10.0.0.0/33', 'is not a CIDR: the prefix length 33 is over 32 for an ipv4 address'],
    ['fd00::/129', 'is not a CIDR: the prefix length 129 is over 128 for an ipv6 address'],
    ['fd00::/1000', 'is not a CIDR: the prefix length must be a number from 0 to 128'],
  ])('refuses %j, saying why', (item, why) => {
    for (const annotation of RANGE_ANNOTATIONS) {
      expect(errors({ [annotation]: `10.0.0.0/8,${item}` })).toEqual([
        {
          field: annotation,
          item,
          reason: 'InvalidValue',
          message: `${annotation}: ${JSON.stringify(item)} ${why}`,
        },
      ]);
    }
  });
});

describe('bounds and hostile values', () => {
  it(`refuses more than ${MAX_ITEMS} items and a value over ${MAX_VALUE_LENGTH} characters`, () => {
    const many = Array.from({ length: MAX_ITEMS + 1 }, (_, i) => String(i + 1)).join(',');
    expect(errors({ [EXCLUDE_OUTBOUND_PORTS]: many })).toEqual([
      {
        field: EXCLUDE_OUTBOUND_PORTS,
        reason: 'LimitExceeded',
        message: `${EXCLUDE_OUTBOUND_PORTS}: ${MAX_ITEMS + 1} items, over the limit of ${MAX_ITEMS}; use wider ranges`,
      },
    ]);
    const long = `${' '.repeat(MAX_VALUE_LENGTH)}80`;
    expect(errors({ [EXCLUDE_INBOUND_PORTS]: long })[0]).toMatchObject({
      field: EXCLUDE_INBOUND_PORTS,
      reason: 'LimitExceeded',
    });
    const exactly = Array.from({ length: MAX_ITEMS }, (_, i) => String(i + 1)).join(',');
    expect(config({ [EXCLUDE_OUTBOUND_PORTS]: exactly }).outbound.excludePorts).toHaveLength(MAX_ITEMS);
  });

  it('names five bad items and counts the rest, per annotation', () => {
    const errs = errors({ [EXCLUDE_INBOUND_PORTS]: 'a,b,c,d,e,f,g', [EXCLUDE_OUTBOUND_PORTS]: 'x' });
    expect(errs.map((e) => e.item ?? e.message)).toEqual([
      'a',
      'b',
      'c',
      'd',
      'e',
      `${EXCLUDE_INBOUND_PORTS}: 2 more bad items not listed`,
      'x',
    ]);
  });

  it('shortens a long bad item and escapes control characters in the message', () => {
    const item = `${'9'.repeat(100)}\n`;
    const [e] = errors({ [EXCLUDE_OUTBOUND_PORTS]: `${item.trim()}x` });
    expect(e?.item).toBe(`${'9'.repeat(64)}…`);
    expect(errors({ [EXCLUDE_OUTBOUND_PORTS]: '80\u0000' })[0]?.message).toContain('"80\\u0000"');
  });

  it('refuses a value that is not a string', () => {
    expect(errors({ [EXCLUDE_OUTBOUND_IP_RANGES]: 42 })).toEqual([
      {
        field: EXCLUDE_OUTBOUND_IP_RANGES,
        reason: 'InvalidValue',
        message: `${EXCLUDE_OUTBOUND_IP_RANGES}: the value must be a string`,
      },
    ]);
  });

  it('does not read an annotation from the prototype chain', () => {
    expect(config(Object.create({ [EXCLUDE_INBOUND_PORTS]: 'x' }) as Record<string, unknown>)).toEqual(
      config({}),
    );
  });

  const BAD_ITEMS = [
    '',
    '-',
    '0',
    '65536',
    '1e3',
    '0x10',
    ' 8 0',
    '80/tcp',
    '*',
    'NaN',
    'Infinity',
    '１２３',
    '8080-',
    '::',
    '10.0.0.0/33',
    '300.1.1.1',
    '1.2.3',
    '01.2.3.4',
    'fd00::/129',
    'fe80::1%lo',
    '::ffff:1.2.3.4.5',
    'a/b',
    '10.0.0.0//8',
    '\u0000',
    '\u202e80',
    '\uD800',
    '__proto__',
    'constructor',
    '/',
    '[::1]',
    '1.2.3.4/08x',
  ];
  const CHARS = '0123456789abcdefABCDEF.:/,*-+ %[]x\u0000\u00e9';

  it('turns 2,000 seeded malformed values into errors naming the annotation, never a throw', () => {
    const annotations = [...PORT_ANNOTATIONS, ...RANGE_ANNOTATIONS];
    for (let n = 0; n < 2000; n++) {
      const next = seededRandom(n + 1);
      const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
      const annotation = pick(annotations);
      const good = PORT_ANNOTATIONS.includes(annotation) ? '8080' : '10.0.0.0/8';
      const bad =
        next() < 0.5
          ? pick(BAD_ITEMS)
          : Array.from({ length: 1 + Math.floor(next() * 20) }, () => pick([...CHARS])).join('');
      const value = next() < 0.5 ? `${good},${bad}` : `${bad},${good}`;
      let result: ReturnType<typeof redirectConfig> | undefined;
      expect(
        () => {
          result = redirectConfig({ [annotation]: value }, ['10.0.0.5']);
        },
        `case ${n}: ${JSON.stringify(value)}`,
      ).not.toThrow();
      // A random value can be valid by chance (a list that reads as ports or ranges): then no errors.
      if (result?.ok) {
        const items = value.split(',').map((s) => s.trim());
        expect(
          items.every((i) => i !== '' && i !== '*'),
          `case ${n}: ${JSON.stringify(value)}`,
        ).toBe(true);
        continue;
      }
      expect(result?.errors.length, `case ${n}`).toBeGreaterThan(0);
      for (const e of result?.errors ?? []) {
        expect(e.field, `case ${n}: ${JSON.stringify(value)}`).toBe(annotation);
        expect(e.message.startsWith(`${annotation}: `)).toBe(true);
      }
    }
  });
});
