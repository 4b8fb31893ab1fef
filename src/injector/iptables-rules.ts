// The pod's nat rules as data, one family at a time: a pure function of the redirect configuration,
// so tests assert on rules, and iptables-render.ts turns them into iptables-restore text. The layout
// is Istio's, with our names:
//
//   PREROUTING ─tcp─► TRELLIS_INBOUND ─(sidecar and excluded ports: RETURN)─► TRELLIS_IN_REDIRECT ─► :15006
//   OUTPUT ─tcp─► TRELLIS_OUTPUT ─(the sidecar's own, loopback, excluded: RETURN)─► TRELLIS_REDIRECT ─► :15001
//
// The pod calling itself through a Service is handled as Istio does: the app's connection is
// captured to 15001 like any other, and the sidecar's connection on to the pod's own address leaves
// over lo as UID 1337; it is sent to 15006, so the pod meets its own inbound side (mTLS, policy) as a
// call from another pod would. The sidecar's inbound connection to the app comes from 127.0.0.6
// (INBOUND_SOURCE_ADDRESS, ::6 for IPv6) and is let through. A self-call to a port inbound does not
// capture (the sidecar's and excluded ones) goes straight to the app, again as from another pod.
// Without inbound capture the self-call is not diverted: the sidecar's connection is simply its own.
import { INBOUND_PORT, INBOUND_SOURCE_ADDRESS, OUTBOUND_PORT } from '../xds/translate/names.js';
import {
  type Cidr,
  type IpFamily,
  PROXY_GID,
  PROXY_UID,
  type RedirectConfig,
  SIDECAR_INBOUND_PORTS,
} from './redirect-config.js';

export type TrellisChain = 'TRELLIS_INBOUND' | 'TRELLIS_IN_REDIRECT' | 'TRELLIS_OUTPUT' | 'TRELLIS_REDIRECT';
/** Declared in every rules file, in this order, whether or not a rule jumps to them. */
export const TRELLIS_CHAINS: readonly TrellisChain[] = [
  'TRELLIS_INBOUND',
  'TRELLIS_IN_REDIRECT',
  'TRELLIS_OUTPUT',
  'TRELLIS_REDIRECT',
];

export type Target =
  | { readonly kind: 'jump'; readonly chain: TrellisChain }
  | { readonly kind: 'return' }
  | { readonly kind: 'redirect'; readonly toPort: number };

export interface NatRule {
  readonly chain: 'PREROUTING' | 'OUTPUT' | TrellisChain;
  /** CIDR `address/prefix`. */
  readonly source?: string;
  readonly destination?: { readonly cidr: string; readonly negated: boolean };
  readonly outInterface?: 'lo';
  readonly protocol?: 'tcp';
  /** Needs protocol tcp. */
  readonly destinationPort?: number;
  readonly owner?: { readonly match: 'uid' | 'gid'; readonly id: number; readonly negated: boolean };
  readonly target: Target;
}

const LOOPBACK: Record<IpFamily, string> = { ipv4: '127.0.0.1/32', ipv6: '::1/128' };
const SIDECAR_SOURCE: Record<IpFamily, string> = { ipv4: `${INBOUND_SOURCE_ADDRESS}/32`, ipv6: '::6/128' };

const RETURN: Target = { kind: 'return' };
const jump = (chain: TrellisChain): Target => ({ kind: 'jump', chain });
const cidrText = (c: Cidr): string => `${c.address}/${c.prefix}`;

/** Ports inbound lets through to the app: the sidecar's own and the excluded ones, sorted. */
export function inboundBypassPorts(excludePorts: readonly number[]): number[] {
  return [...new Set([...SIDECAR_INBOUND_PORTS, ...excludePorts])].sort((a, b) => a - b);
}

function inboundRules(config: RedirectConfig): NatRule[] {
  if (!config.inbound.capture) return [];
  return [
    ...inboundBypassPorts(config.inbound.excludePorts).map(
      (port): NatRule => ({
        chain: 'TRELLIS_INBOUND',
        protocol: 'tcp',
        destinationPort: port,
        target: RETURN,
      }),
    ),
    { chain: 'TRELLIS_INBOUND', protocol: 'tcp', target: jump('TRELLIS_IN_REDIRECT') },
  ];
}

