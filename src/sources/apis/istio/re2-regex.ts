// Envoy matches with RE2, Istio validates with Go's regexp (RE2 syntax). JavaScript has no RE2, so
// this check is an approximation: RE2-only syntax is rewritten to its JavaScript equivalent before
// compiling, and what RE2 lacks (lookaround, backreferences) is refused explicitly, because
// JavaScript would accept it and Envoy would then reject the whole route configuration.

const LOOKAROUND = /\(\?<?[=!]/;
const BACKREFERENCE = /\\[1-9]|\\k</;

/** Undefined when the pattern is valid RE2 (as far as we can tell), else why not. */
export function re2Problem(pattern: string): string | undefined {
  // Escaped characters cannot start a group or a backreference: take them out before looking.
  if (LOOKAROUND.test(pattern.replace(/\\./g, ''))) {
    return 'must be an RE2 regular expression; RE2 has no lookahead or lookbehind';
  }
  if (BACKREFERENCE.test(pattern.replace(/\\\\/g, ''))) {
    return 'must be an RE2 regular expression; RE2 has no backreferences';
  }
  try {
    new RegExp(toJavaScript(pattern));
    return undefined;
  } catch (error) {
    // V8 says "Invalid regular expression: /<pattern>/: <why>"; the pattern is shown by the caller.
    const detail = error instanceof Error ? (error.message.split(': ').pop() ?? '') : '';
    return `must be an RE2 regular expression${detail ? ` (${detail})` : ''}`;
  }
}

function toJavaScript(pattern: string): string {
  return (
    pattern
      // Named groups: (?P<name>…) is RE2's spelling of (?<name>…).
      .replace(/\(\?P</g, '(?<')
      // Flag groups: (?i) alone, or (?i:…) scoped. JavaScript takes flags only on the whole pattern.
      .replace(/\(\?[imsU-]+\)/g, '')
      .replace(/\(\?[imsU-]+:/g, '(?:')
      // POSIX classes such as [[:alpha:]] inside a bracket expression.
      .replace(/\[:\^?[a-z]+:\]/g, 'a')
      // \A, \z: start and end of text. \Q…\E: a literal run.
      .replace(/\\[Az]/g, '^')
      .replace(/\\Q(.*?)(\\E|$)/g, (_, literal: string) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  );
}
