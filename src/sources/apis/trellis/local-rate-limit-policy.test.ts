import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatIssue } from '../../../model/issue.js';
import type { ManifestDocument } from '../manifest.js';
import { trellisFamily } from './trellis-family.js';

function run(...texts: string[]) {
  const docs: ManifestDocument[] = texts.map((text, documentIndex) => ({
    origin: 'limits.yaml',
    documentIndex,
    value: parse(text),
  }));
  const { fragment, issues } = trellisFamily.parse(docs, { clusterDomain: 'cluster.local' });
  return {
    rateLimits: fragment.rateLimits ?? [],
    statuses: fragment.statuses ?? [],
    issues: issues.map(formatIssue),
    raw: issues,
  };
}

const policy = (spec: string, name = 'limit') =>
  `{ apiVersion: trellis.dev/v1alpha1, kind: LocalRateLimitPolicy, metadata: { name: ${name}, namespace: shop }, spec: ${spec} }`;
const target = 'targetRef: { group: "", kind: Service, name: web }';
const origin = { kind: 'LocalRateLimitPolicy', namespace: 'shop', name: 'limit' };

describe('LocalRateLimitPolicy', () => {
  it('lowers the minimal policy with its defaults: every port, every request, bucket = fill, 429', () => {
    const { rateLimits, issues, statuses } = run(
      policy(`{ ${target}, tokensPerFill: 100, fillInterval: 1s }`),
    );
    expect(issues).toEqual([]);
    expect(statuses).toEqual([]);
    expect(rateLimits).toEqual([
      {
        origin,
        service: { namespace: 'shop', name: 'web' },
        tokensPerFill: 100,
        fillIntervalMs: 1000,
        maxTokens: 100,
        status: 429,
      },
    ]);
  });

  it('lowers a port, a bucket size, a request match and a status', () => {
    const { rateLimits, issues } = run(
      policy(`{
        targetRef: { group: "", kind: Service, name: web, port: 8080 },
        tokensPerFill: 5, fillInterval: 1m30s, maxTokens: 50, responseStatus: 503,
        match: {
          path: { type: RegularExpression, value: "/api/v[0-9]+/.*" },
          headers: [{ name: X-Tenant, value: free }, { name: user-agent, type: RegularExpression, value: ".*bot.*" }],
          method: POST
        }
      }`),
    );
    expect(issues).toEqual([]);
    expect(rateLimits[0]).toEqual({
      origin,
      service: { namespace: 'shop', name: 'web' },
      port: 8080,
      tokensPerFill: 5,
      fillIntervalMs: 90_000,
      maxTokens: 50,
      match: {
        path: { kind: 'regex', value: '/api/v[0-9]+/.*' },
        headers: [
          { name: 'x-tenant', match: { kind: 'exact', value: 'free' } },
          { name: 'user-agent', match: { kind: 'regex', value: '.*bot.*' } },
        ],
        method: 'POST',
      },
      status: 503,
    });
  });

  it('reads path types with Gateway API meaning: PathPrefix (the default) matches whole segments', () => {
    const paths = [
      '{ value: /api }',
      '{ type: PathPrefix, value: /api }',
      '{ type: Exact, value: /login }',
    ].map(
      (path) =>
        run(policy(`{ ${target}, tokensPerFill: 1, fillInterval: 1s, match: { path: ${path} } }`))
          .rateLimits[0]?.match?.path,
    );
    expect(paths).toEqual([
      { kind: 'segmentPrefix', value: '/api' },
      { kind: 'segmentPrefix', value: '/api' },
      { kind: 'exact', value: '/login' },
    ]);
  });

  it('rejects a policy with bad values, naming every field, and marks it not accepted', () => {
    const { rateLimits, issues, statuses } = run(
      policy(`{
        targetRef: { group: apps, kind: Deployment, name: web, port: 8080 },
        tokensPerFill: 10, fillInterval: 10ms, maxTokens: 5, responseStatus: 200,
        match: { path: { type: Exact, value: api }, headers: [{ name: X-A, value: "1" }, { name: x-a, value: "2" }] }
      }`),
    );
    expect(rateLimits).toEqual([]);
    expect(issues).toEqual([
      'limits.yaml[doc 0]: LocalRateLimitPolicy shop/limit: spec.fillInterval: must be at least 50ms: Envoy refills a token bucket at most that often, got "10ms"',
      'limits.yaml[doc 0]: LocalRateLimitPolicy shop/limit: spec.match.headers[1].name: "x-a" is already matched by headers[0] (names are case-insensitive)',
      'limits.yaml[doc 0]: LocalRateLimitPolicy shop/limit: spec.match.path.value: must start with "/", got "api"',
      'limits.yaml[doc 0]: LocalRateLimitPolicy shop/limit: spec.maxTokens: must be at least tokensPerFill (10), got 5',
      'limits.yaml[doc 0]: LocalRateLimitPolicy shop/limit: spec.responseStatus: must be an integer 400..599, got 200',
      'limits.yaml[doc 0]: LocalRateLimitPolicy shop/limit: spec.targetRef.group: must be "" (the core API group): a policy attaches to a Service, got "apps"',
      'limits.yaml[doc 0]: LocalRateLimitPolicy shop/limit: spec.targetRef.kind: must be "Service", got "Deployment"',
    ]);
    expect(statuses).toHaveLength(1);
    expect(statuses[0]?.resource).toEqual(origin);
    // A Deployment is not a Service: the status names no parent rather than a Service "web".
    expect(statuses[0]?.parent).toBeUndefined();
    expect(statuses[0]?.conditions.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Accepted', 'False', 'Invalid'],
    ]);
    expect(statuses[0]?.conditions[0]?.message).toMatch(/^not applied: spec\.targetRef\.group: must be ""/);
  });

  it('names the targeted Service as the parent of a rejected policy only when targetRef is a core Service', () => {
    const bad = 'tokensPerFill: 10, fillInterval: 10ms';
    const { statuses } = run(
      policy(`{ targetRef: { group: "", kind: Service, name: web, port: 8080 }, ${bad} }`, 'svc'),
      policy(`{ targetRef: { group: apps, kind: Deployment, name: web }, ${bad} }`, 'deploy'),
      policy(`{ targetRef: { group: "", kind: Pod, name: web }, ${bad} }`, 'pod'),
      policy(`{ targetRef: { kind: Service, name: web }, ${bad} }`, 'nogroup'),
    );
    expect(Object.fromEntries(statuses.map((s) => [s.resource.name, s.parent]))).toEqual({
      svc: { service: { namespace: 'shop', name: 'web' }, port: 8080 },
      deploy: undefined,
      pod: undefined,
      nogroup: undefined,
    });
  });

  it('reports a key written as a path ("match.path") as an unknown field, not as the path it spells', () => {
    const { rateLimits, issues } = run(
      policy(`{ ${target}, tokensPerFill: 1, fillInterval: 1s, "match.method": POST }`),
    );
    expect(rateLimits[0]?.match).toBeUndefined();
    expect(issues).toEqual([
      'limits.yaml[doc 0]: LocalRateLimitPolicy shop/limit: spec["match.method"]: is not a field of LocalRateLimitPolicy trellis.dev/v1alpha1; ignored',
    ]);
  });

  it('reports missing required fields and wrong types', () => {
    const { raw } = run(
      policy('{ targetRef: { name: web }, tokensPerFill: "10", fillInterval: 1.5s, match: { path: {} } }'),
    );
    expect(raw.map((i) => [i.reason, formatIssue(i)])).toEqual([
      [
        'InvalidValue',
        'limits.yaml[doc 0]: LocalRateLimitPolicy shop/limit: spec.fillInterval: must be a duration such as "1s", "500ms" or "1m30s" (1 to 4 parts of up to 5 digits and h, m, s or ms), got "1.5s"',
      ],
      [
        'MissingField',
        'limits.yaml[doc 0]: LocalRateLimitPolicy shop/limit: spec.match.path.value: is required',
      ],
      [
        'MissingField',
        'limits.yaml[doc 0]: LocalRateLimitPolicy shop/limit: spec.targetRef.group: is required',
      ],
      [
        'MissingField',
        'limits.yaml[doc 0]: LocalRateLimitPolicy shop/limit: spec.targetRef.kind: is required',
      ],
      [
        'InvalidType',
        'limits.yaml[doc 0]: LocalRateLimitPolicy shop/limit: spec.tokensPerFill: must be an integer 1..4294967295, got "10"',
      ],
    ]);
  });

  it('rejects a regex Envoy could not compile', () => {
    const { issues } = run(
      policy(
        `{ ${target}, tokensPerFill: 1, fillInterval: 1s, match: { path: { type: RegularExpression, value: "/a(?!b)" } } }`,
      ),
    );
    expect(issues).toEqual([
      'limits.yaml[doc 0]: LocalRateLimitPolicy shop/limit: spec.match.path.value: must be an RE2 regular expression: invalid perl operator: (?!, got "/a(?!b)"',
    ]);
  });

  it('warns that sectionName is not supported and applies the policy to every port', () => {
    const { rateLimits, raw } = run(
      policy(
        '{ targetRef: { group: "", kind: Service, name: web, sectionName: http }, tokensPerFill: 1, fillInterval: 1s, burst: 3 }',
      ),
    );
    expect(rateLimits[0]?.port).toBeUndefined();
    expect(raw.map((i) => [i.severity, i.reason, formatIssue(i)])).toEqual([
      [
        'warning',
        'UnsupportedField',
        'limits.yaml[doc 0]: LocalRateLimitPolicy shop/limit: spec.burst: is not a field of LocalRateLimitPolicy trellis.dev/v1alpha1; ignored',
      ],
      [
        'warning',
        'UnsupportedField',
        'limits.yaml[doc 0]: LocalRateLimitPolicy shop/limit: spec.targetRef.sectionName: not supported: use targetRef.port (the port number); without it the policy applies to every port of the Service',
      ],
    ]);
  });

  it('serves the valid policies of a set when one is invalid', () => {
    const { rateLimits, statuses } = run(
      policy(`{ ${target}, tokensPerFill: 0, fillInterval: 1s }`, 'bad'),
      policy(`{ ${target}, tokensPerFill: 1, fillInterval: 1s }`, 'good'),
    );
    expect(rateLimits.map((r) => r.origin.name)).toEqual(['good']);
    expect(statuses.map((s) => s.resource.name)).toEqual(['bad']);
  });
});
