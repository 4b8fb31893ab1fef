import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ManifestDocument } from '../manifest.js';
import { mutate, seededRandom } from '../shared/fuzz-mutations.js';
import { trellisFamily } from './trellis-family.js';

const ctx = { clusterDomain: 'cluster.local' };
const head = 'apiVersion: trellis.dev/v1alpha1\nkind: LocalRateLimitPolicy\n';

const VALID: readonly unknown[] = [
  `metadata: { name: minimal, namespace: shop }
spec: { targetRef: { group: "", kind: Service, name: web }, tokensPerFill: 10, fillInterval: 1s }`,
  `metadata: { name: full, namespace: shop }
spec:
  targetRef: { group: "", kind: Service, name: api, port: 8080 }
  tokensPerFill: 5
  fillInterval: 1m30s
  maxTokens: 50
  responseStatus: 503
  match:
    path: { type: RegularExpression, value: "/v[0-9]+/.*" }
    headers: [{ name: x-tenant, value: free }, { name: user-agent, type: RegularExpression, value: ".*bot.*" }]
    method: POST`,
  `metadata: { name: exact }
spec:
  targetRef: { group: "", kind: Service, name: login }
  tokensPerFill: 1
  fillInterval: 50ms
  match: { path: { type: Exact, value: /login }, method: GET }`,
  `metadata: { name: prefix, namespace: shop }
spec:
  targetRef: { group: "", kind: Service, name: web, port: 80 }
  tokensPerFill: 4294967295
  fillInterval: 2h
  match: { path: { value: /static } }`,
  `metadata: { name: headers, namespace: shop }
spec:
  targetRef: { group: "", kind: Service, name: web }
  tokensPerFill: 100
  fillInterval: 500ms
  maxTokens: 100
  match: { headers: [{ name: x-a, type: Exact, value: "1" }] }`,
].map((text) => parse(head + text));

const SIBLING = parse(`${head}metadata: { name: sibling, namespace: keep }
spec: { targetRef: { group: "", kind: Service, name: keep, port: 9090 }, tokensPerFill: 7, fillInterval: 2s }`);

const asDocs = (values: readonly unknown[]): ManifestDocument[] =>
  values.map((value, documentIndex) => ({ origin: 'fuzz.yaml', documentIndex, value }));

describe('trellisFamily under damaged input', () => {
  it('parses the valid manifests without issues', () => {
    const { fragment, issues } = trellisFamily.parse(asDocs([...VALID, SIBLING]), ctx);
    expect(issues).toEqual([]);
    expect(fragment.rateLimits).toHaveLength(VALID.length + 1);
  });

  it('never throws on 2,500 seeded mutations, names a field for every issue, and still serves a valid sibling', () => {
    const alone = trellisFamily.parse(asDocs([SIBLING]), ctx).fragment.rateLimits;
    expect(alone).toHaveLength(1);
    const expected = JSON.stringify(alone);
    const random = seededRandom(7_131_713);
    const failures: string[] = [];
    for (let n = 0; n < 2500 && failures.length < 5; n++) {
      const broken = mutate(VALID[n % VALID.length], random);
      // Checked by hand and asserted once: thousands of expect() calls would dominate the run time.
      const fail = (why: string) => failures.push(`mutation ${n} ${why}: ${JSON.stringify(broken)}`);
      const { fragment, issues } = trellisFamily.parse(asDocs([broken, SIBLING]), ctx);
      for (const issue of issues) {
        if (issue.fieldPath === '' || issue.message === '')
          fail(`issue without a field or message ${JSON.stringify(issue)}`);
      }
      const limits = fragment.rateLimits ?? [];
      if (JSON.stringify(limits.filter((r) => r.origin.namespace === 'keep')) !== expected)
        fail('lost its sibling');
      // A rejected policy is never served.
      for (const status of fragment.statuses ?? []) {
        const { namespace, name } = status.resource;
        if (limits.some((r) => r.origin.namespace === namespace && r.origin.name === name))
          fail('served a rejected policy');
      }
      for (const limit of limits) {
        if (limit.maxTokens < limit.tokensPerFill) fail('has a bucket smaller than its fill');
        if (limit.fillIntervalMs < 50) fail('refills faster than every 50ms');
      }
    }
    expect(failures).toEqual([]);
  });
});
