// PGV's string and bytes rules. Lengths follow PGV: `len`/`min_len`/`max_len` count code points on
// strings but bytes on bytes; `*_bytes` count UTF-8 bytes.
import { compileRe2, Re2EngineError } from '../../re2.js';
import { encodeBase64 } from './json-scalars.js';
import { all, type Check, lengthCheck, quote, type RuleName, type Rules, rulesOf } from './pgv-check.js';
import { type FieldRules, ruleList } from './pgv-rules.js';
import {
  emailProblem,
  HTTP_HEADER_LOOSE,
  HTTP_HEADER_NAME_STRICT,
  HTTP_HEADER_VALUE_STRICT,
  hostnameProblem,
  isIp,
  isIpv4,
  isIpv6,
  isUuid,
  uriProblem,
} from './string-formats.js';

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

const utf8 = new TextEncoder();

function patternCheck<T>(r: Rules<'string' | 'bytes'>, asText: (v: T) => string): Check<T> {
  const pattern = String(r.get('pattern'));
  const compiled = compileRe2(pattern);
  if ('error' in compiled) {
    // Fail closed: a rule we cannot evaluate must not wave values through.
    return (_v, ctx) =>
      ctx.report(r.rule('pattern'), `cannot evaluate RE2 pattern ${quote(pattern)}: ${compiled.error}`);
  }
  return (v, ctx) => {
    const text = asText(v);
    let matched: boolean;
    try {
      matched = compiled.test(text);
    } catch (error) {
      if (!(error instanceof Re2EngineError)) throw error;
      ctx.report(r.rule('pattern'), `cannot evaluate RE2 pattern ${quote(pattern)}: ${error.message}`);
      return;
    }
    if (!matched)
      ctx.report(r.rule('pattern'), `must match RE2 pattern ${quote(pattern)}, got ${quote(text)}`);
  };
}

function knownRegex(r: Rules<'string'>): Check<string> | undefined {
  const which = r.get('well_known_regex');
  const name = which === 1 ? 'HTTP_HEADER_NAME' : which === 2 ? 'HTTP_HEADER_VALUE' : which;
  if (name !== 'HTTP_HEADER_NAME' && name !== 'HTTP_HEADER_VALUE') return undefined;
  // strict defaults to true; false relaxes both to "no NUL, CR or LF".
  const strict = r.get('strict') !== false;
  const regex = !strict
    ? HTTP_HEADER_LOOSE
    : name === 'HTTP_HEADER_NAME'
      ? HTTP_HEADER_NAME_STRICT
      : HTTP_HEADER_VALUE_STRICT;
  const what = `${strict ? '' : 'loosely '}valid HTTP header ${name === 'HTTP_HEADER_NAME' ? 'name' : 'value'}`;
  return (v, ctx) => {
    if (!regex.test(v))
      ctx.report(
        r.rule('well_known_regex'),
        `must be a ${what} (${name}, strict: ${strict}), got ${quote(v)}`,
      );
  };
}

export function compileString(rules: FieldRules | undefined): Check<unknown> | undefined {
  const r = rulesOf(rules, 'string');
  if (!r) return undefined;
  const checks: Check<string>[] = [];
  const text = (name: RuleName<'string'>) => String(r.get(name));
  if (r.has('const')) {
    const c = text('const');
    checks.push((v, ctx) => {
      if (v !== c) ctx.report(r.rule('const'), `must equal ${quote(c)}, got ${quote(v)}`);
    });
  }
  const lengths = [
    ['len', 'exactly', 'characters', codePoints],
    ['min_len', 'at least', 'characters', codePoints],
    ['max_len', 'at most', 'characters', codePoints],
    ['len_bytes', 'exactly', 'bytes', (v: string) => utf8.encode(v).length],
    ['min_bytes', 'at least', 'bytes', (v: string) => utf8.encode(v).length],
    ['max_bytes', 'at most', 'bytes', (v: string) => utf8.encode(v).length],
  ] as const;
  for (const [name, cmp, unit, measure] of lengths) {
    if (r.has(name)) checks.push(lengthCheck(r.rule(name), r.count(name), cmp, unit, measure));
  }
  if (r.has('pattern')) checks.push(patternCheck<string>(r, (v) => v));
  const affixes = [
    ['prefix', (v: string, x: string) => v.startsWith(x), 'start with'],
    ['suffix', (v: string, x: string) => v.endsWith(x), 'end with'],
    ['contains', (v: string, x: string) => v.includes(x), 'contain'],
    ['not_contains', (v: string, x: string) => !v.includes(x), 'not contain'],
  ] as const;
  for (const [name, test, verb] of affixes) {
    if (!r.has(name)) continue;
    const x = text(name);
    checks.push((v, ctx) => {
      if (!test(v, x)) ctx.report(r.rule(name), `must ${verb} ${quote(x)}, got ${quote(v)}`);
    });
  }
  if (r.has('in')) {
    const allowed = ruleList(r.get('in')).map(String);
    checks.push((v, ctx) => {
      if (!allowed.includes(v))
        ctx.report(r.rule('in'), `must be one of [${allowed.map(quote).join(', ')}], got ${quote(v)}`);
    });
  }
  if (r.has('not_in')) {
    const refused = ruleList(r.get('not_in')).map(String);
    checks.push((v, ctx) => {
      if (refused.includes(v))
        ctx.report(
          r.rule('not_in'),
          `must not be one of [${refused.map(quote).join(', ')}], got ${quote(v)}`,
        );
    });
  }
  const formats = [
    ['email', 'a valid email address', emailProblem],
    ['hostname', 'a valid hostname', hostnameProblem],
    ['ip', 'a valid IP address', (v: string) => (isIp(v) ? undefined : 'not an IPv4 or IPv6 address')],
    [
      'ipv4',
      'a valid IPv4 address',
      (v: string) => (isIpv4(v) ? undefined : 'not a dotted-quad IPv4 address'),
    ],
    ['ipv6', 'a valid IPv6 address', (v: string) => (isIpv6(v) ? undefined : 'not an IPv6 address')],
    ['uri', 'an absolute URI', (v: string) => uriProblem(v, true)],
    ['uri_ref', 'a URI reference', (v: string) => uriProblem(v, false)],
    ['address', 'a valid hostname or IP address', (v: string) => (isIp(v) ? undefined : hostnameProblem(v))],
    ['uuid', 'a valid UUID', (v: string) => (isUuid(v) ? undefined : 'not 8-4-4-4-12 hex digits')],
  ] as const;
  for (const [name, what, problem] of formats) {
    if (!r.flag(name)) continue;
    checks.push((v, ctx) => {
      const why = problem(v);
      if (why !== undefined) ctx.report(r.rule(name), `must be ${what} (${why}), got ${quote(v)}`);
    });
  }
  const headers = r.has('well_known_regex') ? knownRegex(r) : undefined;
  if (headers) checks.push(headers);
  const run = all(checks);
  const ignoreEmpty = r.flag('ignore_empty');
  return (
    run &&
    ((v, ctx) => {
      const s = typeof v === 'string' ? v : '';
      if (!(ignoreEmpty && s === '')) run(s, ctx);
    })
  );
}

