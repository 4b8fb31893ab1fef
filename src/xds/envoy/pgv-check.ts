// The shared machinery of the PGV checker: which rules exist, typed access to a rule set, and the
// context a compiled check reports into.
import type { FieldError } from './field-error.js';
import { FieldPath } from './field-path.js';
import { toBigInt } from './json-scalars.js';
import type { FieldRules, RuleSet } from './pgv-rules.js';

const NUMERIC = ['const', 'lt', 'lte', 'gt', 'gte', 'in', 'not_in', 'ignore_empty'] as const;

/** The rules this checker implements, per rule kind; the coverage test holds the protos to it. */
export const IMPLEMENTED_RULES = {
  float: NUMERIC,
  double: NUMERIC,
  int32: NUMERIC,
  int64: NUMERIC,
  uint32: NUMERIC,
  uint64: NUMERIC,
  sint32: NUMERIC,
  sint64: NUMERIC,
  fixed32: NUMERIC,
  fixed64: NUMERIC,
  sfixed32: NUMERIC,
  sfixed64: NUMERIC,
  bool: ['const'],
  string: [
    'const',
    'len',
    'min_len',
    'max_len',
    'len_bytes',
    'min_bytes',
    'max_bytes',
    'pattern',
    'prefix',
    'suffix',
    'contains',
    'not_contains',
    'in',
    'not_in',
    'email',
    'hostname',
    'ip',
    'ipv4',
    'ipv6',
    'uri',
    'uri_ref',
    'address',
    'uuid',
    'well_known_regex',
    'strict',
    'ignore_empty',
  ],
  bytes: [
    'const',
    'len',
    'min_len',
    'max_len',
    'pattern',
    'prefix',
    'suffix',
    'contains',
    'in',
    'not_in',
    'ip',
    'ipv4',
    'ipv6',
    'ignore_empty',
  ],
  enum: ['const', 'defined_only', 'in', 'not_in'],
  message: ['skip', 'required'],
  repeated: ['min_items', 'max_items', 'unique', 'items', 'ignore_empty'],
  map: ['min_pairs', 'max_pairs', 'no_sparse', 'keys', 'values', 'ignore_empty'],
  any: ['required', 'in', 'not_in'],
  duration: ['required', 'const', 'lt', 'lte', 'gt', 'gte', 'in', 'not_in'],
  timestamp: ['required', 'const', 'lt', 'lte', 'gt', 'gte', 'lt_now', 'gt_now', 'within'],
} as const;

export type RuleKind = keyof typeof IMPLEMENTED_RULES;
export type RuleName<K extends RuleKind> = (typeof IMPLEMENTED_RULES)[K][number];

/** Options on a oneof or a message rather than on a field. */
export const STRUCTURAL_RULES = ['oneof.required', 'message.disabled', 'message.ignored'] as const;

export const IMPLEMENTED_RULE_KINDS: ReadonlySet<string> = new Set([
  ...Object.entries(IMPLEMENTED_RULES).flatMap(([kind, names]) => names.map((n) => `${kind}.${n}`)),
  ...STRUCTURAL_RULES,
]);

const MAX_ERRORS = 100;

export class Ctx {
  readonly errors: FieldError[] = [];
  readonly path = new FieldPath();
  private nowNanos: bigint | undefined;

  report(rule: string, message: string): void {
    if (this.errors.length < MAX_ERRORS) {
      this.errors.push({ path: this.path.render(), rule, message: `${rule}: ${message}` });
    }
  }

  problem(message: string): void {
    if (this.errors.length < MAX_ERRORS) this.errors.push({ path: this.path.render(), message });
  }

  /** One "now" per validation, so lt_now and within agree with each other. */
  get now(): bigint {
    this.nowNanos ??= BigInt(Date.now()) * 1_000_000n;
    return this.nowNanos;
  }
}

export type Check<T> = (value: T, ctx: Ctx) => void;
export type Msg = Record<string, unknown>;

/** Typed access to one rule set: only names listed in IMPLEMENTED_RULES can be read. */
export class Rules<K extends RuleKind> {
  constructor(
    readonly kind: K,
    private readonly set: RuleSet,
  ) {}

  has(name: RuleName<K>): boolean {
    const v = this.set[name];
    return v !== undefined && v !== null;
  }

  get(name: RuleName<K>): unknown {
    return this.set[name];
  }

  flag(name: RuleName<K>): boolean {
    return this.set[name] === true;
  }

  count(name: RuleName<K>): number {
    return Number(toBigInt(this.set[name]) ?? 0n);
  }

  rule(name: RuleName<K>): string {
    return `${this.kind}.${name}`;
  }
}

export function rulesOf<K extends RuleKind>(rules: FieldRules | undefined, kind: K): Rules<K> | undefined {
  const set = rules?.[kind];
  return set ? new Rules(kind, set) : undefined;
}

export function quote(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
}

export function all<T>(checks: readonly Check<T>[]): Check<T> | undefined {
  if (checks.length === 0) return undefined;
  if (checks.length === 1) return checks[0];
  return (v, ctx) => {
    for (const c of checks) c(v, ctx);
  };
}

export function lengthCheck<T>(
  rule: string,
  limit: number,
  cmp: 'exactly' | 'at least' | 'at most',
  unit: string,
  measure: (v: T) => number,
): Check<T> {
  return (v, ctx) => {
    const n = measure(v);
    const bad = cmp === 'exactly' ? n !== limit : cmp === 'at least' ? n < limit : n > limit;
    if (bad) ctx.report(rule, `must be ${cmp} ${limit} ${unit}, got ${n}`);
  };
}
