import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  compileRe2,
  MAX_PATTERN_LENGTH,
  MAX_PROGRAM_SIZE,
  MEASURED_UP_TO,
  Re2EngineError,
  re2Message,
  re2Problem,
  re2ProgramSize,
} from './re2.js';

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
  ['\\p{Cyrillic}', 'ж'],
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
  'a{95}',
  '(a{3}){19}',
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

/** RE2 compiles these, but Envoy refuses the program: larger than MAX_PROGRAM_SIZE. */
const TOO_LARGE_FOR_ENVOY: readonly (readonly [string, string])[] = [
  ['a{1000}', 'has 1004 instructions'],
  ['(a{10}){100}', 'has 1204 instructions'],
  ['a{97}', 'has 101 instructions'],
  ['\\pL', "has up to 1468 instructions with RE2's current Unicode tables"],
];

const require = createRequire(import.meta.url);
// re2-wasm as @grpc/grpc-js-xds loads it: a gRPC client's engine, with nothing in between. Trellis's
// engine is a build of the same RE2 (2020-10-26) that also takes max_mem.
const shipped = createRequire(require.resolve('@grpc/grpc-js-xds'))('re2-wasm/build/wasm/re2.js') as {
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

  it.each(TOO_LARGE_FOR_ENVOY)('refuses %j, which RE2 compiles: the program %s', (pattern, size) => {
    expect(jsCompiles(pattern)).toBe(true);
    expect(shippedVerdict(pattern)).toBeUndefined();
    expect('test' in compileRe2(pattern)).toBe(true);
    expect(re2Problem(pattern)).toBe(
      `the RE2 program of this pattern ${size}, more than the ${MAX_PROGRAM_SIZE} Envoy accepts (runtime key re2.max_program_size.error_level)`,
    );
  });

  it.each(TRELLIS_ONLY)('gives %j its own verdict: %s', (pattern, problem) => {
    expect(re2Problem(pattern)).toBe(problem);
    expect(shippedVerdict(pattern)).not.toBe(problem);
  });

  it(`refuses a pattern longer than ${MAX_PATTERN_LENGTH} characters without compiling it`, () => {
    // A literal prefix after ^ is no part of the program: RE2 looks for it with memchr.
    expect(re2Problem(`^${'x'.repeat(MAX_PATTERN_LENGTH - 1)}`)).toBeUndefined();
    expect(re2Problem('x'.repeat(MAX_PATTERN_LENGTH + 1))).toBe(
      `has ${MAX_PATTERN_LENGTH + 1} characters, more than the ${MAX_PATTERN_LENGTH} Trellis compiles`,
    );
  });

  it('refuses a huge program without compiling it whole', () => {
    const huge = `RE2 compiles this pattern to more than ${MEASURED_UP_TO} instructions, more than the ${MAX_PROGRAM_SIZE} Envoy accepts (runtime key re2.max_program_size.error_level)`;
    // Stopped at MEASURED_UP_TO instructions (the message says so), not compiled whole, which
    // takes seconds for \pL{100}.
    for (const pattern of ['\\pL{1000}', '\\pL{100}', '.{1000}']) expect(re2Problem(pattern)).toBe(huge);
    expect(re2Problem('(?:x{1000}){1000}')).toBe('invalid repetition size: {1000}');
    expect(re2Problem('(a')).toBe('missing ): (a');
    expect(re2Problem('a{95}b')).toBeUndefined();
  });

  it('compiles thousands of nested groups (RE2 sets no depth limit of its own)', () => {
    const pattern = `${'('.repeat(2048)}${')'.repeat(2048)}`;
    expect(re2ProgramSize(pattern)).toEqual({ instructions: 4100 });
    expect(re2Problem(pattern)).toMatch(/^the RE2 program of this pattern has 4100 instructions/);
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

  it('compiles a program too large for Envoy, and says when it is too large for the engine', () => {
    expect(matches('^\\pL{100}$', 'é'.repeat(100))).toBe(true);
    // RE2 refuses it (max_mem), or the engine runs out of heap first.
    expect(compileRe2('\\pL{1000}')).toHaveProperty('error', expect.stringMatching(/too large/));
    expect(matches('^a+$', 'aaa')).toBe(true);
  });

  it('throws Re2EngineError for a text too large for the engine, and the engine lives on', () => {
    expect(() => matches('^a+$', 'a'.repeat(8 << 20))).toThrow(Re2EngineError);
    expect(matches('^a+$', 'aaa')).toBe(true);
  });

  it('says why it will not compile a pattern', () => {
    expect(compileRe2('(?=a)')).toEqual({ error: 'invalid perl operator: (?=' });
  });
});

describe('re2ProgramSize', () => {
  // RE2's own ProgramSize() of each pattern of test/re2-program-size/patterns.txt, printed by RE2
  // (Debian's libre2, newer than the engine's: see the README there).
  const fixture = JSON.parse(
    readFileSync(new URL('../test/re2-program-size/testdata/program-sizes.json', import.meta.url), 'utf8'),
  ) as {
    re2: string;
    patterns: { pattern: string; programSize?: number; error?: string }[];
  };
  const measured = fixture.patterns.filter((p) => p.programSize !== undefined) as {
    pattern: string;
    programSize: number;
  }[];
  /** Where the measure is above RE2's count although no Unicode table is involved. */
  const ABOVE: Record<string, number> = {
    // RE2's parser makes (?:x*)* x*, and (?:x*)+ too, but not the (?:(?:x*)+|) measured.
    '(?:a*)*b': 9,
    '(?:(a*)*)*': 13,
  };

  it('has a corpus of a few hundred patterns with sizes on both sides of the limit', () => {
    expect(fixture.patterns.length).toBeGreaterThan(800);
    expect(measured.filter((p) => p.programSize <= MAX_PROGRAM_SIZE).length).toBeGreaterThan(500);
    expect(measured.filter((p) => p.programSize > MAX_PROGRAM_SIZE).length).toBeGreaterThan(90);
  });

  it("is RE2's ProgramSize() exactly, unless the pattern depends on Unicode tables", () => {
    const wrong = measured.flatMap(({ pattern, programSize }) => {
      const size = re2ProgramSize(pattern);
      if (!size || size.unicode || size.more) return [];
      const expected = ABOVE[pattern] ?? programSize;
      return size.instructions === expected ? [] : [{ pattern, programSize, measured: size.instructions }];
    });
    expect(wrong).toEqual([]);
    const exact = measured.filter(({ pattern }) => {
      const size = re2ProgramSize(pattern);
      return size && !size.unicode && !size.more && ABOVE[pattern] === undefined;
    });
    expect(exact.length).toBeGreaterThan(250);
  });

  it('is never below RE2 with newer Unicode tables, and at most half above it', () => {
    const wrong = measured.flatMap(({ pattern, programSize }) => {
      const size = re2ProgramSize(pattern);
      if (!size?.unicode) return [];
      // 30% for the tables' growth since the engine's, which also has classes a little larger.
      const fits = programSize <= size.instructions && size.instructions <= programSize * 1.5;
      return fits ? [] : [{ pattern, programSize, measured: size.instructions }];
    });
    expect(wrong).toEqual([]);
  });

  it('stops only past the limit', () => {
    const stopped = measured.filter(({ pattern }) => re2ProgramSize(pattern)?.more);
    expect(stopped.length).toBeGreaterThan(0);
    for (const { programSize } of stopped) expect(programSize).toBeGreaterThan(MAX_PROGRAM_SIZE);
  });

  it('never lets through a pattern whose program Envoy refuses', () => {
    const accepted = measured.filter(
      ({ pattern, programSize }) => programSize > MAX_PROGRAM_SIZE && re2Problem(pattern) === undefined,
    );
    expect(accepted).toEqual([]);
  });

  it('refuses what that RE2 refuses, but for what Trellis decides otherwise (TRELLIS_ONLY)', () => {
    const refused = fixture.patterns.filter((p) => p.error !== undefined);
    expect(refused.length).toBeGreaterThan(0);
    for (const { pattern, error } of refused) {
      if (pattern === '(?<id>\\d+)') expect(re2ProgramSize(pattern)).toEqual({ instructions: 8 });
      else if (error === 'pattern too large - compile failed')
        expect(re2ProgramSize(pattern)?.more).toBe(true);
      else expect(re2Problem(pattern)).toBe(error);
    }
  });

  it('counts a star over what can match empty as RE2 compiles it since 2021', () => {
    for (const [pattern, instructions] of [
      ['(a*)*', 11], // the engine's RE2 says 7
      ['(?:a?b?)*', 12],
      ['(a+|b*)*c', 18],
      ['^*$+', 11],
      ['(ab)*', 8], // (ab) cannot match empty: compiled alike
      ['[(]*', 5], // no group
      ['\\Q(a*)\\E*', 8],
    ] as const) {
      expect(re2ProgramSize(pattern), pattern).toEqual({ instructions });
    }
  });
});
