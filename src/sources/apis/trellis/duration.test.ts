import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

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
