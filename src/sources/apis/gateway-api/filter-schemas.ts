// The shapes of HTTPRoute and GRPCRoute filters, with the CRD's own rules: each filter type carries
// exactly its own field, one action per header name, percent or fraction but not both.
import { z } from 'zod';
import { boolean, integer, list, object, portNumber, string } from '../core/fields.js';
import { isRecord } from '../core/resource.js';
import { HTTP_METHODS } from '../shared/http-methods.js';
import { addProblem, headerName, headerValue, oneOf, pathProblem, preciseHostname } from './api-fields.js';
import { backendObjectRef } from './backend-refs.js';

const INT32_MAX = 2_147_483_647;
const at16 = { message: 'must have at most 16 items' };

const header = object({ name: headerName(), value: headerValue() });

export const headerFilter = object({
  set: list(header).max(16, at16).nullish(),
  add: list(header).max(16, at16).nullish(),
  remove: list(headerName()).max(16, at16).nullish(),
}).superRefine((f, ctx) => {
  // The spec: "Filters specifying multiple actions of the same or different type for any one header
  // name are invalid", header names compared without case.
  const seen = new Map<string, string>();
  const names: [string, number, string][] = [
    ...(f.set ?? []).map((h, i): [string, number, string] => ['set', i, h.name]),
    ...(f.add ?? []).map((h, i): [string, number, string] => ['add', i, h.name]),
    ...(f.remove ?? []).map((n, i): [string, number, string] => ['remove', i, n]),
  ];
  for (const [action, i, name] of names) {
    const where = `${action}[${i}]`;
    const first = seen.get(name.toLowerCase());
    if (first !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: action === 'remove' ? [action, i] : [action, i, 'name'],
        message: `header ${JSON.stringify(name)} already has an action in ${first}; one action per header name`,
        params: { complete: true },
      });
    } else seen.set(name.toLowerCase(), where);
  }
});

export const pathModifier = object({
  type: oneOf(['ReplaceFullPath', 'ReplacePrefixMatch']),
  replaceFullPath: string().nullish(),
  replacePrefixMatch: string().nullish(),
}).superRefine((p, ctx) => {
  const full = p.replaceFullPath ?? undefined;
  const prefix = p.replacePrefixMatch ?? undefined;
  if (p.type === 'ReplaceFullPath') {
    if (full === undefined) missing(ctx, 'replaceFullPath', 'is required when type is ReplaceFullPath');
    else addProblem(ctx, ['replaceFullPath'], pathProblem(full));
    if (prefix !== undefined)
      notAllowed(ctx, 'replacePrefixMatch', 'must not be set when type is ReplaceFullPath');
  } else {
    if (prefix === undefined)
      missing(ctx, 'replacePrefixMatch', 'is required when type is ReplacePrefixMatch');
    // "" is allowed: the matched prefix is removed.
    else if (prefix !== '') addProblem(ctx, ['replacePrefixMatch'], pathProblem(prefix));
    if (full !== undefined)
      notAllowed(ctx, 'replaceFullPath', 'must not be set when type is ReplacePrefixMatch');
  }
});

function missing(ctx: z.RefinementCtx, field: string, message: string): void {
  ctx.addIssue({
    code: 'custom',
    path: [field],
    message,
    params: { reason: 'MissingField', complete: true },
  });
}

function notAllowed(ctx: z.RefinementCtx, field: string, message: string): void {
  ctx.addIssue({ code: 'custom', path: [field], message, params: { complete: true } });
}

const REDIRECT_CODES = [301, 302, 303, 307, 308];

export const redirectFilter = object({
  scheme: oneOf(['http', 'https']).nullish(),
  hostname: preciseHostname().nullish(),
  path: pathModifier.nullish(),
  port: portNumber().nullish(),
  statusCode: z
    .number({ message: 'must be one of 301, 302, 303, 307, 308' })
    .refine((code) => REDIRECT_CODES.includes(code), {
      message: 'must be one of 301, 302, 303, 307, 308',
      params: { reason: 'UnsupportedValue' },
    })
    .nullish(),
});

export const rewriteFilter = object({ hostname: preciseHostname().nullish(), path: pathModifier.nullish() });

