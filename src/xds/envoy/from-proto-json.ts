// Strict proto3 JSON → protobufjs object conversion. protobufjs's fromObject drops unknown keys,
// empties an Any it cannot resolve and refuses the JSON forms of the well-known types ("1.5s", bare
// wrappers, Struct as plain JSON); config that a typo silently removes is worse than no config, so
// this walks the reflection itself and reports every mismatch with its path.
import type protobuf from 'protobufjs';
import { fail, ok, type Result } from '../../model/result.js';
import type { FieldError } from './field-error.js';
import { FieldPath } from './field-path.js';
import {
  decodeBase64,
  FLOAT32_MAX,
  INT32_MAX,
  INT32_MIN,
  INT64_MAX,
  INT64_MIN,
  int64Out,
  parseDuration,
  parseFieldMask,
  parseTimestamp,
  UINT32_MAX,
  UINT64_MAX,
} from './json-scalars.js';
import {
  type FieldInfo,
  messageTypeForUrl,
  type StructFamily,
  structFamily,
  type TypeTable,
  typeTable,
} from './type-tables.js';

/** A message in the shape protobufjs's encoder reads: .proto field names, enums as numbers, bytes as Uint8Array. */
export type ProtoObject = Record<string, unknown>;

/** The message an Any was packed from, so the validator can check it without decoding what was just encoded. */
export interface UnpackedAny {
  readonly type: protobuf.Type;
  readonly message: ProtoObject;
}

const unpacked = new WeakMap<object, UnpackedAny>();

export function unpackedAny(any: object): UnpackedAny | undefined {
  return unpacked.get(any);
}

/** Past this many errors the rest is noise; stop collecting. */
const MAX_ERRORS = 100;
/** protobuf's own recursion limit; deeper input is a cycle or an attack, not config. */
const MAX_DEPTH = 100;

export function fromProtoJson(type: protobuf.Type, json: unknown): Result<ProtoObject, FieldError> {
  const converter = new Converter(type.root as protobuf.Root);
  const out = converter.message(type, json);
  if (converter.errors.length > 0 || out === undefined) return fail(converter.errors);
  return ok(out);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** What was found, for "expected X, found Y" messages. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array (length ${v.length})`;
  switch (typeof v) {
    case 'string':
      return `string ${JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v)}`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${typeof v} ${String(v)}`;
    case 'object':
      return v instanceof Uint8Array
        ? 'a Uint8Array'
        : isPlainObject(v)
          ? 'an object'
          : `a ${v.constructor.name}`;
    default:
      return typeof v;
  }
}

