// SMI HTTPRouteGroup (specs.smi-spec.io v1alpha2–v1alpha4): named request matches that a
// TrafficSplit refers to. One bad match is reported and skipped; the rest of the group is served.
import { z } from 'zod';
import type { Issue } from '../../../model/issue.js';
import type { HeaderMatch, RouteMatch } from '../../../model/routing.js';
import { re2Message } from '../../../re2.js';
import { list, object, objectMeta, string } from '../core/fields.js';
import { isRecord, namespaceOf, resourceRefOf, validate } from '../core/resource.js';
import { type Report, reporter } from '../issues.js';
import type { ManifestDocument } from '../manifest.js';
import { dropNote } from '../shared/list-item-issues.js';
import { fieldTree, unsupportedFields } from '../shared/unsupported-fields.js';
import { validateAt } from '../shared/validate-at.js';
import { rowsFor, smiFieldWalk } from './support.js';

const KIND = 'HTTPRouteGroup';

export const SMI_METHODS = [
  '*',
  'GET',
  'HEAD',
  'PUT',
  'POST',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
] as const;

/** One named match of a group, as the RouteMatches it lowers to: one per method. */
export interface RouteGroupMatch {
  readonly name: string;
  readonly matches: readonly RouteMatch[];
}

/** A group a TrafficSplit may refer to; an invalid one is kept so the reference can say so. */
export type RouteGroup =
  | {
      readonly kind: 'valid';
      readonly namespace: string;
      readonly name: string;
      readonly matches: readonly RouteGroupMatch[];
    }
  | { readonly kind: 'invalid'; readonly namespace: string; readonly name: string };

// RFC 9110 token: what a header name may be.
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

/** A string field holding an RE2 regex. */
const re2Regex = () =>
  string().superRefine((value, ctx) => {
    const message = re2Message(value);
    if (message) ctx.addIssue({ code: z.ZodIssueCode.custom, message });
  });

const requiredString = () =>
  string().superRefine((value, ctx) => {
    if (value === '')
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: 'is required',
        params: { reason: 'MissingField', complete: true },
      });
  });

/** SMI writes headers as a map (name → regex); its examples also as a list of such maps. */
const headers = () =>
  z.unknown().transform((value, ctx): HeaderMatch[] => {
    const out: HeaderMatch[] = [];
    const read = (map: Record<string, unknown>, at: readonly (string | number)[]) => {
      for (const [name, regex] of Object.entries(map)) {
        const path = [...at, name];
        if (!HEADER_NAME.test(name)) {
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path,
            message: `header name ${JSON.stringify(name)} must be an HTTP token: letters, digits and !#$%&'*+-.^_\`|~`,
            params: { complete: true },
          });
        } else if (typeof regex !== 'string') {
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path,
            message: 'must be a regex string',
            params: { reason: 'InvalidType' },
          });
        } else {
          const message = re2Message(regex);
          if (message) ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
          else out.push({ name: name.toLowerCase(), match: { kind: 'regex', value: regex } });
        }
      }
    };
    if (isRecord(value)) read(value, []);
    else if (Array.isArray(value)) {
      value.forEach((item, i) => {
        if (isRecord(item)) read(item, [i]);
        else
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: [i],
            message: 'must be a mapping of header name to regex',
            params: { reason: 'InvalidType' },
          });
      });
    } else if (value !== undefined && value !== null) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: 'must be a mapping of header name to regex',
        params: { reason: 'InvalidType' },
      });
    }
    return out;
  });

const matchSchema = object({
  name: requiredString(),
  pathRegex: re2Regex().nullish(),
  methods: list(z.enum(SMI_METHODS, { message: `must be one of ${SMI_METHODS.join(', ')}` })).nullish(),
  headers: headers(),
});

const groupSchema = object({
  metadata: objectMeta('dns1123Subdomain'),
  spec: object({ matches: list(z.unknown()) }),
});

const groupSchemaV1alpha2 = object({
  metadata: objectMeta('dns1123Subdomain'),
  matches: list(z.unknown()),
});

export function parseHttpRouteGroup(
  doc: ManifestDocument,
  apiVersion: string,
  version: string,
): { group?: RouteGroup; issues: Issue[] } {
  const ref = resourceRefOf(KIND, doc.value, true);
  const report = reporter(doc, ref);
  const issues = unknownFieldsOf(doc, apiVersion, version, report);
  const v1alpha2 = version === 'v1alpha2';
  const result = v1alpha2 ? validate(groupSchemaV1alpha2, doc, report) : validate(groupSchema, doc, report);
  if (!result.ok) {
    issues.push(...result.issues);
    const invalid =
      ref.name !== undefined
        ? { kind: 'invalid' as const, namespace: ref.namespace ?? 'default', name: ref.name }
        : undefined;
    return { ...(invalid ? { group: invalid } : {}), issues };
  }
  const { metadata } = result.data;
  const raw = 'spec' in result.data ? result.data.spec.matches : result.data.matches;
  const prefix = v1alpha2 ? 'matches' : 'spec.matches';
  const matches: RouteGroupMatch[] = [];
  const firstByName = new Map<string, number>();
  raw.forEach((item, i) => {
    const at = `${prefix}[${i}]`;
    const parsed = validateAt(matchSchema, item, at, report);
    if (!parsed.ok) {
      issues.push(...parsed.issues.map(dropNote('this match is skipped')));
      return;
    }
    const { name } = parsed.data;
    const first = firstByName.get(name);
    if (first !== undefined) {
      issues.push(
        report(
          `${at}.name`,
          'InvalidValue',
          `${JSON.stringify(name)} is already the name of ${prefix}[${first}]; this match is skipped`,
        ),
      );
      return;
    }
    firstByName.set(name, i);
    matches.push({ name, matches: lowerMatch(parsed.data) });
  });
  return {
    group: { kind: 'valid', namespace: namespaceOf(metadata), name: metadata.name, matches },
    issues,
  };
}

/** SMI anchors pathRegex at the start of the path only; Envoy matches a regex against the whole path. */
export function anchoredAtStart(pathRegex: string): string {
  return `(?:${pathRegex}).*`;
}

function lowerMatch(match: z.output<typeof matchSchema>): RouteMatch[] {
  // Go's omitempty: an empty pathRegex is an absent one.
  const base: RouteMatch = {
    ...(match.pathRegex ? { path: { kind: 'regex', value: anchoredAtStart(match.pathRegex) } } : {}),
    ...(match.headers.length > 0 ? { headers: match.headers } : {}),
  };
  const methods = match.methods ?? [];
  if (methods.length === 0 || methods.includes('*')) return [base];
  return [...new Set(methods)].map((method) => ({ ...base, method }));
}

function unknownFieldsOf(
  doc: ManifestDocument,
  apiVersion: string,
  version: string,
  report: Report,
): Issue[] {
  return unsupportedFields(
    doc.value,
    fieldTree(rowsFor(KIND, version)),
    smiFieldWalk(KIND, apiVersion),
    report,
  );
}
