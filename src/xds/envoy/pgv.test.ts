import { describe, expect, it } from 'vitest';
import type { FieldError } from './field-error.js';
import { fromProtoJson } from './from-proto-json.js';
import { validateMessage } from './pgv.js';
import { encodeMessage } from './resource-codec.js';
import { testType } from './test-proto-root.js';

const b64 = (s: string | number[]) =>
  Buffer.from(typeof s === 'string' ? Buffer.from(s, 'latin1') : s).toString('base64');
const INNER = 'type.googleapis.com/trellis.test.pgv.Inner';
const IMPLICIT = 'type.googleapis.com/trellis.test.pgv.Implicit';

function violations(message: string, json: unknown): readonly FieldError[] {
  const result = encodeMessage(testType(`trellis.test.pgv.${message}`), json);
  return result.ok ? [] : result.errors;
}

/** [message, valid inputs, invalid input, path, rule, message text]. */
type Case = readonly [string, readonly unknown[], unknown, string, string, string];

function runCases(cases: readonly Case[]) {
  it.each(cases)('%s: accepts %j, rejects %j at %s with %s', (message, valid, invalid, path, rule, text) => {
    for (const v of valid) expect(violations(message, v)).toEqual([]);
    expect(violations(message, invalid)).toEqual([{ path, rule, message: `${rule}: ${text}` }]);
  });
}

const NUMERIC_KINDS = [
  'int32',
  'int64',
  'uint32',
  'uint64',
  'sint32',
  'sint64',
  'fixed32',
  'fixed64',
  'sfixed32',
  'sfixed64',
  'float',
  'double',
] as const;

function numericCases(kind: (typeof NUMERIC_KINDS)[number]): Case[] {
  const m = `${kind[0]?.toUpperCase()}${kind.slice(1)}Rules`;
  return [
    [m, [{ const: 5 }], { const: 6 }, 'const', `${kind}.const`, 'must equal 5, got 6'],
    [m, [{ lt: 9 }], { lt: 10 }, 'lt', `${kind}.lt`, 'must be less than 10, got 10'],
    [m, [{ lte: 10 }], { lte: 11 }, 'lte', `${kind}.lte`, 'must be at most 10, got 11'],
    [m, [{ gt: 6 }], { gt: 5 }, 'gt', `${kind}.gt`, 'must be greater than 5, got 5'],
    [m, [{ gte: 5 }], { gte: 4 }, 'gte', `${kind}.gte`, 'must be at least 5, got 4'],
    [m, [{ in: 2 }], { in: 3 }, 'in', `${kind}.in`, 'must be one of [1, 2], got 3'],
    [m, [{ not_in: 3 }], { not_in: 2 }, 'not_in', `${kind}.not_in`, 'must not be one of [1, 2], got 2'],
    [
      m,
      [{ range: 1 }, { range: 9 }],
      { range: 10 },
      'range',
      `${kind}.lt`,
      'must be inside range (0, 10), got 10',
    ],
    [m, [{ range: 5 }], { range: 0 }, 'range', `${kind}.gt`, 'must be inside range (0, 10), got 0'],
    // lt below gt: PGV's exclusive range, the value must lie outside [lt, gt].
    [
      m,
      [{ exclusive: 4 }, { exclusive: 11 }],
      { exclusive: 7 },
      'exclusive',
      `${kind}.lt/gt`,
      'must be outside range [5, 10], got 7',
    ],
    [
      m,
      [{ closed: 1 }, { closed: 10 }],
      { closed: 11 },
      'closed',
      `${kind}.lte`,
      'must be inside range [1, 10], got 11',
    ],
    [
      m,
      [{ ignore_empty: 0 }, { ignore_empty: 6 }],
      { ignore_empty: 3 },
      'ignore_empty',
      `${kind}.gt`,
      'must be greater than 5, got 3',
    ],
  ];
}

describe('PGV numeric rules', () => {
  for (const kind of NUMERIC_KINDS) {
    describe(kind, () => runCases(numericCases(kind)));
  }

  it('compares 64-bit values exactly beyond 2^53', () => {
    expect(violations('Uint64Rules', { lte: '18446744073709551615' })).toEqual([
      {
        path: 'lte',
        rule: 'uint64.lte',
        message: 'uint64.lte: must be at most 10, got 18446744073709551615',
      },
    ]);
  });

  it('rejects NaN against a bound', () => {
    expect(violations('DoubleRules', { gt: 'NaN' }).map((e) => e.rule)).toEqual(['double.gt']);
  });
});

