import { describe, expect, it } from 'vitest';
import type { Result } from '../model/result.js';
import { seededRandom } from '../sources/apis/shared/fuzz-mutations.js';
import { bearerToken, MAX_BEARER_TOKEN_CHARS, unverifiedJwtExpiry } from './bearer-token.js';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

function reason(result: Result<string, string>): string {
  if (result.ok) throw new Error('expected a failure');
  expect(result.errors).toHaveLength(1);
  return result.errors[0] ?? '';
}

describe('bearerToken', () => {
  it('reads the token of one Bearer value, the scheme in any case', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR'])
      expect(bearerToken([`${scheme} ${JWT}`])).toEqual({ ok: true, value: JWT });
    expect(bearerToken([`Bearer   ${JWT}`])).toEqual({ ok: true, value: JWT });
  });

  it('accepts a token of exactly the limit', () => {
    const long = `${'a'.repeat(MAX_BEARER_TOKEN_CHARS - 4)}.b.c`;
    expect(bearerToken([`Bearer ${long}`])).toEqual({ ok: true, value: long });
  });

  it.each<[string, readonly (string | Uint8Array)[], string]>([
    ['none', [], 'no authorization metadata: send "authorization: Bearer <ServiceAccount token>"'],
    ['two', [`Bearer ${JWT}`, `Bearer ${JWT}`], '2 authorization values were sent; exactly one is allowed'],
    ['binary', [Buffer.from(`Bearer ${JWT}`)], 'the authorization value is binary, not text'],
    ['empty', [''], 'the authorization value is empty: expected "Bearer <token>"'],
    [
      'no scheme',
      [JWT],
      `the authorization value (${JWT.length} characters) has no scheme: expected "Bearer <token>"`,
    ],
    ['Basic', ['Basic dXNlcjpwYXNz'], 'the authorization scheme is "Basic", not Bearer'],
    ['odd scheme', ['B@arer x.y.z'], 'the authorization scheme (6 characters) is not Bearer'],
    ['leading space', [` Bearer ${JWT}`], 'the authorization scheme (0 characters) is not Bearer'],
    ['empty token', ['Bearer '], 'the Bearer token is empty'],
    ['two parts', ['Bearer a.b'], 'the Bearer token is not a JWT: it has 2 dot-separated parts, not 3'],
    ['empty part', ['Bearer a..c'], 'the Bearer token is not a JWT: its part 2 of 3 is empty'],
    [
      'trailing space',
      [`Bearer ${JWT} `],
      `the Bearer token has U+0020 at offset ${JWT.length}, which cannot appear in a JWT (base64url parts joined by dots)`,
    ],
    [
      'padding',
      ['Bearer a.b=.c'],
      'the Bearer token has U+003D at offset 3, which cannot appear in a JWT (base64url parts joined by dots)',
    ],
    [
      'non-ASCII',
      ['Bearer a.é.c'],
      'the Bearer token has U+00E9 at offset 2, which cannot appear in a JWT (base64url parts joined by dots)',
    ],
  ])('refuses %s, saying why', (_name, values, expected) => {
    expect(reason(bearerToken(values))).toBe(expected);
  });

  it('refuses a token over the limit, naming its length only', () => {
    const long = `${'a'.repeat(MAX_BEARER_TOKEN_CHARS)}.b.c`;
    expect(reason(bearerToken([`Bearer ${long}`]))).toBe(
      `the Bearer token is ${long.length} characters, over the ${MAX_BEARER_TOKEN_CHARS} allowed`,
    );
    const huge = `Bearer ${'a'.repeat(1_000_000)}`;
    expect(reason(bearerToken([huge]))).toBe(
      `the authorization value is ${huge.length} characters, over the ${MAX_BEARER_TOKEN_CHARS + 64} allowed`,
    );
  });

  it('returns reasons for 2,000 seeded malformed values, never throwing or quoting the token', () => {
    const random = seededRandom(0x7e11);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const alphabet = 'aZ09-_.. =+/\t\n\u0000é\u{1F600}:,"\\';
    const damage: readonly ((value: string) => string)[] = [
      (v) => v.slice(0, Math.floor(random() * v.length)),
      (v) => {
        const at = Math.floor(random() * (v.length + 1));
        return v.slice(0, at) + pick([...alphabet]) + v.slice(at);
      },
      (v) => {
        const at = Math.floor(random() * v.length);
        return v.slice(0, at) + v.slice(at + 1);
      },
      (v) => v.replace('Bearer', pick(['Basic', 'Bearer:', 'Token', '', 'Bearer\t', 'Beare'])),
      (v) => v + pick(['.', '..x', ' ', '='.repeat(2), 'a'.repeat(MAX_BEARER_TOKEN_CHARS)]),
      (v) =>
        v
          .split('.')
          .slice(0, 1 + Math.floor(random() * 4))
          .join('.'),
    ];
    let refused = 0;
    for (let i = 0; i < 2000; i++) {
      let value = `Bearer ${JWT}`;
      for (let n = 1 + Math.floor(random() * 3); n > 0; n--) value = pick(damage)(value);
      const values = random() < 0.05 ? [value, value] : [value];
      const result = bearerToken(values);
      if (result.ok) {
        expect(result.value.split('.')).toHaveLength(3);
        continue;
      }
      refused++;
      const why = result.errors[0] ?? '';
      expect(why.length).toBeGreaterThan(0);
      expect(why.length).toBeLessThan(200);
      const token = value.slice(value.indexOf(' ') + 1);
      if (token.length >= 8) expect(why).not.toContain(token);
    }
    expect(refused).toBeGreaterThan(1000);
  });
});

describe('unverifiedJwtExpiry', () => {
  const jwt = (payload: unknown) =>
    `e30.${Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)).toString('base64url')}.c2ln`;

  it('reads exp in milliseconds', () => {
    expect(unverifiedJwtExpiry(jwt({ exp: 1_900_000_000 }))).toBe(1_900_000_000_000);
  });

  it('is undefined without a readable numeric exp', () => {
    for (const payload of [{}, { exp: '1900000000' }, null, [1], 'not json', { exp: null }])
      expect(unverifiedJwtExpiry(jwt(payload))).toBeUndefined();
    expect(unverifiedJwtExpiry('a.b')).toBeUndefined();
    expect(unverifiedJwtExpiry('a.!!!.c')).toBeUndefined();
  });
});
