// Trellis's LocalRateLimitPolicy (trellis.dev/v1alpha1): a token bucket on the inbound side of one
// Service's workloads, attached to the Service the way Gateway API policies attach (GEP-713,
// targetRef). Lowered to a RateLimitPolicy; translation turns it into Envoy's local_ratelimit.
// The CRD in deploy/crds/localratelimitpolicies.trellis.dev.yaml states the same rules as this
// schema; a test keeps them equal.
import { z } from 'zod';
import type { Issue } from '../../../model/issue.js';
import type {
  Condition,
  HeaderMatch,
  Origin,
  PathMatch,
  RateLimitPolicy,
  ResourceStatus,
  RouteMatch,
} from '../../../model/routing.js';
import { re2Message } from '../../../re2.js';
import {
  integer,
  isDns1035Label,
  list,
  MUST_BE_DNS1035_LABEL,
  object,
  objectMeta,
  portNumber,
  string,
} from '../core/fields.js';
import { isRecord, namespaceOf, resourceRefOf, validate } from '../core/resource.js';
import { type Report, reporter } from '../issues.js';
import type { ManifestDocument } from '../manifest.js';
import { parseDuration } from '../shared/gateway-duration.js';
import { HTTP_METHODS } from '../shared/http-methods.js';
import { type FieldWalk, fieldTree, unsupportedFields } from '../shared/unsupported-fields.js';
import { TRELLIS_SUPPORT } from './support.js';

export const KIND = 'LocalRateLimitPolicy';
export const API_VERSION = 'trellis.dev/v1alpha1';

/** Envoy refills a token bucket at most this often. */
export const MIN_FILL_INTERVAL_MS = 50;
/** Envoy's token counts are uint32. */
export const MAX_TOKENS = 4_294_967_295;
export const MAX_HEADERS = 16;
const DEFAULT_STATUS = 429;

/** How UnsupportedField warnings about a policy read: the way SMI's do. */
const FIELD_WALK: FieldWalk = {
  from: 'document',
  unset: 'reported',
  notAField: () => `is not a field of ${KIND} ${API_VERSION}; ignored`,
  unsupported: (note) => note ?? 'is not supported; ignored',
};

/** RFC 9110 token. */
export const HEADER_NAME_PATTERN = "^[A-Za-z0-9!#$%&'*+\\-.^_`|~]+$";

const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { message: `must be one of ${values.join(', ')}` });

const targetRefSchema = object({
  group: string().refine((group) => group === '', {
    message: 'must be "" (the core API group): a policy attaches to a Service',
  }),
  kind: string().refine((kind) => kind === 'Service', { message: 'must be "Service"' }),
  name: string().refine(isDns1035Label, { message: MUST_BE_DNS1035_LABEL }),
  port: portNumber().nullish(),
});

const pathSchema = object({
  type: oneOf(['Exact', 'PathPrefix', 'RegularExpression']).nullish(),
  value: string()
    .min(1, { message: 'must not be empty' })
    .max(1024, { message: 'must be at most 1024 characters' }),
}).superRefine((path, ctx) => {
  if (path.type === 'RegularExpression') {
    const problem = re2Message(path.value);
    if (problem)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['value'],
        message: problem,
      });
  } else if (!path.value.startsWith('/')) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['value'], message: 'must start with "/"' });
  }
});

const headerSchema = object({
  name: string()
    .max(256, { message: 'must be at most 256 characters' })
    .regex(new RegExp(HEADER_NAME_PATTERN), {
      message: "must be an HTTP header name: letters, digits and !#$%&'*+-.^_`|~",
    }),
  type: oneOf(['Exact', 'RegularExpression']).nullish(),
  value: string().max(4096, { message: 'must be at most 4096 characters' }),
}).superRefine((header, ctx) => {
  if (header.type !== 'RegularExpression') return;
  const problem = re2Message(header.value);
  if (problem)
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['value'],
      message: problem,
    });
});

const matchSchema = object({
  path: pathSchema.nullish(),
  headers: list(headerSchema)
    .max(MAX_HEADERS, { message: `must list at most ${MAX_HEADERS} headers` })
    .superRefine((headers, ctx) => {
      const seen = new Map<string, number>();
      headers.forEach((header, i) => {
        const key = header.name.toLowerCase();
        const first = seen.get(key);
        if (first === undefined) seen.set(key, i);
        else
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: [i, 'name'],
            message: `${JSON.stringify(header.name)} is already matched by headers[${first}] (names are case-insensitive)`,
            params: { complete: true },
          });
      });
    })
    .nullish(),
  method: oneOf(HTTP_METHODS).nullish(),
});

const tokens = () => integer(1, MAX_TOKENS);

