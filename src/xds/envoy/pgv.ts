// protoc-gen-validate, enforced before a resource leaves: Envoy runs the same rules (PGV's C++
// validators) when it accepts config, and a NACK for one resource stalls the whole type on that
// proxy. Rules are read from the loaded protos and compiled once per field into closures; a
// message type with no rules anywhere below it is skipped entirely.
import type protobuf from 'protobufjs';
import type { FieldError } from './field-error.js';
import { unpackedAny } from './from-proto-json.js';
import { encodeBase64, toBigInt } from './json-scalars.js';
import { all, type Check, Ctx, lengthCheck, type Msg, quote, rulesOf } from './pgv-check.js';
import {
  asFieldRules,
  type FieldRules,
  fieldRules,
  messageValidationOff,
  oneofRequired,
  ruleList,
} from './pgv-rules.js';
import { compileEnum, compileScalar, compileTime } from './pgv-scalars.js';
import { type FieldInfo, messageTypeForUrl, type OneofInfo, typeTable } from './type-tables.js';

export { IMPLEMENTED_RULE_KINDS, IMPLEMENTED_RULES, STRUCTURAL_RULES } from './pgv-check.js';

interface Element {
  readonly scalar?: string | undefined;
  readonly enumType?: protobuf.Enum | undefined;
  readonly messageType?: protobuf.Type | undefined;
}

interface CompiledElement {
  readonly check: Check<unknown> | undefined;
  /** The rule to cite when an explicit-presence value is unset. */
  readonly requiredRule: string | undefined;
}

function compileAny(anyType: protobuf.Type, rules: FieldRules | undefined, skip: boolean): Check<unknown> {
  const r = rulesOf(rules, 'any');
  const checks: Check<string>[] = [];
  for (const name of ['in', 'not_in'] as const) {
    if (!r?.has(name)) continue;
    const list = ruleList(r.get(name)).map(String);
    const wanted = name === 'in';
    checks.push((url, ctx) => {
      if (list.includes(url) !== wanted) {
        ctx.report(
          r.rule(name),
          `type URL must ${wanted ? '' : 'not '}be one of [${list.map(quote).join(', ')}], got ${quote(url)}`,
        );
      }
    });
  }
  const run = all(checks);
  const root = anyType.root as protobuf.Root;
  return (v, ctx) => {
    const any = v as Msg;
    run?.(String(any.type_url ?? ''), ctx);
    if (!skip) validateAnyContents(root, any, ctx);
  };
}