describe('PGV bool, string and bytes rules', () => {
  runCases([
    ['BoolRules', [{ const: true }], { const: false }, 'const', 'bool.const', 'must equal true, got false'],
    [
      'StringRules',
      [{ const: 'abc' }],
      { const: 'abd' },
      'const',
      'string.const',
      'must equal "abc", got "abd"',
    ],
    [
      'StringRules',
      [{ len: 'héé' }],
      { len: 'ab' },
      'len',
      'string.len',
      'must be exactly 3 characters, got 2',
    ],
    [
      'StringRules',
      [{ min_len: '☺☺' }],
      { min_len: 'é' },
      'min_len',
      'string.min_len',
      'must be at least 2 characters, got 1',
    ],
    [
      'StringRules',
      [{ max_len: 'ééé' }],
      { max_len: 'abcd' },
      'max_len',
      'string.max_len',
      'must be at most 3 characters, got 4',
    ],
    [
      'StringRules',
      [{ len_bytes: 'héx' }],
      { len_bytes: 'abc' },
      'len_bytes',
      'string.len_bytes',
      'must be exactly 4 bytes, got 3',
    ],
    [
      'StringRules',
      [{ min_bytes: 'é' }],
      { min_bytes: 'a' },
      'min_bytes',
      'string.min_bytes',
      'must be at least 2 bytes, got 1',
    ],
    [
      'StringRules',
      [{ max_bytes: 'abc' }],
      { max_bytes: 'éé' },
      'max_bytes',
      'string.max_bytes',
      'must be at most 3 bytes, got 4',
    ],
    [
      'StringRules',
      [{ pattern: 'AbC' }],
      { pattern: 'abc\n' },
      'pattern',
      'string.pattern',
      'must match RE2 pattern "(?i)^[a-z]+\\\\z", got "abc\\n"',
    ],
    [
      'StringRules',
      [{ prefix: 'foobar' }],
      { prefix: 'barfoo' },
      'prefix',
      'string.prefix',
      'must start with "foo", got "barfoo"',
    ],
    [
      'StringRules',
      [{ suffix: 'foobar' }],
      { suffix: 'barfoo' },
      'suffix',
      'string.suffix',
      'must end with "bar", got "barfoo"',
    ],
    [
      'StringRules',
      [{ contains: 'amidst' }],
      { contains: 'mixed' },
      'contains',
      'string.contains',
      'must contain "mid", got "mixed"',
    ],
    [
      'StringRules',
      [{ not_contains: 'good' }],
      { not_contains: 'badge' },
      'not_contains',
      'string.not_contains',
      'must not contain "bad", got "badge"',
    ],
    ['StringRules', [{ in: 'b' }], { in: 'c' }, 'in', 'string.in', 'must be one of ["a", "b"], got "c"'],
    [
      'StringRules',
      [{ not_in: 'c' }],
      { not_in: 'a' },
      'not_in',
      'string.not_in',
      'must not be one of ["a", "b"], got "a"',
    ],
    [
      'StringRules',
      [{ email: 'ops@example.com' }],
      { email: 'ops@' },
      'email',
      'string.email',
      'must be a valid email address (hostname labels must be 1 to 63 characters), got "ops@"',
    ],
    [
      'StringRules',
      [{ hostname: 'a-b.example.' }],
      { hostname: 'a_b.example' },
      'hostname',
      'string.hostname',
      'must be a valid hostname (hostname labels can only contain letters, digits and "-"), got "a_b.example"',
    ],
    [
      'StringRules',
      [{ ip: '10.0.0.1' }, { ip: '::1' }],
      { ip: '10.0.0.256' },
      'ip',
      'string.ip',
      'must be a valid IP address (not an IPv4 or IPv6 address), got "10.0.0.256"',
    ],
    [
      'StringRules',
      [{ ipv4: '10.0.0.1' }],
      { ipv4: '::1' },
      'ipv4',
      'string.ipv4',
      'must be a valid IPv4 address (not a dotted-quad IPv4 address), got "::1"',
    ],
    [
      'StringRules',
      [{ ipv6: 'fe80::1' }],
      { ipv6: '10.0.0.1' },
      'ipv6',
      'string.ipv6',
      'must be a valid IPv6 address (not an IPv6 address), got "10.0.0.1"',
    ],
    [
      'StringRules',
      [{ uri: 'https://example.com/x' }],
      { uri: '/x' },
      'uri',
      'string.uri',
      'must be an absolute URI (missing scheme), got "/x"',
    ],
    [
      'StringRules',
      [{ uri_ref: '/x?y#z' }],
      { uri_ref: '/x y' },
      'uri_ref',
      'string.uri_ref',
      'must be a URI reference (malformed path), got "/x y"',
    ],
    [
      'StringRules',
      [{ address: 'example.com' }, { address: '::1' }],
      { address: 'exa mple' },
      'address',
      'string.address',
      'must be a valid hostname or IP address (hostname labels can only contain letters, digits and "-"), got "exa mple"',
    ],
    [
      'StringRules',
      [{ uuid: '123e4567-e89b-12d3-a456-426614174000' }],
      { uuid: '123e4567' },
      'uuid',
      'string.uuid',
      'must be a valid UUID (not 8-4-4-4-12 hex digits), got "123e4567"',
    ],
    [
      'StringRules',
      [{ header_name: 'x-foo' }, { header_name: ':authority' }],
      { header_name: 'x foo' },
      'header_name',
      'string.well_known_regex',
      'must be a valid HTTP header name (HTTP_HEADER_NAME, strict: true), got "x foo"',
    ],
    [
      'StringRules',
      [{ header_value: 'a b\tc' }],
      { header_value: 'a\nb' },
      'header_value',
      'string.well_known_regex',
      'must be a valid HTTP header value (HTTP_HEADER_VALUE, strict: true), got "a\\nb"',
    ],
    [
      'StringRules',
      [{ loose_header: 'x foo' }],
      { loose_header: 'a\rb' },
      'loose_header',
      'string.well_known_regex',
      'must be a loosely valid HTTP header name (HTTP_HEADER_NAME, strict: false), got "a\\rb"',
    ],
    [
      'StringRules',
      [{ ignore_empty: '' }, { ignore_empty: 'abc' }],
      { ignore_empty: 'ab' },
      'ignore_empty',
      'string.min_len',
      'must be at least 3 characters, got 2',
    ],
    [
      'BytesRules',
      [{ const: b64('xy') }],
      { const: b64('xz') },
      'const',
      'bytes.const',
      'must equal base64 "eHk=", got base64 "eHo="',
    ],
    [
      'BytesRules',
      [{ len: b64('abc') }],
      { len: b64('ab') },
      'len',
      'bytes.len',
      'must be exactly 3 bytes, got 2',
    ],
    [
      'BytesRules',
      [{ min_len: b64('ab') }],
      { min_len: b64('a') },
      'min_len',
      'bytes.min_len',
      'must be at least 2 bytes, got 1',
    ],
    [
      'BytesRules',
      [{ max_len: b64('abc') }],
      { max_len: b64('abcd') },
      'max_len',
      'bytes.max_len',
      'must be at most 3 bytes, got 4',
    ],
    [
      'BytesRules',
      [{ pattern: b64('abc') }],
      { pattern: b64('ab1') },
      'pattern',
      'bytes.pattern',
      'must match RE2 pattern "^[a-z]+$", got "ab1"',
    ],
    [
      'BytesRules',
      [{ prefix: b64('xa') }],
      { prefix: b64('ax') },
      'prefix',
      'bytes.prefix',
      'must start with base64 "eA==", got base64 "YXg="',
    ],
    [
      'BytesRules',
      [{ suffix: b64('az') }],
      { suffix: b64('za') },
      'suffix',
      'bytes.suffix',
      'must end with base64 "eg==", got base64 "emE="',
    ],
    [
      'BytesRules',
      [{ contains: b64('cabd') }],
      { contains: b64('acbd') },
      'contains',
      'bytes.contains',
      'must contain base64 "YWI=", got base64 "YWNiZA=="',
    ],
    [
      'BytesRules',
      [{ in: b64('cd') }],
      { in: b64('ef') },
      'in',
      'bytes.in',
      'must be one of [base64 "YWI=", base64 "Y2Q="], got base64 "ZWY="',
    ],
    [
      'BytesRules',
      [{ not_in: b64('ef') }],
      { not_in: b64('ab') },
      'not_in',
      'bytes.not_in',
      'must not be one of [base64 "YWI=", base64 "Y2Q="], got base64 "YWI="',
    ],
    [
      'BytesRules',
      [{ ip: b64([10, 0, 0, 1]) }, { ip: b64(Array(16).fill(0)) }],
      { ip: b64([10, 0, 1]) },
      'ip',
      'bytes.ip',
      'must be an IP address (4 or 16 bytes), got 3 bytes',
    ],
    [
      'BytesRules',
      [{ ipv4: b64([10, 0, 0, 1]) }],
      { ipv4: b64(Array(16).fill(0)) },
      'ipv4',
      'bytes.ipv4',
      'must be an IPv4 address (4 bytes), got 16 bytes',
    ],
    [
      'BytesRules',
      [{ ipv6: b64(Array(16).fill(0)) }],
      { ipv6: b64([10, 0, 0, 1]) },
      'ipv6',
      'bytes.ipv6',
      'must be an IPv6 address (16 bytes), got 4 bytes',
    ],
    [
      'BytesRules',
      [{ ignore_empty: '' }, { ignore_empty: b64('abc') }],
      { ignore_empty: b64('ab') },
      'ignore_empty',
      'bytes.min_len',
      'must be at least 3 bytes, got 2',
    ],
  ]);

  it('fails closed on a text too large for RE2 to match', () => {
    expect(violations('StringRules', { pattern: 'a'.repeat(8 << 20) })).toEqual([
      {
        path: 'pattern',
        rule: 'string.pattern',
        message:
          'string.pattern: cannot evaluate RE2 pattern "(?i)^[a-z]+\\\\z": RE2 ran out of memory matching the text',
      },
    ]);
  });
});

