// Per-Type lookup tables built once from protobufjs reflection. The converter, the decoder and the
// validator all walk messages field by field; building these maps once per Type (not per resource)
// is what keeps thousands of proxies cheap.
import protobuf from 'protobufjs';

/** Well-known types whose proto3 JSON form is not the plain field-by-field object. */
export type WktKind =
  | 'any'
  | 'duration'
  | 'timestamp'
  | 'field_mask'
  | 'struct'
  | 'value'
  | 'list_value'
  | 'empty'
  | 'wrapper';

const WKT_KINDS: ReadonlyMap<string, WktKind> = new Map<string, WktKind>([
  ['.google.protobuf.Any', 'any'],
  ['.google.protobuf.Duration', 'duration'],
  ['.google.protobuf.Timestamp', 'timestamp'],
  ['.google.protobuf.FieldMask', 'field_mask'],
  ['.google.protobuf.Struct', 'struct'],
  ['.google.protobuf.Value', 'value'],
  ['.google.protobuf.ListValue', 'list_value'],
  ['.google.protobuf.Empty', 'empty'],
  ['.google.protobuf.BoolValue', 'wrapper'],
  ['.google.protobuf.StringValue', 'wrapper'],
  ['.google.protobuf.BytesValue', 'wrapper'],
  ['.google.protobuf.Int32Value', 'wrapper'],
  ['.google.protobuf.UInt32Value', 'wrapper'],
  ['.google.protobuf.Int64Value', 'wrapper'],
  ['.google.protobuf.UInt64Value', 'wrapper'],
  ['.google.protobuf.FloatValue', 'wrapper'],
  ['.google.protobuf.DoubleValue', 'wrapper'],
]);

export interface FieldInfo {
  readonly field: protobuf.Field;
  /** The .proto name (the root is loaded with keepCase). */
  readonly name: string;
  /** protoc's lowerCamel JSON name, also accepted on input. */
  readonly jsonName: string;
  readonly repeated: boolean;
  readonly map: boolean;
  /** Scalar type of a map's keys. */
  readonly keyType: string | undefined;
  /** Scalar type of the value ('int32', 'string', ...) when it is neither enum nor message. */
  readonly scalar: string | undefined;
  readonly enumType: protobuf.Enum | undefined;
  readonly messageType: protobuf.Type | undefined;
  /** Name of the containing oneof (a proto3 `optional` field sits in a synthetic one). */
  readonly oneof: string | undefined;
  /** Whether "set to the default" differs from "unset": messages, oneof members, proto3 optional. */
  readonly explicitPresence: boolean;
}

export interface OneofInfo {
  readonly name: string;
  readonly oneof: protobuf.OneOf;
  readonly members: readonly FieldInfo[];
  /** The oneof protoc invents for a proto3 `optional` field; not a real choice. */
  readonly synthetic: boolean;
}

export interface TypeTable {
  readonly type: protobuf.Type;
  /** Full name without the leading dot, as it appears in type URLs and messages. */
  readonly fullName: string;
  readonly wkt: WktKind | undefined;
  /** Fields in field-number order, so output is deterministic whatever the declaration order. */
  readonly fields: readonly FieldInfo[];
  /** By .proto name and by JSON name. */
  readonly byName: ReadonlyMap<string, FieldInfo>;
  readonly byId: ReadonlyMap<number, FieldInfo>;
  readonly oneofs: readonly OneofInfo[];
}

/** protoc's ToJsonName: drop each '_' and upper-case the letter after it. */
export function jsonNameOf(protoName: string): string {
  let out = '';
  let upper = false;
  for (const ch of protoName) {
    if (ch === '_') {
      upper = true;
    } else {
      out += upper ? ch.toUpperCase() : ch;
      upper = false;
    }
  }
  return out;
}

function fieldInfo(field: protobuf.Field): FieldInfo {
  field.resolve();
  const resolved = field.resolvedType;
  const messageType = resolved instanceof protobuf.Type ? resolved : undefined;
  const enumType = resolved instanceof protobuf.Enum ? resolved : undefined;
  const options: Record<string, unknown> = field.options ?? {};
  const jsonOption = options.json_name;
  const isMap = field.map;
  const repeated = field.repeated && !isMap;
  const oneof = field.partOf?.name;
  const proto3Optional = options.proto3_optional === true;
  const singular = !repeated && !isMap;
  return {
    field,
    name: field.name,
    jsonName: typeof jsonOption === 'string' ? jsonOption : jsonNameOf(field.name),
    repeated,
    map: isMap,
    keyType: field instanceof protobuf.MapField ? field.keyType : undefined,
    scalar: messageType || enumType ? undefined : field.type,
    enumType,
    messageType,
    oneof,
    // hasPresence is protobufjs's answer for scalars (false for proto3 implicit presence); it says
    // nothing useful about message fields, which always have presence.
    explicitPresence:
      singular &&
      (messageType !== undefined || oneof !== undefined || proto3Optional || Boolean(field.hasPresence)),
  };
}

