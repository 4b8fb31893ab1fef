import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads protobuf and Go durations as whole milliseconds', () => {
    const cases: [string, number][] = [
      ['0', 0],
      ['0s', 0],
      ['1s', 1000],
      ['1.5s', 1500],
      ['0.1s', 100],
      ['.25s', 250],
      ['500ms', 500],
      ['1m30s', 90_000],
      ['2h45m', 9_900_000],
      ['1h2m3.5s', 3_723_500],
      ['1000000ns', 1],
      ['2000us', 2],
      ['3000µs', 3],
    ];
    for (const [text, ms] of cases) expect(parseDuration(text), text).toEqual({ ok: true, ms });
  });

  it('refuses negative, sub-millisecond and malformed durations with the reason', () => {
    expect(parseDuration('-1s')).toEqual({ ok: false, message: 'must not be negative' });
    expect(parseDuration('1.5ms')).toEqual({ ok: false, message: 'must be a whole number of milliseconds' });
    expect(parseDuration('999999999999999s')).toEqual({
      ok: false,
      message: 'must be at most 315576000000s',
    });
    for (const text of ['', '1', 's', '1x', '1 s', '1s ', 'ms', '.s', '1d', 'one second']) {
      expect(parseDuration(text), text).toEqual({
        ok: false,
        message: 'must be a duration such as "1s", "500ms" or "1m30s"',
      });
    }
  });
});
