// The CRD users install and the parser Trellis runs must accept the same policies. The schema
// keywords the CRD uses are checked by a tiny validator here; the rules only CEL or Trellis itself
// can check are listed apart, each with the place the CRD states it (or says why it cannot).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isRecord } from '../core/resource.js';
import { DURATION_PATTERN } from '../shared/gateway-duration.js';
import { HTTP_METHODS } from '../shared/http-methods.js';
import { HEADER_NAME_PATTERN, parseLocalRateLimitPolicy } from './local-rate-limit-policy.js';
import { TRELLIS_SUPPORT } from './support.js';

const crdPath = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../deploy/crds/localratelimitpolicies.trellis.dev.yaml',
);
const crd = parse(fs.readFileSync(crdPath, 'utf8'));
const version = crd.spec.versions.find((v: { name: string }) => v.name === 'v1alpha1');
const root: Schema = version.schema.openAPIV3Schema;
const specSchema: Schema = root.properties!.spec!;

interface Schema {
  readonly type?: string;
  readonly required?: readonly string[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly items?: Schema;
  readonly enum?: readonly unknown[];
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly maxItems?: number;
  readonly 'x-kubernetes-validations'?: readonly { rule: string }[];
}

/** The API server's verdict for the keywords this CRD uses, CEL aside. Null is "not set", as the server prunes it. */
function schemaAccepts(schema: Schema, value: unknown): boolean {
  switch (schema.type) {
    case 'object':
      if (!isRecord(value)) return false;
      break;
    case 'array':
      if (!Array.isArray(value)) return false;
      break;
    case 'integer':
      if (!Number.isInteger(value)) return false;
      break;
    case 'string':
      if (typeof value !== 'string') return false;
      break;
  }
  if (schema.enum && !schema.enum.includes(value)) return false;
  if (typeof value === 'string') {
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) return false;
    if (schema.minLength !== undefined && value.length < schema.minLength) return false;
    if (schema.maxLength !== undefined && value.length > schema.maxLength) return false;
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) return false;
    if (schema.maximum !== undefined && value > schema.maximum) return false;
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) return false;
    if (schema.items && !value.every((item) => schemaAccepts(schema.items!, item))) return false;
  }
  if (isRecord(value)) {
    for (const key of schema.required ?? [])
      if (value[key] === undefined || value[key] === null) return false;
    for (const [key, child] of Object.entries(schema.properties ?? {})) {
      const given = value[key];
      if (given !== undefined && given !== null && !schemaAccepts(child, given)) return false;
    }
  }
  return true;
}

/** spec.a.b and spec.a.list[].c for every leaf of the schema. */
function leafFields(schema: Schema, prefix: string): string[] {
  if (schema.properties)
    return Object.entries(schema.properties).flatMap(([key, child]) => leafFields(child, `${prefix}.${key}`));
  if (schema.items?.properties) return leafFields(schema.items, `${prefix}[]`);
  return [prefix];
}

/** Every field the schema requires (given its parent is present). */
function requiredFields(schema: Schema, prefix: string): string[] {
  const own = (schema.required ?? []).map((key) => `${prefix}.${key}`);
  const nested = Object.entries(schema.properties ?? {}).flatMap(([key, child]) =>
    requiredFields(
      child.items?.properties ? child.items : child,
      `${prefix}.${key}${child.items ? '[]' : ''}`,
    ),
  );
  return [...own, ...nested];
}

function parserAccepts(spec: unknown): boolean {
  const value = {
    apiVersion: 'trellis.dev/v1alpha1',
    kind: 'LocalRateLimitPolicy',
    metadata: { name: 'limit', namespace: 'shop' },
    spec,
  };
  return parseLocalRateLimitPolicy({ origin: 'crd-test', documentIndex: 0, value }).rateLimit !== undefined;
}

const target = { group: '', kind: 'Service', name: 'web' };
const minimal = { targetRef: target, tokensPerFill: 10, fillInterval: '1s' };
const full = {
  targetRef: { ...target, port: 8080 },
  tokensPerFill: 10,
  fillInterval: '1m30s',
  maxTokens: 20,
  match: {
    path: { type: 'RegularExpression', value: '/api/v[0-9]+/.*' },
    headers: [
      { name: 'x-tenant', value: 'free' },
      { name: 'User-Agent', type: 'RegularExpression', value: '.*bot.*' },
    ],
    method: 'POST',
  },
  responseStatus: 503,
};
const withSpec = (patch: Record<string, unknown>) => ({ ...minimal, ...patch });
const header = (i: number) => ({ name: `x-h${i}`, value: 'v' });

