import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { compileRe2, MAX_PATTERN_LENGTH, Re2EngineError, re2Message, re2Problem } from './re2.js';

// One corpus, each pattern with RE2's verdict written out: undefined (compiles) or RE2's message.
// The groups say how JavaScript's RegExp reads the same text, and the tests check that too, so the
// corpus keeps covering the places where a JavaScript-based guess goes wrong.

/** JavaScript compiles these; RE2 refuses them. */
const JS_ONLY: readonly (readonly [string, string])[] = [
  ['(a)\\1', 'invalid escape sequence: \\1'],
  ['\\8', 'invalid escape sequence: \\8'],
  ['a\\k<n>', 'invalid escape sequence: \\k'],
  ['(?=x)', 'invalid perl operator: (?='],
  ['a(?!b)', 'invalid perl operator: (?!'],
  ['(?<=x)a', 'invalid perl operator: (?<'],
  ['(?<!x)a', 'invalid perl operator: (?<'],
  ['\\Z', 'invalid escape sequence: \\Z'],
  ['\\u0041', 'invalid escape sequence: \\u'],
  ['\\cA', 'invalid escape sequence: \\c'],
  ['[\\b]', 'invalid escape sequence: \\b'],
  ['a{1001}', 'invalid repetition size: {1001}'],
  ['(a{100}){11}', 'invalid repetition size: {11}'],
  ['\\p{Klingon}', 'invalid character class range: \\p{Klingon}'],
  ['[[:alfa:]]', 'invalid character class range: [:alfa:]'],
];

/** Both refuse. */
const NEITHER: readonly (readonly [string, string])[] = [
  ['a++', 'bad repetition operator: ++'],
  ['a*+', 'bad repetition operator: *+'],
  ['(?>a)', 'invalid perl operator: (?>'],
  ['(?#comment)', 'invalid perl operator: (?#'],
  ['(?i-:a)', 'invalid perl operator: (?i-:'],
  ['(a', 'missing ): (a'],
  ['a)', 'unexpected ): a)'],
  ['*a', 'no argument for repetition operator: *'],
  ['[z-a]', 'invalid character class range: z-a'],
  ['a{3,2}', 'invalid repetition size: {3,2}'],
  ['[a', 'missing ]: [a'],
  ['a\\', 'trailing \\'],
];

/** RE2 compiles these; JavaScript refuses them, or matches `text` differently from RE2. */
const RE2_ONLY: readonly (readonly [string, string | undefined])[] = [
  ['(?P<name>x)', undefined],
  ['(?i)abc', undefined],
  ['(?s:.)', undefined],
  ['(?U)a*', undefined],
  ['^*$+', undefined],
  ['\\pL', 'é'],
  ['\\p{Greek}+', 'αβ'],
  ['[[:alpha:]]+', 'a'],
  ['\\Qa.b\\E', 'a.b'],
  ['\\Aab\\z', 'ab'],
  ['\\x{263a}', '☺'],
  ['\\C', 'x'],
  ['[]a]', ']'],
  ['[^]a]', 'b'],
];

/** Both compile them, and read them alike. */
const BOTH = [
  '',
  '/api/.*',
  '/api/v[0-9]+/.*',
  '^(.*?;)?(type=insider)(;.*)?$',
  '\\_',
  'x{,3}',
  'a{1000}',
  '(a{10}){100}',
  '\\(?=x',
  '\\0\\012\\123',
];

/** Where Trellis's verdict is not re2-wasm's as it ships (see re2.ts). */
const TRELLIS_ONLY: readonly (readonly [string, string | undefined])[] = [
  // RE2 reads (?<name>) as (?P<name>) since 2023-08; re2-wasm's copy is older.
  ['(?<id>\\d+)', undefined],
  ['(?<a>x)(?P<b>y)', undefined],
  ['(?<n', 'invalid named capture group: (?<n'],
  // gRPC clients refuse a name given twice.
  ['(?P<a>x)(?P<a>y)', 'duplicate capture group name "a" (RE2 takes it, gRPC clients refuse it)'],
  ['(?<a>x)(?<a>y)', 'duplicate capture group name "a" (RE2 takes it, gRPC clients refuse it)'],
];

const require = createRequire(import.meta.url);
// re2-wasm's own instance, as `require('re2-wasm')` loads it: the engine with nothing in between.
const shipped = require('re2-wasm/build/wasm/re2.js') as {
  WrappedRE2: new (
    pattern: string,
    ignoreCase: boolean,
    multiline: boolean,
    dotAll: boolean,
  ) => { ok(): boolean; error(): string; delete(): void };
};

function shippedVerdict(pattern: string): string | undefined {
  const re = new shipped.WrappedRE2(pattern, false, false, false);
  try {
    return re.ok() ? undefined : re.error();
  } finally {
    re.delete();
  }
}

function jsCompiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