/** The sidecar's own traffic, by UID then GID, and what of it is the pod calling itself. */
function ownerRules(config: RedirectConfig, family: IpFamily): NatRule[] {
  const rules: NatRule[] = [];
  for (const [match, id] of [
    ['uid', PROXY_UID],
    ['gid', PROXY_GID],
  ] as const) {
    if (config.inbound.capture)
      rules.push({
        chain: 'TRELLIS_OUTPUT',
        destination: { cidr: LOOPBACK[family], negated: true },
        outInterface: 'lo',
        owner: { match, id, negated: false },
        target: jump('TRELLIS_IN_REDIRECT'),
      });
    rules.push(
      // The app talking to its own address over lo: not the mesh's business.
      { chain: 'TRELLIS_OUTPUT', outInterface: 'lo', owner: { match, id, negated: true }, target: RETURN },
      { chain: 'TRELLIS_OUTPUT', owner: { match, id, negated: false }, target: RETURN },
    );
  }
  return rules;
}

function outboundRules(config: RedirectConfig, family: IpFamily): NatRule[] {
  const { excludePorts, excludeRanges, includeRanges } = config.outbound;
  const ofFamily = (ranges: readonly Cidr[]): Cidr[] => ranges.filter((c) => c.family === family);
  const rules: NatRule[] = [
    { chain: 'TRELLIS_OUTPUT', source: SIDECAR_SOURCE[family], outInterface: 'lo', target: RETURN },
  ];
  if (config.inbound.capture)
    for (const port of inboundBypassPorts(config.inbound.excludePorts))
      rules.push({
        chain: 'TRELLIS_OUTPUT',
        outInterface: 'lo',
        protocol: 'tcp',
        destinationPort: port,
        target: RETURN,
      });
  rules.push(...ownerRules(config, family), {
    chain: 'TRELLIS_OUTPUT',
    destination: { cidr: LOOPBACK[family], negated: false },
    target: RETURN,
  });
  for (const port of excludePorts)
    rules.push({ chain: 'TRELLIS_OUTPUT', protocol: 'tcp', destinationPort: port, target: RETURN });
  // Excluding everything leaves nothing to capture.
  if (excludeRanges === 'all') return rules;
  for (const c of ofFamily(excludeRanges))
    rules.push({
      chain: 'TRELLIS_OUTPUT',
      destination: { cidr: cidrText(c), negated: false },
      target: RETURN,
    });
  if (includeRanges === 'all') rules.push({ chain: 'TRELLIS_OUTPUT', target: jump('TRELLIS_REDIRECT') });
  else
    for (const c of ofFamily(includeRanges))
      rules.push({
        chain: 'TRELLIS_OUTPUT',
        destination: { cidr: cidrText(c), negated: false },
        target: jump('TRELLIS_REDIRECT'),
      });
  return rules;
}

/**
 * Every nat rule of one family, grouped by chain in a fixed order (PREROUTING, OUTPUT, then
 * TRELLIS_CHAINS); within a chain the order is the order of evaluation.
 */
export function natRules(config: RedirectConfig, family: IpFamily): NatRule[] {
  return [
    ...(config.inbound.capture
      ? [{ chain: 'PREROUTING', protocol: 'tcp', target: jump('TRELLIS_INBOUND') } as const]
      : []),
    { chain: 'OUTPUT', protocol: 'tcp', target: jump('TRELLIS_OUTPUT') },
    ...inboundRules(config),
    {
      chain: 'TRELLIS_IN_REDIRECT',
      protocol: 'tcp',
      target: { kind: 'redirect', toPort: INBOUND_PORT },
    },
    ...outboundRules(config, family),
    { chain: 'TRELLIS_REDIRECT', protocol: 'tcp', target: { kind: 'redirect', toPort: OUTBOUND_PORT } },
  ];
}
