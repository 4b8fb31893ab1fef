// Envoy compiles every regex with RE2 (google_re2), and a regex it cannot compile makes it reject
// the whole route configuration, so each family checks its regex fields here, at the parse
// boundary. JavaScript has no RE2: this check walks the pattern once, refusing what RE2 refuses
// (lookaround, backreferences, \u and other escapes RE2 lacks, counts above 1000) and rewriting
// what only RE2 has (\Q…\E, \C, \A, \z, \pN, [[:alpha:]], (?P<name>, inline flags) into JavaScript
// of the same shape, then lets JavaScript's parser catch the syntax both share (unbalanced groups,
// nothing to repeat, ranges out of order). The one message style: re2Message.
import { z } from 'zod';
import { string } from '../core/fields.js';

/** RE2 refuses counted repetitions above this, also when nested counts multiply past it. */
const MAX_REPEAT = 1000;
/** Letters RE2 reads after a backslash in a class too; anywhere else \A \z \b \B \C \Q also. */
const CLASS_ESCAPES = new Set('afnrtvdDsSwWpPx0123456789');
const ASSERTIONS: Readonly<Record<string, string>> = { A: '(?:^)', z: '(?:$)', b: '(?:\\b)', B: '(?:\\B)' };
const POSIX_CLASSES = new Set(
  'alnum alpha ascii blank cntrl digit graph lower print punct space upper word xdigit'.split(' '),
);

/** The Issue message for a pattern RE2 would not compile, or undefined when it would. */
export function re2Message(pattern: string): string | undefined {
  const problem = re2Problem(pattern);
  return problem ? `must be an RE2 regular expression: ${problem}` : undefined;
}

/** Why `pattern` is not a regex RE2 compiles, or undefined when it is (as far as syntax tells). */
export function re2Problem(pattern: string): string | undefined {
  const scanned = scan(pattern);
  if (typeof scanned === 'string') return scanned;
  try {
    new RegExp(scanned.js);
    return undefined;
  } catch (error) {
    // V8 says "Invalid regular expression: /<rewritten>/: <why>"; only the why is about the user's text.
    const text = error instanceof Error ? error.message : String(error);
    const why = text.slice(text.lastIndexOf(': ') + 2);
    return why ? why.charAt(0).toLowerCase() + why.slice(1) : 'does not compile';
  }
}

interface Scan {
  readonly js: string;
}

/** One pass over the pattern: the RE2-only problems, or the JavaScript spelling of the pattern. */
function scan(pattern: string): Scan | string {
  let js = '';
  const names = new Set<string>();
  // Per open group, the largest product of counted repetitions inside it (RE2 bounds the product).
  const groups: number[] = [1];
  let atom = 1;
  let i = 0;
  const raise = (product: number) => {
    groups[groups.length - 1] = Math.max(groups[groups.length - 1] ?? 1, product);
  };
  while (i < pattern.length) {
    const c = pattern[i] as string;
    if (c === '\\') {
      const escaped = readEscape(pattern, i, false);
      if (typeof escaped === 'string') return escaped;
      js += escaped.js;
      i = escaped.end;
      atom = 1;
      raise(1);
      continue;
    }
    if (c === '[') {
      const cls = readClass(pattern, i);
      if (typeof cls === 'string') return cls;
      js += cls.js;
      i = cls.end;
      atom = 1;
      raise(1);
      continue;
    }
    if (c === '(') {
      const group = readGroupStart(pattern, i, names);
      if (typeof group === 'string') return group;
      js += group.js;
      i = group.end;
      if (group.opens) groups.push(1);
      continue;
    }
    if (c === ')') {
      atom = groups.length > 1 ? (groups.pop() ?? 1) : 1;
      raise(atom);
      js += c;
      i++;
      continue;
    }
    if (c === '{') {
      const counted = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
      if (counted) {
        const min = Number(counted[1]);
        const max = counted[2] === undefined ? min : counted[3] ? Number(counted[3]) : -1;
        if (min > MAX_REPEAT || max > MAX_REPEAT)
          return `repetition count above ${MAX_REPEAT} in ${counted[0]} (RE2's limit)`;
        const product = atom * Math.max(max >= 0 ? max : min, 1);
        if (product > MAX_REPEAT)
          return `nested repetition counts multiply past ${MAX_REPEAT} at ${counted[0]} (RE2's limit)`;
        raise(product);
        js += counted[0];
        i += counted[0].length;
        continue;
      }
    }
    // ^ and $ may be repeated in RE2 (an empty-width match), not in JavaScript: wrap them.
    js += c === '^' ? '(?:^)' : c === '$' ? '(?:$)' : c === '/' ? '\\/' : c;
    if (!'*+?|'.includes(c)) {
      atom = 1;
      raise(1);
    }
    i++;
  }
  return { js };
}

interface Piece {
  readonly js: string;
  readonly end: number;
}

