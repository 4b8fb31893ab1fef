// Zod schemas for the value formats Istio's networking API shares between VirtualService and
// DestinationRule. Messages are requirements; zod-issues.ts appends the value that broke them.
import { z } from 'zod';
import { re2Message } from '../../../re2.js';
import { integer, object, portNumber, string } from '../core/fields.js';
import { MUST_BE_DURATION, parseDuration } from './duration.js';

/** An issue zod reports as a missing field rather than a malformed one. */
const REQUIRED = {
  code: 'custom',
  message: 'is required',
  params: { reason: 'MissingField', complete: true },
} as const;

export const requiredString = () =>
  string().superRefine((value, ctx) => {
    if (value === '') ctx.addIssue(REQUIRED);
  });

/** A duration in milliseconds, at least `minMs`. */
export const duration = (minMs: number) =>
  z.string({ message: MUST_BE_DURATION }).transform((text, ctx) => {
    const parsed = parseDuration(text);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.message });
      return z.NEVER;
    }
    if (parsed.ms < minMs) {
      ctx.addIssue({ code: 'custom', message: `must be at least ${minMs}ms` });
      return z.NEVER;
    }
    return parsed.ms;
  });

export const regex = () =>
  string().superRefine((value, ctx) => {
    const message = re2Message(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  });

const MUST_BE_PERCENT = 'must be a number 0..100';

/** Istio's Percent message: {value: 0..100}, fractions allowed; an absent value is 0. */
export const percentage = () =>
  object({
    value: z
      .number({ message: MUST_BE_PERCENT })
      .min(0, { message: MUST_BE_PERCENT })
      .max(100, { message: MUST_BE_PERCENT })
      .nullish(),
  });

export const portSelector = () => object({ number: portNumber() });

/** int32 counts where 0 is protobuf's "not set". */
export const count = () => integer(0, 2147483647);

/** StringMatch: a oneof, so at most one of exact, prefix, regex. An empty one is a presence match. */
export const stringMatch = () =>
  object({
    exact: string().nullish(),
    prefix: string().nullish(),
    regex: regex().nullish(),
  }).superRefine((match, ctx) => {
    const set = (['exact', 'prefix', 'regex'] as const).filter(
      (k) => match[k] !== undefined && match[k] !== null,
    );
    if (set.length > 1) {
      ctx.addIssue({
        code: 'custom',
        message: `must set only one of exact, prefix, regex, got ${set.join(' and ')}`,
        params: { complete: true },
      });
    }
  });

export type IstioStringMatch = z.output<ReturnType<typeof stringMatch>>;

/** Where a route, mirror or TCP route sends traffic. */
export const destination = () =>
  object({
    host: requiredString(),
    subset: string().nullish(),
    port: portSelector().nullish(),
  });

export type IstioDestination = z.output<ReturnType<typeof destination>>;

const HEADER_NAME = /^:?[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function isHeaderName(name: string): boolean {
  return HEADER_NAME.test(name);
}

export const MUST_BE_HEADER_NAME = "must be an HTTP header name (letters, digits and !#$%&'*+-.^_`|~)";

/** A mapping keyed by header or parameter names, each key checked. */
export const namedMap = <T extends z.ZodTypeAny>(
  value: T,
  keyOk: (key: string) => boolean,
  keyMessage: string,
) =>
  z.record(z.string(), value, { message: 'must be a mapping' }).superRefine((map, ctx) => {
    for (const key of Object.keys(map)) {
      if (!keyOk(key)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `key ${JSON.stringify(key)} ${keyMessage}`,
          params: { complete: true },
        });
      }
    }
  });
