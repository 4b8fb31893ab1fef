// Seeded mutations of valid VirtualServices and DestinationRules: the parser never throws, every
// issue names its field, the model it returns stays well-formed, and a valid sibling in the same
// parse is lowered exactly as it is alone.
import { describe, expect, it } from 'vitest';
import type { Issue } from '../../../model/issue.js';
import type { RoutingFragment } from '../../../model/routing-fragment.js';
import type { ManifestDocument } from '../manifest.js';
import { containersOf as containers, seededRandom as random } from '../shared/fuzz-mutations.js';
import { istioFamily } from './istio-family.js';

const ctx = { clusterDomain: 'cluster.local' };

const vs = (version: string, name: string, namespace: string, spec: object) => ({
  apiVersion: `networking.istio.io/${version}`,
  kind: 'VirtualService',
  metadata: { name, namespace },
  spec,
});
const dr = (version: string, name: string, namespace: string, spec: object) => ({
  apiVersion: `networking.istio.io/${version}`,
  kind: 'DestinationRule',
  metadata: { name, namespace },
  spec,
});

/** Each group is one service's VirtualService and DestinationRule; groups do not refer to each other. */
const GROUPS: readonly (readonly object[])[] = [
  [
    vs('v1', 'reviews', 'shop', {
      hosts: ['reviews', 'reviews-preview.shop.svc.cluster.local'],
      http: [
        {
          name: 'canary',
          match: [
            { uri: { prefix: '/api' }, headers: { 'end-user': { exact: 'jason' } }, ignoreUriCase: true },
            { uri: { exact: '/v1/api' }, method: { regex: 'GET|HEAD' }, port: 9080 },
            { uri: { regex: '(?i)/v[0-9]+/.*' }, method: { exact: 'GET' } },
          ],
          route: [
            { destination: { host: 'reviews', subset: 'v2' }, weight: 25 },
            { destination: { host: 'reviews', subset: 'v1', port: { number: 9080 } }, weight: 75 },
          ],
          rewrite: { authority: 'reviews-v2' },
          timeout: '10s',
          retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx,reset,503' },
          fault: { delay: { fixedDelay: '1.5s', percentage: { value: 10 } } },
          mirror: { host: 'reviews', subset: 'v2' },
          mirrorPercentage: { value: 50 },
          corsPolicy: {
            allowOrigins: [{ exact: 'https://shop.example' }],
            allowMethods: ['GET'],
            maxAge: '24h',
          },
          headers: {
            request: { set: { 'x-env': 'prod' }, remove: ['x-debug'] },
            response: { add: { 'x-a': 'b' } },
          },
        },
        { route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
      ],
    }),
    dr('v1', 'reviews', 'shop', {
      host: 'reviews',
      trafficPolicy: {
        loadBalancer: { consistentHash: { httpCookie: { name: 'session', ttl: '1h' } } },
        connectionPool: {
          tcp: { maxConnections: 100, connectTimeout: '30ms' },
          http: { http2MaxRequests: 1000 },
        },
        outlierDetection: {
          consecutive5xxErrors: 5,
          interval: '10s',
          baseEjectionTime: '30s',
          maxEjectionPercent: 50,
        },
        tls: { mode: 'ISTIO_MUTUAL' },
        portLevelSettings: [{ port: { number: 9080 }, loadBalancer: { simple: 'LEAST_REQUEST' } }],
      },
      subsets: [
        { name: 'v1', labels: { version: 'v1' } },
        { name: 'v2', labels: { version: 'v2' }, trafficPolicy: { loadBalancer: { simple: 'RANDOM' } } },
      ],
    }),
  ],
  [
    vs('v1beta1', 'ratings', 'shop', {
      hosts: ['ratings'],
      gateways: ['mesh'],
      http: [
        {
          match: [{ uri: { exact: '/old' } }],
          redirect: { uri: '/new', authority: 'ratings', redirectCode: 302 },
        },
        {
          match: [{ uri: { prefix: '/down' } }],
          directResponse: { status: 503, body: { string: 'maintenance' } },
        },
        {
          match: [{ withoutHeaders: { 'x-skip': {} }, queryParams: { v: { regex: '[0-9]+' } } }],
          route: [{ destination: { host: 'ratings.shop' } }],
          fault: { abort: { grpcStatus: 'UNAVAILABLE', percentage: { value: 0.5 } } },
        },
        { route: [{ destination: { host: 'ratings' } }] },
      ],
    }),
    dr('v1beta1', 'ratings', 'shop', {
      host: 'ratings.shop.svc.cluster.local',
      trafficPolicy: {
        loadBalancer: {
          simple: 'ROUND_ROBIN',
          localityLbSetting: { failover: [{ from: 'us-east', to: 'us-west' }] },
        },
        outlierDetection: { consecutiveGatewayErrors: 3 },
      },
    }),
  ],
  [
    vs('v1alpha3', 'mysql', 'db', {
      hosts: ['mysql'],
      tcp: [
        {
          match: [{ port: 3306 }, { port: 3307 }],
          route: [
            { destination: { host: 'mysql', subset: 'primary' }, weight: 90 },
            { destination: { host: 'mysql', subset: 'replica' }, weight: 10 },
          ],
        },
        { route: [{ destination: { host: 'mysql' } }] },
      ],
    }),
    dr('v1alpha3', 'mysql', 'db', {
      host: 'mysql',
      trafficPolicy: { connectionPool: { tcp: { maxConnections: 50, connectTimeout: '1s' } } },
      subsets: [
        { name: 'primary', labels: { role: 'primary' } },
        { name: 'replica', labels: { role: 'replica' } },
      ],
    }),
  ],
  [
    vs('v1', 'web', 'front', {
      hosts: ['web.front.svc.cluster.local'],
      http: [
        {
          match: [
            { sourceLabels: { app: 'gateway' }, sourceNamespace: 'edge', authority: { prefix: 'web' } },
          ],
          route: [{ destination: { host: 'web', subset: 'stable' } }],
          mirrors: [{ destination: { host: 'web', subset: 'next' }, percentage: { value: 5 } }],
          retries: { attempts: 2, retryOn: 'unavailable,cancelled' },
        },
        { route: [{ destination: { host: 'web', subset: 'stable' } }], timeout: '0s' },
      ],
    }),
    dr('v1', 'web', 'front', {
      host: 'web',
      subsets: [
        { name: 'stable', labels: { track: 'stable' } },
        { name: 'next', labels: { track: 'next' }, trafficPolicy: { tls: { mode: 'DISABLE' } } },
      ],
    }),
  ],
];

const VALUES: readonly unknown[] = [
  null,
  0,
  -1,
  101,
  100.5,
  65536,
  1e21,
  Number.POSITIVE_INFINITY,
  Number.NaN,
  '',
  'x',
  '*',
  '*.shop.svc.cluster.local',
  'api.example.com',
  '1.5ms',
  '-1s',
  '10 seconds',
  '(?=a)',
  '/api/(v1',
  'v9',
  'UNAVAILABLE',
  'LEAST_CONN',
  'mesh',
  true,
  false,
  [],
  {},
  [null],
  ['ingress'],
  { exact: 'a', prefix: 'b' },
  { value: 150 },
  { number: 0 },
  'x'.repeat(300),
];

const KEYS = [
  'unknownField',
  'delegate',
  '__proto__',
  'constructor',
  'exportTo',
  'tls',
  'gateways',
  'mirrors',
  'weight',
  'subset',
  'percentage',
  'headers',
];

function mutate(doc: Record<string, unknown>, next: () => number): void {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const value = () => structuredClone(pick(VALUES));
  // The root keeps apiVersion and kind: the caller has already dispatched on them.
  const targets = [...containers(doc.spec), ...containers(doc.metadata)];
  const target = targets.length > 0 ? pick(targets) : doc;
  const op = Math.floor(next() * 4);
  if (Array.isArray(target)) {
    const i = Math.floor(next() * target.length);
    if (op === 0 && target.length > 0) target.splice(i, 1);
    else if (op === 1 && target.length > 0) target[i] = value();
    else if (op === 2 || target.length === 0) target.push(value());
    else target.push(structuredClone(target[i]));
    return;
  }
  const keys = Object.keys(target);
  const key = pick(keys);
  if (op === 2 || key === undefined) {
    // defineProperty, so that "__proto__" becomes an own key as JSON.parse would make it.
    Object.defineProperty(target, pick(KEYS), {
      value: value(),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else if (op === 0) {
    delete target[key];
  } else if (op === 1 || typeof target[key] !== 'number') {
    target[key] = value();
  } else {
    const n = target[key] as number;
    target[key] = pick([n + 1, -n, n * 1000, n / 3]);
  }
}

const ORIGIN_OF = (g: number, d: number) => `fuzz/${g}-${d}.yaml`;

/** A fresh copy of one base manifest, named by its group and position. */
function baseDoc(g: number, d: number): ManifestDocument {
  return { origin: ORIGIN_OF(g, d), documentIndex: 0, value: structuredClone(GROUPS[g]?.[d]) };
}

interface Header {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace: string };
}

/** What one document produced: its routes, policies and issues. */
function outputOf(fragment: RoutingFragment, issues: readonly Issue[], g: number, d: number) {
  const { kind, metadata } = GROUPS[g]![d] as Header;
  const mine = (origin: { kind: string; namespace: string; name: string }) =>
    origin.kind === kind && origin.namespace === metadata.namespace && origin.name === metadata.name;
  return {
    routes: (fragment.routes ?? []).filter((r) => mine(r.origin)),
    policies: (fragment.backendPolicies ?? []).filter((p) => mine(p.origin)),
    issues: issues.filter((i) => i.origin === ORIGIN_OF(g, d)),
  };
}

const REASONS = new Set([
  'InvalidValue',
  'InvalidType',
  'MissingField',
  'UnsupportedField',
  'UnsupportedValue',
  'BadReference',
  'DuplicateValue',
]);

/**
 * What is wrong with the model, if anything: it must stay JSON-shaped and sane whatever the input
 * (finite numbers, weights and percentages in range, unique route names). Plain checks, not
 * expect(), because this runs on every value of thousands of fragments.
 */
function modelProblems(fragment: RoutingFragment): string[] {
  const problems: string[] = [];
  const walk = (value: unknown, key: string): void => {
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) problems.push(`${key} is ${value}`);
      if ((key === 'weight' || key === 'percent') && !(value >= 0 && value <= 100))
        problems.push(`${key} ${value}`);
      if (key === 'port' && !(Number.isInteger(value) && value >= 1 && value <= 65535))
        problems.push(`port ${value}`);
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, key);
    } else if (typeof value === 'object' && value !== null) {
      if (Object.getPrototypeOf(value) !== Object.prototype) problems.push(`${key} is not a plain object`);
      for (const [k, v] of Object.entries(value)) walk(v, k);
    } else if (typeof value !== 'string' && typeof value !== 'boolean') {
      problems.push(`${key} is ${typeof value}`);
    }
  };
  walk(fragment, '');
  for (const route of fragment.routes ?? []) {
    const names = route.http.map((r) => r.name);
    if (new Set(names).size !== names.length) problems.push(`duplicate route names in ${names.join(', ')}`);
  }
  return problems;
}

