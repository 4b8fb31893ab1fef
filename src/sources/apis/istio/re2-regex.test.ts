import { describe, expect, it } from 'vitest';
import { re2Problem } from './re2-regex.js';

describe('re2Problem', () => {
  it('accepts RE2 syntax that JavaScript spells differently', () => {
    for (const pattern of [
      '^/api/v[0-9]+/.*',
      '(?i)/Login',
      '(?i:abc)d',
      '(?P<id>\\d+)',
      '[[:alpha:]]+',
      '\\Aabc\\z',
      '\\(?=x',
    ]) {
      expect(re2Problem(pattern), pattern).toBeUndefined();
    }
  });

  it('refuses what RE2 lacks, which JavaScript would accept', () => {
    expect(re2Problem('foo(?=bar)')).toBe(
      'must be an RE2 regular expression; RE2 has no lookahead or lookbehind',
    );
    expect(re2Problem('(?<!x)y')).toBe(
      'must be an RE2 regular expression; RE2 has no lookahead or lookbehind',
    );
    expect(re2Problem('(a)\\1')).toBe('must be an RE2 regular expression; RE2 has no backreferences');
  });

  it('refuses a pattern that does not compile, saying why', () => {
    expect(re2Problem('/api/(v1')).toBe('must be an RE2 regular expression (Unterminated group)');
    expect(re2Problem('*')).toBe('must be an RE2 regular expression (Nothing to repeat)');
  });
});
