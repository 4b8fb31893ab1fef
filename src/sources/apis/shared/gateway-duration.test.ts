import { describe, expect, it } from 'vitest';
import { parseDuration } from './gateway-duration.js';

describe('parseDuration (GEP-2257)', () => {
  it.each([
    ['0s', 0],
    ['500ms', 500],
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['01h', 3_600_000],
    ['1h30m30s500ms', 5_430_500],
    ['1ms1h', 3_600_001],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '1', '1.5s', '-1s', '1us', '1d', '123456h', '1h1m1s1ms1h', ' 1s', '1S'])(
    'rejects %j',
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );
});

describe('parseDuration', () => {
  it('reads Gateway API durations as milliseconds', () => {
    expect(parseDuration('1s')).toBe(1000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1h1m1s1ms')).toBe(3_661_001);
    expect(parseDuration('0s')).toBe(0);
  });

  it('rejects what the Gateway API format does not allow', () => {
    for (const text of ['', '1', '1.5s', '-1s', '1d', '1S', ' 1s', '123456s', '1s1s1s1s1s', '1us']) {
      expect(parseDuration(text), text).toBeUndefined();
    }
  });
});
