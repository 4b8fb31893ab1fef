// Zod schemas for the field formats Gateway API's CRDs validate (names, groups, header names, path
// values, regular expressions), so a manifest applied without the CRDs' validation gets the same
// answer here that `kubectl apply` would have given.
import type { z } from 'zod';
import { re2Message } from '../../../re2.js';
import {
  integer,
  isDns1123Label,
  isDns1123Subdomain,
  MUST_BE_DNS1123_LABEL,
  string,
} from '../core/fields.js';

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/** An enum whose unknown values the spec says to answer with reason UnsupportedValue. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  const message = `must be one of ${values.join(', ')}`;
  return string(message).refine((value): value is T[number] => values.includes(value), {
    message,
    params: { reason: 'UnsupportedValue' },
  });
}

const GROUP = /^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KIND = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
const PATH_CHARS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/;
// Printable ASCII, with single spaces or tabs between visible characters (RFC 7230 field-value).
const HEADER_VALUE = /^[!-~]+([\t ]?[!-~]+)*$/;

export const group = () =>
  string().refine((v) => v.length <= 253 && GROUP.test(v), {
    message: 'must be "" (the core group) or a DNS subdomain such as gateway.networking.k8s.io',
  });

export const kind = () =>
  string().refine((v) => v.length <= 63 && KIND.test(v), {
    message: 'must be a kind: at most 63 letters, digits or "-", starting with a letter',
  });

export const objectName = () =>
  string().refine((v) => v.length >= 1 && v.length <= 253, { message: 'must be 1..253 characters' });

export const namespaceName = () => string().refine(isDns1123Label, { message: MUST_BE_DNS1123_LABEL });

export const sectionName = () =>
  string().refine(isDns1123Subdomain, {
    message: 'must be a DNS-1123 subdomain: lowercase letters, digits, "-" and "."',
  });

export const preciseHostname = () =>
  string().refine(isDns1123Subdomain, {
    message: 'must be a hostname without wildcard: lowercase letters, digits, "-" and "."',
  });

export const headerName = () =>
  string().refine((v) => v.length <= 256 && HEADER_NAME.test(v), {
    message: "must be an HTTP header name: 1..256 letters, digits or !#$%&'*+-.^_`|~",
  });

export const weight = () => integer(0, 1_000_000);

/** A check that says why a value is wrong, or undefined when it is fine. */
export type Check = (value: string) => string | undefined;

export const headerValueProblem: Check = (v) =>
  v.length <= 4096 && HEADER_VALUE.test(v)
    ? undefined
    : 'must be 1..4096 printable ASCII characters, with single spaces or tabs between words';

/** Query parameter values are not header values: any non-empty text up to 1024 characters. */
export const queryValueProblem: Check = (v) =>
  v.length >= 1 && v.length <= 1024 ? undefined : 'must be 1..1024 characters';

/** A regular expression field: RE2 syntax, as Envoy matches it. */
export const regexProblem =
  (max: number): Check =>
  (value) => {
    if (value.length < 1 || value.length > max) return `must be 1..${max} characters`;
    return re2Message(value);
  };

/** A string schema checked by `check`. */
export const checked = (check: Check) =>
  string().superRefine((value, ctx) => {
    const message = check(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  });

/** Adds a check's complaint about a nested field from inside an object's superRefine. */
export function addProblem(
  ctx: z.RefinementCtx,
  path: (string | number)[],
  message: string | undefined,
): void {
  if (message) ctx.addIssue({ code: 'custom', path, message });
}

export const headerValue = () => checked(headerValueProblem);
export const regex = (max = 1024) => checked(regexProblem(max));

/** Why a value cannot be an Exact or PathPrefix path, as the CRD's validation rules put it. */
export const pathProblem: Check = (value) => {
  if (!value.startsWith('/')) return 'must be an absolute path starting with "/"';
  if (value.length > 1024) return 'must be at most 1024 characters';
  for (const bad of ['//', '/./', '/../', '%2f', '%2F', '#']) {
    if (value.includes(bad)) return `must not contain ${JSON.stringify(bad)}`;
  }
  if (value.endsWith('/..') || value.endsWith('/.')) return 'must not end with "/." or "/.."';
  if (!PATH_CHARS.test(value)) {
    return "must only contain letters, digits, -/._~!$&'()*+,;=:@ and %-escapes";
  }
  return undefined;
};

export const absolutePath = () => checked(pathProblem);
