import { describe, expect, it } from 'vitest';
import { re2Problem } from './re2-syntax.js';

describe('re2Problem', () => {
  it('accepts what RE2 compiles, including the spellings only RE2 knows', () => {
    for (const pattern of [
      '/api/.*',
      '^(.*?;)?(type=insider)(;.*)?$',
      '(?i)/users/[0-9]+',
      '(?i:abc)def',
      '(?P<id>[a-z]+)',
      '[]a]',
      '[^]a]',
      '\\d{3}-\\d{1000}',
      '\\pL+',
      '\\x41\\.\\/',
      '',
    ]) {
      expect(re2Problem(pattern), pattern).toBeUndefined();
    }
  });

  it('rejects what RE2 does not support, saying why', () => {
    expect(re2Problem('a(?=b)')).toBe('lookahead (?= and (?! is not supported by RE2');
    expect(re2Problem('a(?!b)')).toBe('lookahead (?= and (?! is not supported by RE2');
    expect(re2Problem('(?<=a)b')).toBe('lookbehind (?<= and (?<! is not supported by RE2');
    expect(re2Problem('(a)\\1')).toBe('backreferences (\\1) are not supported by RE2');
    expect(re2Problem('\\u0041')).toBe('the escape \\u is not supported by RE2');
    expect(re2Problem('a{1001}')).toBe('repetition counts above 1000 are not supported by RE2');
    expect(re2Problem('a{2,5000}')).toBe('repetition counts above 1000 are not supported by RE2');
    expect(re2Problem('x'.repeat(1025))).toBe('must be at most 1024 characters');
  });

  it('rejects what does not compile at all', () => {
    expect(re2Problem('(')).toBe('unterminated group');
    expect(re2Problem('*a')).toBe('nothing to repeat');
    expect(re2Problem('[a')).toBe('unterminated character class');
  });

  it('treats an escaped backslash before a digit as a literal, and digits in a class as a class', () => {
    expect(re2Problem('\\\\1')).toBeUndefined();
    expect(re2Problem('[\\1]')).toBeUndefined();
  });
});
