// Envoy matches with RE2, so a regular expression a user writes must be RE2. This is a small check
// at the parse boundary, not a translator: it rejects what RE2 does not have (lookaround,
// backreferences, atomic groups, huge repetitions), rewrites the RE2-only syntax JavaScript lacks
// ((?P<name>, inline flags, \Q..\E, \A, \z) into something equivalent enough to compile, and lets
// JavaScript's RegExp catch plain syntax errors (unbalanced parentheses, bad ranges).

const MAX_REPEAT = 1000;

/** Why a pattern is not RE2, or undefined when it is (as far as this check can tell). */
export function re2Problem(pattern: string): string | undefined {
  let rewritten = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    const rest = pattern.slice(i);
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) return 'ends with a lone backslash';
      if (!inClass && /[1-9]/.test(next)) return `backreference \\${next} is not supported by RE2`;
      if (next === 'k' || next === 'g') return `\\${next} (named backreference) is not supported by RE2`;
      if (next === 'C') return '\\C (any byte) is not supported';
      if (next === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const literal = pattern.slice(i + 2, end < 0 ? undefined : end);
        rewritten += literal.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
        i = end < 0 ? pattern.length : end + 1;
        continue;
      }
      if (!inClass && (next === 'A' || next === 'z')) {
        rewritten += next === 'A' ? '^' : '$';
        i++;
        continue;
      }
      rewritten += c + next;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      // A POSIX class such as [:alpha:] is RE2; JavaScript would read it as plain characters.
      if (c === '[' && rest.startsWith('[:')) {
        const end = pattern.indexOf(':]', i + 2);
        if (end > 0) {
          rewritten += 'a';
          i = end + 1;
          continue;
        }
      }
      rewritten += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      rewritten += c;
      // "[]" and "[^]" start a class whose first member is "]".
      const skip = rest.startsWith('[^]') ? 2 : rest.startsWith('[]') ? 1 : 0;
      rewritten += pattern.slice(i + 1, i + 1 + skip).replace(']', '\\]');
      i += skip;
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const group = groupProblem(rest);
      if (typeof group === 'string') return group;
      rewritten += group.replacement;
      i += group.consumed - 1;
      continue;
    }
    if (c === '{') {
      const repeat = /^\{([0-9]+)(?:,([0-9]*))?\}/.exec(rest);
      if (repeat) {
        const counts = [repeat[1], repeat[2]].filter((n): n is string => n !== undefined && n !== '');
        if (counts.some((n) => Number(n) > MAX_REPEAT))
          return `repetition count above ${MAX_REPEAT} is not supported by RE2`;
        if (counts.length === 2 && Number(counts[0]) > Number(counts[1]))
          return `repetition range ${repeat[0]} is backwards`;
      }
    }
    rewritten += c;
  }
  if (inClass) return 'has a [ without its closing ]';
  try {
    new RegExp(rewritten);
  } catch (e) {
    return e instanceof Error ? e.message.replace(/^Invalid regular expression: /, '') : String(e);
  }
  return undefined;
}

/** A "(?" group: RE2 knows named groups, non-capturing groups and flags, nothing else. */
function groupProblem(text: string): { replacement: string; consumed: number } | string {
  const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(text);
  if (named) return { replacement: `(?<${named[1]}>`, consumed: named[0].length };
  if (/^\(\?(=|!|<=|<!)/.test(text)) return 'lookahead and lookbehind are not supported by RE2';
  if (text.startsWith('(?>')) return 'atomic groups are not supported by RE2';
  if (text.startsWith('(?P=')) return 'backreferences are not supported by RE2';
  const flags = /^\(\?([imsU]*)(?:-([imsU]*))?([:)])/.exec(text);
  if (!flags || flags[0] === '(?)' || flags[0] === '(?-)' || flags[0] === '(?-:') {
    return `unsupported group syntax ${JSON.stringify(text.slice(0, 4))}`;
  }
  // Flags change how the pattern matches, not whether it compiles: drop them for the syntax check.
  return { replacement: flags[3] === ':' ? '(?:' : '', consumed: flags[0].length };
}
