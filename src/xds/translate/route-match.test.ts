import { describe, expect, it } from 'vitest';
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
      safe_regex: { regex: '/pkg\\.Svc(/.*)?' },
    });
  });

  it('fall back to the regex where path_separated_prefix would break its validate rule', () => {
    expect(pathMatch({ kind: 'segmentPrefix', value: '/a?b' }, 'envoy')).toEqual({
      safe_regex: { regex: '/a\\?b(/.*)?' },
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

describe('string and header matches', () => {
  it('never emit an empty prefix or suffix, which Envoy rejects', () => {
    expect(stringMatcher({ kind: 'prefix', value: '' })).toEqual({ safe_regex: { regex: '.*' } });
    expect(stringMatcher({ kind: 'suffix', value: 'x', ignoreCase: true })).toEqual({
      suffix: 'x',
      ignore_case: true,
    });
  });

  it('match presence with present_match and invert Istio withoutHeaders', () => {
    expect(headerMatcher({ name: 'x', match: { kind: 'present' }, invert: true })).toEqual({
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
    expect(routeMatch(match, 'envoy')).toEqual({
      prefix: '/',
      headers: [
        { name: ':method', string_match: { exact: 'GET' } },
        { name: 'x-a', string_match: { exact: '1' } },
      ],
      query_parameters: [{ name: 'q', present_match: true }],
    });
  });

  it('are nothing a gRPC call can meet when they need a query string or a method other than POST', () => {
    expect(routeMatch({ queryParams: match.queryParams }, 'grpc')).toBeUndefined();
    expect(routeMatch({ method: 'GET' }, 'grpc')).toBeUndefined();
    expect(routeMatch({ method: 'post', headers: match.headers }, 'grpc')).toEqual({
      prefix: '/',
      headers: [{ name: 'x-a', string_match: { exact: '1' } }],
    });
  });
});
