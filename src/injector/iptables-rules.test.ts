import { describe, expect, it } from 'vitest';
import { type NatRule, natRules } from './iptables-rules.js';
import { type RedirectConfig, redirectConfig } from './redirect-config.js';

function configOf(annotations: Record<string, string>, podIps = ['10.0.0.5', 'fd00::5']): RedirectConfig {
  const r = redirectConfig(annotations, podIps);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.value;
}

const chain = (rules: readonly NatRule[], name: NatRule['chain']): NatRule[] =>
  rules.filter((r) => r.chain === name);
const RETURN = { kind: 'return' } as const;

describe('natRules', () => {
  const plain = natRules(configOf({}), 'ipv4');

  it('hooks inbound and outbound TCP into our chains', () => {
    expect(chain(plain, 'PREROUTING')).toEqual([
      { chain: 'PREROUTING', protocol: 'tcp', target: { kind: 'jump', chain: 'TRELLIS_INBOUND' } },
    ]);
    expect(chain(plain, 'OUTPUT')).toEqual([
      { chain: 'OUTPUT', protocol: 'tcp', target: { kind: 'jump', chain: 'TRELLIS_OUTPUT' } },
    ]);
  });

  it('redirects inbound to 15006 and outbound to 15001', () => {
    expect(chain(plain, 'TRELLIS_IN_REDIRECT')).toEqual([
      { chain: 'TRELLIS_IN_REDIRECT', protocol: 'tcp', target: { kind: 'redirect', toPort: 15006 } },
    ]);
    expect(chain(plain, 'TRELLIS_REDIRECT')).toEqual([
      { chain: 'TRELLIS_REDIRECT', protocol: 'tcp', target: { kind: 'redirect', toPort: 15001 } },
    ]);
  });

  it("lets the sidecar's own ports through inbound (admin, probes, readiness, stats), never 15001 or 15006", () => {
    const inbound = chain(plain, 'TRELLIS_INBOUND');
    expect(inbound.map((r) => r.destinationPort)).toEqual([15000, 15020, 15021, 15090, undefined]);
    expect(inbound.at(-1)?.target).toEqual({ kind: 'jump', chain: 'TRELLIS_IN_REDIRECT' });
  });

  it("returns the sidecar's traffic (UID and GID 1337) and loopback, and captures the rest", () => {
    const output = chain(plain, 'TRELLIS_OUTPUT');
    expect(output[0]).toEqual({
      chain: 'TRELLIS_OUTPUT',
      source: '127.0.0.6/32',
      outInterface: 'lo',
      target: RETURN,
    });
    for (const match of ['uid', 'gid'] as const) {
      expect(output).toContainEqual({
        chain: 'TRELLIS_OUTPUT',
        owner: { match, id: 1337, negated: false },
        target: RETURN,
      });
      // The pod calling itself through a Service meets its own inbound side.
      expect(output).toContainEqual({
        chain: 'TRELLIS_OUTPUT',
        destination: { cidr: '127.0.0.1/32', negated: true },
        outInterface: 'lo',
        owner: { match, id: 1337, negated: false },
        target: { kind: 'jump', chain: 'TRELLIS_IN_REDIRECT' },
      });
    }
    expect(output.at(-2)).toEqual({
      chain: 'TRELLIS_OUTPUT',
      destination: { cidr: '127.0.0.1/32', negated: false },
      target: RETURN,
    });
    expect(output.at(-1)).toEqual({
      chain: 'TRELLIS_OUTPUT',
      target: { kind: 'jump', chain: 'TRELLIS_REDIRECT' },
    });
  });

  it('sends a self-call to a port inbound does not capture straight to the app, before the UID rules', () => {
    const output = chain(
      natRules(configOf({ 'trellis.dev/exclude-inbound-ports': '8080' }), 'ipv4'),
      'TRELLIS_OUTPUT',
    );
    const bypass = output.findIndex((r) => r.destinationPort === 8080);
    const inRedirect = output.findIndex(
      (r) => r.target.kind === 'jump' && r.target.chain === 'TRELLIS_IN_REDIRECT',
    );
    expect(output[bypass]).toEqual({
      chain: 'TRELLIS_OUTPUT',
      outInterface: 'lo',
      protocol: 'tcp',
      destinationPort: 8080,
      target: RETURN,
    });
    expect(bypass).toBeLessThan(inRedirect);
  });

  it('without inbound capture, hooks nothing into PREROUTING and never diverts to 15006', () => {
    const rules = natRules(configOf({ 'trellis.dev/exclude-inbound-ports': '*' }), 'ipv4');
    expect(chain(rules, 'PREROUTING')).toEqual([]);
    expect(chain(rules, 'TRELLIS_INBOUND')).toEqual([]);
    expect(
      rules.filter(
        (r) =>
          r.chain !== 'PREROUTING' && r.target.kind === 'jump' && r.target.chain === 'TRELLIS_IN_REDIRECT',
      ),
    ).toEqual([]);
    expect(chain(rules, 'TRELLIS_OUTPUT').at(-1)?.target).toEqual({
      kind: 'jump',
      chain: 'TRELLIS_REDIRECT',
    });
  });

  it('returns excluded outbound ports and ranges of its own family before capturing', () => {
    const config = configOf({
      'trellis.dev/exclude-outbound-ports': '5432,3306',
      'trellis.dev/exclude-outbound-ip-ranges': '10.0.0.0/8,fd00::/8',
    });
    for (const [family, cidr] of [
      ['ipv4', '10.0.0.0/8'],
      ['ipv6', 'fd00::/8'],
    ] as const) {
      const output = chain(natRules(config, family), 'TRELLIS_OUTPUT');
      expect(output.slice(-4)).toEqual([
        { chain: 'TRELLIS_OUTPUT', protocol: 'tcp', destinationPort: 3306, target: RETURN },
        { chain: 'TRELLIS_OUTPUT', protocol: 'tcp', destinationPort: 5432, target: RETURN },
        { chain: 'TRELLIS_OUTPUT', destination: { cidr, negated: false }, target: RETURN },
        { chain: 'TRELLIS_OUTPUT', target: { kind: 'jump', chain: 'TRELLIS_REDIRECT' } },
      ]);
    }
  });

  it('captures only the included ranges of each family; none of a family captures none of it', () => {
    const config = configOf({ 'trellis.dev/include-outbound-ip-ranges': '10.96.0.0/12,10.0.0.0/16' });
    expect(chain(natRules(config, 'ipv4'), 'TRELLIS_OUTPUT').slice(-2)).toEqual([
      {
        chain: 'TRELLIS_OUTPUT',
        destination: { cidr: '10.0.0.0/16', negated: false },
        target: { kind: 'jump', chain: 'TRELLIS_REDIRECT' },
      },
      {
        chain: 'TRELLIS_OUTPUT',
        destination: { cidr: '10.96.0.0/12', negated: false },
        target: { kind: 'jump', chain: 'TRELLIS_REDIRECT' },
      },
    ]);
    const v6 = natRules(config, 'ipv6');
    expect(v6.filter((r) => r.target.kind === 'jump' && r.target.chain === 'TRELLIS_REDIRECT')).toEqual([]);
  });

  it('captures no outbound traffic when every range is excluded', () => {
    const rules = natRules(configOf({ 'trellis.dev/exclude-outbound-ip-ranges': '*' }), 'ipv4');
    expect(rules.filter((r) => r.target.kind === 'jump' && r.target.chain === 'TRELLIS_REDIRECT')).toEqual(
      [],
    );
  });

  it('uses ::1 and ::6 for IPv6', () => {
    const v6 = chain(natRules(configOf({}), 'ipv6'), 'TRELLIS_OUTPUT');
    expect(v6[0]?.source).toBe('::6/128');
    expect(v6.filter((r) => r.destination).map((r) => r.destination?.cidr)).toEqual([
      '::1/128',
      '::1/128',
      '::1/128',
    ]);
  });
});
