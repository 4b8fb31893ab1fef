import { describe, expect, it } from 'vitest';
import { re2ProgramSize } from '../../re2.js';
import { clientDialect, dialectOf } from './client-dialect.js';
import { escapeRegex, headerMatcher, pathMatch, routeMatch, stringMatcher } from './route-match.js';

describe('path matches', () => {
  it('turn a Gateway API segment prefix into path_separated_prefix without its trailing slash', () => {
    expect(pathMatch({ kind: 'segmentPrefix', value: '/api/' }, 'envoy')).toEqual({
      path_separated_prefix: '/api',
    });
    expect(pathMatch({ kind: 'segmentPrefix', value: '/api' }, 'envoy')).toEqual({
      path_separated_prefix: '/api',
    });
  });

  it('turn the segment prefix "/" into prefix "/", which path_separated_prefix cannot express', () => {
    expect(pathMatch({ kind: 'segmentPrefix', value: '/' }, 'envoy')).toEqual({ prefix: '/' });
    expect(pathMatch({ kind: 'segmentPrefix', value: '//' }, 'grpc')).toEqual({ prefix: '/' });
  });

  it('give gRPC clients, which lack path_separated_prefix, the equivalent regex', () => {
    expect(pathMatch({ kind: 'segmentPrefix', value: '/pkg.Svc' }, 'grpc')).toEqual({
      safe_regex: { regex: '^/pkg\\.Svc(/.*)?' },
    });
  });

  it('keep that regex within the program size Envoy accepts, however long the prefix', () => {
    const value = `/${'segment/'.repeat(127)}segment`;
    expect(value.length).toBe(1024);
    const match = pathMatch({ kind: 'segmentPrefix', value }, 'grpc');
    const regex = 'safe_regex' in match ? match.safe_regex?.regex : undefined;
    expect(regex).toBeDefined();
    expect(re2ProgramSize(regex ?? '')).toEqual({ instructions: 16 });
  });

  it('fall back to the regex where path_separated_prefix would break its validate rule', () => {
    expect(pathMatch({ kind: 'segmentPrefix', value: '/a?b' }, 'envoy')).toEqual({
      safe_regex: { regex: '^/a\\?b(/.*)?' },
    });
  });

  it('keep exact and plain prefixes, case-insensitive when asked, and regexes as they are', () => {
    expect(pathMatch({ kind: 'exact', value: '/a', ignoreCase: true }, 'envoy')).toEqual({
      path: '/a',
      case_sensitive: false,
    });
    expect(pathMatch({ kind: 'prefix', value: '/a' }, 'envoy')).toEqual({ prefix: '/a' });
    expect(pathMatch({ kind: 'regex', value: '/a/[0-9]+' }, 'envoy')).toEqual({
      safe_regex: { regex: '/a/[0-9]+' },
    });
    expect(pathMatch(undefined, 'envoy')).toEqual({ prefix: '/' });
  });
});

const envoy = dialectOf('envoy');
const grpcOld = clientDialect({
  kind: 'grpc',
  language: 'c-core',
  version: { major: 1, minor: 51, patch: 1 },
});
const grpcNew = clientDialect({
  kind: 'grpc',
  language: 'c-core',
  version: { major: 1, minor: 56, patch: 0 },
});

