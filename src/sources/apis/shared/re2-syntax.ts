// Envoy compiles every regex with RE2, which lacks some of JavaScript's syntax (lookaround,
// backreferences) and has some JavaScript lacks (inline flags, (?P<name>…)). A regex Envoy cannot
// compile makes it reject the whole route configuration, so it must be caught here, per field.
// SMI and Trellis check with this. Gateway API (gateway-api/re2-check.ts) and Istio
// (istio/re2-regex.ts) still have checks of their own that accept and reject other patterns
// (a{1001}, \C, \u0041, (?), [(?=]) and word their messages otherwise: one check for all would
// change what some families accept, so it waits for a decision on which rules are right.
import { z } from 'zod';
import { string } from '../core/fields.js';

/** RE2 refuses counted repetitions above this. */
const MAX_REPEAT = 1000;
/** Longer patterns are almost certainly a mistake, and RE2 programs have a size limit in Envoy. */
const MAX_LENGTH = 1024;
/** The letters RE2 accepts after a backslash (\d, \n, \pL, \x41, \Q…\E, …). */
const RE2_LETTER_ESCAPES = new Set('aftnrvdDsSwWbBAzpPQECx');

/** Why `pattern` is not a regex RE2 compiles, or undefined when it is. */
export function re2Problem(pattern: string): string | undefined {
  if (pattern.length > MAX_LENGTH) return `must be at most ${MAX_LENGTH} characters`;
  const unsupported = unsupportedConstruct(pattern);
  if (unsupported) return unsupported;
  try {
    // The syntax RE2 and JavaScript share is checked by JavaScript's own parser, once the spellings
    // only RE2 knows are mapped to their JavaScript equivalents. Never executed, only compiled.
    new RegExp(toJavaScript(pattern));
    return undefined;
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const why = text.slice(text.lastIndexOf(': ') + 2);
    return why ? why.charAt(0).toLowerCase() + why.slice(1) : 'does not compile';
  }
}

function toJavaScript(pattern: string): string {
  return pattern
    .replace(/\(\?P</g, '(?<')
    .replace(/\(\?[imsU]*(-[imsU]*)?\)/g, '')
    .replace(/\(\?[imsU]*(-[imsU]*)?:/g, '(?:');
}

/** Constructs JavaScript compiles but RE2 does not. */
function unsupportedConstruct(pattern: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (!inClass && next >= '1' && next <= '9') return 'backreferences (\\1) are not supported by RE2';
      if (/[A-Za-z]/.test(next) && !RE2_LETTER_ESCAPES.has(next))
        return `the escape \\${next} is not supported by RE2`;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      // A "]" first in a class (or after "^") is a literal, not the end of the class.
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++;
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2, i + 4);
      if (rest.startsWith('=') || rest.startsWith('!'))
        return 'lookahead (?= and (?! is not supported by RE2';
      if (rest === '<=' || rest === '<!') return 'lookbehind (?<= and (?<! is not supported by RE2';
    }
    if (c === '{') {
      const counted = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
      if (counted && Math.max(Number(counted[1]), Number(counted[3] || 0)) > MAX_REPEAT)
        return `repetition counts above ${MAX_REPEAT} are not supported by RE2`;
    }
  }
  return undefined;
}

/** A string field holding an RE2 regex. */
export const re2Regex = () =>
  string().superRefine((value, ctx) => {
    const problem = re2Problem(value);
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be an RE2 regex: ${problem}` });
  });
