import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

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
