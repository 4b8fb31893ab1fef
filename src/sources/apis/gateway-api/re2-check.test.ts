import { describe, expect, it } from 'vitest';
import { re2Problem } from './re2-check.js';

describe('re2Problem', () => {
  it.each([
    '/api/v[0-9]+/.*',
    '(?i)/Admin',
    '(?i:abc)def',
    '(?P<id>[0-9]+)',
    '[[:alpha:]]+',
    '\\Q1+1=2\\E',
    '\\Afoo\\z',
    '[]a]',
    'a{2,5}',
    'x{,3}',
  ])('accepts the RE2 pattern %j', (pattern) => {
    expect(re2Problem(pattern)).toBeUndefined();
  });

  it.each([
    ['(?=a)', 'lookahead and lookbehind are not supported by RE2'],
    ['(?<!a)b', 'lookahead and lookbehind are not supported by RE2'],
    ['(a)\\1', 'backreference \\1 is not supported by RE2'],
    ['(?<n>a)\\k<n>', '\\k (named backreference) is not supported by RE2'],
    ['(?>a)', 'atomic groups are not supported by RE2'],
    ['a{1001}', 'repetition count above 1000 is not supported by RE2'],
    ['a{3,2}', 'repetition range {3,2} is backwards'],
    ['[a-', 'has a [ without its closing ]'],
    ['a\\', 'ends with a lone backslash'],
    ['(?#comment)', 'unsupported group syntax "(?#c"'],
  ])('rejects %j: %s', (pattern, problem) => {
    expect(re2Problem(pattern)).toBe(problem);
  });

  it('lets RegExp report plain syntax errors', () => {
    expect(re2Problem('(a')).toMatch(/Unterminated group/);
    expect(re2Problem('a**')).toMatch(/Nothing to repeat/);
  });
});
