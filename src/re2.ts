// Envoy and gRPC compile every safe_regex with Google's RE2, and a regex RE2 refuses makes them
// reject the whole configuration that carries it. So a regex is not guessed at here: it is compiled
// by RE2 itself, from re2-wasm (Google's WebAssembly build of RE2, the engine @grpc/grpc-js-xds
// clients run, synchronous and with no native build). The parsers ask re2Problem at the parse
// boundary, the PGV checker matches with compileRe2. It lives at the top of src/ because both may
// import it: parsers may not import xds/, and the encoder should not reach into the parsers.
//
// Bounds. A pattern is at most MAX_PATTERN_LENGTH characters, the most any field allows. RE2's
// memory limit (max_mem) cannot be set through re2-wasm and a program's size cannot be read, so
// Envoy's own program-size check (re2.max_program_size.error_level, 100 instructions by default)
// cannot be repeated here. The bound on a compiled program is instead re2-wasm's fixed 16 MiB heap,
// which a large program exhausts before RE2's default 8 MiB max_mem refuses it: a program too
// large for it (\pL{100}, thousands of repeated Unicode classes) makes the engine abort, which is
// reported as "too large", and the engine is loaded anew. grpc-js-xds clients compile in that same
// heap, so they could not compile such a pattern either. Refusing one costs up to a second or two
// (re2-wasm is an unoptimised build), so verdicts are memoised by pattern.
//
// Where the verdict is not re2-wasm's alone: its RE2 is from 2020-10, and RE2 (Envoy's) reads
// (?<name>x) as (?P<name>x) since 2023-08, so that spelling is translated first; and a name used
// by two groups compiles in RE2 but gRPC clients (re2-wasm's RE2 class, Go's regexp) refuse it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { LRUCache } from 'lru-cache';

/** The longest pattern compiled: the longest a field allows (LocalRateLimitPolicy header values). */
export const MAX_PATTERN_LENGTH = 4096;

/** Why RE2 would not compile `pattern`, in RE2's own words, or undefined when it compiles. */
export function re2Problem(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_LENGTH)
    return `has ${pattern.length} characters, more than the ${MAX_PATTERN_LENGTH} Trellis compiles`;
  let verdict = verdicts.get(pattern);
  if (verdict === undefined) {
    verdict = compileProblem(pattern) ?? '';
    verdicts.set(pattern, verdict);
  }
  return verdict || undefined;
}

/** The parsers' one wording of a regex problem, or undefined when RE2 compiles the pattern. */
export function re2Message(pattern: string): string | undefined {
  const problem = re2Problem(pattern);
  return problem ? `must be an RE2 regular expression: ${problem}` : undefined;
}

/** A compiled pattern: test() searches unanchored, as RE2::PartialMatch (and PGV) does. */
export interface Re2 {
  /** Throws Re2EngineError if RE2 itself fails on the text (it ran out of memory). */
  readonly test: (text: string) => boolean;
}

export class Re2EngineError extends Error {}

/** An RE2 matcher for `pattern`, or why RE2 will not compile it. */
export function compileRe2(pattern: string): Re2 | { readonly error: string } {
  const problem = re2Problem(pattern);
  if (problem) return { error: problem };
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
  readonly WrappedRE2: new (
    pattern: string,
    ignoreCase: boolean,
    multiline: boolean,
    dotAll: boolean,
  ) => WrappedRE2;
  /** Compiled matchers by pattern, for compileRe2 (the PGV patterns: a handful). */
  readonly matchers: Map<string, WrappedRE2>;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}

const MAX_MATCHERS = 256;
/** Verdicts by pattern ('' for none), at most about a million characters of patterns. */
const verdicts = new LRUCache<string, string>({
  max: 4096,
  maxSize: 1 << 20,
  sizeCalculation: (verdict, pattern) => pattern.length + verdict.length + 1,
});
const require = createRequire(import.meta.url);
const gluePath = require.resolve('re2-wasm/build/wasm/re2.js');
/** The Emscripten glue as a function of its CommonJS scope, and the compiled WebAssembly module. */
let parts: { glue: (...args: unknown[]) => void; wasm: object } | undefined;
let current: Engine | undefined;

/**
 * A private instance of re2-wasm, not the one `require('re2-wasm')` shares with grpc-js-xds: an
 * abort kills an instance, and one pattern must not take the engine away from anything else. The
 * Emscripten glue is run with our own `Module` (its documented way of being configured) to keep
 * its abort message off stderr and to reuse the compiled WebAssembly module when loading anew.
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
  const Module: Record<string, unknown> = {
    print: () => {},
    printErr: () => {},
    instantiateWasm: (imports: object, receive: (instance: object, module: object) => void) => {
      const instance = new wasm.Instance(compiled, imports);
      receive(instance, compiled);
      return instance.exports;
    },
  };
  const exports = {};
  parts.glue(Module, { exports }, exports, require, gluePath, path.dirname(gluePath));
  current = { WrappedRE2: Module.WrappedRE2 as Engine['WrappedRE2'], matchers: new Map() };
  return current;
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

function compileProblem(pattern: string): string | undefined {
  const result = withEngine(({ WrappedRE2 }) => {
    const source = portableRegex(pattern);
    const re = new WrappedRE2(source, false, false, false);
    try {
      if (re.ok()) return duplicateName(re);
      // RE2 quotes the text it stopped at: in the user's spelling, not the translated one.
      const translated = source !== pattern && !pattern.includes('(?P<');
      return translated ? re.error().replaceAll('(?P<', '(?<') : re.error();
    } finally {
      re.delete();
    }
  });
  if (result instanceof Re2EngineError)
    return 'too large: RE2 runs out of memory compiling it (its program would not fit in 16 MiB)';
  return result;
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
      re = new engine.WrappedRE2(portableRegex(pattern), false, false, false);
      engine.matchers.set(pattern, re);
    }
    return re.match(text, 0, false).index >= 0;
  });
  if (result instanceof Re2EngineError) throw new Re2EngineError('RE2 ran out of memory matching the text');
  return result;
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
  let i = 0;
  let inClass = false;
  while (i < pattern.length) {
    let end = i + 1;
    if (pattern[i] === '\\') {
      end = i + 2;
      if (!inClass && pattern[i + 1] === 'Q') {
        const close = pattern.indexOf('\\E', i + 2);
        end = close < 0 ? pattern.length : close + 2;
      }
    } else if (inClass) {
      const posix = pattern.startsWith('[:', i) ? pattern.indexOf(':]', i + 2) : -1;
      if (posix >= 0) end = posix + 2;
      else if (pattern[i] === ']') inClass = false;
    } else if (pattern[i] === '[') {
      // "]" first in a class ("[]a]", "[^]a]") is a literal, not its end.
      end = pattern[end] === '^' ? end + 1 : end;
      end = pattern[end] === ']' ? end + 1 : end;
      inClass = true;
    } else if (pattern.startsWith('(?<', i) && pattern[i + 3] !== '=' && pattern[i + 3] !== '!') {
      out += '(?P<';
      i += 3;
      continue;
    }
    out += pattern.slice(i, end);
    i = end;
  }
  return out;
}
