// The `trellis serve` flags of the xDS port's budgets and connection timeouts, as one table: the
// CLI spreads XDS_SERVER_FLAGS into its parseArgs options and USAGE, and gives the values to
// readXdsServerFlags. A flag left out keeps the server's default (DEFAULT_BUDGETS,
// DEFAULT_CONNECTION_TIMEOUTS), which the usage text shows.
import { fail, ok, type Result } from '../../model/result.js';
import { parseByteSize, parseDurationMs } from '../tuning-flags.js';
import {
  BUDGET_FLAGS,
  type ConnectionTimeouts,
  DEFAULT_BUDGETS,
  DEFAULT_CONNECTION_TIMEOUTS,
  type XdsBudgets,
} from './stream-limits.js';

export interface XdsServerLimits {
  readonly budgets: Partial<XdsBudgets>;
  readonly connections: Partial<ConnectionTimeouts>;
}

type Spec =
  | { readonly kind: 'bytes' | 'count'; readonly budget: keyof XdsBudgets }
  | { readonly kind: 'duration'; readonly timeout: keyof ConnectionTimeouts };

/** Flag name (without --) → what it sets. Budgets first, in BUDGET_FLAGS's order. */
const SPECS: ReadonlyMap<string, Spec> = new Map<string, Spec>([
  ...(Object.entries(BUDGET_FLAGS) as [keyof XdsBudgets, string][]).map(([budget, flag]): [string, Spec] => [
    flag.slice(2),
    { kind: budget === 'streams' || budget === 'streamsPerConnection' ? 'count' : 'bytes', budget },
  ]),
  ['xds-idle-timeout', { kind: 'duration', timeout: 'idleMs' }],
  ['xds-keepalive', { kind: 'duration', timeout: 'keepaliveMs' }],
  ['xds-keepalive-timeout', { kind: 'duration', timeout: 'keepaliveTimeoutMs' }],
]);

/** The parseArgs options of these flags; no defaults, so a flag left out keeps the server's. */
export const XDS_SERVER_FLAGS: Readonly<Record<string, { readonly type: 'string' }>> = Object.fromEntries(
  [...SPECS.keys()].map((name) => [name, { type: 'string' as const }]),
);

/** `[--flag default]` for each, as usage lines starting with `indent`. */
export function xdsServerUsage(indent: string, perLine = 3): string {
  const items = [...SPECS].map(([name, spec]) => `[--${name} ${defaultText(spec)}]`);
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += perLine) lines.push(indent + items.slice(i, i + perLine).join(' '));
  return lines.join('\n');
}

/** The limits the given flags set; each error names its flag. */
export function readXdsServerFlags(
  values: Readonly<Record<string, string | boolean | undefined>>,
): Result<XdsServerLimits, string> {
  const budgets: Partial<Record<keyof XdsBudgets, number>> = {};
  const connections: Partial<Record<keyof ConnectionTimeouts, number>> = {};
  const errors: string[] = [];
  for (const [name, spec] of SPECS) {
    const text = values[name];
    if (typeof text !== 'string') continue;
    const read = parse(spec, text);
    if (!read.ok) errors.push(`--${name}: ${read.errors.join('; ')}`);
    else if (spec.kind === 'duration') connections[spec.timeout] = read.value;
    else budgets[spec.budget] = read.value;
  }
  return errors.length > 0 ? fail(errors) : ok({ budgets, connections });
}

function parse(spec: Spec, text: string): Result<number, string> {
  switch (spec.kind) {
    case 'duration':
      // 0 turns the timeout or keepalive off.
      return parseDurationMs(text);
    case 'bytes': {
      const bytes = parseByteSize(text);
      return bytes.ok && bytes.value === 0 ? fail(['a budget must be at least 1 byte']) : bytes;
    }
    case 'count': {
      const match = /^\d{1,9}$/.exec(text.trim());
      const count = match ? Number(match[0]) : 0;
      return count >= 1 ? ok(count) : fail([`"${text}" is not a whole number of at least 1`]);
    }
  }
}

function defaultText(spec: Spec): string {
  if (spec.kind === 'duration') {
    const ms = DEFAULT_CONNECTION_TIMEOUTS[spec.timeout];
    return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
  }
  const value = DEFAULT_BUDGETS[spec.budget];
  if (spec.kind === 'count') return String(value);
  for (const [unit, size] of [
    ['Gi', 1024 ** 3],
    ['Mi', 1024 ** 2],
    ['Ki', 1024],
  ] as const) {
    if (value % size === 0) return `${value / size}${unit}`;
  }
  return String(value);
}
