// PGV patterns are RE2. JavaScript's RegExp differs in ways that change answers, not just syntax:
// `.` also refuses \r and U+2028/9, `\s` is Unicode-wide, `$` ... so each pattern is translated
// construct by construct rather than handed to RegExp as is. Inline flags ((?i), (?s), (?m), also
// scoped and mid-pattern) are applied by rewriting, because Node 20's RegExp has no modifiers.
// Anything RE2 rejects (backreferences, lookaround) or we cannot express is an error, never a guess.

export type Re2Translation = { readonly regex: RegExp; readonly source: string } | { readonly error: string };

interface Flags {
  i: boolean;
  s: boolean;
  m: boolean;
}

/** A class as code point ranges plus escapes JavaScript understands natively (\d, \p{L}, ...). */
interface ClassSet {
  ranges: [number, number][];
  escapes: string[];
}

const MAX_CODE_POINT = 0x10ffff;
const SYNTAX_CHARS = new Set([...'^$\\.*+?()[]{}|/']);
const WORD_ESCAPES = new Set(['d', 'D', 'w', 'W']);
const SPACE_RANGES: [number, number][] = [
  [0x09, 0x0a],
  [0x0c, 0x0d],
  [0x20, 0x20],
];

const POSIX_CLASSES: Readonly<Record<string, [number, number][]>> = {
  alnum: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  ascii: [[0x00, 0x7f]],
  blank: [
    [0x09, 0x09],
    [0x20, 0x20],
  ],
  cntrl: [
    [0x00, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e],
  ],
  space: [
    [0x09, 0x0d],
    [0x20, 0x20],
  ],
  upper: [[0x41, 0x5a]],
  word: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
  ],
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66],
  ],
};

class Re2Error extends Error {}