describe('PGV enum and message rules', () => {
  runCases([
    ['EnumRules', [{ const: 'B' }], { const: 'A' }, 'const', 'enum.const', 'must equal B (2), got A (1)'],
    [
      'EnumRules',
      [{ defined_only: 'C' }],
      { defined_only: 7 },
      'defined_only',
      'enum.defined_only',
      'must be a defined value of trellis.test.pgv.Mode, got 7',
    ],
    ['EnumRules', [{ in: 'B' }], { in: 'C' }, 'in', 'enum.in', 'must be one of [A (1), B (2)], got C (3)'],
    [
      'EnumRules',
      [{ not_in: 'A' }],
      { not_in: 'C' },
      'not_in',
      'enum.not_in',
      'must not be one of [C (3)], got C (3)',
    ],
    ['MessageRules', [{ required: { name: 'x' } }], {}, 'required', 'message.required', 'value is required'],
    [
      'MessageRules',
      [{ required: { name: 'x' }, skipped: { name: '' } }],
      { required: { name: 'x' }, checked: { name: '' } },
      'checked.name',
      'string.min_len',
      'must be at least 1 characters, got 0',
    ],
    ['OneofRules', [{ a: '' }, { b: 1 }], {}, 'kind', 'oneof.required', 'exactly one of a, b must be set'],
    ['OneofRules', [{ a: 'x' }], { b: 0 }, 'b', 'int32.gt', 'must be greater than 0, got 0'],
  ]);

  it('checks nothing in or below a message with (validate.disabled) or (validate.ignored)', () => {
    expect(violations('HoldsSwitchedOff', { disabled: { name: '' }, ignored: { name: '' } })).toEqual([]);
  });

  it('checks an unset proto3 scalar as its default value, as PGV does', () => {
    expect(violations('Implicit', {})).toEqual([
      {
        path: 'name',
        rule: 'string.min_len',
        message: 'string.min_len: must be at least 1 characters, got 0',
      },
      { path: 'port', rule: 'uint32.gt', message: 'uint32.gt: must be greater than 0, got 0' },
    ]);
    expect(violations('Implicit', { name: 'n', port: 1, mode: 9 })).toEqual([
      {
        path: 'mode',
        rule: 'enum.defined_only',
        message: 'enum.defined_only: must be a defined value of trellis.test.pgv.Mode, got 9',
      },
    ]);
  });

  it('applies scalar rules to a wrapper only when it is set', () => {
    expect(violations('WrapperRules', {})).toEqual([]);
    expect(violations('WrapperRules', { port: 0, name: '' }).map((e) => [e.path, e.rule])).toEqual([
      ['port', 'uint32.gte'],
      ['name', 'string.min_len'],
    ]);
  });
});