const tables = new WeakMap<protobuf.Type, TypeTable>();

export function typeTable(type: protobuf.Type): TypeTable {
  const cached = tables.get(type);
  if (cached) return cached;
  const fields = [...type.fieldsArray].sort((a, b) => a.id - b.id).map(fieldInfo);
  const byName = new Map<string, FieldInfo>();
  for (const f of fields) {
    byName.set(f.name, f);
    if (!byName.has(f.jsonName)) byName.set(f.jsonName, f);
  }
  const oneofs = type.oneofsArray.map((o) => {
    const members = o.oneof.map((n) => byName.get(n)).filter((f): f is FieldInfo => f !== undefined);
    const synthetic =
      members.length === 1 &&
      (members[0]?.field.options as { proto3_optional?: unknown } | undefined)?.proto3_optional === true;
    return { name: o.name, oneof: o, members, synthetic };
  });
  const table: TypeTable = {
    type,
    fullName: type.fullName.replace(/^\./, ''),
    wkt: WKT_KINDS.get(type.fullName),
    fields,
    byName,
    byId: new Map(fields.map((f) => [f.field.id, f])),
    oneofs,
  };
  tables.set(type, table);
  return table;
}

const urlLookups = new WeakMap<protobuf.Root, Map<string, protobuf.Type | null>>();

/**
 * The message type a type URL names, or undefined. Only an exact full name counts: protobufjs's
 * lookup would otherwise find a nested type by its short name ("Cluster"), which Envoy never does.
 */
export function messageTypeForUrl(root: protobuf.Root, typeUrl: string): protobuf.Type | undefined {
  let memo = urlLookups.get(root);
  if (!memo) {
    memo = new Map();
    urlLookups.set(root, memo);
  }
  const hit = memo.get(typeUrl);
  if (hit !== undefined) return hit ?? undefined;
  const slash = typeUrl.lastIndexOf('/');
  const name = typeUrl.slice(slash + 1);
  let found: protobuf.Type | null = null;
  if (slash >= 0 && /^[A-Za-z_][A-Za-z0-9_.]*$/.test(name)) {
    try {
      const obj = root.lookup(name);
      if (obj instanceof protobuf.Type && obj.fullName === `.${name}`) found = obj;
    } catch {
      found = null;
    }
  }
  memo.set(typeUrl, found);
  return found ?? undefined;
}

/**
 * A well-known type's field by number. protobufjs supplies some WKTs from its own bundled
 * definitions, with camelCase names (`google.protobuf.Value` has `numberValue`) even under keepCase,
 * so the numbers are the only stable handle.
 */
export function wktField(table: TypeTable, id: number): FieldInfo {
  const f = table.byId.get(id);
  if (!f) throw new Error(`${table.fullName} has no field ${id}`);
  return f;
}

/** Struct, Value and ListValue, which refer to each other, with the names their fields really have. */
export interface StructFamily {
  readonly struct: TypeTable;
  readonly value: TypeTable;
  readonly list: TypeTable;
  /** Struct's map field and ListValue's repeated field. */
  readonly structFields: string;
  readonly listValues: string;
  /** Value's oneof members. */
  readonly nullValue: string;
  readonly numberValue: string;
  readonly stringValue: string;
  readonly boolValue: string;
  readonly structValue: string;
  readonly listValue: string;
}

const families = new WeakMap<protobuf.Type, StructFamily>();

function member(table: TypeTable, id: number): TypeTable {
  const t = wktField(table, id).messageType;
  if (!t) throw new Error(`${table.fullName} field ${id} is not a message`);
  return typeTable(t);
}

export function structFamily(table: TypeTable): StructFamily {
  const hit = families.get(table.type);
  if (hit) return hit;
  const value = table.wkt === 'value' ? table : member(table, 1);
  const struct = member(value, 5);
  const list = member(value, 6);
  const family: StructFamily = {
    struct,
    value,
    list,
    structFields: wktField(struct, 1).name,
    listValues: wktField(list, 1).name,
    nullValue: wktField(value, 1).name,
    numberValue: wktField(value, 2).name,
    stringValue: wktField(value, 3).name,
    boolValue: wktField(value, 4).name,
    structValue: wktField(value, 5).name,
    listValue: wktField(value, 6).name,
  };
  families.set(table.type, family);
  return family;
}