/** A bytes rule value: the .proto string literal as protobufjs parsed it, one char per byte up to U+00FF. */
function ruleBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  const s = String(v);
  return [...s].every((ch) => (ch.codePointAt(0) ?? 0) <= 0xff)
    ? Uint8Array.from(Buffer.from(s, 'latin1'))
    : utf8.encode(s);
}

function sameBytes(a: Uint8Array, b: Uint8Array, at = 0): boolean {
  if (at + b.length > a.length) return false;
  for (let i = 0; i < b.length; i++) if (a[at + i] !== b[i]) return false;
  return true;
}

function showBytes(b: Uint8Array): string {
  return `base64 "${encodeBase64(b.length > 60 ? b.subarray(0, 60) : b)}"`;
}

export function compileBytes(rules: FieldRules | undefined): Check<unknown> | undefined {
  const r = rulesOf(rules, 'bytes');
  if (!r) return undefined;
  const checks: Check<Uint8Array>[] = [];
  if (r.has('const')) {
    const c = ruleBytes(r.get('const'));
    checks.push((v, ctx) => {
      if (v.length !== c.length || !sameBytes(v, c))
        ctx.report(r.rule('const'), `must equal ${showBytes(c)}, got ${showBytes(v)}`);
    });
  }
  const lengths = [
    ['len', 'exactly'],
    ['min_len', 'at least'],
    ['max_len', 'at most'],
  ] as const;
  for (const [name, cmp] of lengths) {
    if (r.has(name))
      checks.push(lengthCheck(r.rule(name), r.count(name), cmp, 'bytes', (v: Uint8Array) => v.length));
  }
  // RE2 matches bytes as UTF-8; invalid sequences read as U+FFFD, as in RE2.
  if (r.has('pattern')) checks.push(patternCheck<Uint8Array>(r, (v) => new TextDecoder().decode(v)));
  const affixes = [
    ['prefix', (v: Uint8Array, x: Uint8Array) => sameBytes(v, x), 'start with'],
    ['suffix', (v: Uint8Array, x: Uint8Array) => sameBytes(v, x, v.length - x.length), 'end with'],
    [
      'contains',
      (v: Uint8Array, x: Uint8Array) => {
        for (let i = 0; i + x.length <= v.length; i++) if (sameBytes(v, x, i)) return true;
        return false;
      },
      'contain',
    ],
  ] as const;
  for (const [name, test, verb] of affixes) {
    if (!r.has(name)) continue;
    const x = ruleBytes(r.get(name));
    checks.push((v, ctx) => {
      if (v.length < x.length || !test(v, x))
        ctx.report(r.rule(name), `must ${verb} ${showBytes(x)}, got ${showBytes(v)}`);
    });
  }
  for (const name of ['in', 'not_in'] as const) {
    if (!r.has(name)) continue;
    const list = ruleList(r.get(name)).map(ruleBytes);
    const wanted = name === 'in';
    checks.push((v, ctx) => {
      const found = list.some((x) => x.length === v.length && sameBytes(v, x));
      if (found !== wanted) {
        ctx.report(
          r.rule(name),
          `must ${wanted ? '' : 'not '}be one of [${list.map(showBytes).join(', ')}], got ${showBytes(v)}`,
        );
      }
    });
  }
  const ipLengths = [
    ['ip', [4, 16], 'an IP address (4 or 16 bytes)'],
    ['ipv4', [4], 'an IPv4 address (4 bytes)'],
    ['ipv6', [16], 'an IPv6 address (16 bytes)'],
  ] as const;
  for (const [name, sizes, what] of ipLengths) {
    if (!r.flag(name)) continue;
    checks.push((v, ctx) => {
      if (!(sizes as readonly number[]).includes(v.length))
        ctx.report(r.rule(name), `must be ${what}, got ${v.length} bytes`);
    });
  }
  const run = all(checks);
  const ignoreEmpty = r.flag('ignore_empty');
  return (
    run &&
    ((v, ctx) => {
      const b = v instanceof Uint8Array ? v : new Uint8Array();
      if (!(ignoreEmpty && b.length === 0)) run(b, ctx);
    })
  );
}