export const mirrorFilter = object({
  backendRef: backendObjectRef,
  percent: integer(0, 100).nullish(),
  fraction: object({
    numerator: integer(0, INT32_MAX),
    denominator: integer(1, INT32_MAX).nullish(),
  })
    .superRefine((f, ctx) => {
      if (f.numerator > (f.denominator ?? 100)) {
        ctx.addIssue({
          code: 'custom',
          path: ['numerator'],
          message: `must be at most the denominator (${f.denominator ?? 100})`,
        });
      }
    })
    .nullish(),
}).superRefine((m, ctx) => {
  if (m.percent != null && m.fraction != null) {
    notAllowed(ctx, 'fraction', 'must not be set together with percent: give one or the other');
  }
});

const CORS_ORIGIN = /^\*$|^https?:\/\/((\*\.)?([a-zA-Z0-9-]+\.)*[a-zA-Z0-9-]+|\*)(:[0-9]{1,5})?$/;
const CORS_METHODS = [...HTTP_METHODS, '*'] as const;

/** A list where "*" means everything and so must stand alone. */
const wildcardList = <T extends z.ZodType<string>>(item: T, max: number) =>
  list(item)
    .max(max, { message: `must have at most ${max} items` })
    .refine((items) => !(items.includes('*') && items.length > 1), {
      message: 'must not list "*" alongside other values',
    });

export const corsFilter = object({
  allowOrigins: wildcardList(
    string().refine((o) => o.length <= 253 && CORS_ORIGIN.test(o), {
      message: 'must be "*" or an origin such as https://example.com, https://*.example.com:8443',
    }),
    64,
  ).nullish(),
  allowCredentials: boolean().nullish(),
  allowMethods: wildcardList(oneOf(CORS_METHODS), 9).nullish(),
  allowHeaders: wildcardList(headerName(), 64).nullish(),
  exposeHeaders: list(headerName()).max(64, { message: 'must have at most 64 items' }).nullish(),
  maxAge: integer(1, INT32_MAX).nullish(),
});

/** Filter type → the field that carries its configuration. */
export const FILTER_FIELDS = {
  RequestHeaderModifier: 'requestHeaderModifier',
  ResponseHeaderModifier: 'responseHeaderModifier',
  RequestMirror: 'requestMirror',
  RequestRedirect: 'requestRedirect',
  URLRewrite: 'urlRewrite',
  CORS: 'cors',
  ExtensionRef: 'extensionRef',
  ExternalAuth: 'externalAuth',
} as const;

export type FilterType = keyof typeof FILTER_FIELDS;

/** A filter of one of `types`, carrying its own field and no other filter's. */
export function filterSchema(types: readonly [FilterType, ...FilterType[]]) {
  const own = new Set<string>(types.map((t) => FILTER_FIELDS[t]));
  const others = Object.values(FILTER_FIELDS).filter((field) => !own.has(field));
  // Another kind's filter fields are not in this kind's API: the unsupported-field walk reports them,
  // and their content must not fail this filter.
  const withoutOthers = (value: unknown) =>
    isRecord(value)
      ? Object.fromEntries(Object.entries(value).filter(([k]) => !others.includes(k as never)))
      : value;
  return z.preprocess(
    withoutOthers,
    object({
      type: oneOf(types),
      requestHeaderModifier: headerFilter.nullish(),
      responseHeaderModifier: headerFilter.nullish(),
      requestMirror: mirrorFilter.nullish(),
      requestRedirect: redirectFilter.nullish(),
      urlRewrite: rewriteFilter.nullish(),
      cors: corsFilter.nullish(),
      // Not implemented: only their presence matters (the rule then fails closed).
      extensionRef: z.unknown(),
      externalAuth: z.unknown(),
    }).superRefine((f, ctx) => {
      for (const t of types) {
        const field = FILTER_FIELDS[t];
        const present = f[field] !== undefined && f[field] !== null;
        if (t === f.type && !present) missing(ctx, field, `is required when type is ${t}`);
        if (t !== f.type && present) notAllowed(ctx, field, `must not be set when type is ${f.type}`);
      }
    }),
  );
}

export type ParsedFilter = z.output<ReturnType<typeof filterSchema>>;
