// Zod schemas for the field formats Kubernetes validates, shared by the kind parsers. Every schema
// carries its own message, phrased as a requirement; zod-issues.ts appends the value that broke it.
//
// Optional fields use .nullish(): in YAML `field:` with no value is null, which Kubernetes reads as
// "not set", and so do we.
import { isIP } from 'node:net';
import { z } from 'zod';

export const string = (message = 'must be a string') => z.string({ message });

export const boolean = () => z.boolean({ message: 'must be true or false' });

export function integer(min: number, max: number) {
  const message = `must be an integer ${min}..${max}`;
  return z.number({ message }).int({ message }).min(min, { message }).max(max, { message });
}

export const portNumber = () => integer(1, 65535);

export const list = <T extends z.ZodTypeAny>(item: T) => z.array(item, { message: 'must be a list' });

export const object = <T extends z.ZodRawShape>(shape: T) =>
  z.object(shape, { message: 'must be a mapping' });

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

export function isDns1035Label(value: string): boolean {
  return value.length <= 63 && DNS1035_LABEL.test(value);
}

export function isDns1123Subdomain(value: string): boolean {
  return value.length <= 253 && value.split('.').every((part) => DNS1123_LABEL.test(part));
}

/** IANA_SVC_NAME, the format of named ports: what a targetPort or containerPort name may be. */
export function isIanaServiceName(value: string): boolean {
  return (
    value.length >= 1 &&
    value.length <= 15 &&
    /^[-a-z0-9]+$/.test(value) &&
    /[a-z]/.test(value) &&
    !value.includes('--') &&
    !value.startsWith('-') &&
    !value.endsWith('-')
  );
}

/** A label or annotation key: an optional DNS subdomain prefix and "/", then a name of at most 63 characters. */
export function isQualifiedName(value: string): boolean {
  const slash = value.indexOf('/');
  const prefix = slash >= 0 ? value.slice(0, slash) : undefined;
  const name = slash >= 0 ? value.slice(slash + 1) : value;
  if (prefix !== undefined && (prefix === '' || !isDns1123Subdomain(prefix))) return false;
  return name.length <= 63 && QUALIFIED_NAME_PART.test(name);
}

export function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && QUALIFIED_NAME_PART.test(value));
}

export const MUST_BE_DNS1123_LABEL =
  'must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit';
export const MUST_BE_DNS1035_LABEL =
  'must be a DNS-1035 label: at most 63 lowercase letters, digits or "-", starting with a letter and ending with a letter or digit';
export const MUST_BE_DNS1123_SUBDOMAIN =
  'must be a DNS-1123 subdomain: at most 253 lowercase letters, digits, "-" or ".", each dot-separated part starting and ending with a letter or digit';
export const MUST_BE_IANA_SERVICE_NAME =
  'must be a port name: at most 15 lowercase letters, digits or "-", with at least one letter, no "--", not starting or ending with "-"';

export const dns1123Label = () => string().refine(isDns1123Label, { message: MUST_BE_DNS1123_LABEL });
export const dns1123Subdomain = () =>
  string().refine(isDns1123Subdomain, { message: MUST_BE_DNS1123_SUBDOMAIN });
export const ianaServiceName = () =>
  string().refine(isIanaServiceName, { message: MUST_BE_IANA_SERVICE_NAME });

export const ipAddress = () =>
  string().refine((value) => isIP(value) !== 0, { message: 'must be an IP address' });

/** L4 protocol of a port; Kubernetes defaults it to TCP. */
export const transport = () =>
  z.enum(['TCP', 'UDP', 'SCTP'], { message: 'must be one of TCP, UDP, SCTP' }).nullish();

/** labels: keys are qualified names, values at most 63 characters of a restricted set. */
export const labelMap = () =>
  z.record(string(), { message: 'must be a mapping of strings' }).superRefine((labels, ctx) => {
    for (const [key, value] of Object.entries(labels)) {
      if (!isQualifiedName(key)) {
        ctx.addIssue(badKey(key, 'label'));
      } else if (!isLabelValue(value)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message:
            'must be a label value: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
        });
      }
    }
  });

/** annotations: keys are qualified names, values are any string. */
export const annotationMap = () =>
  z.record(string(), { message: 'must be a mapping of strings' }).superRefine((annotations, ctx) => {
    for (const key of Object.keys(annotations)) {
      if (!isQualifiedName(key)) ctx.addIssue(badKey(key, 'annotation'));
    }
  });

function badKey(key: string, what: string): z.IssueData {
  return {
    code: 'custom',
    path: [key],
    message: `${what} key ${JSON.stringify(key)} must be a qualified name: an optional DNS subdomain and "/", then at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`,
    params: { complete: true },
  };
}

export type NameRule = 'dns1123Label' | 'dns1035Label' | 'dns1123Subdomain';

const NAME_RULES: Readonly<
  Record<NameRule, { readonly test: (value: string) => boolean; readonly message: string }>
> = {
  dns1123Label: { test: isDns1123Label, message: MUST_BE_DNS1123_LABEL },
  dns1035Label: { test: isDns1035Label, message: MUST_BE_DNS1035_LABEL },
  dns1123Subdomain: { test: isDns1123Subdomain, message: MUST_BE_DNS1123_SUBDOMAIN },
};

/** metadata.name: an empty name is a missing one (kubectl says "name is required"), not a malformed one. */
const resourceName = (rule: NameRule) =>
  string().superRefine((value, ctx) => {
    if (value === '') {
      ctx.addIssue({
        code: 'custom',
        message: 'is required',
        params: { reason: 'MissingField', complete: true },
      });
    } else if (!NAME_RULES[rule].test(value)) {
      ctx.addIssue({ code: 'custom', message: NAME_RULES[rule].message });
    }
  });

/**
 * metadata, as far as we read it. Names follow the rule of the kind; a namespace is a DNS-1123 label;
 * unknown fields (uid, annotations on kinds that do not need them, managedFields, …) are ignored.
 */
export const objectMeta = (nameRule: NameRule) =>
  object({
    name: resourceName(nameRule),
    // "" is how some tools write "not set"; Kubernetes reads it as the default namespace.
    namespace: string()
      .refine((value) => value === '' || isDns1123Label(value), { message: MUST_BE_DNS1123_LABEL })
      .nullish(),
    labels: labelMap().nullish(),
    annotations: annotationMap().nullish(),
  });
