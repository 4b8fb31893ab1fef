// Envoy and gRPC compile every safe_regex with Google's RE2, and a regex RE2 refuses makes them
// reject the whole configuration that carries it. So a regex is not guessed at here: it is compiled
// by RE2 itself, from @adguard/re2-wasm (a build of Google's re2-wasm, the engine @grpc/grpc-js-xds
// clients run, with the same RE2 of 2020-10-26, whose constructor also takes RE2's max_mem;
// synchronous and with no native build). The parsers ask re2Problem at the parse boundary, the PGV
// checker matches with compileRe2. It lives at the top of src/ because both may import it: parsers
// may not import xds/, and the encoder should not reach into the parsers.
//
// Program size. Envoy refuses a regex whose RE2 program (RE2::ProgramSize()) has more instructions
// than its runtime key re2.max_program_size.error_level, 100 by default, and so does re2Problem
// (MAX_PROGRAM_SIZE). The size is RE2's own: the engine compiles the pattern and the program's
// size_ is read from the engine's memory (the offsets are those of this pinned build, checked
// against known sizes whenever an engine is loaded). RE2's public knob, max_mem, only bounds the
// instructions allocated while compiling, before RE2 flattens the program: that count is up to 60%
// above ProgramSize() (\p{Greek}: 103 for 66), so it serves here only to stop a huge program early.
// Envoy's RE2 is newer than the engine's, and two changes since make its programs larger, which the
// measure allows for: a star over a subexpression that can match empty is compiled as (x+)? since
// 2021-05 (newerStars), and Unicode classes grew with Unicode 14 and 15 (UNICODE_GROWTH). Against
// RE2 itself (test/re2-program-size: 860 patterns), the result is RE2's ProgramSize() exactly but for
// patterns with Unicode classes (at most half above it) and stars over stars (a few above); never
// below.
//
// Bounds. A pattern is at most MAX_PATTERN_LENGTH characters, the most any field allows. Verdicts
// compile with a max_mem that stops at about MEASURED_UP_TO instructions, so a huge pattern (\pL{100},
// a program of 120 000 instructions) is refused in milliseconds. compileRe2 (matching, with RE2's
// default max_mem) is bounded by the engine's fixed 16 MiB heap: a program too large for it makes the
// engine abort, which is reported as "too large", and the engine is loaded anew; grpc-js-xds clients
// compile in that same heap. Verdicts are memoised by pattern.
//
// Where the verdict is not the engine's alone: its RE2 is from 2020-10, and RE2 (Envoy's) reads
// (?<name>x) as (?P<name>x) since 2023-08, so that spelling is translated first; and a name used
// by two groups compiles in RE2 but gRPC clients (re2-wasm's RE2 class, Go's regexp) refuse it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { LRUCache } from 'lru-cache';

/** The longest pattern compiled: the longest a field allows (LocalRateLimitPolicy header values). */
export const MAX_PATTERN_LENGTH = 4096;

/**
 * The most instructions a pattern's RE2 program may have: Envoy's default for the runtime key
 * re2.max_program_size.error_level (Envoy refuses a larger program). Every gRPC client compiles a
 * program this small. A flag may set it some day.
 */
export const MAX_PROGRAM_SIZE = 100;

/**
 * A measuring compile stops past this many instructions (as RE2's compiler counts them, before it
 * flattens the program): a pattern that needs more is refused without knowing its exact size.
 */
export const MEASURED_UP_TO = 10_000;

/** The size of a pattern's RE2 program, as Envoy's RE2 counts it (RE2::ProgramSize()). */
export interface Re2ProgramSize {
  /** RE2::ProgramSize(), or a bound on it (below). */
  readonly instructions: number;
  /**
   * RE2 stopped compiling past `instructions` (MEASURED_UP_TO), as its compiler counts them:
   * before it flattens the program, which takes off up to a third (.{1000}: 12 004, then 8 004),
   * or all but a handful in a pattern of nothing but empty groups repeated.
   */
  readonly more?: true;
  /** `instructions` allows for RE2's newer Unicode tables: its count may be up to 30% below it. */
  readonly unicode?: true;
}