/** A backslash sequence starting at `at`, as RE2 reads it inside a class or outside. */
function readEscape(pattern: string, at: number, inClass: boolean): Piece | string {
  const next = pattern[at + 1];
  if (next === undefined) return 'ends with a lone backslash';
  if (!inClass) {
    const assertion = ASSERTIONS[next];
    if (assertion) return { js: assertion, end: at + 2 };
    if (next === 'C') return { js: '[^]', end: at + 2 };
    if (next === 'Q') {
      const close = pattern.indexOf('\\E', at + 2);
      const literal = pattern.slice(at + 2, close < 0 ? undefined : close);
      const js = literal.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
      return { js: js ? `(?:${js})` : '', end: close < 0 ? pattern.length : close + 2 };
    }
  }
  if (/[0-9]/.test(next)) {
    // \0 and \1..\7 followed by an octal digit are octal codes; any other \N is a backreference.
    const octal = /^(0[0-7]{0,2}|[1-7][0-7]{1,2})/.exec(pattern.slice(at + 1));
    if (!octal) return `backreference \\${next} is not supported by RE2`;
    return { js: codePoint(Number.parseInt(octal[0], 8)), end: at + 1 + octal[0].length };
  }
  if (next === 'x') {
    const hex = /^x(?:([0-9A-Fa-f]{2})|\{([0-9A-Fa-f]+)\})/.exec(pattern.slice(at + 1));
    const value = hex ? Number.parseInt(hex[1] ?? hex[2] ?? '', 16) : Number.NaN;
    if (!hex || !(value <= 0x10ffff)) return 'the escape \\x must be \\xHH or \\x{H…} up to 10FFFF';
    return { js: codePoint(value), end: at + 1 + hex[0].length };
  }
  if (next === 'p' || next === 'P') return readUnicodeClass(pattern, at);
  if (next === 'a') return { js: '\\x07', end: at + 2 };
  if (/[A-Za-z]/.test(next) && CLASS_ESCAPES.has(next)) return { js: `\\${next}`, end: at + 2 };
  if (next === 'k' || next === 'g') return `backreference \\${next} is not supported by RE2`;
  // Any ASCII punctuation (or space) may be escaped to stand for itself; nothing else.
  if (/[!-/:-@[-^`{-~ ]/.test(next)) return { js: `\\${next}`, end: at + 2 };
  const where = inClass && /[AzbBCQ]/.test(next) ? ' inside [...]' : '';
  return `the escape \\${next} is not supported by RE2${where}`;
}

/** A code point as JavaScript (without the u flag) reads it; above FFFF the order is kept roughly. */
function codePoint(value: number): string {
  return `\\u${Math.min(value, 0xffff).toString(16).padStart(4, '0')}`;
}

/** \pL, \PL, \p{Greek}, \p{^Greek}: a general category, a script, or Any. */
function readUnicodeClass(pattern: string, at: number): Piece | string {
  const m = /^[pP](?:\{(\^?)([A-Za-z_]+)\}|([A-Za-z]))/.exec(pattern.slice(at + 1));
  const name = m ? (m[2] ?? m[3] ?? '') : '';
  if (!m || !unicodeClassKnown(name))
    return `unknown Unicode class \\${m ? m[0] : pattern.slice(at + 1, at + 3)}`;
  return { js: '\\w', end: at + 1 + m[0].length };
}

function unicodeClassKnown(name: string): boolean {
  if (name === 'Any') return true;
  const property = /^[A-Z][a-z]?$/.test(name) ? `General_Category=${name}` : `Script=${name}`;
  try {
    new RegExp(`\\p{${property}}`, 'u');
    return true;
  } catch {
    return false;
  }
}

/** A bracket expression starting at `at`: "]" first is a literal, [:alpha:] a POSIX class. */
function readClass(pattern: string, at: number): Piece | string {
  let i = at + 1;
  let js = '[';
  if (pattern[i] === '^') {
    js += '^';
    i++;
  }
  if (pattern[i] === ']') {
    js += '\\]';
    i++;
  }
  while (i < pattern.length) {
    const c = pattern[i] as string;
    if (c === ']') return { js: `${js}]`, end: i + 1 };
    if (c === '\\') {
      const escaped = readEscape(pattern, i, true);
      if (typeof escaped === 'string') return escaped;
      js += escaped.js;
      i = escaped.end;
      continue;
    }
    const posix = /^\[:(\^?)([a-z]+):\]/.exec(pattern.slice(i));
    if (posix) {
      if (!POSIX_CLASSES.has(posix[2] ?? '')) return `unknown POSIX class ${posix[0]}`;
      js += '\\w';
      i += posix[0].length;
      continue;
    }
    js += c === '[' ? '\\[' : c;
    i++;
  }
  return 'has a [ without its closing ]';
}

/** "(" or a "(?…" group opener: named groups, non-capturing groups and flags are all RE2 has. */
function readGroupStart(
  pattern: string,
  at: number,
  names: Set<string>,
): (Piece & { opens: boolean }) | string {
  const text = pattern.slice(at);
  if (!text.startsWith('(?')) return { js: '(', end: at + 1, opens: true };
  const named = /^\(\?P?<([^>]*)>/.exec(text);
  if (named && !/^\(\?<[=!]/.test(text)) {
    const name = named[1] ?? '';
    if (!/^\w+$/.test(name)) return `invalid group name ${JSON.stringify(name)}`;
    if (names.has(name)) return `duplicate group name ${JSON.stringify(name)}`;
    names.add(name);
    return { js: '(', end: at + named[0].length, opens: true };
  }
  if (/^\(\?(=|!|<=|<!)/.test(text)) return 'lookahead and lookbehind are not supported by RE2';
  if (text.startsWith('(?P=')) return 'backreference (?P=name) is not supported by RE2';
  // Flags: i, m, s, U, at most one "-" and a flag after it; "(?)" sets nothing and is allowed.
  const flags = /^\(\?([imsU]*)(?:-([imsU]+))?([:)])/.exec(text);
  if (!flags) return `unsupported group syntax ${JSON.stringify(text.slice(0, 4))}`;
  // Flags change how the pattern matches, not whether it compiles; "(?i)" alone adds no atom.
  return flags[3] === ':'
    ? { js: '(?:', end: at + flags[0].length, opens: true }
    : { js: '', end: at + flags[0].length, opens: false };
}

/** A string field holding an RE2 regex. */
export const re2Regex = () =>
  string().superRefine((value, ctx) => {
    const message = re2Message(value);
    if (message) ctx.addIssue({ code: z.ZodIssueCode.custom, message });
  });