const policySchema = object({
  metadata: objectMeta('dns1123Subdomain'),
  spec: object({
    targetRef: targetRefSchema,
    tokensPerFill: tokens(),
    fillInterval: string().superRefine((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined)
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message:
            'must be a duration such as "1s", "500ms" or "1m30s" (1 to 4 parts of up to 5 digits and h, m, s or ms)',
        });
      else if (ms < MIN_FILL_INTERVAL_MS)
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `must be at least ${MIN_FILL_INTERVAL_MS}ms: Envoy refills a token bucket at most that often`,
        });
    }),
    maxTokens: tokens().nullish(),
    match: matchSchema.nullish(),
    responseStatus: integer(400, 599).nullish(),
  }),
});

type Match = z.output<typeof matchSchema>;

export interface ParsedPolicy {
  readonly rateLimit?: RateLimitPolicy;
  readonly status?: ResourceStatus;
  readonly issues: readonly Issue[];
}

export function parseLocalRateLimitPolicy(doc: ManifestDocument): ParsedPolicy {
  const ref = resourceRefOf(KIND, doc.value, true);
  const report = reporter(doc, ref);
  const issues = unsupportedFields(doc.value, fieldTree(TRELLIS_SUPPORT), FIELD_WALK, report);
  const result = validate(policySchema, doc, report);
  const errors = [...(result.ok ? [] : result.issues), ...bucketIssues(doc.value, report)];
  if (!result.ok || errors.length > 0)
    return { issues: [...issues, ...errors], ...rejected(doc.value, ref, errors) };
  const { metadata, spec } = result.data;
  const namespace = namespaceOf(metadata);
  const match = spec.match ? lowerMatch(spec.match) : undefined;
  const rateLimit: RateLimitPolicy = {
    origin: { kind: KIND, namespace, name: metadata.name },
    service: { namespace, name: spec.targetRef.name },
    ...(spec.targetRef.port != null ? { port: spec.targetRef.port } : {}),
    tokensPerFill: spec.tokensPerFill,
    fillIntervalMs: parseDuration(spec.fillInterval) ?? MIN_FILL_INTERVAL_MS,
    maxTokens: spec.maxTokens ?? spec.tokensPerFill,
    ...(match ? { match } : {}),
    status: spec.responseStatus ?? DEFAULT_STATUS,
  };
  return { rateLimit, issues };
}

/** maxTokens ≥ tokensPerFill, checked on the raw values so it is reported alongside any other error. */
function bucketIssues(value: unknown, report: Report): Issue[] {
  const spec = isRecord(value) && isRecord(value.spec) ? value.spec : {};
  const { maxTokens, tokensPerFill } = spec;
  if (!Number.isInteger(maxTokens) || !Number.isInteger(tokensPerFill)) return [];
  if ((maxTokens as number) >= (tokensPerFill as number)) return [];
  return [
    report(
      'spec.maxTokens',
      'InvalidValue',
      `must be at least tokensPerFill (${tokensPerFill}), got ${maxTokens}`,
    ),
  ];
}

function lowerMatch(match: NonNullable<Match>): RouteMatch {
  const path = match.path ? lowerPath(match.path) : undefined;
  const headers = (match.headers ?? []).map(
    (h): HeaderMatch => ({
      name: h.name.toLowerCase(),
      match:
        h.type === 'RegularExpression'
          ? { kind: 'regex', value: h.value }
          : { kind: 'exact', value: h.value },
    }),
  );
  return {
    ...(path ? { path } : {}),
    ...(headers.length > 0 ? { headers } : {}),
    ...(match.method ? { method: match.method } : {}),
  };
}

function lowerPath(path: NonNullable<NonNullable<Match>['path']>): PathMatch {
  switch (path.type) {
    case 'Exact':
      return { kind: 'exact', value: path.value };
    case 'RegularExpression':
      return { kind: 'regex', value: path.value };
    default:
      return { kind: 'segmentPrefix', value: path.value };
  }
}

/**
 * Accepted=False (reason Invalid, as GEP-713 names it) for a policy that is not served, on the
 * Service it targets when that can be read; nothing when the policy has no usable name.
 */
function rejected(
  value: unknown,
  ref: { namespace?: string; name?: string },
  errors: readonly Issue[],
): { status?: ResourceStatus } {
  if (!ref.name) return {};
  const namespace = ref.namespace ?? 'default';
  const resource: Origin = { kind: KIND, namespace, name: ref.name };
  const target =
    isRecord(value) && isRecord(value.spec) && isRecord(value.spec.targetRef) ? value.spec.targetRef : {};
  // Only a core Service is a parent: a policy aimed at a Deployment (say) has no Service to name.
  const isService = target.group === '' && target.kind === 'Service';
  const service =
    isService && typeof target.name === 'string' && target.name !== '' ? target.name : undefined;
  const port = typeof target.port === 'number' && Number.isInteger(target.port) ? target.port : undefined;
  const condition: Condition = {
    type: 'Accepted',
    status: 'False',
    reason: 'Invalid',
    message: `not applied: ${errors.map((e) => `${e.fieldPath}: ${e.message}`).join('; ')}`,
  };
  return {
    status: {
      resource,
      ...(service
        ? { parent: { service: { namespace, name: service }, ...(port !== undefined ? { port } : {}) } }
        : {}),
      conditions: [condition],
    },
  };
}