/** Why RE2 would not compile `pattern`, in RE2's own words, or undefined when it compiles. */
export function re2Problem(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_LENGTH)
    return `has ${pattern.length} characters, more than the ${MAX_PATTERN_LENGTH} Trellis compiles`;
  const { problem, size } = verdict(pattern);
  if (problem) return problem;
  if (size && size.instructions > MAX_PROGRAM_SIZE) {
    const envoy = `more than the ${MAX_PROGRAM_SIZE} Envoy accepts (runtime key re2.max_program_size.error_level)`;
    if (size.more)
      return `RE2 compiles this pattern to more than ${size.instructions} instructions, ${envoy}`;
    const has = size.unicode
      ? `up to ${size.instructions} instructions with RE2's current Unicode tables`
      : `${size.instructions} instructions`;
    return `the RE2 program of this pattern has ${has}, ${envoy}`;
  }
  return undefined;
}

/** The parsers' one wording of a regex problem, or undefined when RE2 compiles the pattern. */
export function re2Message(pattern: string): string | undefined {
  const problem = re2Problem(pattern);
  return problem ? `must be an RE2 regular expression: ${problem}` : undefined;
}

/**
 * The size of `pattern`'s RE2 program as Envoy's RE2 counts it, or undefined when RE2 refuses the
 * pattern (re2Problem says why) or it is longer than MAX_PATTERN_LENGTH.
 */
export function re2ProgramSize(pattern: string): Re2ProgramSize | undefined {
  return pattern.length > MAX_PATTERN_LENGTH ? undefined : verdict(pattern).size;
}

/** A compiled pattern: test() searches unanchored, as RE2::PartialMatch (and PGV) does. */
export interface Re2 {
  /** Throws Re2EngineError if RE2 itself fails on the text (it ran out of memory). */
  readonly test: (text: string) => boolean;
}

export class Re2EngineError extends Error {}

/**
 * An RE2 matcher for `pattern`, or why RE2 will not compile it. Unlike re2Problem, the size of the
 * program is no problem here: this is for the patterns of Envoy's own validation rules (PGV).
 */
export function compileRe2(pattern: string): Re2 | { readonly error: string } {
  if (pattern.length > MAX_PATTERN_LENGTH)
    return {
      error: `has ${pattern.length} characters, more than the ${MAX_PATTERN_LENGTH} Trellis compiles`,
    };
  const { problem, size } = verdict(pattern);
  const error = problem ?? (size?.more ? fullCompileProblem(pattern) : undefined);
  if (error) return { error };
  return { test: (text) => search(pattern, text) };
}

// ---- the engine -------------------------------------------------------------------------------

interface CppVector<T> {
  size(): number;
  get(index: number): T;
  delete(): void;
}
interface CppMap<K, V> {
  keys(): CppVector<K>;
  get(key: K): V;
  delete(): void;
}
interface WrappedRE2 {
  ok(): boolean;
  error(): string;
  match(input: string, start: number, captures: boolean): { index: number };
  capturingGroupNames(): CppMap<number, string>;
  /** Frees the object on the engine's heap: nothing else does. */
  delete(): void;
}
interface Engine {
  /** maxMem is RE2::Options::max_mem in bytes; 0 keeps RE2's default (8 MiB). */
  readonly WrappedRE2: new (
    pattern: string,
    ignoreCase: boolean,
    multiline: boolean,
    dotAll: boolean,
    maxMem: number,
  ) => WrappedRE2;
  /** The engine's heap, where the compiled programs are. */
  readonly memory: { readonly buffer: ArrayBuffer };
  /** Compiled matchers by pattern, for compileRe2 (the PGV patterns: a handful). */
  readonly matchers: Map<string, WrappedRE2>;
}
interface WasmInstance {
  exports: { memory?: Engine['memory'] };
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => WasmInstance;
}

/** RE2's error when the program does not fit max_mem. */
const TOO_LARGE = 'pattern too large - compile failed';
/**
 * The max_mem of a measuring compile: RE2 gives 2/3 of it to the forward program, whose compiler
 * stops past (that - sizeof(Prog)) / sizeof(Prog::Inst) instructions (8 bytes each; sizeof(Prog) is
 * 376 in this build): 10 193 here, so a program of MEASURED_UP_TO instructions or fewer fits. The
 * compiler's count includes instructions that flattening removes, so it is never below the size.
 */
