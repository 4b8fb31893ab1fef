// Label and field selectors of list and watch requests, parsed as the API server parses them (a
// malformed one is a 400), into one predicate on objects. Label selectors: `a=b`, `a==b`, `a!=b`,
// `a`, `!a`, `a in (x,y)`, `a notin (x,y)`, comma-separated. Field selectors: `=`, `==` and `!=` on
// `metadata.name`, `metadata.namespace`, and a few fields of built-in kinds the real server indexes.
import type { FakeResource } from './resources.js';
import { badRequest } from './status.js';

export type ObjectFilter = (object: Record<string, unknown>) => boolean;

/** The fields a built-in kind can be selected by besides metadata.name and metadata.namespace. */
const KIND_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec.nodeName', 'spec.serviceAccountName', 'spec.restartPolicy', 'status.phase', 'status.podIP'],
  Secret: ['type'],
  Namespace: ['status.phase'],
  Service: ['spec.clusterIP', 'spec.type'],
  Event: ['involvedObject.kind', 'involvedObject.name', 'involvedObject.namespace', 'reason', 'type'],
};

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/** The filter of a request's `labelSelector`, `fieldSelector` and namespace (undefined: every one). */
export function requestFilter(
  resource: FakeResource,
  query: URLSearchParams,
  namespace: string | undefined,
  name?: string,
): ObjectFilter {
  const labels = parseLabelSelector(query.get('labelSelector') ?? '');
  const fields = parseFieldSelector(resource, query.get('fieldSelector') ?? '');
  return (object) => {
    const meta = (object.metadata ?? {}) as { name?: unknown; namespace?: unknown };
    if (namespace !== undefined && (meta.namespace ?? '') !== namespace) return false;
    if (name !== undefined && meta.name !== name) return false;
    return labels(object) && fields(object);
  };
}

export function parseLabelSelector(text: string): ObjectFilter {
  const tests: ((labels: Record<string, unknown>) => boolean)[] = [];
  for (const raw of splitRequirements(text)) {
    const part = raw.trim();
    if (part === '') throw badRequest(`unable to parse requirement: empty requirement in "${text}"`);
    const set = /^(\S+)\s+(in|notin)\s+\(([^()]*)\)$/.exec(part);
    if (set) {
      const key = labelKey(set[1]!);
      const values = set[3]!.split(',').map((v) => labelValue(v.trim()));
      tests.push(
        set[2] === 'in'
          ? (l) => typeof l[key] === 'string' && values.includes(l[key])
          : (l) => !(typeof l[key] === 'string' && values.includes(l[key])),
      );
      continue;
    }
    const compare = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
    if (compare) {
      const key = labelKey(compare[1]!);
      const value = labelValue(compare[3]!);
      tests.push(compare[2] === '!=' ? (l) => l[key] !== value : (l) => l[key] === value);
      continue;
    }
    const exists = /^(!?)\s*([^=!\s]+)$/.exec(part);
    if (exists) {
      const key = labelKey(exists[2]!);
      tests.push(exists[1] === '!' ? (l) => !(key in l) : (l) => key in l);
      continue;
    }
    throw badRequest(`unable to parse requirement: found '${part}', expected: in, notin, =, ==, !=`);
  }
  return (object) => {
    const labels = ((object.metadata as { labels?: unknown } | undefined)?.labels ?? {}) as Record<
      string,
      unknown
    >;
    return tests.every((test) => test(labels));
  };
}

export function parseFieldSelector(resource: FakeResource, text: string): ObjectFilter {
  if (text.trim() === '') return () => true;
  const allowed = ['metadata.name', 'metadata.namespace', ...(KIND_FIELDS[resource.kind] ?? [])];
  const tests = text.split(',').map((part) => {
    const match = /^([^=!]+)(==|=|!=)(.*)$/.exec(part.trim());
    if (!match) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    const field = match[1]!.trim();
    if (!allowed.includes(field))
      throw badRequest(
        resource.custom
          ? `"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`
          : `field label not supported: ${field}`,
      );
    const value = match[3]!;
    const path = field.split('.');
    return (object: Record<string, unknown>) => {
      let at: unknown = object;
      for (const key of path) at = (at as Record<string, unknown> | undefined)?.[key];
      const actual = at === undefined || at === null ? '' : String(at);
      return match[2] === '!=' ? actual !== value : actual === value;
    };
  });
  return (object) => tests.every((test) => test(object));
}

/** Splits on the commas outside parentheses. */
function splitRequirements(text: string): string[] {
  if (text.trim() === '') return [];
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === '(') depth += 1;
    else if (text[i] === ')') depth -= 1;
    else if (text[i] === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function labelKey(key: string): string {
  if (!LABEL_KEY.test(key) || key.length > 317)
    throw badRequest(`unable to parse requirement: invalid label key "${key}"`);
  return key;
}

function labelValue(value: string): string {
  if (!LABEL_VALUE.test(value) || value.length > 63)
    throw badRequest(`unable to parse requirement: invalid label value: "${value}"`);
  return value;
}
