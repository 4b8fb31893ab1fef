import type protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { formatFieldError } from './field-error.js';
import { fromProtoJson, unpackedAny } from './from-proto-json.js';
import { testType } from './test-proto-root.js';
import { toProtoJson } from './to-proto-json.js';

const scalars = () => testType('trellis.test.json.Scalars');
const wellKnown = () => testType('trellis.test.json.WellKnown');

function convert(type: protobuf.Type, json: unknown): Record<string, unknown> {
  const result = fromProtoJson(type, json);
  if (!result.ok) throw new Error(result.errors.map(formatFieldError).join('\n'));
  return result.value;
}

function errors(type: protobuf.Type, json: unknown): string[] {
  const result = fromProtoJson(type, json);
  return result.ok ? [] : result.errors.map(formatFieldError);
}

/** JSON → object → bytes → object → JSON. */
function roundTrip(type: protobuf.Type, json: unknown): unknown {
  return toProtoJson(type, type.decode(type.encode(convert(type, json)).finish()));
}

describe('fromProtoJson scalars', () => {
  it('round-trips every scalar kind in its canonical JSON form', () => {
    const json = {
      i32: -5,
      u32: 4294967295,
      s32: -2147483648,
      f32: 7,
      sf32: -7,
      i64: '-9223372036854775808',
      u64: '18446744073709551615',
      s64: '-42',
      f64: '42',
      sf64: '9007199254740993',
      fl: 0.1,
      db: 0.1,
      b: true,
      s: 'héllo',
      by: 'AAEC/w==',
      color: 'GREEN',
      longs: ['1', '-2'],
      colors: ['RED', 'GREEN'],
      by_int: { '-1': 'minus one', '7': 'seven' },
      by_long: { '9007199254740993': 'big' },
      children: { kid: { s: 'x' } },
      by_ulong: { '18446744073709551615': 'RED' },
      maybe: 0,
      number: 0,
    };
    expect(roundTrip(scalars(), json)).toEqual(json);
  });

  it('accepts integers as numeric strings and 64-bit integers as numbers', () => {
    expect(convert(scalars(), { i32: '-12', u32: '12', i64: 12, u64: 12 })).toEqual({
      i32: -12,
      u32: 12,
      i64: 12,
      u64: 12,
    });
  });

  it('keeps 64-bit integers beyond 2^53 exact', () => {
    expect(convert(scalars(), { i64: '9007199254740993' })).toEqual({ i64: '9007199254740993' });
  });

  it.each([
    [{ i32: 2147483648 }, 'i32: int32 out of range [-2147483648, 2147483647]: 2147483648'],
    [{ s32: '-2147483649' }, 's32: sint32 out of range [-2147483648, 2147483647]: -2147483649'],
    [{ u64: '-1' }, 'u64: uint64 out of range [0, 18446744073709551615]: -1'],
    [
      { i64: '9223372036854775808' },
      'i64: int64 out of range [-9223372036854775808, 9223372036854775807]: 9223372036854775808',
    ],
    [{ i64: '1e3' }, 'i64: expected an integer (int64) as a number or a decimal string, found string "1e3"'],
    [{ fl: 1e39 }, 'fl: float out of range: 1e+39'],
    [{ db: 'inf' }, 'db: expected a double (a number, "NaN", "Infinity" or "-Infinity"), found string "inf"'],
    [{ b: 'true' }, 'b: expected a boolean, found string "true"'],
    [{ s: ['a'] }, 's: expected a string, found an array (length 1)'],
    [{ by: 'not base64!' }, 'by: expected a base64 string (bytes), found string "not base64!"'],
    [{ by: 'ab+_' }, 'by: expected a base64 string (bytes), found string "ab+_"'],
    [
      { color: 'BLUE' },
      'color: unknown enum value "BLUE" for trellis.test.json.Color; expected one of COLOR_UNSPECIFIED, RED, GREEN',
    ],
    [
      { color: 1.5 },
      'color: expected an enum value name (trellis.test.json.Color) or an int32, found number 1.5',
    ],
    [{ longs: '1' }, 'longs: expected an array (repeated field), found string "1"'],
    [{ longs: ['1', null] }, 'longs[1]: repeated field elements cannot be null'],
    [
      { by_int: { x: 'y' } },
      'by_int["x"]: expected an integer (int32) as a number or a decimal string, found string "x"',
    ],
    [{ by_int: { '1': null } }, 'by_int["1"]: map values cannot be null'],
    [
      { children: { kid: { nope: 1 } } },
      'children["kid"].nope: unknown field "nope" in trellis.test.json.Scalars',
    ],
    [
      { name: 'n', number: 1 },
      'number: oneof "choice" takes one field, but both "name" and "number" are set',
    ],
  ])('rejects %j', (json, message) => {
    expect(errors(scalars(), json)).toEqual([message]);
  });

  it('accepts NaN and the infinities as strings, and URL-safe unpadded base64', () => {
    const out = convert(scalars(), { fl: 'NaN', db: '-Infinity', by: '-_8' });
    expect(Number.isNaN(out.fl)).toBe(true);
    expect(out.db).toBe(Number.NEGATIVE_INFINITY);
    expect([...(out.by as Uint8Array)]).toEqual([0xfb, 0xff]);
    expect(roundTrip(scalars(), { fl: 'NaN', db: 'Infinity' })).toEqual({ fl: 'NaN', db: 'Infinity' });
  });

  it('keeps an explicitly set proto3 optional or oneof member even at its default', () => {
    expect(convert(scalars(), { maybe: 0, name: '', i32: 0, s: '' })).toEqual({ maybe: 0, name: '' });
  });

  it('treats undefined properties as absent, as JSON.stringify would', () => {
    expect(convert(scalars(), { s: undefined, name: undefined, number: 3 })).toEqual({ number: 3 });
  });

  it('rejects class instances where JSON objects belong', () => {
    expect(errors(scalars(), { children: { kid: new Map() } })).toEqual([
      'children["kid"]: expected an object (trellis.test.json.Scalars), found a Map',
    ]);
  });
});