const MEASURING_MAX_MEM = 120 * 1024;
/**
 * Where this build keeps a program's size: RE2::prog_ (a Prog*) at byte 84 of the RE2 object,
 * which is WrappedRE2's first member, and Prog::size_ at byte 16 of the Prog (wasm32, RE2 of
 * 2020-10-26). Checked with CALIBRATION whenever an engine is loaded.
 */
const RE2_PROG_OFFSET = 84;
const PROG_SIZE_OFFSET = 16;
/** Patterns and their ProgramSize() in the engine's RE2 (as RE2's own build of that commit prints). */
const CALIBRATION: readonly (readonly [string, number])[] = [
  ['a', 5],
  ['abc', 7],
  ['(a)(b)(c)(d)(e)(f)(g)(h)', 28],
  ['^/api/v1/(users|orders)/[0-9]+$', 20],
  ['\\p{Greek}', 66],
];
/**
 * How much more a Unicode class's program may have with RE2's current tables (Unicode 15.1) than
 * with the engine's (Unicode 13): the most over every \p{…}, \P{…} and (?i)\p{…} RE2 knows is 28.6%
 * (\p{Devanagari}: 14 instructions, 18 now).
 */
const UNICODE_GROWTH = 0.3;

const MAX_MATCHERS = 256;

interface Verdict {
  /** RE2 (or a gRPC client) refuses the pattern. */
  readonly problem?: string;
  /** When it does not: the program's size. */
  readonly size?: Re2ProgramSize;
}
/** Verdicts by pattern, at most about a million characters of patterns. */
const verdicts = new LRUCache<string, Verdict>({
  max: 4096,
  maxSize: 1 << 20,
  sizeCalculation: (v, pattern) => pattern.length + (v.problem?.length ?? 0) + 16,
});
/** compileRe2's verdicts on patterns too large to measure (RE2's default max_mem decides). */
const fullVerdicts = new LRUCache<string, string>({ max: 256 });
const require = createRequire(import.meta.url);
const gluePath = require.resolve('@adguard/re2-wasm/build/wasm/re2.js');
/** The Emscripten glue as a function of its CommonJS scope, and the compiled WebAssembly module. */
let parts: { glue: (...args: unknown[]) => void; wasm: object } | undefined;
let current: Engine | undefined;

/**
 * A private instance of the engine, not one `require()` would share: an abort kills an instance,
 * and one pattern must not take the engine away from anything else. The Emscripten glue is run with
 * our own `Module` (its documented way of being configured) to keep its abort message off stderr,
 * to reuse the compiled WebAssembly module when loading anew, and to hold on to the heap.
 */
function engine(): Engine {
  if (current) return current;
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  parts ??= {
    glue: vm.compileFunction(
      readFileSync(gluePath, 'utf8'),
      ['Module', 'module', 'exports', 'require', '__filename', '__dirname'],
      { filename: gluePath },
    ) as (...args: unknown[]) => void,
    wasm: new wasm.Module(readFileSync(path.join(path.dirname(gluePath), 're2.wasm'))),
  };
  const compiled = parts.wasm;
  let memory: Engine['memory'] | undefined;
  const Module: Record<string, unknown> = {
    print: () => {},
    printErr: () => {},
    instantiateWasm: (imports: object, receive: (instance: object, module: object) => void) => {
      const instance = new wasm.Instance(compiled, imports);
      memory = instance.exports.memory;
      receive(instance, compiled);
      return instance.exports;
    },
  };
  const exports = {};
  parts.glue(Module, { exports }, exports, require, gluePath, path.dirname(gluePath));
  if (!memory) throw new Error(`${gluePath}: the engine exports no memory`);
  const loaded: Engine = {
    WrappedRE2: Module.WrappedRE2 as Engine['WrappedRE2'],
    memory,
    matchers: new Map(),
  };
  for (const [pattern, expected] of CALIBRATION) {
    const re = new loaded.WrappedRE2(pattern, false, false, false, 0);
    try {
      const size = re.ok() ? programSize(loaded, re) : undefined;
      if (size !== expected)
        throw new Error(
          `${gluePath}: the program of ${JSON.stringify(pattern)} reads as ${size} instructions, not ${expected}: ` +
            'this build keeps RE2 programs elsewhere than re2.ts expects',
        );
    } finally {
      re.delete();
    }
  }
  current = loaded;
  return current;
}

