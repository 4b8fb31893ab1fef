// protobufjs message → proto3 JSON in the shape of Envoy's config_dump: .proto field names, enum
// names, "1.5s" durations, bare wrappers, Any as {"@type", ...}, defaults left out. For round-trip
// tests and debug output; protobufjs's toObject knows none of the well-known JSON forms.
import protobuf from 'protobufjs';
import { setKey } from './from-proto-json.js';
import {
  durationNanos,
  encodeBase64,
  formatDuration,
  formatFieldMask,
  formatTimestamp,
  shortestFloat32,
  toBigInt,
} from './json-scalars.js';
import {
  type FieldInfo,
  messageTypeForUrl,
  type StructFamily,
  structFamily,
  type TypeTable,
  typeTable,
} from './type-tables.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function toProtoJson(type: protobuf.Type, message: object): Json {
  return messageJson(typeTable(type), message);
}

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const UNSIGNED_LONG_TYPES = new Set(['uint64', 'fixed64']);

function fieldsOf(message: object): Record<string, unknown> {
  return message as Record<string, unknown>;
}

function messageJson(table: TypeTable, message: object): Json {
  if (table.wkt) return wellKnownJson(table, message);
  const fields = fieldsOf(message);
  const out: { [key: string]: Json } = {};
  for (const info of table.fields) {
    // Decoded messages carry defaults on the prototype; only own properties came off the wire.
    if (!Object.hasOwn(fields, info.name)) continue;
    const v = fields[info.name];
    if (v === null || v === undefined) continue;
    if (info.map) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.length === 0) continue;
      const obj: { [key: string]: Json } = {};
      for (const [k, item] of entries)
        setKey(obj, mapKeyJson(info.keyType ?? 'string', k), singleJson(info, item));
      out[info.name] = obj;
    } else if (info.repeated) {
      if (!Array.isArray(v) || v.length === 0) continue;
      out[info.name] = v.map((item: unknown) => singleJson(info, item));
    } else {
      if (!info.explicitPresence && isDefault(info, v)) continue;
      out[info.name] = singleJson(info, v);
    }
  }
  return out;
}

function mapKeyJson(keyType: string, key: string): string {
  // protobufjs keys 64-bit maps by an 8-character binary hash of the Long.
  if (LONG_TYPES.has(keyType) && !/^-?[0-9]+$/.test(key)) {
    const n = toBigInt(protobuf.util.longFromHash(key, UNSIGNED_LONG_TYPES.has(keyType)));
    return n === undefined ? key : n.toString();
  }
  return key;
}

function isDefault(info: FieldInfo, v: unknown): boolean {
  if (info.enumType) return Number(v) === 0;
  if (v instanceof Uint8Array) return v.length === 0;
  if (LONG_TYPES.has(info.scalar ?? '')) return toBigInt(v) === 0n;
  return Object.is(v, 0) || v === '' || v === false;
}

function singleJson(info: FieldInfo, v: unknown): Json {
  if (info.messageType) return messageJson(typeTable(info.messageType), v as object);
  if (info.enumType) return info.enumType.valuesById[Number(v)] ?? Number(v);
  return scalarJson(info.scalar ?? 'string', v);
}

function scalarJson(type: string, v: unknown): Json {
  switch (type) {
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return BigInt.asIntN(64, toBigInt(v) ?? 0n).toString();
    case 'uint64':
    case 'fixed64':
      return BigInt.asUintN(64, toBigInt(v) ?? 0n).toString();
    case 'float':
    case 'double': {
      const n = Number(v);
      if (Number.isNaN(n)) return 'NaN';
      if (n === Number.POSITIVE_INFINITY) return 'Infinity';
      if (n === Number.NEGATIVE_INFINITY) return '-Infinity';
      return type === 'float' ? shortestFloat32(n) : n;
    }
    case 'bytes':
      return v instanceof Uint8Array ? encodeBase64(v) : String(v);
    case 'bool':
      return Boolean(v);
    case 'string':
      return String(v);
    default:
      return Number(v);
  }
}

const SCALAR_DEFAULTS: Readonly<Record<string, unknown>> = {
  bool: false,
  string: '',
  bytes: new Uint8Array(),
};

function wellKnownJson(table: TypeTable, message: object): Json {
  const fields = fieldsOf(message);
  switch (table.wkt) {
    case 'any':
      return anyJson(table, fields);
    case 'duration':
      return formatDuration(durationNanos(message) ?? 0n);
    case 'timestamp':
      return formatTimestamp(durationNanos(message) ?? 0n);
    case 'field_mask':
      return formatFieldMask(Array.isArray(fields.paths) ? fields.paths.map(String) : []);
    case 'struct':
      return structJson(structFamily(table), fields);
    case 'value':
      return valueJson(structFamily(table), fields);
    case 'list_value':
      return listJson(structFamily(table), fields);
    case 'wrapper': {
      const scalar = table.byName.get('value')?.scalar ?? 'string';
      const v = fields.value ?? SCALAR_DEFAULTS[scalar] ?? 0;
      return scalarJson(scalar, v);
    }
    default:
      return {};
  }
}

function structJson(family: StructFamily, fields: Record<string, unknown>): Json {
  const out: { [key: string]: Json } = {};
  const entries = (fields[family.structFields] ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(entries)) setKey(out, k, valueJson(family, fieldsOf(v as object)));
  return out;
}

function listJson(family: StructFamily, fields: Record<string, unknown>): Json {
  const values: unknown = fields[family.listValues];
  return Array.isArray(values) ? values.map((v: unknown) => valueJson(family, fieldsOf(v as object))) : [];
}

function valueJson(family: StructFamily, fields: Record<string, unknown>): Json {
  const has = (k: string) => Object.hasOwn(fields, k) && fields[k] !== null && fields[k] !== undefined;
  if (has(family.numberValue)) return Number(fields[family.numberValue]);
  if (has(family.stringValue)) return String(fields[family.stringValue]);
  if (has(family.boolValue)) return Boolean(fields[family.boolValue]);
  if (has(family.structValue)) return structJson(family, fieldsOf(fields[family.structValue] as object));
  if (has(family.listValue)) return listJson(family, fieldsOf(fields[family.listValue] as object));
  return null;
}

function anyJson(table: TypeTable, fields: Record<string, unknown>): Json {
  const url = typeof fields.type_url === 'string' ? fields.type_url : '';
  if (url === '') return {};
  const bytes = fields.value instanceof Uint8Array ? fields.value : new Uint8Array();
  const inner = messageTypeForUrl(table.type.root as protobuf.Root, url);
  // Debug output should still show what arrived; the marker makes clear it was not understood.
  if (!inner) return { '@type': url, '@unresolved_base64': encodeBase64(bytes) };
  const innerTable = typeTable(inner);
  const decoded = inner.decode(bytes);
  if (innerTable.wkt !== undefined && innerTable.wkt !== 'empty') {
    return { '@type': url, value: wellKnownJson(innerTable, decoded) };
  }
  const body = messageJson(innerTable, decoded) as { [key: string]: Json };
  return { '@type': url, ...body };
}