describe('header matches for gRPC clients before gRFC A63', () => {
  const header = (match: Parameters<typeof headerMatcher>[0]['match']) =>
    headerMatcher({ name: 'h', match }, grpcOld);

  it('use the older oneof members, which every gRPC release reads', () => {
    expect(header({ kind: 'exact', value: 'a' })).toEqual({ name: 'h', exact_match: 'a' });
    expect(header({ kind: 'prefix', value: 'a' })).toEqual({ name: 'h', prefix_match: 'a' });
    expect(header({ kind: 'suffix', value: 'a' })).toEqual({ name: 'h', suffix_match: 'a' });
    expect(header({ kind: 'regex', value: 'a+' })).toEqual({ name: 'h', safe_regex_match: { regex: 'a+' } });
    expect(header({ kind: 'present' })).toEqual({ name: 'h', present_match: true });
  });

  it('spell a case-insensitive literal as an equivalent (?i) regex, escaped', () => {
    expect(header({ kind: 'exact', value: 'a.b', ignoreCase: true })).toEqual({
      name: 'h',
      safe_regex_match: { regex: '(?i)a\\.b' },
    });
    expect(header({ kind: 'prefix', value: 'Ab', ignoreCase: true })).toEqual({
      name: 'h',
      safe_regex_match: { regex: '(?i)Ab.*' },
    });
    expect(header({ kind: 'suffix', value: 'Ab', ignoreCase: true })).toEqual({
      name: 'h',
      safe_regex_match: { regex: '(?i).*Ab' },
    });
  });

  it('match any value for an empty prefix or suffix, and nothing but empty for an empty regex', () => {
    expect(header({ kind: 'prefix', value: '' })).toEqual({ name: 'h', safe_regex_match: { regex: '.*' } });
    expect(header({ kind: 'regex', value: '' })).toEqual({ name: 'h', safe_regex_match: { regex: '^$' } });
  });

  it('send a named group as (?P<name>), which RE2 before 2023-08 (C-core 1.51) reads, unlike (?<name>)', () => {
    const named = { kind: 'regex', value: '(?<v>[0-9]+)-[(?<]x' } as const;
    expect(header(named)).toEqual({ name: 'h', safe_regex_match: { regex: '(?P<v>[0-9]+)-[(?<]x' } });
    expect(headerMatcher({ name: 'h', match: named }, envoy)).toEqual({
      name: 'h',
      string_match: { safe_regex: { regex: '(?P<v>[0-9]+)-[(?<]x' } },
    });
    expect(pathMatch({ kind: 'regex', value: '/(?<id>[a-z]+)' }, 'grpc')).toEqual({
      safe_regex: { regex: '/(?P<id>[a-z]+)' },
    });
  });

  it('keep the inversion', () => {
    expect(headerMatcher({ name: 'h', match: { kind: 'exact', value: 'a' }, invert: true }, grpcOld)).toEqual(
      {
        name: 'h',
        exact_match: 'a',
        invert_match: true,
      },
    );
  });

  it('are string_match for Envoy and for gRPC releases that read it', () => {
    const m = { name: 'h', match: { kind: 'exact', value: 'a', ignoreCase: true } } as const;
    expect(headerMatcher(m, envoy)).toEqual({ name: 'h', string_match: { exact: 'a', ignore_case: true } });
    expect(headerMatcher(m, grpcNew)).toEqual({ name: 'h', string_match: { exact: 'a', ignore_case: true } });
  });
});

describe('string and header matches', () => {
  it('never emit an empty prefix or suffix, which Envoy rejects', () => {
    expect(stringMatcher({ kind: 'prefix', value: '' })).toEqual({ safe_regex: { regex: '.*' } });
    expect(stringMatcher({ kind: 'suffix', value: 'x', ignoreCase: true })).toEqual({
      suffix: 'x',
      ignore_case: true,
    });
  });

  it('match presence with present_match and invert Istio withoutHeaders', () => {
    expect(headerMatcher({ name: 'x', match: { kind: 'present' }, invert: true }, envoy)).toEqual({
      name: 'x',
      present_match: true,
      invert_match: true,
    });
  });

  it('escape every RE2 metacharacter', () => {
    expect(escapeRegex('a.b*c(d)[e]{f}|g^h$i+j?k\\l')).toBe(
      'a\\.b\\*c\\(d\\)\\[e\\]\\{f\\}\\|g\\^h\\$i\\+j\\?k\\\\l',
    );
  });
});

describe('route matches', () => {
  const match = {
    method: 'GET',
    headers: [{ name: 'x-a', match: { kind: 'exact', value: '1' } as const }],
    queryParams: [{ name: 'q', match: { kind: 'present' } as const }],
  };

  it('put the method first among the header conditions, and keep query parameters, for Envoy', () => {
    expect(routeMatch(match, envoy)).toEqual({
      prefix: '/',
      headers: [
        { name: ':method', string_match: { exact: 'GET' } },
        { name: 'x-a', string_match: { exact: '1' } },
      ],
      query_parameters: [{ name: 'q', present_match: true }],
    });
  });

  it('are nothing a gRPC call can meet when they need a query string or a method other than POST', () => {
    expect(routeMatch({ queryParams: match.queryParams }, grpcNew)).toBeUndefined();
    expect(routeMatch({ method: 'GET' }, grpcNew)).toBeUndefined();
    expect(routeMatch({ method: 'post', headers: match.headers }, grpcNew)).toEqual({
      prefix: '/',
      headers: [{ name: 'x-a', string_match: { exact: '1' } }],
    });
  });
});