/** The compiled program's size_, read from the engine's heap (`re` compiled). */
function programSize(engine: Engine, re: WrappedRE2): number | undefined {
  const heap = new Int32Array(engine.memory.buffer);
  const object = (re as unknown as { $$?: { ptr?: unknown } }).$$?.ptr;
  if (typeof object !== 'number' || object <= 0 || object % 4 !== 0) return undefined;
  const prog = heap[(object + RE2_PROG_OFFSET) >> 2] ?? 0;
  if (prog <= 0 || prog % 4 !== 0 || prog >= heap.byteLength) return undefined;
  return heap[(prog + PROG_SIZE_OFFSET) >> 2];
}

/** Runs `use` on the engine; if the engine aborts, drops it (the next call loads a new one). */
function withEngine<T>(use: (engine: Engine) => T): T | Re2EngineError {
  const used = engine();
  try {
    return use(used);
  } catch (error) {
    if (current === used) current = undefined;
    return new Re2EngineError(error instanceof Error ? error.message : String(error));
  }
}

function verdict(pattern: string): Verdict {
  let found = verdicts.get(pattern);
  if (found === undefined) {
    found = measure(pattern);
    verdicts.set(pattern, found);
  }
  return found;
}

/** RE2's verdict and the program's size: one compile bounded by max_mem, two for a star to rewrite. */
function measure(pattern: string): Verdict {
  const result = withEngine((engine): Verdict => {
    const source = portableRegex(pattern);
    const compile = (text: string, use: (re: WrappedRE2) => Verdict): Verdict => {
      const re = new engine.WrappedRE2(text, false, false, false, MEASURING_MAX_MEM);
      try {
        if (re.ok()) return use(re);
        if (re.error() === TOO_LARGE) return { size: { instructions: MEASURED_UP_TO, more: true } };
        // RE2 quotes the text it stopped at: in the user's spelling, not the translated one.
        const translated = source !== pattern && !pattern.includes('(?P<');
        return { problem: translated ? re.error().replaceAll('(?P<', '(?<') : re.error() };
      } finally {
        re.delete();
      }
    };
    const sized = (re: WrappedRE2): Verdict => {
      const instructions = programSize(engine, re);
      if (instructions === undefined) throw new Error('RE2 compiled a program that cannot be read');
      return { size: { instructions } };
    };
    const first = compile(source, (re) => {
      const duplicate = duplicateName(re);
      return duplicate ? { problem: duplicate } : sized(re);
    });
    if (!first.size || first.size.more) return first;
    // As RE2 since 2021-05 compiles it: a star over what can match empty is (x+)?.
    const newer = newerStars(source, (group) => nullable(engine, group));
    const { size } = newer === source ? first : compile(newer, sized);
    if (!size) return { problem: 'Trellis cannot measure its RE2 program (re2.ts rewrote it wrongly)' };
    if (size.more || !unicodeTables(source)) return { size };
    return { size: { instructions: Math.ceil(size.instructions * (1 + UNICODE_GROWTH)), unicode: true } };
  });
  if (result instanceof Re2EngineError)
    return {
      problem: 'too large: RE2 runs out of memory compiling it (its program would not fit in 16 MiB)',
    };
  return result;
}

/** Whether `group`, a group of a pattern RE2 compiles, can match without consuming text. */
function nullable(engine: Engine, group: string): boolean {
  // \b does not hold in empty text, but is empty to RE2's compiler all the same.
  if (group.includes('\\b')) return true;
  const re = new engine.WrappedRE2(group, false, false, false, MEASURING_MAX_MEM);
  try {
    return !re.ok() || re.match('', 0, false).index >= 0;
  } finally {
    re.delete();
  }
}

