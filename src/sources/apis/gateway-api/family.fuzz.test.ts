// Deterministic fuzzing: valid manifests, mutated thousands of ways with a seeded PRNG. Whatever the
// input, the parser must not throw, every issue must say where it is, and a valid sibling document
// parsed alongside must come out exactly as it does alone.
import { describe, expect, it } from 'vitest';
import type { Issue } from '../../../model/issue.js';
import type { ManifestDocument } from '../manifest.js';
import { seededRandom as prng } from '../shared/fuzz-mutations.js';
import { gatewayApiFamily } from './family.js';
import { documents } from './test-fixtures.js';

const SEEDS = documents(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: reviews, namespace: shop, creationTimestamp: "2024-05-01T12:00:00Z" }
spec:
  parentRefs: [{ group: "", kind: Service, name: reviews, port: 9080 }, { name: edge }]
  rules:
    - matches:
        - path: { type: PathPrefix, value: /v2 }
          headers: [{ name: x-user, value: jason }, { type: RegularExpression, name: x-v, value: "v[0-9]" }]
          queryParams: [{ name: tab, value: all }]
          method: GET
      filters:
        - { type: RequestHeaderModifier, requestHeaderModifier: { set: [{ name: x-a, value: b }], remove: [x-c] } }
        - { type: RequestMirror, requestMirror: { backendRef: { name: shadow, port: 80 }, fraction: { numerator: 1, denominator: 4 } } }
      backendRefs: [{ name: reviews-v2, port: 9080, weight: 90 }, { name: reviews-v3, namespace: ratings, port: 9080, weight: 10 }]
      timeouts: { request: 10s, backendRequest: 2s }
      retry: { codes: [502, 503], attempts: 2, backoff: 50ms }
    - backendRefs: [{ name: reviews-v1, port: 9080 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: redirects, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: web }]
  rules:
    - matches: [{ path: { type: PathPrefix, value: /old } }]
      filters: [{ type: RequestRedirect, requestRedirect: { scheme: https, path: { type: ReplacePrefixMatch, replacePrefixMatch: /new }, statusCode: 301 } }]
    - matches: [{ path: { type: Exact, value: /rewrite } }]
      filters: [{ type: URLRewrite, urlRewrite: { hostname: internal, path: { type: ReplaceFullPath, replaceFullPath: /x } } }]
      backendRefs: [{ name: web, port: 80 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: cors, namespace: web }
spec:
  parentRefs: [{ group: "", kind: Service, name: api }]
  rules:
    - filters:
        - type: CORS
          cors: { allowOrigins: ["https://*.example.com"], allowMethods: [GET], allowHeaders: [x-a], maxAge: 60 }
        - { type: ExtensionRef, extensionRef: { group: example.io, kind: F, name: f } }
      backendRefs: [{ name: api, port: 8080, weight: 0 }, { kind: Pod, name: p, port: 1 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: { name: greeter, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: greeter, port: 9090 }]
  rules:
    - matches:
        - method: { service: helloworld.Greeter, method: SayHello }
          headers: [{ name: x-tenant, value: acme }]
        - method: { type: RegularExpression, method: "Get.*" }
      filters: [{ type: ResponseHeaderModifier, responseHeaderModifier: { add: [{ name: x-b, value: c }] } }]
      backendRefs: [{ name: greeter-v2, port: 9090 }]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: { name: from-shop, namespace: ratings }
spec:
  from: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: shop }]
  to: [{ group: "", kind: Service, name: reviews-v3 }]
`).map((d) => d.value);

const SIBLING: ManifestDocument = documents(
  `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: sibling }
spec:
  parentRefs: [{ group: "", kind: Service, name: web, port: 80 }]
  rules:
    - matches: [{ path: { type: Exact, value: /healthz } }]
      backendRefs: [{ name: web-v1, port: 80 }]