const CASES: readonly (readonly [string, unknown])[] = [
  ['the minimal policy', minimal],
  ['every field set', full],
  ['an exact path', withSpec({ match: { path: { type: 'Exact', value: '/login' } } })],
  ['a path prefix by default', withSpec({ match: { path: { value: '/' } } })],
  ['an empty match', withSpec({ match: {} })],
  ['the shortest fill interval', withSpec({ fillInterval: '50ms' })],
  ['the largest token counts', withSpec({ tokensPerFill: 4294967295, maxTokens: 4294967295 })],
  ['16 headers', withSpec({ match: { headers: Array.from({ length: 16 }, (_, i) => header(i)) } })],
  ['no spec', undefined],
  ['no targetRef', { tokensPerFill: 10, fillInterval: '1s' }],
  ['no tokensPerFill', { targetRef: target, fillInterval: '1s' }],
  ['no fillInterval', { targetRef: target, tokensPerFill: 10 }],
  ['no targetRef.group', withSpec({ targetRef: { kind: 'Service', name: 'web' } })],
  ['a targetRef group other than core', withSpec({ targetRef: { ...target, group: 'apps' } })],
  ['a targetRef kind other than Service', withSpec({ targetRef: { ...target, kind: 'Deployment' } })],
  ['no targetRef.name', withSpec({ targetRef: { group: '', kind: 'Service' } })],
  ['a Service name with capitals', withSpec({ targetRef: { ...target, name: 'Web' } })],
  ['a Service name of 64 characters', withSpec({ targetRef: { ...target, name: `a${'b'.repeat(63)}` } })],
  ['port 0', withSpec({ targetRef: { ...target, port: 0 } })],
  ['port 65536', withSpec({ targetRef: { ...target, port: 65536 } })],
  ['port as a name', withSpec({ targetRef: { ...target, port: 'http' } })],
  ['zero tokens per fill', withSpec({ tokensPerFill: 0 })],
  ['fractional tokens', withSpec({ tokensPerFill: 1.5 })],
  ['tokens as a string', withSpec({ tokensPerFill: '10' })],
  ['tokens above uint32', withSpec({ tokensPerFill: 4294967296 })],
  ['zero maxTokens', withSpec({ maxTokens: 0 })],
  ['a duration without a unit', withSpec({ fillInterval: '1' })],
  ['a fractional duration', withSpec({ fillInterval: '1.5s' })],
  ['a duration in days', withSpec({ fillInterval: '1d' })],
  ['a duration as a number', withSpec({ fillInterval: 1000 })],
  ['status 200', withSpec({ responseStatus: 200 })],
  ['status 600', withSpec({ responseStatus: 600 })],
  ['an unknown method', withSpec({ match: { method: 'FETCH' } })],
  ['an unknown path type', withSpec({ match: { path: { type: 'Prefix', value: '/' } } })],
  ['an empty path', withSpec({ match: { path: { value: '' } } })],
  ['a path without a value', withSpec({ match: { path: { type: 'Exact' } } })],
  ['a path of 1025 characters', withSpec({ match: { path: { value: `/${'a'.repeat(1024)}` } } })],
  ['17 headers', withSpec({ match: { headers: Array.from({ length: 17 }, (_, i) => header(i)) } })],
  ['a header name with a space', withSpec({ match: { headers: [{ name: 'x a', value: 'v' }] } })],
  ['a header without a value', withSpec({ match: { headers: [{ name: 'x-a' }] } })],
  [
    'an unknown header match type',
    withSpec({ match: { headers: [{ name: 'x-a', type: 'Prefix', value: 'v' }] } }),
  ],
  ['headers as a mapping', withSpec({ match: { headers: { 'x-a': 'v' } } })],
];

