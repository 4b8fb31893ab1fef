import { describe, expect, it } from 'vitest';
import { parseByteSize, parseDurationMs } from './tuning-flags.js';

describe('parseDurationMs', () => {
  it('reads milliseconds, seconds, minutes and hours', () => {
    expect(parseDurationMs('100ms')).toEqual({ ok: true, value: 100 });
    expect(parseDurationMs('1s')).toEqual({ ok: true, value: 1000 });
    expect(parseDurationMs('1.5s')).toEqual({ ok: true, value: 1500 });
    expect(parseDurationMs('2m')).toEqual({ ok: true, value: 120_000 });
    expect(parseDurationMs('0')).toEqual({ ok: true, value: 0 });
    expect(parseDurationMs('24h')).toEqual({ ok: true, value: 86_400_000 });
  });

  it('rejects what is not a duration, saying what it expected', () => {
    for (const text of ['', '-1s', '1d', 'fast', '1 s x']) {
      const result = parseDurationMs(text);
      expect(result.ok).toBe(false);
      expect(result.ok ? '' : result.errors[0]).toContain('is not a duration like 100ms');
    }
  });
});

describe('parseByteSize', () => {
  it('reads bytes and binary units', () => {
    expect(parseByteSize('67108864')).toEqual({ ok: true, value: 64 * 1024 * 1024 });
    expect(parseByteSize('64Mi')).toEqual({ ok: true, value: 64 * 1024 * 1024 });
    expect(parseByteSize('512Ki')).toEqual({ ok: true, value: 512 * 1024 });
    expect(parseByteSize('1Gi')).toEqual({ ok: true, value: 1024 ** 3 });
    expect(parseByteSize('0')).toEqual({ ok: true, value: 0 });
  });

  it('rejects fractions, negative numbers and unknown units', () => {
    for (const text of ['1.5Mi', '-1', '64MB', 'lots']) expect(parseByteSize(text).ok).toBe(false);
  });
});