describe('PGV repeated and map rules', () => {
  runCases([
    [
      'RepeatedMinItems',
      [{ items: ['a', 'b'] }],
      { items: ['a'] },
      'items',
      'repeated.min_items',
      'must be at least 2 items, got 1',
    ],
    [
      'RepeatedRules',
      [{ max_items: ['a', 'b'] }],
      { max_items: ['a', 'b', 'c'] },
      'max_items',
      'repeated.max_items',
      'must be at most 2 items, got 3',
    ],
    [
      'RepeatedRules',
      [{ unique: ['a', 'b'] }, { unique: ['1', '01'] }],
      { unique: ['a', 'b', 'a'] },
      'unique',
      'repeated.unique',
      'must contain unique items, but [2] repeats [0]',
    ],
    [
      'RepeatedRules',
      [{ unique_longs: ['1', 2] }],
      { unique_longs: ['1', 1] },
      'unique_longs',
      'repeated.unique',
      'must contain unique items, but [1] repeats [0]',
    ],
    [
      'RepeatedRules',
      [{ items: ['ab', 'cd'] }],
      { items: ['ab', 'c'] },
      'items[1]',
      'string.min_len',
      'must be at least 2 characters, got 1',
    ],
    [
      'RepeatedRules',
      [{ skipped: [{ name: '' }] }],
      { messages: [{ name: 'x' }, { name: '' }] },
      'messages[1].name',
      'string.min_len',
      'must be at least 1 characters, got 0',
    ],
    [
      'RepeatedRules',
      [{ ignore_empty: [] }, { ignore_empty: ['a', 'b'] }],
      { ignore_empty: ['a'] },
      'ignore_empty',
      'repeated.min_items',
      'must be at least 2 items, got 1',
    ],
    ['MapMinPairs', [{ pairs: { a: '' } }], {}, 'pairs', 'map.min_pairs', 'must be at least 1 pairs, got 0'],
    [
      'MapRules',
      [{ max_pairs: { a: '' } }],
      { max_pairs: { a: '', b: '' } },
      'max_pairs',
      'map.max_pairs',
      'must be at most 1 pairs, got 2',
    ],
    [
      'MapRules',
      [{ keys: { ab: '' } }],
      { keys: { a: '' } },
      'keys["a"]',
      'string.min_len',
      'must be at least 2 characters, got 1',
    ],
    [
      'MapRules',
      [{ values: { a: 'bc' } }],
      { values: { a: 'b' } },
      'values["a"]',
      'string.min_len',
      'must be at least 2 characters, got 1',
    ],
    [
      'MapRules',
      [{ int_keys: { '1': '' } }],
      { int_keys: { '0': '' } },
      'int_keys["0"]',
      'int32.gt',
      'must be greater than 0, got 0',
    ],
    [
      'MapRules',
      [{ messages: { k: { name: 'x' } } }],
      { messages: { k: { name: '' } } },
      'messages["k"].name',
      'string.min_len',
      'must be at least 1 characters, got 0',
    ],
    [
      'MapRules',
      [{ ignore_empty: {} }, { ignore_empty: { a: '', b: '' } }],
      { ignore_empty: { a: '' } },
      'ignore_empty',
      'map.min_pairs',
      'must be at least 2 pairs, got 1',
    ],
  ]);

  it('rejects an unset message value in a no_sparse map', () => {
    const type = testType('trellis.test.pgv.MapRules');
    expect(validateMessage(type, { no_sparse: { a: { name: 'x' }, b: null } })).toEqual([
      {
        path: 'no_sparse["b"]',
        rule: 'map.no_sparse',
        message: 'map.no_sparse: map values must not be unset',
      },
    ]);
  });
});

