// Path rewrites and redirects. A prefix replacement follows the match it replaces: Envoy swaps the
// matched prefix verbatim, which is Istio's (and SMI's) meaning; Gateway API's ReplacePrefixMatch
// works on whole segments, so its trailing slashes are reconciled here ("/foo" → "/" turns
// "/foo/bar" into "/bar", not "//bar").
import type { RedirectAction } from '../../generated/envoy/config/route/v3/RedirectAction.js';
import type { RouteAction } from '../../generated/envoy/config/route/v3/RouteAction.js';
import type { PathMatch, PathRewrite, Redirect } from '../../model/routing.js';
import { escapeRegex } from './route-match.js';
import { uint32 } from './route-scalars.js';

type PathFields = Pick<RouteAction, 'prefix_rewrite' | 'regex_rewrite'>;

/** RE2 substitutions read "\1" as a capture group: a literal backslash must be doubled. */
const literalSubstitution = (value: string): string => value.replace(/\\/g, '\\\\');

function segmentPrefixRewrite(matched: string, replacement: string): PathFields {
  const prefix = matched.replace(/\/+$/, '');
  const base = replacement.replace(/\/+$/, '');
  // The match was "/": every path; keep the separator between the new prefix and the rest.
  if (prefix === '') return { prefix_rewrite: base === '' ? '/' : `${base}/` };
  if (base !== '') return { prefix_rewrite: base };
  // Replacing by "/" (or nothing): drop the prefix and the slashes after it, keep one.
  return { regex_rewrite: { pattern: { regex: `^${escapeRegex(prefix)}/*` }, substitution: '/' } };
}

/** The rewrite of a forwarded request's path. */
export function pathRewriteFields(rewrite: PathRewrite, match: PathMatch | undefined): PathFields {
  if (rewrite.kind === 'full') {
    return {
      regex_rewrite: { pattern: { regex: '^/.*$' }, substitution: literalSubstitution(rewrite.value) },
    };
  }
  if (match?.kind === 'segmentPrefix') return segmentPrefixRewrite(match.value, rewrite.value);
  return { prefix_rewrite: rewrite.value };
}

const RESPONSE_CODES: Readonly<Record<number, NonNullable<RedirectAction['response_code']>>> = {
  301: 'MOVED_PERMANENTLY',
  302: 'FOUND',
  303: 'SEE_OTHER',
  307: 'TEMPORARY_REDIRECT',
  308: 'PERMANENT_REDIRECT',
};

export function redirectAction(redirect: Redirect, match: PathMatch | undefined): RedirectAction {
  const path = redirect.path;
  return {
    ...(redirect.scheme !== undefined ? { scheme_redirect: redirect.scheme } : {}),
    ...(redirect.host !== undefined ? { host_redirect: redirect.host } : {}),
    ...(redirect.port !== undefined ? { port_redirect: uint32(redirect.port) } : {}),
    ...(path?.kind === 'full' ? { path_redirect: path.value } : {}),
    ...(path?.kind === 'prefix' ? pathRewriteFields(path, match) : {}),
    // Gateway API's default; a status the enum lacks would otherwise read as 301.
    response_code: RESPONSE_CODES[redirect.status] ?? 'FOUND',
  };
}
