import { describe, expect, it } from 'vitest';
import { translateRe2 } from './re2-regex.js';

function matches(pattern: string, text: string): boolean {
  const t = translateRe2(pattern);
  if ('error' in t) throw new Error(t.error);
  return t.regex.test(text);
}

describe('translateRe2', () => {
  it('searches unanchored, as PGV does', () => {
    expect(matches('b+', 'abbbc')).toBe(true);
    expect(matches('^[^?#]+[^?#/]$', '/api/v1')).toBe(true);
    expect(matches('^[^?#]+[^?#/]$', '/api/')).toBe(false);
  });

  it('applies a leading (?i), and a scoped or mid-pattern one only where it reaches', () => {
    expect(matches('(?i)^abc$', 'ABC')).toBe(true);
    expect(matches('^a(?i:b)c$', 'aBc')).toBe(true);
    expect(matches('^a(?i:b)c$', 'aBC')).toBe(false);
    expect(matches('^a(?i)bc$', 'aBC')).toBe(true);
    expect(matches('^(?i)[a-c]+$', 'AbC')).toBe(true);
    expect(matches('^(x(?i)y)z$', 'xYz')).toBe(true);
    expect(matches('^(x(?i)y)z$', 'xYZ')).toBe(false);
  });

  it('reads \\A and \\z as text boundaries, also under (?m)', () => {
    expect(matches('\\Aab\\z', 'ab')).toBe(true);
    expect(matches('(?m)\\Aab\\z', 'x\nab')).toBe(false);
    expect(matches('(?m)^ab$', 'x\nab\ny')).toBe(true);
    expect(matches('^ab$', 'x\nab')).toBe(false);
  });

  it('keeps RE2 meanings where JavaScript differs', () => {
    expect(matches('^.$', '\r')).toBe(true);
    expect(matches('^.$', '\n')).toBe(false);
    expect(matches('(?s)^.$', '\n')).toBe(true);
    expect(matches('^\\s$', '\u00a0')).toBe(false);
    expect(matches('^[\\S]$', '\u00a0')).toBe(true);
    expect(matches('^a{,2}$', 'a{,2}')).toBe(true);
  });

  it('understands RE2-only syntax', () => {
    expect(matches('^(?P<word>\\w+)$', 'hi')).toBe(true);
    expect(matches('^[[:alpha:]]+$', 'abC')).toBe(true);
    expect(matches('^[[:^digit:]]+$', 'ab')).toBe(true);
    expect(matches('^[[:^digit:]]+$', 'a1')).toBe(false);
    expect(matches('^\\pL+$', 'héllo')).toBe(true);
    expect(matches('^\\p{Greek}+$', 'αβ')).toBe(true);
    expect(matches('^\\Qa.b\\E$', 'a.b')).toBe(true);
    expect(matches('^\\Qa.b\\E$', 'axb')).toBe(false);
    expect(matches('^\\x{263a}\\x41\\101$', '☺AA')).toBe(true);
    expect(matches('^\\-\\#\\:$', '-#:')).toBe(true);
  });

  it.each([
    ['(a)\\1', 'backreferences'],
    ['(?=a)', 'unsupported group syntax'],
    ['(?U)a*', 'ungreedy'],
    ['a{1001}', 'above 1000'],
    ['\\C', 'any byte'],
    ['\\Z', 'not RE2'],
    ['(a', 'missing closing )'],
    ['[a', 'missing closing ]'],
    ['[z-a]', 'out of order'],
  ])('refuses %s rather than guess', (pattern, reason) => {
    const t = translateRe2(pattern);
    expect('error' in t && t.error).toContain(reason);
  });
});
