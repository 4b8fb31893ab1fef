// Reads protoc-gen-validate options off protobufjs reflection. Field rules live in parsedOptions:
// the flat `options` map loses rules whose value is an empty message (`duration.gt: {}`, i.e. > 0s)
// and keeps only the last element of a repeated rule (`string.in`).
import type protobuf from 'protobufjs';

/** A FieldRules message as the .proto wrote it: `{ string: { min_len: 1 }, message: { required: true } }`. */
export type FieldRules = Readonly<Record<string, RuleSet>>;
/** The rules of one kind: `{ min_len: 1, well_known_regex: 'HTTP_HEADER_NAME' }`. */
export type RuleSet = Readonly<Record<string, unknown>>;

const RULES_OPTION = '(validate.rules)';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(into: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(from)) {
    const existing = into[k];
    if (isRecord(existing) && isRecord(v)) merge(existing, v);
    else into[k] = isRecord(v) ? structuredClone(v) : v;
  }
}

function parsedOptionsOf(obj: protobuf.ReflectionObject): readonly unknown[] {
  const parsed: unknown = (obj as { parsedOptions?: unknown }).parsedOptions;
  return Array.isArray(parsed) ? parsed : [];
}

/** Rule sets under a FieldRules-shaped object, keeping only entries that are objects. */
export function asFieldRules(v: unknown): FieldRules | undefined {
  if (!isRecord(v)) return undefined;
  const out: Record<string, RuleSet> = {};
  for (const [k, set] of Object.entries(v)) if (isRecord(set)) out[k] = set;
  return Object.keys(out).length > 0 ? out : undefined;
}

const fieldRulesMemo = new WeakMap<protobuf.Field, FieldRules | null>();

export function fieldRules(field: protobuf.Field): FieldRules | undefined {
  const hit = fieldRulesMemo.get(field);
  if (hit !== undefined) return hit ?? undefined;
  const merged: Record<string, unknown> = {};
  for (const entry of parsedOptionsOf(field)) {
    if (isRecord(entry) && isRecord(entry[RULES_OPTION])) merge(merged, entry[RULES_OPTION]);
  }
  const rules = asFieldRules(merged);
  fieldRulesMemo.set(field, rules ?? null);
  return rules;
}

function boolOption(obj: protobuf.ReflectionObject, name: string): boolean {
  if (obj.options?.[name] === true) return true;
  return parsedOptionsOf(obj).some((entry) => isRecord(entry) && entry[name] === true);
}

/** `option (validate.required) = true` inside a oneof: exactly one member must be set. */
export function oneofRequired(oneof: protobuf.OneOf): boolean {
  return boolOption(oneof, '(validate.required)');
}

/** Message-level `(validate.disabled)` or `(validate.ignored)`: PGV checks nothing in (or below) it. */
export function messageValidationOff(
  type: protobuf.Type,
): 'message.disabled' | 'message.ignored' | undefined {
  if (boolOption(type, '(validate.disabled)')) return 'message.disabled';
  if (boolOption(type, '(validate.ignored)')) return 'message.ignored';
  return undefined;
}

/** Rule values that are `repeated` come back as a bare value when the .proto gave only one. */
export function ruleList(v: unknown): readonly unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/**
 * Every rule kind a FieldRules uses, as `kind.rule` (`string.min_len`); the FieldRules nested in
 * `repeated.items`, `map.keys` and `map.values` contribute their own kinds.
 */
export function ruleKinds(rules: FieldRules): string[] {
  const out: string[] = [];
  for (const [kind, set] of Object.entries(rules)) {
    for (const [name, value] of Object.entries(set)) {
      out.push(`${kind}.${name}`);
      if (
        (kind === 'repeated' && name === 'items') ||
        (kind === 'map' && (name === 'keys' || name === 'values'))
      ) {
        const nested = asFieldRules(value);
        if (nested) out.push(...ruleKinds(nested));
      }
    }
  }
  return out;
}