function issueProblems(issues: readonly Issue[]): string[] {
  return issues.flatMap((issue) => {
    const wrong =
      issue.fieldPath === '' ||
      !REASONS.has(issue.reason) ||
      (issue.resource?.kind !== 'VirtualService' && issue.resource?.kind !== 'DestinationRule') ||
      /\[object Object\]|undefined/.test(issue.message);
    return wrong ? [JSON.stringify(issue)] : [];
  });
}

describe('Istio parser under seeded mutations', () => {
  it('lowers every base manifest without errors', () => {
    const docs = GROUPS.flatMap((group, g) => group.map((_, d) => baseDoc(g, d)));
    const { fragment, issues } = istioFamily.parse(docs, ctx);
    // The one warning expected: failover from/to are matched against zones, not regions.
    expect(issues.map((i) => [i.severity, i.reason, i.fieldPath])).toEqual([
      ['warning', 'UnsupportedValue', 'spec.trafficPolicy.loadBalancer.localityLbSetting.failover[0]'],
    ]);
    expect(modelProblems(fragment)).toEqual([]);
    expect(fragment.routes?.length).toBe(5);
    expect(fragment.backendPolicies?.length).toBe(4);
  });

  it('never throws, names the field of every issue, and keeps a valid sibling as it is alone', () => {
    const baselines = GROUPS.map((group, g) =>
      group.map((_, d) => {
        const { fragment, issues } = istioFamily.parse([baseDoc(g, d)], ctx);
        return outputOf(fragment, issues, g, d);
      }),
    );
    const next = random(20240501);
    const ITERATIONS = 2000;
    let mutations = 0;
    for (let iteration = 0; iteration < ITERATIONS; iteration++) {
      const g = iteration % GROUPS.length;
      const d = Math.floor(next() * 2);
      const victim = baseDoc(g, d);
      const count = 1 + Math.floor(next() * 3);
      for (let i = 0; i < count; i++) mutate(victim.value as Record<string, unknown>, next);
      mutations += count;
      // Every other time the mutated document's partner is there too (a DestinationRule's subsets
      // matter to its VirtualService), and always one document of another group.
      const partner = iteration % 2 === 0 ? [baseDoc(g, 1 - d)] : [];
      const sg = (g + 1 + (Math.floor(iteration / GROUPS.length) % (GROUPS.length - 1))) % GROUPS.length;
      const sd = Math.floor(iteration / 2) % 2;

      let result: ReturnType<typeof istioFamily.parse> | undefined;
      try {
        result = istioFamily.parse([victim, ...partner, baseDoc(sg, sd)], ctx);
      } catch (error) {
        expect.fail(`iteration ${iteration} threw ${String(error)} on ${JSON.stringify(victim.value)}`);
      }
      const problems = [...issueProblems(result.issues), ...modelProblems(result.fragment)];
      if (problems.length > 0) expect(problems, `iteration ${iteration}`).toEqual([]);
      const sibling = outputOf(result.fragment, result.issues, sg, sd);
      if (JSON.stringify(sibling) !== JSON.stringify(baselines[sg]?.[sd])) {
        expect(sibling, `iteration ${iteration}`).toEqual(baselines[sg]?.[sd]);
      }
    }
    expect(mutations).toBeGreaterThanOrEqual(2000);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
