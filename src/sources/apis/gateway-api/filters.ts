// A rule's filters → the parts of an HttpRoute they configure: header edits, a redirect, a rewrite,
// mirrors and CORS. The checks that involve more than one filter (or the rule's matches and
// backendRefs) live here; a filter's own shape is filter-schemas.ts's.

import type { z } from 'zod';
import type { Issue } from '../../../model/issue.js';
import type {
  CorsPolicy,
  HeaderEdits,
  MirrorPolicy,
  PathRewrite,
  Redirect,
  StringMatch,
} from '../../../model/routing.js';
import { validateAt } from '../shared/validate-at.js';
import { type RefContext, type RefProblem, resolveServiceRef } from './backend-refs.js';
import {
  type corsFilter,
  type FilterType,
  filterSchema,
  type headerFilter,
  type mirrorFilter,
  type pathModifier,
  type redirectFilter,
} from './filter-schemas.js';
import { listItems } from './list-items.js';

export interface RuleShape {
  /** How many backendRefs the rule lists: a redirect may not have any. */
  readonly backendRefCount: number;
  /** Whether the rule has exactly one match and it is a PathPrefix: ReplacePrefixMatch needs that. */
  readonly singlePathPrefix: boolean;
}

export interface RuleFilters {
  readonly requestHeaders?: HeaderEdits;
  readonly responseHeaders?: HeaderEdits;
  readonly redirect?: Redirect;
  readonly rewrite?: { readonly host?: string; readonly path?: PathRewrite };
  readonly mirrors: readonly MirrorPolicy[];
  readonly cors?: CorsPolicy;
  /** Filters we cannot apply (ExtensionRef, ExternalAuth): the spec says the rule must then fail closed. */
  readonly failClosed: readonly RefProblem[];
  /** Mirrors whose backend does not resolve (dropped). */
  readonly problems: readonly RefProblem[];
  /** Malformed or conflicting filters. */
  readonly issues: readonly Issue[];
  /** Unresolvable mirror references: they cost the mirror, not the rule. */
  readonly refIssues: readonly Issue[];
  /** A filter is malformed or filters conflict: the rule as written cannot be served. */
  readonly broken: boolean;
}

const REPEATABLE: ReadonlySet<FilterType> = new Set(['RequestMirror', 'ExtensionRef']);