/** Rules the keyword validator cannot see: [case, policy, where the CRD states the rule (a CEL rule) or null]. */
const BEYOND_KEYWORDS: readonly (readonly [string, unknown, string | null])[] = [
  [
    'maxTokens below tokensPerFill',
    withSpec({ tokensPerFill: 10, maxTokens: 5 }),
    'self.maxTokens >= self.tokensPerFill',
  ],
  ['a fill interval under 50ms', withSpec({ fillInterval: '10ms' }), "duration(self) >= duration('50ms')"],
  [
    'an exact path not starting with "/"',
    withSpec({ match: { path: { type: 'Exact', value: 'api' } } }),
    "self.value.startsWith('/')",
  ],
  // RE2 syntax cannot be checked by the API server: `trellis validate` and the logs report it.
  [
    'a path regex that does not compile',
    withSpec({ match: { path: { type: 'RegularExpression', value: '(' } } }),
    null,
  ],
  [
    'a header regex RE2 lacks',
    withSpec({ match: { headers: [{ name: 'x-a', type: 'RegularExpression', value: 'a(?=b)' }] } }),
    null,
  ],
  // x-kubernetes-list-map-keys rejects exact duplicates; header names are also case-insensitive.
  [
    'header names differing only in case',
    withSpec({
      match: {
        headers: [
          { name: 'X-A', value: '1' },
          { name: 'x-a', value: '2' },
        ],
      },
    }),
    null,
  ],
];

const celRules = (schema: Schema): string[] => [
  ...(schema['x-kubernetes-validations'] ?? []).map((v) => v.rule),
  ...Object.values(schema.properties ?? {}).flatMap(celRules),
  ...(schema.items ? celRules(schema.items) : []),
];

describe('the LocalRateLimitPolicy CRD', () => {
  it('is a v1 CRD for trellis.dev/v1alpha1 LocalRateLimitPolicy, namespaced', () => {
    expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
    expect(crd.metadata.name).toBe('localratelimitpolicies.trellis.dev');
    expect(crd.spec.group).toBe('trellis.dev');
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.names.kind).toBe('LocalRateLimitPolicy');
    expect(crd.spec.versions.map((v: { name: string }) => v.name)).toEqual(['v1alpha1']);
  });

  it('has exactly the fields the parser supports', () => {
    const supported = TRELLIS_SUPPORT.filter((row) => row.supported).map((row) => row.field);
    expect(leafFields(specSchema, 'spec').sort()).toEqual([...supported].sort());
  });

  it('requires exactly the fields whose absence the parser reports as missing', () => {
    const required = requiredFields(specSchema, 'spec').sort();
    expect(required).toEqual([
      'spec.fillInterval',
      'spec.match.headers[].name',
      'spec.match.headers[].value',
      'spec.match.path.value',
      'spec.targetRef',
      'spec.targetRef.group',
      'spec.targetRef.kind',
      'spec.targetRef.name',
      'spec.tokensPerFill',
    ]);
    for (const field of required) {
      // Remove the field from the full policy and see what the parser says about it.
      const spec = structuredClone(full) as Record<string, unknown>;
      const parts = field
        .replace(/^spec\./, '')
        .replace(/\[\]/g, '.0')
        .split('.');
      let node: Record<string, unknown> = spec;
      for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
      delete node[parts.at(-1)!];
      expect(parserAccepts(spec), field).toBe(false);
    }
    for (const field of leafFields(specSchema, 'spec').filter((f) => !required.includes(f))) {
      const spec = structuredClone(full) as Record<string, unknown>;
      const parts = field
        .replace(/^spec\./, '')
        .replace(/\[\]/g, '.1')
        .split('.');
      let node: Record<string, unknown> = spec;
      for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
      delete node[parts.at(-1)!];
      expect(parserAccepts(spec), field).toBe(true);
    }
  });

  it('uses the parser’s own patterns and values', () => {
    const props = specSchema.properties!;
    expect(props.fillInterval?.pattern).toBe(DURATION_PATTERN);
    expect(props.match?.properties?.headers?.items?.properties?.name?.pattern).toBe(HEADER_NAME_PATTERN);
    expect(props.match?.properties?.method?.enum).toEqual([...HTTP_METHODS]);
  });

  it.each(CASES)('agrees with the parser on %s', (_name, spec) => {
    expect(schemaAccepts(root, { spec })).toBe(parserAccepts(spec));
  });

  it.each(BEYOND_KEYWORDS)(
    'rejects %s in the parser, and states the rule in CEL where it can',
    (_name, spec, rule) => {
      expect(schemaAccepts(root, { spec })).toBe(true);
      expect(parserAccepts(spec)).toBe(false);
      const rules = celRules(root);
      if (rule) expect(rules.some((r) => r.includes(rule))).toBe(true);
    },
  );
});
