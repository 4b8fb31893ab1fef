import { describe, expect, it } from 'vitest';
import {
  decodeBase64,
  durationNanos,
  formatDuration,
  formatFieldMask,
  formatTimestamp,
  parseDuration,
  parseFieldMask,
  parseTimestamp,
  shortestFloat32,
  toBigInt,
} from './json-scalars.js';

describe('durations', () => {
  it.each([
    ['1.5s', 1n, 500_000_000],
    ['-0.000000001s', 0n, -1],
    ['-1.25s', -1n, -250_000_000],
    ['315576000000s', 315576000000n, 0],
    ['0s', 0n, 0],
  ])('parses %s', (text, seconds, nanos) => {
    expect(parseDuration(text)).toEqual({ value: { seconds, nanos } });
  });

  it.each([
    '1',
    '1.s',
    '.5s',
    '1.5 s',
    '+1s',
    '1e3s',
    '1.1234567890s',
    '315576000000.000000001s',
    '-315576000001s',
  ])('refuses %s', (text) => {
    expect(parseDuration(text)).toHaveProperty('error');
  });

  it.each([
    [1_500_000_000n, '1.500s'],
    [-1n, '-0.000000001s'],
    [3_000_000_000n, '3s'],
    [1_000n, '0.000001s'],
  ])('formats %s ns as %s', (nanos, text) => {
    expect(formatDuration(nanos)).toBe(text);
  });

  it('reads {seconds, nanos} from numbers, strings and Longs', () => {
    expect(durationNanos({ seconds: '2', nanos: 5 })).toBe(2_000_000_005n);
    expect(durationNanos({ seconds: { low: 1, high: 0, unsigned: false } })).toBe(1_000_000_000n);
    expect(durationNanos({})).toBe(0n);
  });
});

describe('timestamps', () => {
  it('parses the RFC 3339 forms and formats back in UTC', () => {
    const parsed = parseTimestamp('1970-01-01T00:00:01.5+00:00');
    expect(parsed).toEqual({ value: { seconds: 1n, nanos: 500_000_000 } });
    expect(formatTimestamp(1_500_000_000n)).toBe('1970-01-01T00:00:01.500Z');
    expect(formatTimestamp(-1n)).toBe('1969-12-31T23:59:59.999999999Z');
  });

  it('accepts the range ends and refuses beyond them', () => {
    expect(parseTimestamp('0001-01-01T00:00:00Z')).toEqual({ value: { seconds: -62135596800n, nanos: 0 } });
    expect(parseTimestamp('9999-12-31T23:59:59.999999999Z')).toHaveProperty('value');
    expect(parseTimestamp('9999-12-31T23:59:59-01:00')).toHaveProperty('error');
  });

  it.each([
    '2024-13-01T00:00:00Z',
    '2024-04-31T00:00:00Z',
    '2024-01-01T24:00:00Z',
    '2024-01-01T00:00:00',
    '2024-01-01t00:00:00z',
  ])('refuses %s', (text) => {
    expect(parseTimestamp(text)).toHaveProperty('error');
  });
});

describe('other scalar forms', () => {
  it('decodes both base64 alphabets, padded or not, and refuses a mix', () => {
    expect([...(decodeBase64('+/8=') ?? [])]).toEqual([0xfb, 0xff]);
    expect([...(decodeBase64('-_8') ?? [])]).toEqual([0xfb, 0xff]);
    expect(decodeBase64('+_8=')).toBeUndefined();
    expect(decodeBase64('abc=d')).toBeUndefined();
    expect(decodeBase64('a')).toBeUndefined();
  });

  it('prints floats as the shortest decimal that reads back the same float32', () => {
    expect(shortestFloat32(Math.fround(0.1))).toBe(0.1);
    expect(shortestFloat32(Math.fround(3.4e38))).toBe(3.4e38);
  });

  it('converts field masks between lowerCamel and snake_case', () => {
    expect(parseFieldMask('fooBar,a.bC')).toEqual({ value: ['foo_bar', 'a.b_c'] });
    expect(parseFieldMask('')).toEqual({ value: [] });
    expect(parseFieldMask('a,,b')).toHaveProperty('error');
    expect(formatFieldMask(['foo_bar', 'a.b_c'])).toBe('fooBar,a.bC');
  });

  it('reads integers from every form protobufjs and callers use', () => {
    expect(toBigInt('-5')).toBe(-5n);
    expect(toBigInt(5)).toBe(5n);
    expect(toBigInt(5.5)).toBeUndefined();
    expect(toBigInt({ low: -1, high: -1, unsigned: true })).toBe(2n ** 64n - 1n);
    expect(toBigInt({ low: -1, high: -1, unsigned: false })).toBe(-1n);
  });
});