/** Whether the program depends on Unicode tables newer than the engine's: \p classes, (?i) beyond ASCII. */
function unicodeTables(source: string): boolean {
  if (/\\[pP]/.test(source)) return true;
  return /\(\?[a-zA-Z]*i/.test(source) && /[^\0-\x7f]|\\x\{/.test(source);
}

/** Why RE2, with its default max_mem, will not compile `pattern` (measure stopped early). */
function fullCompileProblem(pattern: string): string | undefined {
  let problem = fullVerdicts.get(pattern);
  if (problem === undefined) {
    const result = withEngine(({ WrappedRE2 }) => {
      const re = new WrappedRE2(portableRegex(pattern), false, false, false, 0);
      try {
        return re.ok() ? (duplicateName(re) ?? '') : re.error();
      } finally {
        re.delete();
      }
    });
    problem =
      result instanceof Re2EngineError
        ? 'too large: RE2 runs out of memory compiling it (its program would not fit in 16 MiB)'
        : result;
    fullVerdicts.set(pattern, problem);
  }
  return problem || undefined;
}

function duplicateName(re: WrappedRE2): string | undefined {
  const names = re.capturingGroupNames();
  const keys = names.keys();
  try {
    const seen = new Set<string>();
    for (let i = 0; i < keys.size(); i++) {
      const name = names.get(keys.get(i));
      if (seen.has(name))
        return `duplicate capture group name ${JSON.stringify(name)} (RE2 takes it, gRPC clients refuse it)`;
      seen.add(name);
    }
    return undefined;
  } finally {
    keys.delete();
    names.delete();
  }
}

function search(pattern: string, text: string): boolean {
  const result = withEngine((engine) => {
    let re = engine.matchers.get(pattern);
    if (!re) {
      if (engine.matchers.size >= MAX_MATCHERS) {
        for (const old of engine.matchers.values()) old.delete();
        engine.matchers.clear();
      }
      re = new engine.WrappedRE2(portableRegex(pattern), false, false, false, 0);
      engine.matchers.set(pattern, re);
    }
    return re.match(text, 0, false).index >= 0;
  });
  if (result instanceof Re2EngineError) throw new Re2EngineError('RE2 ran out of memory matching the text');
  return result;
}

// ---- the pattern's text -----------------------------------------------------------------------

type TokenKind =
  | 'literal' // a character, `.`, an escape that matches text, \Q…\E
  | 'empty' // ^ $ \b \B \A \z: matches no text
  | 'class' // […]
  | 'open' // ( (?: (?flags: (?P<name> (?<name>
  | 'flags' // (?flags)
  | 'close'
  | 'alternate'
  | 'repeat'; // * + ? {n} {n,} {n,m}, with a trailing ? (non-greedy)
interface Token {
  readonly kind: TokenKind;
  readonly start: number;
  readonly end: number;
}

/** The pattern in RE2's syntax tokens, outside and inside classes as RE2 reads them. */
function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < pattern.length) {
    const [kind, end] = token(pattern, i, tokens.at(-1)?.kind);
    tokens.push({ kind, start: i, end });
    i = end;
  }
  return tokens;
}

