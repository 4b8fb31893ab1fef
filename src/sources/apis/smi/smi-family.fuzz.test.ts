import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ManifestDocument } from '../manifest.js';
import { mutate, seededRandom } from '../shared/fuzz-mutations.js';
import { smiFamily } from './smi-family.js';

const ctx = { clusterDomain: 'cluster.local' };

const VALID: readonly unknown[] = [
  `apiVersion: split.smi-spec.io/v1alpha2
kind: TrafficSplit
metadata: { name: plain, namespace: shop }
spec:
  service: web
  backends: [{ service: web-v1, weight: 90 }, { service: web-v2, weight: 10 }]`,
  `apiVersion: split.smi-spec.io/v1alpha4
kind: TrafficSplit
metadata: { name: ab, namespace: shop, creationTimestamp: "2024-01-01T00:00:00Z" }
spec:
  service: web.shop.svc.cluster.local
  matches: [{ kind: HTTPRouteGroup, name: g1, apiGroup: specs.smi-spec.io }]
  backends: [{ service: web, weight: 0 }, { service: web-v2, weight: 100 }]`,
  `apiVersion: specs.smi-spec.io/v1alpha4
kind: HTTPRouteGroup
metadata: { name: g1, namespace: shop }
spec:
  matches:
    - { name: metrics, pathRegex: /metrics, methods: [GET, HEAD] }
    - { name: android, headers: { user-agent: ".*Android.*" } }`,
  `apiVersion: split.smi-spec.io/v1alpha3
kind: TrafficSplit
metadata: { name: two, namespace: shop }
spec:
  service: api
  matches: [{ kind: HTTPRouteGroup, name: g2 }, { kind: HTTPRouteGroup, name: g3 }]
  backends: [{ service: api-v1, weight: 1 }, { service: api-v2, weight: 1 }]`,
  `apiVersion: specs.smi-spec.io/v1alpha2
kind: HTTPRouteGroup
metadata: { name: g2, namespace: shop }
matches:
  - { name: beta, pathRegex: "/beta/.*", methods: ["*"], headers: [{ cookie: "^(.*?;)?(beta=1)(;.*)?$" }] }`,
  `apiVersion: specs.smi-spec.io/v1alpha3
kind: HTTPRouteGroup
metadata: { name: g3, namespace: shop }
spec:
  matches: [{ name: post, methods: [POST] }]`,
  `apiVersion: split.smi-spec.io/v1alpha4
kind: TrafficSplit
metadata: { name: off, namespace: shop }
spec:
  service: db
  backends: [{ service: db-v1, weight: 0 }]`,
].map((text) => parse(text as string));

const SIBLINGS: readonly unknown[] = [
  `apiVersion: split.smi-spec.io/v1alpha4
kind: TrafficSplit
metadata: { name: sibling, namespace: keep }
spec:
  service: keep
  matches: [{ kind: HTTPRouteGroup, name: sibling-routes }]
  backends: [{ service: keep-v1, weight: 1 }, { service: keep-v2, weight: 3 }]`,
  `apiVersion: specs.smi-spec.io/v1alpha4
kind: HTTPRouteGroup
metadata: { name: sibling-routes, namespace: keep }
spec:
  matches: [{ name: all, pathRegex: /, methods: [GET] }]`,
].map((text) => parse(text as string));

const asDocs = (values: readonly unknown[]): ManifestDocument[] =>
  values.map((value, documentIndex) => ({ origin: 'fuzz.yaml', documentIndex, value }));

describe('smiFamily under damaged input', () => {
  it('parses the valid manifests without errors', () => {
    const { fragment, issues } = smiFamily.parse(asDocs([...VALID, ...SIBLINGS]), ctx);
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(fragment.routes?.map((r) => r.origin.name)).toEqual(['plain', 'ab', 'two', 'off', 'sibling']);
  });

  it('never throws on 2,500 seeded mutations, names a field for every issue, and still serves a valid sibling', () => {
    const alone = smiFamily.parse(asDocs(SIBLINGS), ctx).fragment.routes;
    expect(alone).toHaveLength(1);
    const expected = JSON.stringify(alone);
    const random = seededRandom(20240601);
    const failures: string[] = [];
    for (let n = 0; n < 2500 && failures.length < 5; n++) {
      const broken = mutate(VALID[n % VALID.length], random);
      // Checked by hand and asserted once: thousands of expect() calls would dominate the run time.
      const fail = (why: string) => failures.push(`mutation ${n} ${why}: ${JSON.stringify(broken)}`);
      const { fragment, issues } = smiFamily.parse(asDocs([broken, ...SIBLINGS]), ctx);
      for (const issue of issues) {
        if (issue.fieldPath === '' || issue.message === '')
          fail(`issue without a field or message ${JSON.stringify(issue)}`);
      }
      const sibling = fragment.routes?.filter(
        (r) => r.origin.name === 'sibling' && r.origin.namespace === 'keep',
      );
      if (JSON.stringify(sibling) !== expected) fail('lost its sibling');
      for (const route of fragment.routes ?? []) {
        const names = [...route.http, ...route.tcp].map((r) => r.name);
        if (new Set(names).size !== names.length) fail(`repeats a route name in ${route.origin.name}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