/** Edit distance counting an adjacent swap as one edit ("nmae" is one away from "name"). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(at(i, j), at(i - 2, j - 2) + 1);
      }
    }
  }
  return at(a.length, b.length);
}

/** A near miss worth suggesting, so a typo's error names the field that was meant. */
function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(word.length / 5)) + 1;
  const lower = word.toLowerCase();
  for (const c of candidates) {
    const d = c.toLowerCase() === lower ? 0 : editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** Map and Struct keys are data: "__proto__" must become a key, not a prototype. */
export function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function acceptsNull(info: FieldInfo): boolean {
  return (
    info.messageType?.fullName === '.google.protobuf.Value' ||
    info.enumType?.fullName === '.google.protobuf.NullValue'
  );
}

/** Proto3 implicit presence: a default is the same as absent, and protoc never writes it. */
function isImplicitDefault(v: unknown): boolean {
  if (Array.isArray(v) || v instanceof Uint8Array) return v.length === 0;
  if (typeof v === 'object' && v !== null) return Object.keys(v).length === 0;
  return Object.is(v, 0) || v === '' || v === false;
}

class Converter {
  readonly errors: FieldError[] = [];
  private readonly path = new FieldPath();
  private depth = 0;

  constructor(private readonly root: protobuf.Root) {}

  private get full(): boolean {
    return this.errors.length >= MAX_ERRORS;
  }

  private error(message: string, childField?: string): undefined {
    if (!this.full) {
      this.errors.push({
        path: childField === undefined ? this.path.render() : this.path.renderWith(childField),
        message,
      });
    }
    return undefined;
  }

  message(type: protobuf.Type, json: unknown): ProtoObject | undefined {
    if (this.depth >= MAX_DEPTH) return this.error(`nested more than ${MAX_DEPTH} levels deep (a cycle?)`);
    this.depth++;
    try {
      return this.messageBody(type, json);
    } finally {
      this.depth--;
    }
  }

  private messageBody(type: protobuf.Type, json: unknown): ProtoObject | undefined {
    const table = typeTable(type);
    if (table.wkt) return this.wellKnown(table, json);
    if (!isPlainObject(json)) {
      return this.error(`expected an object (${table.fullName}), found ${describeValue(json)}`);
    }
    return this.fields(table, json, undefined);
  }

  private fields(table: TypeTable, json: Record<string, unknown>, skipKey: string | undefined): ProtoObject {
    const out: ProtoObject = {};
    let oneofs: Map<string, string> | undefined;
    for (const key of Object.keys(json)) {
      if (key === skipKey || this.full) continue;
      const value = json[key];
      if (value === undefined) continue;
      const info = table.byName.get(key);
      if (!info) {
        const hint = closest(
          key,
          table.fields.map((f) => f.name),
        );
        this.error(
          `unknown field "${key}" in ${table.fullName}${hint ? ` (did you mean "${hint}"?)` : ''}`,
          key,
        );
        continue;
      }
      if (key !== info.name && json[info.name] !== undefined) {
        this.error(`field given twice, as "${info.name}" and as "${key}"`, info.name);
        continue;
      }
      // proto3 JSON: null means "the default", which for every field but Value/NullValue is unset.
      if (value === null && !acceptsNull(info)) continue;
      if (info.oneof !== undefined) {
        oneofs ??= new Map();
        const earlier = oneofs.get(info.oneof);
        if (earlier !== undefined) {
          this.error(
            `oneof "${info.oneof}" takes one field, but both "${earlier}" and "${info.name}" are set`,
            info.name,
          );
          continue;
        }
        oneofs.set(info.oneof, info.name);
      }
      this.path.field(info.name);
      const converted = info.map
        ? this.map(info, value)
        : info.repeated
          ? this.list(info, value)
          : this.single(info, value);
      this.path.pop();
      if (converted !== undefined && (info.explicitPresence || !isImplicitDefault(converted))) {
        out[info.name] = converted;
      }
    }
    return out;
  }

  private list(info: FieldInfo, value: unknown): unknown[] | undefined {
    if (!Array.isArray(value))
      return this.error(`expected an array (repeated field), found ${describeValue(value)}`);
    const out: unknown[] = [];
    for (let i = 0; i < value.length && !this.full; i++) {
      const item: unknown = value[i];
      this.path.index(i);
      if (item === undefined || (item === null && !acceptsNull(info))) {
        this.error(`repeated field elements cannot be ${describeValue(item)}`);
      } else {
        const converted = this.single(info, item);
        if (converted !== undefined) out.push(converted);
      }
      this.path.pop();
    }
    return out;
  }

  private map(info: FieldInfo, value: unknown): Record<string, unknown> | undefined {
    if (!isPlainObject(value))
      return this.error(`expected an object (map field), found ${describeValue(value)}`);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      if (this.full) break;
      const item = value[key];
      if (item === undefined) continue;
      this.path.key(key);
      const k = this.mapKey(info.keyType ?? 'string', key);
      if (item === null && !acceptsNull(info)) {
        this.error('map values cannot be null');
      } else {
        const converted = this.single(info, item);
        if (k !== undefined && converted !== undefined) setKey(out, k, converted);
      }
      this.path.pop();
    }
    return out;
  }

  private mapKey(keyType: string, key: string): string | undefined {
    if (keyType === 'string') return key;
    if (keyType === 'bool') {
      // protobufjs's encoder writes the key string's truthiness, so "false" would go out as true.
      return this.error('maps keyed by bool cannot be encoded (protobufjs limitation)');
    }
    const n = this.integer(keyType, key);
    return n === undefined ? undefined : String(n);
  }

  private single(info: FieldInfo, value: unknown): unknown {
    if (info.messageType) return this.message(info.messageType, value);
    if (info.enumType) return this.enumValue(info.enumType, value);
    return this.scalar(info.scalar ?? 'string', value);
  }

  private enumValue(type: protobuf.Enum, value: unknown): number | undefined {
    const name = type.fullName.replace(/^\./, '');
    if (value === null && name === 'google.protobuf.NullValue') return 0;
    if (typeof value === 'string') {
      if (Object.hasOwn(type.values, value)) return type.values[value];
      const names = Object.keys(type.values);
      const hint = closest(value, names);
      const shown = names.slice(0, 8).join(', ') + (names.length > 8 ? `, … (${names.length} names)` : '');
      return this.error(
        `unknown enum value "${value}" for ${name}${hint ? ` (did you mean "${hint}"?)` : ''}; expected one of ${shown}`,
      );
    }
    if (typeof value === 'number' && Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) {
      return value;
    }
    return this.error(`expected an enum value name (${name}) or an int32, found ${describeValue(value)}`);
  }

  private scalar(type: string, value: unknown): unknown {
    switch (type) {
      case 'string':
        return typeof value === 'string'
          ? value
          : this.error(`expected a string, found ${describeValue(value)}`);
      case 'bool':
        return typeof value === 'boolean'
          ? value
          : this.error(`expected a boolean, found ${describeValue(value)}`);
      case 'bytes': {
        if (typeof value !== 'string') {
          return this.error(`expected a base64 string (bytes), found ${describeValue(value)}`);
        }
        return (
          decodeBase64(value) ?? this.error(`expected a base64 string (bytes), found ${describeValue(value)}`)
        );
      }
      case 'float':
      case 'double':
        return this.floating(type, value);
      default:
        return this.integer(type, value);
    }
  }

  private floating(type: string, value: unknown): number | undefined {
    if (typeof value === 'number') {
      if (type === 'float' && Number.isFinite(value) && Math.abs(value) > FLOAT32_MAX) {
        return this.error(`float out of range: ${value}`);
      }
      return value;
    }
    if (value === 'NaN') return Number.NaN;
    if (value === 'Infinity') return Number.POSITIVE_INFINITY;
    if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
    return this.error(
      `expected a ${type} (a number, "NaN", "Infinity" or "-Infinity"), found ${describeValue(value)}`,
    );
  }

  private integer(type: string, value: unknown): number | string | undefined {
    let n: bigint;
    if (typeof value === 'number') {
      if (!Number.isInteger(value))
        return this.error(`expected an integer (${type}), found ${describeValue(value)}`);
      n = BigInt(value);
    } else if (typeof value === 'string' && /^-?[0-9]+$/.test(value)) {
      n = BigInt(value);
    } else {
      return this.error(
        `expected an integer (${type}) as a number or a decimal string, found ${describeValue(value)}`,
      );
    }
    const [min, max] = INTEGER_RANGES[type] ?? [INT64_MIN, INT64_MAX];
    if (n < min || n > max) return this.error(`${type} out of range [${min}, ${max}]: ${n}`);
    return max > BigInt(UINT32_MAX) ? int64Out(n) : Number(n);
  }

  private wellKnown(table: TypeTable, json: unknown): ProtoObject | undefined {
    switch (table.wkt) {
      case 'any':
        return this.any(json);
      case 'duration':
      case 'timestamp': {
        if (typeof json !== 'string') {
          return this.error(`expected a ${table.wkt} string, found ${describeValue(json)}`);
        }
        const parsed = table.wkt === 'duration' ? parseDuration(json) : parseTimestamp(json);
        if ('error' in parsed) return this.error(`${parsed.error}, found ${describeValue(json)}`);
        const out: ProtoObject = {};
        if (parsed.value.seconds !== 0n) out.seconds = int64Out(parsed.value.seconds);
        if (parsed.value.nanos !== 0) out.nanos = parsed.value.nanos;
        return out;
      }
      case 'field_mask': {
        if (typeof json !== 'string')
          return this.error(`expected a field mask string, found ${describeValue(json)}`);
        const parsed = parseFieldMask(json);
        if ('error' in parsed) return this.error(parsed.error);
        return parsed.value.length > 0 ? { paths: parsed.value } : {};
      }
      case 'struct':
        return this.struct(structFamily(table), json);
      case 'value':
        return this.value(structFamily(table), json);
      case 'list_value':
        return this.listValue(structFamily(table), json);
      case 'wrapper': {
        const inner = table.byName.get('value');
        const v = this.scalar(inner?.scalar ?? 'string', json);
        if (v === undefined) return undefined;
        return isImplicitDefault(v) ? {} : { value: v };
      }
      default:
        if (!isPlainObject(json))
          return this.error(`expected an object (${table.fullName}), found ${describeValue(json)}`);
        return this.fields(table, json, undefined);
    }
  }

  private struct(family: StructFamily, json: unknown): ProtoObject | undefined {
    if (!isPlainObject(json))
      return this.error(`expected a JSON object (google.protobuf.Struct), found ${describeValue(json)}`);
    const fields: Record<string, unknown> = {};
    for (const key of Object.keys(json)) {
      const v = json[key];
      if (v === undefined) continue;
      this.path.key(key);
      const converted = this.value(family, v);
      this.path.pop();
      if (converted !== undefined) setKey(fields, key, converted);
    }
    return Object.keys(fields).length > 0 ? { [family.structFields]: fields } : {};
  }

  private listValue(family: StructFamily, json: unknown): ProtoObject | undefined {
    if (!Array.isArray(json))
      return this.error(`expected a JSON array (google.protobuf.ListValue), found ${describeValue(json)}`);
    const values: unknown[] = [];
    for (let i = 0; i < json.length; i++) {
      this.path.index(i);
      const converted = this.value(family, json[i]);
      this.path.pop();
      if (converted !== undefined) values.push(converted);
    }
    return values.length > 0 ? { [family.listValues]: values } : {};
  }

  private value(family: StructFamily, json: unknown): ProtoObject | undefined {
    if (this.depth >= MAX_DEPTH) return this.error(`nested more than ${MAX_DEPTH} levels deep (a cycle?)`);
    this.depth++;
    try {
      return this.valueBody(family, json);
    } finally {
      this.depth--;
    }
  }

  private valueBody(family: StructFamily, json: unknown): ProtoObject | undefined {
    if (json === null) return { [family.nullValue]: 0 };
    switch (typeof json) {
      case 'number':
        return Number.isFinite(json)
          ? { [family.numberValue]: json }
          : this.error(`JSON has no ${json}; google.protobuf.Value cannot hold it`);
      case 'string':
        return { [family.stringValue]: json };
      case 'boolean':
        return { [family.boolValue]: json };
      case 'object': {
        if (Array.isArray(json)) {
          const list = this.listValue(family, json);
          return list && { [family.listValue]: list };
        }
        const struct = this.struct(family, json);
        return struct && { [family.structValue]: struct };
      }
      default:
        return this.error(`expected a JSON value (google.protobuf.Value), found ${describeValue(json)}`);
    }
  }

  private any(json: unknown): ProtoObject | undefined {
    if (!isPlainObject(json)) {
      return this.error(
        `expected an object with "@type" (google.protobuf.Any), found ${describeValue(json)}`,
      );
    }
    const url = json['@type'];
    if (url === undefined) {
      if (Object.keys(json).some((k) => json[k] !== undefined)) {
        return this.error('google.protobuf.Any needs "@type" to say what its other fields are');
      }
      return {};
    }
    if (typeof url !== 'string')
      return this.error(`expected a type URL string, found ${describeValue(url)}`, '@type');
    const inner = messageTypeForUrl(this.root, url);
    if (!inner) {
      return this.error(
        `unresolvable type URL "${url}": no message named "${url.slice(url.lastIndexOf('/') + 1)}" is loaded`,
        '@type',
      );
    }
    const innerTable = typeTable(inner);
    const before = this.errors.length;
    let message: ProtoObject | undefined;
    if (innerTable.wkt !== undefined && innerTable.wkt !== 'empty') {
      // A well-known type with its own JSON form travels in an Any as {"@type", "value"}.
      for (const key of Object.keys(json)) {
        if (key !== '@type' && key !== 'value' && json[key] !== undefined) {
          this.error(
            `unknown field "${key}": an Any holding ${innerTable.fullName} takes only "@type" and "value"`,
            key,
          );
        }
      }
      if (json.value === undefined)
        return this.error(`an Any holding ${innerTable.fullName} needs "value"`, 'value');
      this.path.field('value');
      message = this.wellKnown(innerTable, json.value);
      this.path.pop();
    } else {
      message = this.fields(innerTable, json, '@type');
    }
    if (message === undefined || this.errors.length > before) return undefined;
    let value: Uint8Array;
    try {
      value = inner.encode(message).finish();
    } catch (e) {
      return this.error(
        `cannot encode ${innerTable.fullName}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    const out: ProtoObject = { type_url: url, value };
    unpacked.set(out, { type: inner, message });
    return out;
  }
}

const INTEGER_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  int32: [BigInt(INT32_MIN), BigInt(INT32_MAX)],
  sint32: [BigInt(INT32_MIN), BigInt(INT32_MAX)],
  sfixed32: [BigInt(INT32_MIN), BigInt(INT32_MAX)],
  uint32: [0n, BigInt(UINT32_MAX)],
  fixed32: [0n, BigInt(UINT32_MAX)],
  int64: [INT64_MIN, INT64_MAX],
  sint64: [INT64_MIN, INT64_MAX],
  sfixed64: [INT64_MIN, INT64_MAX],
  uint64: [0n, UINT64_MAX],
  fixed64: [0n, UINT64_MAX],
};