function token(pattern: string, i: number, previous: TokenKind | undefined): [TokenKind, number] {
  const c = pattern[i];
  const afterAtom = previous !== undefined && previous !== 'open' && previous !== 'alternate';
  if (c === '\\') {
    const d = pattern[i + 1];
    if (d === 'Q') {
      const close = pattern.indexOf('\\E', i + 2);
      return ['literal', close < 0 ? pattern.length : close + 2];
    }
    if ((d === 'p' || d === 'P' || d === 'x') && pattern[i + 2] === '{') {
      const close = pattern.indexOf('}', i + 3);
      return ['literal', close < 0 ? pattern.length : close + 1];
    }
    if (d === 'p' || d === 'P') return ['literal', Math.min(i + 3, pattern.length)];
    return [d !== undefined && 'bBAz'.includes(d) ? 'empty' : 'literal', Math.min(i + 2, pattern.length)];
  }
  if (c === '[') {
    // "]" first in a class ("[]a]", "[^]a]") is a literal, not its end.
    let j = i + 1;
    if (pattern[j] === '^') j++;
    if (pattern[j] === ']') j++;
    while (j < pattern.length && pattern[j] !== ']') {
      const posix = pattern.startsWith('[:', j) ? pattern.indexOf(':]', j + 2) : -1;
      j = posix >= 0 ? posix + 2 : pattern[j] === '\\' ? j + 2 : j + 1;
    }
    return ['class', Math.min(j + 1, pattern.length)];
  }
  if (c === '(') {
    if (pattern[i + 1] !== '?') return ['open', i + 1];
    const named = /^\(\?P?<(?![=!])\w*>?/.exec(pattern.slice(i, i + 4 + MAX_PATTERN_LENGTH));
    if (named) return ['open', i + named[0].length];
    const flags = /^\(\?[a-zA-Z-]*([:)])/.exec(pattern.slice(i, i + 16));
    if (flags) return [flags[1] === ')' ? 'flags' : 'open', i + flags[0].length];
    return ['open', i + 1];
  }
  if (c === ')') return ['close', i + 1];
  if (c === '|') return ['alternate', i + 1];
  if (c === '^' || c === '$') return ['empty', i + 1];
  if (afterAtom && (c === '*' || c === '+' || c === '?' || c === '{')) {
    const count = c === '{' ? /^\{\d+(,\d*)?\}/.exec(pattern.slice(i, i + 16)) : undefined;
    if (c !== '{' || count) {
      const end = i + (count ? count[0].length : 1);
      return ['repeat', pattern[end] === '?' ? end + 1 : end];
    }
  }
  const code = pattern.codePointAt(i) ?? 0;
  return ['literal', i + (code > 0xffff ? 2 : 1)];
}

/**
 * `pattern` with each star (`*`, `{0,}`) over a subexpression that can match empty written as
 * `(?:x+|)`, which RE2 compiles to the same program as RE2 since 2021-05 compiles that star. A star
 * over a group that can match empty is rare: most patterns come back as they are.
 */
function newerStars(pattern: string, canBeEmpty: (group: string) => boolean): string {
  const tokens = tokenize(pattern);
  const opens: number[] = [];
  const wrapped = new Map<number, number>(); // token index → "(?:" to put before it
  const stars = new Set<number>(); // repeat token indexes to write as "+…|)"
  tokens.forEach((t, index) => {
    if (t.kind === 'open') opens.push(index);
    if (t.kind !== 'repeat' || !/^(\*|\{0,\})\??$/.test(pattern.slice(t.start, t.end))) return;
    const atom = tokens[index - 1];
    let first = index - 1;
    if (atom?.kind === 'close') {
      // The group's "(" is the innermost one still open before its ")".
      const open = groupStart(tokens, index - 1);
      if (open === undefined || !canBeEmpty(pattern.slice(tokens[open]!.start, atom.end))) return;
      first = open;
    } else if (atom?.kind !== 'empty') {
      return;
    }
    wrapped.set(first, (wrapped.get(first) ?? 0) + 1);
    stars.add(index);
  });
  if (stars.size === 0) return pattern;
  let out = '';
  tokens.forEach((t, index) => {
    out += '(?:'.repeat(wrapped.get(index) ?? 0);
    const text = pattern.slice(t.start, t.end);
    out += stars.has(index) ? `+${text.endsWith('?') ? '?' : ''}|)` : text;
  });
  return out;
}

/** The index of the "(" that the ")" at `close` closes. */
function groupStart(tokens: readonly Token[], close: number): number | undefined {
  let depth = 0;
  for (let i = close; i >= 0; i--) {
    const kind = tokens[i]!.kind;
    if (kind === 'close') depth++;
    else if (kind === 'open' && --depth === 0) return i;
  }
  return undefined;
}

/**
 * `(?<name>` as `(?P<name>`, outside classes, escapes and \Q…\E; `(?<=` and `(?<!` (lookbehind)
 * are left for RE2 to refuse. Of what newer RE2 accepts, only this spelling is translated: group
 * names beyond ASCII (RE2 2021-08) stay refused, as gRPC clients on older RE2 refuse them. It is
 * also the spelling sent to proxies (route-match.ts): RE2 before 2023-08, which gRPC C-core 1.51
 * links, NACKs `(?<name>`, and every RE2 reads `(?P<name>`.
 */
export function portableRegex(pattern: string): string {
  if (!pattern.includes('(?<')) return pattern;
  let out = '';
  for (const t of tokenize(pattern)) {
    const text = pattern.slice(t.start, t.end);
    out += t.kind === 'open' && text.startsWith('(?<') ? `(?P<${text.slice(3)}` : text;
  }
  return out;
}