describe('re2Problem', () => {
  it.each(JS_ONLY)('refuses %j, which JavaScript compiles: %s', (pattern, problem) => {
    expect(jsCompiles(pattern)).toBe(true);
    expect(re2Problem(pattern)).toBe(problem);
    expect(shippedVerdict(pattern)).toBe(problem);
  });

  it.each(NEITHER)('refuses %j, as JavaScript does: %s', (pattern, problem) => {
    expect(jsCompiles(pattern)).toBe(false);
    expect(re2Problem(pattern)).toBe(problem);
    expect(shippedVerdict(pattern)).toBe(problem);
  });

  it.each(RE2_ONLY)('accepts %j, which JavaScript refuses or reads otherwise', (pattern, text) => {
    expect(re2Problem(pattern)).toBeUndefined();
    expect(shippedVerdict(pattern)).toBeUndefined();
    if (text === undefined) {
      expect(jsCompiles(pattern)).toBe(false);
    } else {
      const re2 = compileRe2(`^(?:${pattern})$`);
      expect('test' in re2 && re2.test(text)).toBe(true);
      expect(jsCompiles(pattern) && new RegExp(`^(?:${pattern})$`).test(text)).toBe(false);
    }
  });

  it.each(BOTH)('accepts %j, as JavaScript does', (pattern) => {
    expect(jsCompiles(pattern)).toBe(true);
    expect(re2Problem(pattern)).toBeUndefined();
    expect(shippedVerdict(pattern)).toBeUndefined();
  });

  it.each(TRELLIS_ONLY)('gives %j its own verdict: %s', (pattern, problem) => {
    expect(re2Problem(pattern)).toBe(problem);
    expect(shippedVerdict(pattern)).not.toBe(problem);
  });

  it(`refuses a pattern longer than ${MAX_PATTERN_LENGTH} characters without compiling it`, () => {
    expect(re2Problem('x'.repeat(MAX_PATTERN_LENGTH))).toBeUndefined();
    expect(re2Problem('x'.repeat(MAX_PATTERN_LENGTH + 1))).toBe(
      `has ${MAX_PATTERN_LENGTH + 1} characters, more than the ${MAX_PATTERN_LENGTH} Trellis compiles`,
    );
  });

  it('refuses a pattern whose program is too large for the engine, and the engine lives on', () => {
    const tooLarge = 'too large: RE2 runs out of memory compiling it (its program would not fit in 16 MiB)';
    expect(re2Problem('\\pL{1000}')).toBe(tooLarge);
    expect(re2Problem('(?:x{1000}){1000}')).toBe('invalid repetition size: {1000}');
    expect(re2Problem('(a')).toBe('missing ): (a');
    expect(re2Problem('a{1000}b')).toBeUndefined();
  });

  it('compiles thousands of nested groups (RE2 sets no depth limit of its own)', () => {
    expect(re2Problem(`${'('.repeat(2048)}${')'.repeat(2048)}`)).toBeUndefined();
  });
});

describe('re2Message', () => {
  it("words every family's message alike, in RE2's words", () => {
    expect(re2Message('a(?=b)')).toBe('must be an RE2 regular expression: invalid perl operator: (?=');
    expect(re2Message('a+')).toBeUndefined();
  });
});

describe('compileRe2', () => {
  function matches(pattern: string, text: string): boolean {
    const re = compileRe2(pattern);
    if ('error' in re) throw new Error(re.error);
    return re.test(text);
  }

  it('searches unanchored, as PGV does', () => {
    expect(matches('b+', 'abbbc')).toBe(true);
    expect(matches('^[^?#]+[^?#/]$', '/api/v1')).toBe(true);
    expect(matches('^[^?#]+[^?#/]$', '/api/')).toBe(false);
  });

  it('applies inline flags where they reach', () => {
    expect(matches('(?i)^abc$', 'ABC')).toBe(true);
    expect(matches('^a(?i:b)c$', 'aBc')).toBe(true);
    expect(matches('^a(?i:b)c$', 'aBC')).toBe(false);
    expect(matches('^(x(?i)y)z$', 'xYZ')).toBe(false);
    expect(matches('(?s)^.$', '\n')).toBe(true);
  });

  it("keeps RE2's meanings where JavaScript's differ", () => {
    expect(matches('^.$', '\r')).toBe(true);
    expect(matches('^.$', '\n')).toBe(false);
    expect(matches('^\\s$', '\u00a0')).toBe(false);
    expect(matches('^a{,2}$', 'a{,2}')).toBe(true);
    expect(matches('(?m)\\Aab\\z', 'x\nab')).toBe(false);
    expect(matches('^(?<word>\\w+)$', 'hi')).toBe(true);
  });

  it('throws Re2EngineError for a text too large for the engine, and the engine lives on', () => {
    expect(() => matches('^a+$', 'a'.repeat(8 << 20))).toThrow(Re2EngineError);
    expect(matches('^a+$', 'aaa')).toBe(true);
  });

  it('says why it will not compile a pattern', () => {
    expect(compileRe2('(?=a)')).toEqual({ error: 'invalid perl operator: (?=' });
  });
});
