import { describe, expect, it } from 'vitest';
import { httpRoute, PREFIX, parseYaml } from './test-fixtures.js';

const backend = 'backendRefs: [{ name: reviews-v1, port: 9080 }]';

function matchesOf(matches: string) {
  return parseYaml(httpRoute(`    - matches: ${matches}\n      ${backend}\n`));
}

describe('HTTPRoute matches', () => {
  it('reads a rule with no matches as the spec default, PathPrefix "/"', () => {
    const parsed = parseYaml(httpRoute(`    - ${backend}\n`));
    expect(parsed.messages).toEqual([]);
    expect(parsed.http.map((r) => [r.name, r.match])).toEqual([
      ['HTTPRoute/shop/reviews/0/0', { path: { kind: 'segmentPrefix', value: '/' } }],
    ]);
  });

  it('lowers Exact, PathPrefix (trailing "/" ignored) and RegularExpression paths, one route per match', () => {
    const parsed = matchesOf(`
        - path: { type: Exact, value: /login }
        - path: { type: PathPrefix, value: /api/ }
        - path: { value: /static }
        - path: { type: RegularExpression, value: "/users/[0-9]+" }`);
    expect(parsed.messages).toEqual([]);
    expect(parsed.http.map((r) => [r.name, r.match.path])).toEqual([
      ['HTTPRoute/shop/reviews/0/0', { kind: 'exact', value: '/login' }],
      ['HTTPRoute/shop/reviews/0/1', { kind: 'segmentPrefix', value: '/api' }],
      ['HTTPRoute/shop/reviews/0/2', { kind: 'segmentPrefix', value: '/static' }],
      ['HTTPRoute/shop/reviews/0/3', { kind: 'regex', value: '/users/[0-9]+' }],
    ]);
  });

  it('matches header names without case and keeps only the first of equivalent names', () => {
    const parsed = matchesOf(`
        - headers:
            - { name: X-Version, value: v2 }
            - { name: x-user, type: RegularExpression, value: "jason|ann" }
            - { name: x-version, value: v3 }`);
    expect(parsed.http[0]?.match.headers).toEqual([
      { name: 'x-version', match: { kind: 'exact', value: 'v2' } },
      { name: 'x-user', match: { kind: 'regex', value: 'jason|ann' } },
    ]);
    expect(parsed.messages).toEqual([
      `${PREFIX}spec.rules[0].matches[0].headers[2].name: repeats "x-version" of headers[0]; only the first is used`,
    ]);
  });

  it('reads query parameters (names compared exactly) and the method', () => {
    const parsed = matchesOf(`
        - method: POST
          queryParams:
            - { name: tab, value: reviews }
            - { name: Tab, type: RegularExpression, value: "r.*" }`);
    expect(parsed.messages).toEqual([]);
    expect(parsed.http[0]?.match).toEqual({
      path: { kind: 'segmentPrefix', value: '/' },
      method: 'POST',
      queryParams: [
        { name: 'tab', match: { kind: 'exact', value: 'reviews' } },
        { name: 'Tab', match: { kind: 'regex', value: 'r.*' } },
      ],
    });
  });

  it('drops a match with a regex RE2 cannot run, answers its siblings 500, and serves the other rules', () => {
    const parsed = parseYaml(
      httpRoute(`    - matches:
        - path: { type: RegularExpression, value: "/(?!admin).*" }
        - path: { value: /ok }
      ${backend}
    - ${backend}
`),
    );
    expect(parsed.errors).toEqual([
      `${PREFIX}spec.rules[0].matches[0].path.value: must be an RE2 regular expression: invalid perl operator: (?!, got "/(?!admin).*"; the match is ignored`,
    ]);
    expect(parsed.http.map((r) => [r.name, r.action.kind])).toEqual([
      ['HTTPRoute/shop/reviews/0/1', 'direct'],
      ['HTTPRoute/shop/reviews/1/0', 'forward'],
    ]);
    expect(parsed.http[0]?.action).toEqual({ kind: 'direct', status: 500 });
  });

  it('rejects backreferences in header regexes', () => {
    const parsed = matchesOf(`[{ headers: [{ name: x, type: RegularExpression, value: "(a)\\\\1" }] }]`);
    expect(parsed.errors).toEqual([
      `${PREFIX}spec.rules[0].matches[0].headers[0].value: must be an RE2 regular expression: invalid escape sequence: \\1, got "(a)\\\\1"; the match is ignored`,
    ]);
  });

  it('rejects a header regex whose RE2 program is larger than Envoy accepts, with its size', () => {
    const parsed = matchesOf(
      `[{ headers: [{ name: x-digest, type: RegularExpression, value: "[0-9a-f]{128}" }] }]`,
    );
    expect(parsed.errors).toEqual([
      `${PREFIX}spec.rules[0].matches[0].headers[0].value: must be an RE2 regular expression: the RE2 program of this pattern has 260 instructions, more than the 100 Envoy accepts (runtime key re2.max_program_size.error_level), got "[0-9a-f]{128}"; the match is ignored`,
    ]);
  });

  it.each([
    ['relative', 'api', 'must be an absolute path starting with "/"'],
    ['double slash', '/a//b', 'must not contain "//"'],
    ['dot segment', '/a/./b', 'must not contain "/./"'],
    ['encoded slash', '/a%2Fb', 'must not contain "%2F"'],
    ['fragment', '/a#b', 'must not contain "#"'],
    ['space', '/a b', "must only contain letters, digits, -/._~!$&'()*+,;=:@ and %-escapes"],
  ])('rejects a %s path', (_name, value, message) => {
    const parsed = matchesOf(`[{ path: { type: Exact, value: "${value}" } }]`);
    expect(parsed.errors).toEqual([
      `${PREFIX}spec.rules[0].matches[0].path.value: ${message}, got ${JSON.stringify(value)}; the match is ignored`,
    ]);
  });

  it('answers unknown enum values with reason UnsupportedValue', () => {
    const parsed = parseYaml(
      httpRoute(`    - matches: [{ method: FETCH, path: { type: Suffix, value: /x } }]\n      ${backend}\n`),
    );
    expect(parsed.errors).toEqual([
      `${PREFIX}spec.rules[0].matches[0].method: must be one of GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH, got "FETCH"; the match is ignored`,
      `${PREFIX}spec.rules[0].matches[0].path.type: must be one of Exact, PathPrefix, RegularExpression, got "Suffix"; the match is ignored`,
    ]);
  });

  it('rejects a header name with a colon and an empty header value', () => {
    const parsed = matchesOf(`[{ headers: [{ name: ":authority", value: x }, { name: x-a, value: "" }] }]`);
    expect(parsed.errors).toEqual([
      `${PREFIX}spec.rules[0].matches[0].headers[0].name: must be an HTTP header name: 1..256 letters, digits or !#$%&'*+-.^_\`|~, got ":authority"; the match is ignored`,
      `${PREFIX}spec.rules[0].matches[0].headers[1].value: must be 1..4096 printable ASCII characters, with single spaces or tabs between words, got ""; the match is ignored`,
    ]);
  });
});