describe('fromProtoJson well-known types', () => {
  it('round-trips every well-known type in its JSON form', () => {
    const json = {
      any: { '@type': 'type.googleapis.com/trellis.test.json.Scalars', s: 'inner', color: 'RED' },
      duration: '-0.000000001s',
      timestamp: '2024-02-29T23:59:59.123456Z',
      mask: 'fooBar,a.bC',
      struct: { a: 1, b: [true, null, 'x', { c: {} }] },
      value: [1, 'two'],
      list: [{}, []],
      empty: {},
      bool_w: false,
      string_w: '',
      bytes_w: 'AQI=',
      int32_w: -1,
      uint32_w: 0,
      int64_w: '-1',
      uint64_w: '18446744073709551615',
      float_w: 1.5,
      double_w: 0,
      anys: [
        { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '1s' },
        { '@type': 'type.googleapis.com/google.protobuf.Struct', value: { k: 'v' } },
        { '@type': 'type.googleapis.com/google.protobuf.UInt32Value', value: 7 },
        { '@type': 'type.googleapis.com/google.protobuf.Empty' },
        {
          '@type': 'type.googleapis.com/google.protobuf.Any',
          value: { '@type': 'type.googleapis.com/trellis.test.json.Scalars', b: true },
        },
      ],
      values: [null, 1.5],
    };
    expect(roundTrip(wellKnown(), json)).toEqual(json);
  });

  it('stores the converted contents of an Any next to its bytes for the validator', () => {
    const out = convert(wellKnown(), {
      any: { '@type': 'type.googleapis.com/trellis.test.json.Scalars', s: 'x' },
    });
    const any = out.any as { type_url: string; value: Uint8Array };
    expect(any.type_url).toBe('type.googleapis.com/trellis.test.json.Scalars');
    expect(unpackedAny(any)?.message).toEqual({ s: 'x' });
    expect(unpackedAny(any)?.type).toBe(scalars());
  });

  it('converts a timestamp with an offset to UTC', () => {
    expect(roundTrip(wellKnown(), { timestamp: '2024-01-01T01:30:00+01:30' })).toEqual({
      timestamp: '2024-01-01T00:00:00Z',
    });
  });

  it.each([
    [
      { timestamp: '2023-02-29T00:00:00Z' },
      'timestamp: timestamp has an impossible date or time, found string "2023-02-29T00:00:00Z"',
    ],
    [
      { timestamp: '2024-01-01 00:00:00Z' },
      'timestamp: expected an RFC 3339 timestamp like "2024-01-02T03:04:05.5Z", found string "2024-01-01 00:00:00Z"',
    ],
    [{ mask: 'foo_bar' }, 'mask: field mask path "foo_bar" must be lowerCamel names joined by "."'],
    [{ struct: [1] }, 'struct: expected a JSON object (google.protobuf.Struct), found an array (length 1)'],
    [{ struct: { a: Number.NaN } }, 'struct["a"]: JSON has no NaN; google.protobuf.Value cannot hold it'],
    [{ list: {} }, 'list: expected a JSON array (google.protobuf.ListValue), found an object'],
    [{ empty: { x: 1 } }, 'empty.x: unknown field "x" in google.protobuf.Empty'],
    [
      { uint32_w: { value: 1 } },
      'uint32_w: expected an integer (uint32) as a number or a decimal string, found an object',
    ],
    [{ bool_w: 'yes' }, 'bool_w: expected a boolean, found string "yes"'],
    [{ any: { s: 'x' } }, 'any: google.protobuf.Any needs "@type" to say what its other fields are'],
    [{ any: { '@type': 5 } }, 'any.@type: expected a type URL string, found number 5'],
    [
      { any: { '@type': 'type.googleapis.com/trellis.test.json.Nope' } },
      'any.@type: unresolvable type URL "type.googleapis.com/trellis.test.json.Nope": no message named "trellis.test.json.Nope" is loaded',
    ],
    [
      { any: { '@type': 'type.googleapis.com/trellis.test.json.Scalars', s: 1 } },
      'any.s: expected a string, found number 1',
    ],
    [
      { any: { '@type': 'type.googleapis.com/google.protobuf.Duration', seconds: 1 } },
      'any.seconds: unknown field "seconds": an Any holding google.protobuf.Duration takes only "@type" and "value"',
      'any.value: an Any holding google.protobuf.Duration needs "value"',
    ],
    [
      { any: { '@type': 'type.googleapis.com/google.protobuf.Duration' } },
      'any.value: an Any holding google.protobuf.Duration needs "value"',
    ],
    [
      { anys: [{ '@type': 'type.googleapis.com/google.protobuf.Duration', value: '1' }] },
      'anys[0].value: expected a duration like "1.5s" (seconds, at most 9 fractional digits, "s" suffix), found string "1"',
    ],
  ])('rejects %j', (json, ...messages) => {
    expect(errors(wellKnown(), json)).toEqual(messages);
  });

  it('reads null as NULL_VALUE for a NullValue field, which proto3 then leaves out as the default', () => {
    expect(convert(wellKnown(), { null_value: null, value: null })).toEqual({ value: { nullValue: 0 } });
    expect(convert(wellKnown(), { null_value: 'NULL_VALUE' })).toEqual({});
  });

  it('accepts an empty Any as {}', () => {
    expect(convert(wellKnown(), { any: {} })).toEqual({ any: {} });
  });
});