/** Envoy validates a typed_config when it unpacks it, so its contents are checked here too. */
function validateAnyContents(root: protobuf.Root, any: Msg, ctx: Ctx): void {
  const known = unpackedAny(any);
  if (known) {
    validateInto(known.type, known.message, ctx);
    return;
  }
  const url = typeof any.type_url === 'string' ? any.type_url : '';
  const type = url === '' ? undefined : messageTypeForUrl(root, url);
  if (!type || !needsValidation(type)) return;
  let decoded: protobuf.Message;
  try {
    decoded = type.decode(any.value instanceof Uint8Array ? any.value : new Uint8Array());
  } catch (e) {
    ctx.problem(`Any value does not decode as ${url}: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  validateInto(type, decoded as unknown as Msg, ctx);
}

function compileMessageElement(type: protobuf.Type, rules: FieldRules | undefined): CompiledElement {
  const table = typeTable(type);
  const m = rulesOf(rules, 'message');
  const skip = m?.flag('skip') === true;
  let requiredRule = m?.flag('required') ? m.rule('required') : undefined;
  let check: Check<unknown> | undefined;
  switch (table.wkt) {
    case 'any': {
      const r = rulesOf(rules, 'any');
      if (r?.flag('required')) requiredRule ??= r.rule('required');
      check = compileAny(type, rules, skip);
      break;
    }
    case 'duration':
    case 'timestamp': {
      const r = rulesOf(rules, table.wkt);
      if (r?.flag('required')) requiredRule ??= r.rule('required');
      check = compileTime(table.wkt, rules);
      break;
    }
    case 'wrapper': {
      // Rules on a wrapper field are written for the wrapped scalar and apply when the wrapper is set.
      const scalar = table.byName.get('value')?.scalar ?? 'string';
      const inner = compileScalar(scalar, rules);
      check = inner && ((v, ctx) => inner((v as Msg).value ?? SCALAR_DEFAULTS[scalar] ?? 0, ctx));
      break;
    }
    case undefined:
      if (!skip && needsValidation(type)) check = (v, ctx) => validateInto(type, v as Msg, ctx);
      break;
    default:
      break;
  }
  return { check, requiredRule };
}

function compileElement(elem: Element, rules: FieldRules | undefined): CompiledElement {
  if (elem.messageType) return compileMessageElement(elem.messageType, rules);
  if (elem.enumType) return { check: compileEnum(elem.enumType, rules), requiredRule: undefined };
  return { check: compileScalar(elem.scalar ?? 'string', rules), requiredRule: undefined };
}

const SCALAR_DEFAULTS: Readonly<Record<string, unknown>> = {
  string: '',
  bool: false,
  bytes: new Uint8Array(),
};

function defaultFor(info: FieldInfo): unknown {
  if (info.enumType) return 0;
  return SCALAR_DEFAULTS[info.scalar ?? ''] ?? 0;
}

const LONG_SCALARS = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/** Equal items get equal keys: a 64-bit integer may arrive as a number, a string or a Long. */
function uniqueKey(scalar: string | undefined): (v: unknown) => unknown {
  if (scalar !== undefined && LONG_SCALARS.has(scalar)) return (v) => toBigInt(v);
  if (scalar === 'bytes') return (v) => (v instanceof Uint8Array ? encodeBase64(v) : v);
  return (v) => v;
}

type FieldCheck = (msg: Msg, ctx: Ctx) => void;

function compileRepeated(info: FieldInfo, rules: FieldRules | undefined): FieldCheck | undefined {
  const r = rulesOf(rules, 'repeated');
  const item = compileElement(info, asFieldRules(r?.get('items'))).check;
  const checks: Check<readonly unknown[]>[] = [];
  if (r?.has('min_items')) {
    checks.push(lengthCheck(r.rule('min_items'), r.count('min_items'), 'at least', 'items', (v) => v.length));
  }
  if (r?.has('max_items')) {
    checks.push(lengthCheck(r.rule('max_items'), r.count('max_items'), 'at most', 'items', (v) => v.length));
  }
  if (r?.flag('unique') && !info.messageType) {
    const keyOf = uniqueKey(info.scalar);
    checks.push((list, ctx) => {
      const seen = new Map<unknown, number>();
      list.forEach((v, i) => {
        const key = keyOf(v);
        const first = seen.get(key);
        if (first === undefined) seen.set(key, i);
        else ctx.report(r.rule('unique'), `must contain unique items, but [${i}] repeats [${first}]`);
      });
    });
  }
  if (checks.length === 0 && !item) return undefined;
  const ignoreEmpty = r?.flag('ignore_empty') === true;
  return (msg, ctx) => {
    const raw = msg[info.name];
    const list: readonly unknown[] = Array.isArray(raw) ? raw : [];
    if (ignoreEmpty && list.length === 0) return;
    for (const c of checks) c(list, ctx);
    if (!item) return;
    for (let i = 0; i < list.length; i++) {
      ctx.path.index(i);
      item(list[i], ctx);
      ctx.path.pop();
    }
  };
}

function compileMap(info: FieldInfo, rules: FieldRules | undefined): FieldCheck | undefined {
  const r = rulesOf(rules, 'map');
  const keyType = info.keyType ?? 'string';
  const key = compileElement({ scalar: keyType }, asFieldRules(r?.get('keys'))).check;
  const value = compileElement(info, asFieldRules(r?.get('values'))).check;
  const checks: Check<number>[] = [];
  if (r?.has('min_pairs'))
    checks.push(lengthCheck(r.rule('min_pairs'), r.count('min_pairs'), 'at least', 'pairs', (n) => n));
  if (r?.has('max_pairs'))
    checks.push(lengthCheck(r.rule('max_pairs'), r.count('max_pairs'), 'at most', 'pairs', (n) => n));
  const noSparse = r?.flag('no_sparse') === true;
  if (checks.length === 0 && !key && !value && !noSparse) return undefined;
  const ignoreEmpty = r?.flag('ignore_empty') === true;
  return (msg, ctx) => {
    const raw = msg[info.name];
    const map = (typeof raw === 'object' && raw !== null ? raw : {}) as Msg;
    const keys = Object.keys(map);
    if (ignoreEmpty && keys.length === 0) return;
    for (const c of checks) c(keys.length, ctx);
    for (const k of keys) {
      ctx.path.key(k);
      key?.(keyType === 'bool' ? k === 'true' : k, ctx);
      const v = map[k];
      if (v === null || v === undefined) {
        if (noSparse && r) ctx.report(r.rule('no_sparse'), 'map values must not be unset');
      } else {
        value?.(v, ctx);
      }
      ctx.path.pop();
    }
  };
}

function compileField(info: FieldInfo): FieldCheck | undefined {
  const rules = fieldRules(info.field);
  if (info.map) return compileMap(info, rules);
  if (info.repeated) return compileRepeated(info, rules);
  const { check, requiredRule } = compileElement(info, rules);
  if (!check && !requiredRule) return undefined;
  if (info.explicitPresence) {
    // A oneof member's rules, `required` included, apply only when that member is the one set.
    const required = info.oneof === undefined ? requiredRule : undefined;
    return (msg, ctx) => {
      const v = msg[info.name];
      if (!Object.hasOwn(msg, info.name) || v === null || v === undefined) {
        if (required) ctx.report(required, 'value is required');
      } else {
        check?.(v, ctx);
      }
    };
  }
  // Proto3 implicit presence: unset is the default value, and PGV checks it like any other.
  const fallback = defaultFor(info);
  return (msg, ctx) => check?.(msg[info.name] ?? fallback, ctx);
}

interface CompiledMessage {
  readonly off: boolean;
  readonly requiredOneofs: readonly OneofInfo[];
  readonly fields: readonly { readonly name: string; readonly check: FieldCheck }[];
}

const compiledMessages = new WeakMap<protobuf.Type, CompiledMessage>();

function compiled(type: protobuf.Type): CompiledMessage {
  const hit = compiledMessages.get(type);
  if (hit) return hit;
  const table = typeTable(type);
  const fields: { name: string; check: FieldCheck }[] = [];
  const result: CompiledMessage = {
    off: messageValidationOff(type) !== undefined,
    requiredOneofs: table.oneofs.filter((o) => !o.synthetic && oneofRequired(o.oneof)),
    fields,
  };
  compiledMessages.set(type, result);
  if (!result.off) {
    for (const info of table.fields) {
      const check = compileField(info);
      if (check) fields.push({ name: info.name, check });
    }
  }
  return result;
}

const needs = new WeakMap<protobuf.Type, boolean>();

/** Whether any rule applies in this type or below it; recursive types are assumed to need it. */
function needsValidation(type: protobuf.Type): boolean {
  const hit = needs.get(type);
  if (hit !== undefined) return hit;
  needs.set(type, true);
  const table = typeTable(type);
  const result =
    messageValidationOff(type) === undefined &&
    (table.wkt === 'any' ||
      (table.wkt === undefined &&
        (table.oneofs.some((o) => !o.synthetic && oneofRequired(o.oneof)) ||
          table.fields.some(
            (f) =>
              fieldRules(f.field) !== undefined ||
              (f.messageType !== undefined && needsValidation(f.messageType)),
          ))));
  needs.set(type, result);
  return result;
}

function validateInto(type: protobuf.Type, msg: Msg, ctx: Ctx): void {
  if (typeof msg !== 'object' || msg === null) return;
  const c = compiled(type);
  if (c.off) return;
  for (const o of c.requiredOneofs) {
    if (
      o.members.some((m) => Object.hasOwn(msg, m.name) && msg[m.name] !== null && msg[m.name] !== undefined)
    )
      continue;
    ctx.path.field(o.name);
    ctx.report('oneof.required', `exactly one of ${o.members.map((m) => m.name).join(', ')} must be set`);
    ctx.path.pop();
  }
  for (const f of c.fields) {
    ctx.path.field(f.name);
    f.check(msg, ctx);
    ctx.path.pop();
  }
}

/**
 * PGV violations in a message held as protobufjs reads and writes it (the converter's output, or a
 * decoded message): .proto field names, enums as numbers, Any as {type_url, value}.
 */
export function validateMessage(type: protobuf.Type, message: object): FieldError[] {
  const ctx = new Ctx();
  validateInto(type, message as Msg, ctx);
  return ctx.errors;
}