function complement(ranges: readonly [number, number][]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

function classChar(cp: number): string {
  const ch = String.fromCodePoint(cp);
  return /[A-Za-z0-9]/.test(ch) ? ch : `\\u{${cp.toString(16)}}`;
}

function otherCase(cp: number): number[] {
  const ch = String.fromCodePoint(cp);
  const out: number[] = [];
  for (const variant of [ch.toLowerCase(), ch.toUpperCase()]) {
    const v = variant.codePointAt(0);
    if (v !== undefined && v !== cp && [...variant].length === 1) out.push(v);
  }
  return out;
}

/** Adds the other-case counterpart of every letter in the ranges, as RE2's (?i) does. */
function foldRanges(ranges: readonly [number, number][]): [number, number][] {
  const out: [number, number][] = [...ranges];
  for (const [lo, hi] of ranges) {
    for (const [a, z, delta] of [
      [0x61, 0x7a, -0x20],
      [0x41, 0x5a, 0x20],
    ] as const) {
      const from = Math.max(lo, a);
      const to = Math.min(hi, z);
      if (from <= to) out.push([from + delta, to + delta]);
    }
    const nonAsciiLo = Math.max(lo, 0x80);
    if (nonAsciiLo <= hi) {
      if (hi - nonAsciiLo > 0x400) throw new Re2Error('case-insensitive matching of a large non-ASCII range');
      for (let cp = nonAsciiLo; cp <= hi; cp++) for (const v of otherCase(cp)) out.push([v, v]);
    }
  }
  return out;
}

class Translator {
  private pos = 0;
  private readonly flags: Flags[] = [{ i: false, s: false, m: false }];

  constructor(private readonly src: string) {}

  private get f(): Flags {
    return this.flags[this.flags.length - 1] as Flags;
  }

  private peek(offset = 0): string | undefined {
    return this.src[this.pos + offset];
  }

  private nextCodePoint(): number {
    const cp = this.src.codePointAt(this.pos);
    if (cp === undefined) throw new Re2Error('unexpected end of pattern');
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }

  translate(): string {
    let out = '';
    while (this.pos < this.src.length) out += this.atom();
    if (this.flags.length !== 1) throw new Re2Error('missing closing )');
    return out;
  }

  private literal(cp: number): string {
    if (this.f.i) {
      const variants = otherCase(cp);
      if (variants.length > 0) return `[${[cp, ...variants].map(classChar).join('')}]`;
    }
    const ch = String.fromCodePoint(cp);
    return SYNTAX_CHARS.has(ch) ? `\\${ch}` : ch;
  }

  private atom(): string {
    const c = this.peek() as string;
    switch (c) {
      case '\\':
        this.pos++;
        return this.escape();
      case '[':
        this.pos++;
        return this.characterClass();
      case '(':
        this.pos++;
        return this.group();
      case ')':
        this.pos++;
        if (this.flags.length === 1) throw new Re2Error('unexpected )');
        this.flags.pop();
        return ')';
      case '.':
        this.pos++;
        // RE2's `.` excludes only \n; JavaScript's also excludes \r, U+2028 and U+2029.
        return this.f.s ? '[\\s\\S]' : '[^\\n]';
      case '^':
        this.pos++;
        return this.f.m ? '(?<=^|\\n)' : '^';
      case '$':
        this.pos++;
        return this.f.m ? '(?=\\n|$)' : '$';
      case '{': {
        const m = /^\{([0-9]+)(,([0-9]*))?\}/.exec(this.src.slice(this.pos));
        if (!m) {
          // RE2 reads a brace that does not start a repetition as a literal brace.
          this.pos++;
          return '\\{';
        }
        const counts = [m[1], m[3]].filter((x): x is string => x !== undefined && x !== '').map(Number);
        if (counts.some((n) => n > 1000)) throw new Re2Error('repetition count above 1000');
        if (counts.length === 2 && (counts[0] as number) > (counts[1] as number)) {
          throw new Re2Error('bad repetition range');
        }
        this.pos += m[0].length;
        return m[0];
      }
      case '*':
      case '+':
      case '?':
      case '|':
        this.pos++;
        return c;
      default:
        return this.literal(this.nextCodePoint());
    }
  }

  private group(): string {
    if (this.peek() !== '?') {
      this.flags.push({ ...this.f });
      return '(';
    }
    const rest = this.src.slice(this.pos + 1);
    const named = /^P?<([A-Za-z0-9_]+)>/.exec(rest);
    if (named) {
      if (/^[0-9]/.test(named[1] as string)) throw new Re2Error('group name starting with a digit');
      this.pos += 1 + named[0].length;
      this.flags.push({ ...this.f });
      return `(?<${named[1]}>`;
    }
    const flagged = /^([imsU]*)(?:-([imsU]*))?([:)])/.exec(rest);
    if (!flagged || flagged[0] === ')' || flagged[0] === '-:' || flagged[0] === '-)') {
      throw new Re2Error(
        `unsupported group syntax "(?${rest.slice(0, 3)}" (RE2 has no lookaround or comments)`,
      );
    }
    const on = flagged[1] ?? '';
    const off = flagged[2] ?? '';
    if (`${on}${off}`.includes('U')) throw new Re2Error('the U (ungreedy) flag is not supported');
    this.pos += 1 + flagged[0].length;
    const next: Flags = { ...this.f };
    for (const k of on) next[k as keyof Flags] = true;
    for (const k of off) next[k as keyof Flags] = false;
    if (flagged[3] === ':') {
      this.flags.push(next);
      return '(?:';
    }
    // (?flags) applies to the rest of the enclosing group.
    this.flags[this.flags.length - 1] = next;
    return '';
  }

  private octal(first: string): number {
    let digits = first;
    while (digits.length < 3 && /[0-7]/.test(this.peek() ?? '')) {
      digits += this.peek();
      this.pos++;
    }
    return Number.parseInt(digits, 8);
  }

  private hex(): number {
    if (this.peek() === '{') {
      const m = /^\{([0-9A-Fa-f]{1,6})\}/.exec(this.src.slice(this.pos));
      if (!m) throw new Re2Error('bad \\x{...} escape');
      this.pos += m[0].length;
      const cp = Number.parseInt(m[1] as string, 16);
      if (cp > MAX_CODE_POINT) throw new Re2Error('\\x{...} beyond U+10FFFF');
      return cp;
    }
    const m = /^[0-9A-Fa-f]{2}/.exec(this.src.slice(this.pos));
    if (!m) throw new Re2Error('bad \\x escape');
    this.pos += 2;
    return Number.parseInt(m[0], 16);
  }

  private unicodeClass(negated: boolean): string {
    let name: string;
    if (this.peek() === '{') {
      const end = this.src.indexOf('}', this.pos);
      if (end < 0) throw new Re2Error('unterminated \\p{...}');
      name = this.src.slice(this.pos + 1, end);
      this.pos = end + 1;
    } else {
      name = this.peek() ?? '';
      this.pos++;
    }
    if (name.startsWith('^')) {
      negated = !negated;
      name = name.slice(1);
    }
    if (!/^[A-Za-z_]+$/.test(name)) throw new Re2Error(`bad Unicode class name "${name}"`);
    if (this.f.i && /^L[ult]?$/.test(name) && name !== 'L') {
      throw new Re2Error(`case-insensitive \\p{${name}} is not supported`);
    }
    const body = name === 'Any' ? 'Any' : /^[A-Z][a-z]?$/.test(name) ? name : `Script=${name}`;
    return `\\${negated ? 'P' : 'p'}{${body}}`;
  }

  /** One escape; a code point for a literal, a string for a class-like escape. */
  private escapeValue(inClass: boolean): number | string {
    const e = this.peek();
    if (e === undefined) throw new Re2Error('trailing backslash');
    this.pos++;
    if (e === '0') return this.octal('0');
    if (/[1-7]/.test(e) && /[0-7]/.test(this.peek() ?? '')) return this.octal(e);
    if (/[1-9]/.test(e)) throw new Re2Error('backreferences are not supported by RE2');
    switch (e) {
      case 'x':
        return this.hex();
      case 'a':
        return 0x07;
      case 'f':
        return 0x0c;
      case 't':
        return 0x09;
      case 'n':
        return 0x0a;
      case 'r':
        return 0x0d;
      case 'v':
        return 0x0b;
      case 'p':
      case 'P':
        return this.unicodeClass(e === 'P');
      case 's':
        return inClass ? '\\s-ascii' : '[\\t\\n\\f\\r ]';
      case 'S':
        return inClass ? '\\S-ascii' : '[^\\t\\n\\f\\r ]';
      default:
        if (WORD_ESCAPES.has(e)) return `\\${e}`;
        if (/[A-Za-z0-9]/.test(e)) {
          if (!inClass && e === 'b') return '\\b';
          if (!inClass && e === 'B') return '\\B';
          if (!inClass && e === 'A') return '(?<![\\s\\S])';
          if (!inClass && e === 'z') return '(?![\\s\\S])';
          throw new Re2Error(`escape \\${e} is not RE2 or not supported`);
        }
        // RE2 lets any punctuation be escaped to mean itself.
        return e.codePointAt(0) as number;
    }
  }

  private escape(): string {
    if (this.peek() === 'Q') {
      this.pos++;
      const end = this.src.indexOf('\\E', this.pos);
      const text = this.src.slice(this.pos, end < 0 ? undefined : end);
      this.pos = end < 0 ? this.src.length : end + 2;
      return [...text].map((ch) => this.literal(ch.codePointAt(0) as number)).join('');
    }
    if (this.peek() === 'C') throw new Re2Error('\\C (any byte) is not supported');
    const v = this.escapeValue(false);
    return typeof v === 'number' ? this.literal(v) : v;
  }

  private classItem(set: ClassSet): number | undefined {
    const c = this.peek();
    if (c === undefined) throw new Re2Error('missing closing ]');
    if (c === '[' && this.peek(1) === ':') {
      const m = /^\[:(\^)?([a-z]+):\]/.exec(this.src.slice(this.pos));
      const ranges = m ? POSIX_CLASSES[m[2] as string] : undefined;
      if (m && ranges) {
        this.pos += m[0].length;
        set.ranges.push(...(m[1] ? complement(ranges) : ranges));
        return undefined;
      }
    }
    if (c === '\\') {
      this.pos++;
      const v = this.escapeValue(true);
      if (typeof v === 'number') return v;
      if (v === '\\s-ascii') set.ranges.push(...SPACE_RANGES);
      else if (v === '\\S-ascii') set.ranges.push(...complement(SPACE_RANGES));
      else set.escapes.push(v);
      return undefined;
    }
    return this.nextCodePoint();
  }

  private characterClass(): string {
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.pos++;
    }
    const set: ClassSet = { ranges: [], escapes: [] };
    let first = true;
    while (this.peek() !== ']' || first) {
      if (this.peek() === ']' && first) {
        this.pos++;
        set.ranges.push([0x5d, 0x5d]);
        first = false;
        continue;
      }
      first = false;
      const lo = this.classItem(set);
      if (lo === undefined) continue;
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
        this.pos++;
        const hi = this.classItem(set);
        if (hi === undefined) throw new Re2Error('bad character class range');
        if (hi < lo) throw new Re2Error('character class range out of order');
        set.ranges.push([lo, hi]);
      } else {
        set.ranges.push([lo, lo]);
      }
    }
    this.pos++;
    const ranges = this.f.i ? foldRanges(set.ranges) : set.ranges;
    const body =
      ranges.map(([lo, hi]) => (lo === hi ? classChar(lo) : `${classChar(lo)}-${classChar(hi)}`)).join('') +
      set.escapes.join('');
    if (body === '') return negated ? '[\\s\\S]' : '[^\\s\\S]';
    return `[${negated ? '^' : ''}${body}]`;
  }
}

/** Compiles an RE2 pattern to a JavaScript RegExp with the same matches (unanchored search, as RE2's PartialMatch). */
export function translateRe2(pattern: string): Re2Translation {
  let source: string;
  try {
    source = new Translator(pattern).translate();
  } catch (e) {
    if (e instanceof Re2Error) return { error: e.message };
    throw e;
  }
  try {
    return { regex: new RegExp(source, 'u'), source };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}