describe('PGV Any, Duration and Timestamp rules', () => {
  const inner = (name: string) => ({ '@type': INNER, name });
  const implicit = { '@type': IMPLICIT, name: 'n', port: 1 };
  runCases([
    ['AnyRequired', [{ any: inner('x') }], {}, 'any', 'any.required', 'value is required'],
    [
      'AnyRules',
      [{ in: inner('x') }],
      { in: implicit },
      'in',
      'any.in',
      `type URL must be one of ["${INNER}"], got "${IMPLICIT}"`,
    ],
    [
      'AnyRules',
      [{ not_in: implicit }],
      { not_in: inner('x') },
      'not_in',
      'any.not_in',
      `type URL must not be one of ["${INNER}"], got "${INNER}"`,
    ],
    [
      'AnyRules',
      [{ skipped: inner('') }],
      { contents: inner('') },
      'contents.name',
      'string.min_len',
      'must be at least 1 characters, got 0',
    ],
    ['DurationRequired', [{ d: '0s' }], {}, 'd', 'duration.required', 'value is required'],
    ['DurationRules', [{ const: '1s' }], { const: '2s' }, 'const', 'duration.const', 'must equal 1s, got 2s'],
    ['DurationRules', [{ lt: '0.999s' }], { lt: '1s' }, 'lt', 'duration.lt', 'must be less than 1s, got 1s'],
    [
      'DurationRules',
      [{ lte: '1s' }],
      { lte: '1.000000001s' },
      'lte',
      'duration.lte',
      'must be at most 1s, got 1.000000001s',
    ],
    [
      'DurationRules',
      [{ gt: '0.000000001s' }],
      { gt: '0s' },
      'gt',
      'duration.gt',
      'must be greater than 0s, got 0s',
    ],
    [
      'DurationRules',
      [{ gte: '0.001s' }],
      { gte: '0.000999999s' },
      'gte',
      'duration.gte',
      'must be at least 0.001s, got 0.000999999s',
    ],
    ['DurationRules', [{ in: '2s' }], { in: '3s' }, 'in', 'duration.in', 'must be one of [1s, 2s], got 3s'],
    [
      'DurationRules',
      [{ not_in: '2s' }],
      { not_in: '1s' },
      'not_in',
      'duration.not_in',
      'must not be one of [1s], got 1s',
    ],
    [
      'DurationRules',
      [{ range: '10s' }],
      { range: '-1s' },
      'range',
      'duration.gt',
      'must be inside range (0s, 10s], got -1s',
    ],
    [
      'TimestampRequired',
      [{ t: '1970-01-01T00:00:00Z' }],
      {},
      't',
      'timestamp.required',
      'value is required',
    ],
    [
      'TimestampRules',
      [{ const: '1970-01-01T00:16:40Z' }],
      { const: '1970-01-01T00:16:41Z' },
      'const',
      'timestamp.const',
      'must equal 1970-01-01T00:16:40Z, got 1970-01-01T00:16:41Z',
    ],
    [
      'TimestampRules',
      [{ lt: '1970-01-01T00:16:39Z' }],
      { lt: '1970-01-01T00:16:40Z' },
      'lt',
      'timestamp.lt',
      'must be less than 1970-01-01T00:16:40Z, got 1970-01-01T00:16:40Z',
    ],
    [
      'TimestampRules',
      [{ lte: '1970-01-01T00:16:40Z' }],
      { lte: '1970-01-01T00:16:40.5Z' },
      'lte',
      'timestamp.lte',
      'must be at most 1970-01-01T00:16:40Z, got 1970-01-01T00:16:40.500Z',
    ],
    [
      'TimestampRules',
      [{ gt: '1970-01-01T00:16:41Z' }],
      { gt: '1970-01-01T00:16:40Z' },
      'gt',
      'timestamp.gt',
      'must be greater than 1970-01-01T00:16:40Z, got 1970-01-01T00:16:40Z',
    ],
    [
      'TimestampRules',
      [{ gte: '1970-01-01T00:16:40Z' }],
      { gte: '1970-01-01T00:16:39Z' },
      'gte',
      'timestamp.gte',
      'must be at least 1970-01-01T00:16:40Z, got 1970-01-01T00:16:39Z',
    ],
  ]);

  it('checks lt_now, gt_now and within against the current time', () => {
    const past = '2000-01-01T00:00:00Z';
    const future = '2999-01-01T00:00:00Z';
    const now = new Date().toISOString();
    expect(violations('TimestampRules', { lt_now: past, gt_now: future, within: now })).toEqual([]);
    expect(
      violations('TimestampRules', { lt_now: future, gt_now: past, within: past }).map((e) => e.rule),
    ).toEqual(['timestamp.lt_now', 'timestamp.gt_now', 'timestamp.within']);
    expect(violations('TimestampRules', { within: past })[0]?.message).toMatch(
      /^timestamp\.within: must be within 3600s of now, got 2000-01-01T00:00:00Z$/,
    );
  });
});

describe('validateMessage', () => {
  it('validates a decoded protobufjs message as well as the converter output', () => {
    const type = testType('trellis.test.pgv.AnyRules');
    const converted = fromProtoJson(type, { contents: { '@type': INNER, name: '' } });
    if (!converted.ok) throw new Error('conversion failed');
    const decoded = type.decode(type.encode(converted.value).finish());
    expect(validateMessage(type, decoded)).toEqual(validateMessage(type, converted.value));
    expect(validateMessage(type, decoded).map((e) => e.path)).toEqual(['contents.name']);
  });
});
