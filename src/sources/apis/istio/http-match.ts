// One VirtualService http match as a model RouteMatch, and the path rewrites that depend on it.
import type {
  HeaderMatch,
  PathMatch,
  PathRewrite,
  QueryParamMatch,
  RouteMatch,
  StringMatch,
} from '../../../model/routing.js';
import type { HttpMatchSpec } from './http-route-schema.js';
import type { IstioStringMatch } from './istio-fields.js';
import type { LoweringScope } from './lowering-scope.js';

/** An empty StringMatch ({}) asks only that the header or parameter be present. */
export function toStringMatch(match: IstioStringMatch, ignoreCase = false): StringMatch {
  const flag = ignoreCase ? { ignoreCase: true } : {};
  if (typeof match.exact === 'string') return { kind: 'exact', value: match.exact, ...flag };
  if (typeof match.prefix === 'string') return { kind: 'prefix', value: match.prefix, ...flag };
  if (typeof match.regex === 'string') return { kind: 'regex', value: match.regex };
  return { kind: 'present' };
}

/** Whether a match (or a whole VirtualService) applies to sidecars, given its gateways. */
export function appliesToMesh(gateways: readonly string[] | null | undefined): boolean {
  return !gateways || gateways.length === 0 || gateways.includes('mesh');
}

/** The RouteMatch, or undefined when the match is for gateways only (no issue: it is simply not ours). */
export function lowerMatch(match: HttpMatchSpec, at: string, scope: LoweringScope): RouteMatch | undefined {
  if (!appliesToMesh(match.gateways)) return undefined;
  const path = lowerPath(match, at, scope);
  const headers: HeaderMatch[] = [];
  let method: string | undefined;
  if (match.method) {
    const m = toStringMatch(match.method);
    // The method field takes only an exact name; Envoy sees the method as the :method header.
    if (m.kind === 'exact') method = m.value;
    else if (m.kind !== 'present') headers.push({ name: ':method', match: m });
  }
  for (const [field, header] of [
    ['scheme', ':scheme'],
    ['authority', ':authority'],
  ] as const) {
    const value = match[field];
    if (!value) continue;
    const m = toStringMatch(value);
    if (m.kind !== 'present') headers.push({ name: header, match: m });
  }
  for (const [name, value] of Object.entries(match.headers ?? {})) {
    headers.push({ name, match: toStringMatch(value) });
  }
  for (const [name, value] of Object.entries(match.withoutHeaders ?? {})) {
    headers.push({ name, match: toStringMatch(value), invert: true });
  }
  const queryParams: QueryParamMatch[] = Object.entries(match.queryParams ?? {}).map(([name, value]) => ({
    name,
    match: toStringMatch(value),
  }));
  const sourceLabels = match.sourceLabels ?? {};
  return {
    ...(path ? { path } : {}),
    ...(method !== undefined ? { method } : {}),
    ...(headers.length > 0 ? { headers } : {}),
    ...(queryParams.length > 0 ? { queryParams } : {}),
    ...(match.port ? { port: match.port } : {}),
    ...(Object.keys(sourceLabels).length > 0 ? { sourceLabels: { ...sourceLabels } } : {}),
    ...(match.sourceNamespace ? { sourceNamespace: match.sourceNamespace } : {}),
  };
}

function lowerPath(match: HttpMatchSpec, at: string, scope: LoweringScope): PathMatch | undefined {
  const uri = match.uri;
  if (!uri) return undefined;
  const value = uri.exact ?? uri.prefix ?? uri.regex;
  if (value === '') {
    scope.issues.push(scope.report(`${at}.uri`, 'InvalidValue', 'must not match an empty path'));
    return undefined;
  }
  const m = toStringMatch(uri, match.ignoreUriCase === true);
  if (m.kind === 'regex' && match.ignoreUriCase) {
    scope.issues.push(
      scope.report(
        `${at}.ignoreUriCase`,
        'UnsupportedValue',
        'is not applied to a regex uri match; write (?i) in the regex instead',
        'warning',
      ),
    );
  }
  // An empty uri match ({}) matches every path, as no uri match does.
  return m.kind === 'present' || m.kind === 'suffix' ? undefined : m;
}

/**
 * A uri rewrite relative to a match's path: Envoy replaces the matched prefix (with no uri match,
 * the prefix "/"), or the whole path on an exact match. A regex match has no prefix to replace.
 */
export function pathRewriteFor(
  value: string,
  path: PathMatch | undefined,
  at: string,
  matchAt: string,
  scope: LoweringScope,
): PathRewrite | undefined {
  if (path?.kind === 'exact') return { kind: 'full', value };
  if (path?.kind === 'regex') {
    scope.issues.push(
      scope.report(
        at,
        'UnsupportedValue',
        `cannot replace a prefix of the regex uri match of ${matchAt}; the path is not rewritten for it`,
        'warning',
      ),
    );
    return undefined;
  }
  return { kind: 'prefix', value };
}
