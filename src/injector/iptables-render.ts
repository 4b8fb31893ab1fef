// Rules as iptables-restore (and ip6tables-restore) input, and the one entry point the pod patch
// calls: annotations and pod addresses in, the text of each rules file out.
//
// Each rule is written in the canonical form iptables-save prints (option order, `-m tcp` before
// `--dport`, `--to-ports`), so the file reads back unchanged; the netns test holds us to it. Only
// our four chains are declared: builtin chains exist already, and the file is meant for
// `iptables-restore --noflush`, which then flushes our chains (a re-run replaces them) and leaves
// every other rule of the pod alone.
import { fail, ok, type Result } from '../model/result.js';
import { type NatRule, natRules, type Target, TRELLIS_CHAINS } from './iptables-rules.js';
import { type IpFamily, type RedirectError, redirectConfig } from './redirect-config.js';

function targetText(target: Target): string {
  switch (target.kind) {
    case 'jump':
      return `-j ${target.chain}`;
    case 'return':
      return '-j RETURN';
    case 'redirect':
      return `-j REDIRECT --to-ports ${target.toPort}`;
  }
}

/** One `-A` line, options in iptables-save's order. */
export function ruleText(rule: NatRule): string {
  const parts = [`-A ${rule.chain}`];
  if (rule.source) parts.push(`-s ${rule.source}`);
  if (rule.destination) parts.push(`${rule.destination.negated ? '! ' : ''}-d ${rule.destination.cidr}`);
  if (rule.outInterface) parts.push(`-o ${rule.outInterface}`);
  if (rule.protocol) parts.push(`-p ${rule.protocol}`);
  if (rule.destinationPort !== undefined) parts.push(`-m tcp --dport ${rule.destinationPort}`);
  if (rule.owner) {
    const { match, id, negated } = rule.owner;
    parts.push(`-m owner ${negated ? '! ' : ''}--${match}-owner ${id}`);
  }
  parts.push(targetText(rule.target));
  return parts.join(' ');
}

/** The nat table for iptables-restore (IPv4) or ip6tables-restore (IPv6): deterministic text. */
export function renderRestore(rules: readonly NatRule[], family: IpFamily): string {
  const tool = family === 'ipv4' ? 'iptables-restore' : 'ip6tables-restore';
  return [
    `# Trellis traffic redirect (${family}), for ${tool} --noflush`,
    '*nat',
    ...TRELLIS_CHAINS.map((chain) => `:${chain} - [0:0]`),
    ...rules.map(ruleText),
    'COMMIT',
    '',
  ].join('\n');
}

export interface RedirectRules {
  /** iptables-restore input; the init container gets it as TRELLIS_IPTABLES_RULES. */
  readonly ipv4: string;
  /** ip6tables-restore input, for a dual-stack pod only; as TRELLIS_IP6TABLES_RULES. */
  readonly ipv6?: string;
}

/**
 * The pod's redirect rules: `annotations` are its metadata.annotations, `podIps` its addresses (an
 * IPv6 one turns the IPv6 file on). Errors name the annotation, the bad item and why.
 */
export function redirectRules(
  annotations: Readonly<Record<string, unknown>> | undefined,
  podIps: readonly string[],
): Result<RedirectRules, RedirectError> {
  const config = redirectConfig(annotations, podIps);
  if (!config.ok) return fail(config.errors);
  const ipv4 = renderRestore(natRules(config.value, 'ipv4'), 'ipv4');
  if (!config.value.ipv6) return ok({ ipv4 });
  return ok({ ipv4, ipv6: renderRestore(natRules(config.value, 'ipv6'), 'ipv6') });
}