export function lowerFilters(
  raw: unknown,
  types: readonly [FilterType, ...FilterType[]],
  ctx: RefContext,
  prefix: string,
  shape: RuleShape,
): RuleFilters {
  const field = `${prefix}.filters`;
  const { items, issues } = listItems(raw, ctx.report, field, 16);
  const schema = filterSchema(types);
  const firstOfType = new Map<string, number>();
  const out: {
    requestHeaders?: HeaderEdits;
    responseHeaders?: HeaderEdits;
    redirect?: Redirect;
    rewrite?: { host?: string; path?: PathRewrite };
    cors?: CorsPolicy;
  } = {};
  const mirrors: MirrorPolicy[] = [];
  const failClosed: RefProblem[] = [];
  const problems: RefProblem[] = [];
  const refIssues: Issue[] = [];
  let broken = issues.some((i) => i.severity === 'error');
  const conflict = (at: string, message: string) => {
    issues.push(ctx.report(at, 'InvalidValue', message));
    broken = true;
  };

  items.forEach((item, i) => {
    const at = `${field}[${i}]`;
    const piece = validateAt(schema, item, at, ctx.report);
    if (!piece.ok) {
      issues.push(...piece.issues);
      broken = true;
      return;
    }
    const f = piece.data;
    const first = firstOfType.get(f.type);
    if (first !== undefined && !REPEATABLE.has(f.type)) {
      conflict(
        `${at}.type`,
        `repeats the ${f.type} filter of filters[${first}]; it may appear once per rule`,
      );
      return;
    }
    if (first === undefined) firstOfType.set(f.type, i);
    switch (f.type) {
      case 'RequestHeaderModifier':
        out.requestHeaders = headerEdits(f.requestHeaderModifier);
        break;
      case 'ResponseHeaderModifier':
        out.responseHeaders = headerEdits(f.responseHeaderModifier);
        break;
      case 'RequestRedirect': {
        const r = f.requestRedirect as z.output<typeof redirectFilter>;
        if (shape.backendRefCount > 0) {
          conflict(at, 'a RequestRedirect rule answers every request itself: it must not have backendRefs');
        }
        checkPrefixRewrite(r.path, `${at}.requestRedirect.path`);
        out.redirect = {
          ...(r.scheme ? { scheme: r.scheme } : {}),
          ...(r.hostname ? { host: r.hostname } : {}),
          ...(r.port ? { port: r.port } : {}),
          ...(r.path ? { path: pathRewrite(r.path) } : {}),
          status: r.statusCode ?? 302,
        };
        break;
      }
      case 'URLRewrite': {
        const r = f.urlRewrite as NonNullable<typeof f.urlRewrite>;
        checkPrefixRewrite(r.path, `${at}.urlRewrite.path`);
        out.rewrite = {
          ...(r.hostname ? { host: r.hostname } : {}),
          ...(r.path ? { path: pathRewrite(r.path) } : {}),
        };
        break;
      }
      case 'RequestMirror': {
        const m = f.requestMirror as z.output<typeof mirrorFilter>;
        const resolved = resolveServiceRef(
          m.backendRef,
          ctx,
          `${at}.requestMirror.backendRef`,
          'the mirror is dropped',
        );
        if (!resolved.ok) {
          refIssues.push(resolved.issue);
          problems.push(resolved.problem);
          break;
        }
        const percent =
          m.fraction != null
            ? (m.fraction.numerator / (m.fraction.denominator ?? 100)) * 100
            : (m.percent ?? 100);
        mirrors.push({ service: resolved.service, port: resolved.port, percent });
        break;
      }
      case 'CORS':
        out.cors = corsPolicy(f.cors as z.output<typeof corsFilter>);
        break;
      case 'ExtensionRef':
      case 'ExternalAuth':
        failClosed.push({
          reason: 'InvalidKind',
          message: `${at}: ${f.type} filters are not implemented; requests matching the rule are answered ${ctx.failStatus}`,
        });
        break;
    }
  });

  const redirectAt = firstOfType.get('RequestRedirect');
  const rewriteAt = firstOfType.get('URLRewrite');
  if (redirectAt !== undefined && rewriteAt !== undefined) {
    conflict(
      `${field}[${Math.max(redirectAt, rewriteAt)}].type`,
      'RequestRedirect and URLRewrite may not be used in the same rule',
    );
  }

  function checkPrefixRewrite(path: z.output<typeof pathModifier> | null | undefined, at: string): void {
    if (path?.type === 'ReplacePrefixMatch' && !shape.singlePathPrefix) {
      conflict(
        `${at}.type`,
        'ReplacePrefixMatch needs the rule to have exactly one match, of type PathPrefix',
      );
    }
  }

  return {
    ...out,
    mirrors,
    failClosed,
    problems,
    issues,
    refIssues,
    broken,
  };
}

function headerEdits(f: z.output<typeof headerFilter> | null | undefined): HeaderEdits {
  const set = (f?.set ?? []).map((h) => ({ name: h.name, value: h.value }));
  const add = (f?.add ?? []).map((h) => ({ name: h.name, value: h.value }));
  const remove = [...(f?.remove ?? [])];
  return {
    ...(set.length > 0 ? { set } : {}),
    ...(add.length > 0 ? { add } : {}),
    ...(remove.length > 0 ? { remove } : {}),
  };
}

function pathRewrite(p: z.output<typeof pathModifier>): PathRewrite {
  return p.type === 'ReplaceFullPath'
    ? { kind: 'full', value: p.replaceFullPath ?? '/' }
    : { kind: 'prefix', value: p.replacePrefixMatch ?? '' };
}

/** When the spec leaves Access-Control-Max-Age unset it says to answer 5 seconds. */
const DEFAULT_CORS_MAX_AGE = 5;

function corsPolicy(c: z.output<typeof corsFilter>): CorsPolicy {
  return {
    allowOrigins: (c.allowOrigins ?? []).map(originMatch),
    ...(c.allowMethods?.length ? { allowMethods: [...c.allowMethods] } : {}),
    ...(c.allowHeaders?.length ? { allowHeaders: [...c.allowHeaders] } : {}),
    ...(c.exposeHeaders?.length ? { exposeHeaders: [...c.exposeHeaders] } : {}),
    maxAgeSeconds: c.maxAge ?? DEFAULT_CORS_MAX_AGE,
    ...(c.allowCredentials ? { allowCredentials: true } : {}),
  };
}

/** "*" in an origin's host stands for any run of DNS labels to its left. */
function originMatch(origin: string): StringMatch {
  if (!origin.includes('*')) return { kind: 'exact', value: origin };
  const escaped = origin.replace(/[\\^$.+?()[\]{}|]/g, '\\$&').replace(/\*/g, '.*');
  return { kind: 'regex', value: escaped };
}
