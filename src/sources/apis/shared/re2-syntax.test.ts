import { describe, expect, it } from 'vitest';
import { re2Message, re2Problem } from './re2-syntax.js';

describe('re2Problem', () => {
  it.each([
    '',
    '/api/.*',
    '/api/v[0-9]+/.*',
    '^(.*?;)?(type=insider)(;.*)?$',
    '(?i)/Admin',
    '(?i:abc)def',
    '(?s-i:a.b)',
    '(?)',
    'x(?i)*',
    '(?P<id>[0-9]+)',
    '(?<id>\\d+)',
    '[[:alpha:]]+',
    '[[:^digit:]_]',
    '\\Q1+1=2\\E',
    '\\Q(unterminated',
    '\\Afoo\\z',
    '\\bword\\B',
    '^*$+',
    '\\C',
    '[]a]',
    '[^]a]',
    '[(?=]',
    'a{2,5}',
    'a{1000}',
    '(a{10}){100}',
    'x{,3}',
    'a{',
    '\\d{3}-\\d{1000}',
    '\\pL+\\p{Greek}\\P{^Latin}\\p{Any}',
    '\\x41\\x{10FFFF}\\.\\/',
    '\\0\\012\\123',
    '\\a\\f\\t\\n\\r\\v',
    '\\(?=x',
    '\\\\1',
  ])('accepts the RE2 pattern %j', (pattern) => {
    expect(re2Problem(pattern)).toBeUndefined();
  });

  it.each([
    ['(?=a)', 'lookahead and lookbehind are not supported by RE2'],
    ['a(?!b)', 'lookahead and lookbehind are not supported by RE2'],
    ['(?<!a)b', 'lookahead and lookbehind are not supported by RE2'],
    ['(?<=a)b', 'lookahead and lookbehind are not supported by RE2'],
    ['(a)\\1', 'backreference \\1 is not supported by RE2'],
    ['[\\1]', 'backreference \\1 is not supported by RE2'],
    ['\\8', 'backreference \\8 is not supported by RE2'],
    ['(?<n>a)\\k<n>', 'backreference \\k is not supported by RE2'],
    ['(?P<n>a)(?P=n)', 'backreference (?P=name) is not supported by RE2'],
    ['(?>a)', 'unsupported group syntax "(?>a"'],
    ['(?#comment)', 'unsupported group syntax "(?#c"'],
    ['(?-)', 'unsupported group syntax "(?-)"'],
    ['(?i-:a)', 'unsupported group syntax "(?i-"'],
    ['(?P<a>x)(?P<a>y)', 'duplicate group name "a"'],
    ['a{1001}', "repetition count above 1000 in {1001} (RE2's limit)"],
    ['a{2,5000}', "repetition count above 1000 in {2,5000} (RE2's limit)"],
    ['(a{100}){11}', "nested repetition counts multiply past 1000 at {11} (RE2's limit)"],
    ['\\u0041', 'the escape \\u is not supported by RE2'],
    ['\\cA', 'the escape \\c is not supported by RE2'],
    ['\\Z', 'the escape \\Z is not supported by RE2'],
    ['\\E', 'the escape \\E is not supported by RE2'],
    ['\\_', 'the escape \\_ is not supported by RE2'],
    ['[\\b]', 'the escape \\b is not supported by RE2 inside [...]'],
    ['[\\Qa\\E]', 'the escape \\Q is not supported by RE2 inside [...]'],
    ['\\xZ', 'the escape \\x must be \\xHH or \\x{H…} up to 10FFFF'],
    ['\\x{110000}', 'the escape \\x must be \\xHH or \\x{H…} up to 10FFFF'],
    ['\\p{Klingon}', 'unknown Unicode class \\p{Klingon}'],
    ['[[:alfa:]]', 'unknown POSIX class [:alfa:]'],
    ['[a-', 'has a [ without its closing ]'],
    ['[^]', 'has a [ without its closing ]'],
    ['a\\', 'ends with a lone backslash'],
  ])('rejects %j: %s', (pattern, problem) => {
    expect(re2Problem(pattern)).toBe(problem);
  });

  it('lets JavaScript report the syntax both share', () => {
    expect(re2Problem('(a')).toBe('unterminated group');
    expect(re2Problem('a)')).toBe("unmatched ')'");
    expect(re2Problem('*a')).toBe('nothing to repeat');
    expect(re2Problem('a**')).toBe('nothing to repeat');
    expect(re2Problem('(?i)*')).toBe('nothing to repeat');
    expect(re2Problem('[z-a]')).toBe('range out of order in character class');
    expect(re2Problem('a{3,2}')).toBe('numbers out of order in {} quantifier');
  });

  it('sets no length limit of its own: RE2 has none, and fields set theirs', () => {
    expect(re2Problem('x'.repeat(5000))).toBeUndefined();
  });
});

describe('re2Message', () => {
  it("words every family's message alike, naming the problem", () => {
    expect(re2Message('a(?=b)')).toBe(
      'must be an RE2 regular expression: lookahead and lookbehind are not supported by RE2',
    );
    expect(re2Message('a+')).toBeUndefined();
  });
});
