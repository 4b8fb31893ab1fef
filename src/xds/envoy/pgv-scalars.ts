// PGV's rules on ordered values (the twelve numeric kinds, Duration, Timestamp), bool and enums.
import type protobuf from 'protobufjs';
import { durationNanos, formatDuration, formatTimestamp, toBigInt } from './json-scalars.js';
import {
  all,
  type Check,
  IMPLEMENTED_RULES,
  type RuleKind,
  type RuleName,
  type Rules,
  rulesOf,
} from './pgv-check.js';
import { type FieldRules, ruleList } from './pgv-rules.js';
import { compileBytes, compileString } from './pgv-strings.js';

interface Bound<T> {
  readonly value: T;
  readonly inclusive: boolean;
  readonly name: 'lt' | 'lte' | 'gt' | 'gte';
}

type OrderedKind = Exclude<
  RuleKind,
  'bool' | 'string' | 'bytes' | 'enum' | 'message' | 'repeated' | 'map' | 'any'
>;

/** const, lt/lte/gt/gte (PGV's exclusive range when the upper bound is below the lower), in, not_in. */
function orderedChecks<T extends number | bigint>(
  r: Rules<OrderedKind>,
  conv: (x: unknown) => T | undefined,
  show: (v: T) => string,
): Check<T>[] {
  const checks: Check<T>[] = [];
  const value = (name: RuleName<OrderedKind>): T | undefined => (r.has(name) ? conv(r.get(name)) : undefined);
  const c = value('const');
  if (c !== undefined) {
    checks.push((v, ctx) => {
      if (v !== c) ctx.report(r.rule('const'), `must equal ${show(c)}, got ${show(v)}`);
    });
  }
  const bound = (name: Bound<T>['name']): Bound<T> | undefined => {
    const v = value(name);
    return v === undefined ? undefined : { value: v, inclusive: name.endsWith('e'), name };
  };
  // Like PGV, lt wins over lte and gt over gte when a .proto sets both.
  const upper = bound('lt') ?? bound('lte');
  const lower = bound('gt') ?? bound('gte');
  const below = (v: T, u: Bound<T>) => (u.inclusive ? v <= u.value : v < u.value);
  const above = (v: T, l: Bound<T>) => (l.inclusive ? v >= l.value : v > l.value);
  if (upper && lower) {
    if (upper.value > lower.value || (upper.value === lower.value && upper.inclusive && lower.inclusive)) {
      const range = `${lower.inclusive ? '[' : '('}${show(lower.value)}, ${show(upper.value)}${upper.inclusive ? ']' : ')'}`;
      checks.push((v, ctx) => {
        if (!above(v, lower)) ctx.report(r.rule(lower.name), `must be inside range ${range}, got ${show(v)}`);
        else if (!below(v, upper))
          ctx.report(r.rule(upper.name), `must be inside range ${range}, got ${show(v)}`);
      });
    } else {
      const range = `${upper.inclusive ? '(' : '['}${show(upper.value)}, ${show(lower.value)}${lower.inclusive ? ')' : ']'}`;
      checks.push((v, ctx) => {
        if (!below(v, upper) && !above(v, lower)) {
          ctx.report(
            `${r.kind}.${upper.name}/${lower.name}`,
            `must be outside range ${range}, got ${show(v)}`,
          );
        }
      });
    }
  } else if (upper) {
    const text = `${upper.inclusive ? 'at most' : 'less than'} ${show(upper.value)}`;
    checks.push((v, ctx) => {
      if (!below(v, upper)) ctx.report(r.rule(upper.name), `must be ${text}, got ${show(v)}`);
    });
  } else if (lower) {
    const text = `${lower.inclusive ? 'at least' : 'greater than'} ${show(lower.value)}`;
    checks.push((v, ctx) => {
      if (!above(v, lower)) ctx.report(r.rule(lower.name), `must be ${text}, got ${show(v)}`);
    });
  }
  const list = (name: 'in' | 'not_in'): T[] | undefined =>
    r.has(name) ? ruleList(r.get(name)).flatMap((x) => conv(x) ?? []) : undefined;
  const allowed = list('in');
  if (allowed) {
    checks.push((v, ctx) => {
      if (!allowed.includes(v))
        ctx.report(r.rule('in'), `must be one of [${allowed.map(show).join(', ')}], got ${show(v)}`);
    });
  }
  const refused = list('not_in');
  if (refused) {
    checks.push((v, ctx) => {
      if (refused.includes(v))
        ctx.report(r.rule('not_in'), `must not be one of [${refused.map(show).join(', ')}], got ${show(v)}`);
    });
  }
  return checks;
}

const LONG_KINDS = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

