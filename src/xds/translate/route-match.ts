// Match conditions of the model as Envoy RouteMatch. Proxyless gRPC clients understand less of it
// (gRFC A28): no path_separated_prefix, no query parameters (a gRPC call has none), and every call
// is a POST; a route whose conditions a gRPC call can never meet is left out for them.
import type { HeaderMatcher } from '../../generated/envoy/config/route/v3/HeaderMatcher.js';
import type { QueryParameterMatcher } from '../../generated/envoy/config/route/v3/QueryParameterMatcher.js';
import type { RouteMatch as EnvoyRouteMatch } from '../../generated/envoy/config/route/v3/RouteMatch.js';
import type { StringMatcher } from '../../generated/envoy/type/matcher/v3/StringMatcher.js';
import type { HeaderMatch, PathMatch, RouteMatch, StringMatch } from '../../model/routing.js';
import { portableRegex } from '../../re2.js';
import type { ClientDialect, XdsClient } from './client-dialect.js';

/** path_separated_prefix's validate rule: no query or fragment, no trailing slash. */
const SEPARATED_PREFIX = /^[^?#]+[^?#/]$/;

/** Escapes RE2 metacharacters, so a literal can sit inside a pattern. */
export function escapeRegex(literal: string): string {
  return literal.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** A user's regex as sent: the empty one matches only the empty value, named groups as every RE2 reads them. */
const userRegex = (value: string): string => (value === '' ? '^$' : portableRegex(value));

/** Matches any value (a StringMatcher's regex must match the whole value). */
const anyValue = (): StringMatcher => ({ safe_regex: { regex: '.*' } });

/**
 * A StringMatch as a StringMatcher. Envoy rejects an empty prefix or suffix, which would match any
 * value anyway; `present` has no StringMatcher form, so here it is "any value".
 */
export function stringMatcher(match: StringMatch): StringMatcher {
  const ignoreCase = 'ignoreCase' in match && match.ignoreCase ? { ignore_case: true } : {};
  switch (match.kind) {
    case 'exact':
      return { exact: match.value, ...ignoreCase };
    case 'prefix':
      return match.value === '' ? anyValue() : { prefix: match.value, ...ignoreCase };
    case 'suffix':
      return match.value === '' ? anyValue() : { suffix: match.value, ...ignoreCase };
    case 'regex':
      return { safe_regex: { regex: userRegex(match.value) } };
    case 'present':
      return anyValue();
  }
}

/**
 * The same condition in HeaderMatcher's older oneof members, which every gRPC release reads (gRFC
 * A28). They have no ignore_case: a case-insensitive literal becomes an RE2 regex with (?i), which
 * matches the ASCII values the StringMatcher would (RE2 also folds a few non-ASCII letters).
 */
function legacyHeaderCondition(match: StringMatch): HeaderMatcher {
  if (match.kind === 'present') return { present_match: true };
  if (match.kind === 'regex') return { safe_regex_match: { regex: userRegex(match.value) } };
  if ((match.kind === 'prefix' || match.kind === 'suffix') && match.value === '') {
    return { safe_regex_match: { regex: '.*' } };
  }
  if (match.ignoreCase) {
    const literal = escapeRegex(match.value);
    const regex =
      match.kind === 'exact' ? literal : match.kind === 'prefix' ? `${literal}.*` : `.*${literal}`;
    return { safe_regex_match: { regex: `(?i)${regex}` } };
  }
  switch (match.kind) {
    case 'exact':
      return { exact_match: match.value };
    case 'prefix':
      return { prefix_match: match.value };
    case 'suffix':
      return { suffix_match: match.value };
  }
}

/** A header condition in the form the client reads (gRFC A63 decides: client-dialect.ts). */
export function headerMatcher(header: HeaderMatch, dialect: ClientDialect): HeaderMatcher {
  const condition: HeaderMatcher =
    header.match.kind === 'present'
      ? { present_match: true }
      : dialect.headerStringMatch
        ? { string_match: stringMatcher(header.match) }
        : legacyHeaderCondition(header.match);
  return { name: header.name, ...condition, ...(header.invert ? { invert_match: true } : {}) };
}

/**
 * Gateway API PathPrefix matches whole segments. Envoy's path_separated_prefix does exactly that
 * but takes no trailing slash ("/foo/" means "/foo") and no "/" alone (which matches everything);
 * gRPC lacks it, so there it is the equivalent regex.
 */
function segmentPrefix(value: string, client: XdsClient): EnvoyRouteMatch {
  const trimmed = value.replace(/\/+$/, '');
  if (trimmed === '') return { prefix: '/' };
  if (client === 'envoy' && SEPARATED_PREFIX.test(trimmed)) return { path_separated_prefix: trimmed };
  // Anchored, the literal is RE2's required prefix and no part of the program, which stays at 16
  // instructions however long the prefix (without ^, a 1024-character one makes 1040: Envoy refuses
  // more than 100). The regex must match the whole path anyway.
  return { safe_regex: { regex: `^${escapeRegex(trimmed)}(/.*)?` } };
}

/** The path condition; RE2 matches the whole path (without the query string), as Envoy does. */
export function pathMatch(path: PathMatch | undefined, client: XdsClient): EnvoyRouteMatch {
  if (!path) return { prefix: '/' };
  const caseInsensitive = 'ignoreCase' in path && path.ignoreCase ? { case_sensitive: false } : {};
  switch (path.kind) {
    case 'exact':
      return { path: path.value, ...caseInsensitive };
    case 'prefix':
      return { prefix: path.value, ...caseInsensitive };
    case 'segmentPrefix':
      return segmentPrefix(path.value, client);
    case 'regex':
      return { safe_regex: { regex: userRegex(path.value) } };
  }
}

function queryMatcher(name: string, match: StringMatch): QueryParameterMatcher {
  return match.kind === 'present'
    ? { name, present_match: true }
    : { name, string_match: stringMatcher(match) };
}

/**
 * The Envoy match, or undefined when `client` can never see a request that meets it (a gRPC call
 * has no query string and is always a POST). sourceLabels, sourceNamespace and port are not
 * request conditions: they decide which proxies get the route at all (route-visibility.ts).
 */
export function routeMatch(match: RouteMatch, dialect: ClientDialect): EnvoyRouteMatch | undefined {
  const { client } = dialect;
  const headers = (match.headers ?? []).map((h) => headerMatcher(h, dialect));
  const query = match.queryParams ?? [];
  if (client === 'grpc') {
    if (query.length > 0) return undefined;
    if (match.method !== undefined && match.method.toUpperCase() !== 'POST') return undefined;
  } else if (match.method !== undefined) {
    headers.unshift({ name: ':method', string_match: { exact: match.method } });
  }
  return {
    ...pathMatch(match.path, client),
    ...(headers.length > 0 ? { headers } : {}),
    ...(client === 'envoy' && query.length > 0
      ? { query_parameters: query.map((q) => queryMatcher(q.name, q.match)) }
      : {}),
  };
}