`,
  'sibling.yaml',
)[0] as ManifestDocument;

type Container = Record<string, unknown> | unknown[];
type Slot = { parent: Container; key: string | number };

const NASTY: readonly unknown[] = [
  null,
  undefined,
  0,
  -1,
  1.5,
  65536,
  1_000_001,
  2 ** 40,
  Number.NaN,
  '',
  'x',
  ' ',
  '(?=x)',
  '(a)\\1',
  '[',
  '1.5s',
  '99999h99999m99999s99999ms',
  'ExtensionRef',
  'RegularExpression',
  'Service',
  'constructor',
  '__proto__',
  'elsewhere',
  '/a//b',
  'a\nb',
  true,
  [],
  [null],
  {},
  { type: 'Exact' },
];
const KEYS = [
  'type',
  'value',
  'name',
  'port',
  'weight',
  'namespace',
  'group',
  'kind',
  'filters',
  'matches',
  'bogus',
  'percent',
  'fraction',
  'path',
  'method',
  'service',
  '__proto__',
  'constructor',
];

function slots(value: unknown, out: Slot[] = []): Slot[] {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      out.push({ parent: value, key: i });
      slots(item, out);
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      // apiVersion and kind are the dispatcher's business: parse() only sees documents of its kinds.
      if (key === 'apiVersion' || key === 'kind') continue;
      out.push({ parent: value as Record<string, unknown>, key });
      slots(item, out);
    }
  }
  return out;
}

function mutate(doc: unknown, random: () => number): void {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const all = slots(doc);
  const containers = all
    .map((s) => (s.parent as Record<string | number, unknown>)[s.key])
    .filter((v): v is Container => typeof v === 'object' && v !== null);
  const { parent, key } = pick(all);
  const target = parent as Record<string | number, unknown>;
  const current = target[key];
  switch (Math.floor(random() * 6)) {
    case 0: // delete
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete target[key];
      break;
    case 1: // wrong type or value
      target[key] = structuredClone(pick(NASTY));
      break;
    case 2: // out-of-range number
      target[key] =
        typeof current === 'number' ? pick([-current - 1, current * 1000 + 70000, current + 0.5]) : -7;
      break;
    case 3: {
      // insertion at a random container
      const into = containers.length > 0 ? pick(containers) : target;
      if (Array.isArray(into)) into.push(structuredClone(pick([...NASTY, into[0]])));
      else into[pick(KEYS)] = structuredClone(pick(NASTY));
      break;
    }
    case 4: // dangling reference: another namespace nobody granted
      if (typeof current === 'string') target[key] = `${current}-gone`;
      else if (!Array.isArray(parent)) (parent as Record<string, unknown>).namespace = 'nowhere';
      break;
    default: // duplicate a list item or scramble a string
      if (Array.isArray(parent)) parent.push(structuredClone(parent[key as number]));
      else if (typeof current === 'string') target[key] = current.split('').reverse().join('');
      else target[key] = structuredClone(current);
  }
}

function parse(docs: readonly ManifestDocument[]) {
  return gatewayApiFamily.parse(docs, { clusterDomain: 'cluster.local' });
}

function siblingPart(result: ReturnType<typeof parse>) {
  return {
    routes: (result.fragment.routes ?? []).filter((r) => r.origin.namespace === 'sibling'),
    statuses: (result.fragment.statuses ?? []).filter((s) => s.resource.namespace === 'sibling'),
    issues: result.issues.filter((i) => i.origin === 'sibling.yaml'),
  };
}

describe('the Gateway API parser under mutation', () => {
  it('never throws, always says where a problem is, and still lowers a valid sibling (2,400 cases)', () => {
    const alone = siblingPart(parse([SIBLING]));
    expect(alone.routes).toHaveLength(1);
    expect(alone.issues).toEqual([]);
    const random = prng(20240501);
    let issueCount = 0;
    for (let round = 0; round < 2400; round++) {
      const seed = SEEDS[round % SEEDS.length];
      const doc = structuredClone(seed);
      const mutations = 1 + Math.floor(random() * 3);
      for (let m = 0; m < mutations; m++) mutate(doc, random);
      const input: ManifestDocument = { origin: 'fuzz.yaml', documentIndex: round, value: doc };
      // The grant seed stays alongside so cross-namespace references sometimes resolve.
      const docs = [input, SIBLING, { origin: 'grant.yaml', documentIndex: 0, value: SEEDS[4] }];
      let result: ReturnType<typeof parse>;
      try {
        result = parse(docs);
      } catch (error) {
        throw new Error(`round ${round} threw on ${JSON.stringify(doc)}: ${String(error)}`);
      }
      for (const issue of result.issues as Issue[]) {
        if (issue.fieldPath === '' || issue.message === '') {
          throw new Error(`round ${round}: an issue names no field: ${JSON.stringify(issue)}`);
        }
      }
      issueCount += result.issues.length;
      expect(siblingPart(result)).toEqual(alone);
    }
    // The mutations must actually hurt, or this test proves nothing.
    expect(issueCount).toBeGreaterThan(2400);
  });
});