function compileNumber(kind: OrderedKind, rules: FieldRules | undefined): Check<unknown> | undefined {
  const r = rulesOf(rules, kind);
  if (!r) return undefined;
  const ignoreEmpty = r.flag('ignore_empty');
  if (LONG_KINDS.has(kind)) {
    const checks = all(orderedChecks<bigint>(r, toBigInt, String));
    return (
      checks &&
      ((v, ctx) => {
        const n = toBigInt(v) ?? 0n;
        if (!(ignoreEmpty && n === 0n)) checks(n, ctx);
      })
    );
  }
  // A float field holds a float32; compare as Envoy will, after rounding.
  const round = kind === 'float' ? Math.fround : (x: number) => x;
  const conv = (x: unknown) =>
    typeof x === 'number' || typeof x === 'string' ? round(Number(x)) : undefined;
  const checks = all(orderedChecks<number>(r, conv, String));
  return (
    checks &&
    ((v, ctx) => {
      const n = round(Number(v ?? 0));
      if (!(ignoreEmpty && n === 0)) checks(n, ctx);
    })
  );
}

function compileBool(rules: FieldRules | undefined): Check<unknown> | undefined {
  const r = rulesOf(rules, 'bool');
  if (!r?.has('const')) return undefined;
  const c = r.get('const') === true;
  return (v, ctx) => {
    if (Boolean(v) !== c) ctx.report(r.rule('const'), `must equal ${c}, got ${Boolean(v)}`);
  };
}

export function compileScalar(scalar: string, rules: FieldRules | undefined): Check<unknown> | undefined {
  switch (scalar) {
    case 'string':
      return compileString(rules);
    case 'bytes':
      return compileBytes(rules);
    case 'bool':
      return compileBool(rules);
    default:
      return scalar in IMPLEMENTED_RULES ? compileNumber(scalar as OrderedKind, rules) : undefined;
  }
}

export function compileEnum(type: protobuf.Enum, rules: FieldRules | undefined): Check<unknown> | undefined {
  const r = rulesOf(rules, 'enum');
  if (!r) return undefined;
  const show = (n: number) => (type.valuesById[n] !== undefined ? `${type.valuesById[n]} (${n})` : String(n));
  const checks: Check<number>[] = [];
  if (r.has('const')) {
    const c = Number(r.get('const'));
    checks.push((v, ctx) => {
      if (v !== c) ctx.report(r.rule('const'), `must equal ${show(c)}, got ${show(v)}`);
    });
  }
  if (r.flag('defined_only')) {
    const name = type.fullName.replace(/^\./, '');
    checks.push((v, ctx) => {
      if (type.valuesById[v] === undefined)
        ctx.report(r.rule('defined_only'), `must be a defined value of ${name}, got ${v}`);
    });
  }
  for (const name of ['in', 'not_in'] as const) {
    if (!r.has(name)) continue;
    const list = ruleList(r.get(name)).map(Number);
    const wanted = name === 'in';
    checks.push((v, ctx) => {
      if (list.includes(v) !== wanted) {
        ctx.report(
          r.rule(name),
          `must ${wanted ? '' : 'not '}be one of [${list.map(show).join(', ')}], got ${show(v)}`,
        );
      }
    });
  }
  const run = all(checks);
  return run && ((v, ctx) => run(Number(v ?? 0), ctx));
}

export function compileTime(
  kind: 'duration' | 'timestamp',
  rules: FieldRules | undefined,
): Check<unknown> | undefined {
  const r = rulesOf(rules, kind);
  if (!r) return undefined;
  const show = kind === 'duration' ? formatDuration : formatTimestamp;
  const checks = orderedChecks<bigint>(r, durationNanos, show);
  if (kind === 'timestamp') {
    const t = r as Rules<'timestamp'>;
    if (t.flag('lt_now')) {
      checks.push((v, ctx) => {
        if (!(v < ctx.now))
          ctx.report(t.rule('lt_now'), `must be before now (${show(ctx.now)}), got ${show(v)}`);
      });
    }
    if (t.flag('gt_now')) {
      checks.push((v, ctx) => {
        if (!(v > ctx.now))
          ctx.report(t.rule('gt_now'), `must be after now (${show(ctx.now)}), got ${show(v)}`);
      });
    }
    const within = t.has('within') ? durationNanos(t.get('within')) : undefined;
    if (within !== undefined) {
      checks.push((v, ctx) => {
        const d = v > ctx.now ? v - ctx.now : ctx.now - v;
        if (d > within)
          ctx.report(t.rule('within'), `must be within ${formatDuration(within)} of now, got ${show(v)}`);
      });
    }
  }
  const run = all(checks);
  return run && ((v, ctx) => run(durationNanos(v) ?? 0n, ctx));
}
