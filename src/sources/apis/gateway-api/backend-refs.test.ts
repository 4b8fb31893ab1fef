import { describe, expect, it } from 'vitest';
import { httpRoute, PREFIX, parseYaml } from './test-fixtures.js';

const healthy = `    - backendRefs: [{ name: reviews-v1, port: 9080 }]\n`;

function withBackends(backendRefs: string, before = '') {
  return parseYaml(`${before}${httpRoute(`    - backendRefs: ${backendRefs}\n${healthy}`)}`);
}

const grant = (to = '[{ group: "", kind: Service }]', from = 'HTTPRoute') => `
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: { name: from-shop, namespace: ratings }
spec:
  from: [{ group: gateway.networking.k8s.io, kind: ${from}, namespace: shop }]
  to: ${to}
---`;

describe('HTTPRoute backendRefs', () => {
  it('defaults weights to 1 and keeps weight 0 backends in the split', () => {
    const parsed = withBackends(
      '[{ name: v1, port: 80 }, { name: v2, port: 8080, weight: 0 }, { name: v3, port: 80, weight: 5 }]',
    );
    expect(parsed.messages).toEqual([]);
    expect(parsed.http[0]?.action).toEqual({
      kind: 'forward',
      backends: [
        { kind: 'service', service: { namespace: 'shop', name: 'v1' }, port: 80, weight: 1 },
        { kind: 'service', service: { namespace: 'shop', name: 'v2' }, port: 8080, weight: 0 },
        { kind: 'service', service: { namespace: 'shop', name: 'v3' }, port: 80, weight: 5 },
      ],
    });
  });

  it('answers 500 when every weight is 0, and says so', () => {
    const parsed = withBackends('[{ name: v1, port: 80, weight: 0 }, { name: v2, port: 80, weight: 0 }]');
    expect(parsed.http[0]?.action).toEqual({ kind: 'direct', status: 500 });
    expect(parsed.warnings).toEqual([
      `${PREFIX}spec.rules[0].backendRefs: every weight is 0: requests matching the rule are answered 500`,
    ]);
  });

  it('answers 500 for a rule with no backendRefs', () => {
    const parsed = withBackends('[]');
    expect(parsed.http[0]?.action).toEqual({ kind: 'direct', status: 500 });
    expect(parsed.warnings).toEqual([
      `${PREFIX}spec.rules[0].backendRefs: is empty: requests matching the rule are answered 500`,
    ]);
  });

  it('keeps the share of a backend of another kind as a 500 share, with ResolvedRefs=False InvalidKind', () => {
    const parsed = withBackends(
      '[{ name: v1, port: 80, weight: 3 }, { group: multicluster.x-k8s.io, kind: ServiceImport, name: v2, port: 80 }]',
    );
    expect(parsed.http[0]?.action).toEqual({
      kind: 'forward',
      backends: [
        { kind: 'service', service: { namespace: 'shop', name: 'v1' }, port: 80, weight: 3 },
        { kind: 'invalid', weight: 1, status: 500, reason: 'InvalidKind' },
      ],
    });
    expect(parsed.errors).toEqual([
      `${PREFIX}spec.rules[0].backendRefs[1].kind: refers to multicluster.x-k8s.io ServiceImport "v2": only Services (group "", kind Service) can be backends; its share of requests is answered 500`,
    ]);
    expect(parsed.statuses[0]?.conditions).toEqual([
      { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'attached to Service shop/reviews' },
      {
        type: 'ResolvedRefs',
        status: 'False',
        reason: 'InvalidKind',
        message:
          'spec.rules[0].backendRefs[1]: refers to multicluster.x-k8s.io ServiceImport "v2": only Services (group "", kind Service) can be backends; its share of requests is answered 500',
      },
    ]);
  });

  it('answers 500 for the whole rule when its only backend is invalid', () => {
    const parsed = withBackends('[{ kind: Pod, name: p, port: 80 }]');
    expect(parsed.http[0]?.action).toEqual({ kind: 'direct', status: 500 });
  });

  it('treats a Service backend without a port as invalid (the spec requires one)', () => {
    const parsed = withBackends('[{ name: v1 }, { name: v2, port: 80 }]');
    expect(parsed.errors).toEqual([
      `${PREFIX}spec.rules[0].backendRefs[0].port: is required for a Service: it names the service port to send to; its share of requests is answered 500`,
    ]);
    expect(parsed.http[0]?.action).toMatchObject({
      kind: 'forward',
      backends: [
        { kind: 'invalid', weight: 1, status: 500, reason: 'UnsupportedValue' },
        { kind: 'service' },
      ],
    });
  });

  it('refuses a Service in another namespace without a ReferenceGrant (RefNotPermitted)', () => {
    const parsed = withBackends('[{ name: ratings, namespace: ratings, port: 80 }]');
    expect(parsed.http[0]?.action).toEqual({ kind: 'direct', status: 500 });
    expect(parsed.errors).toEqual([
      `${PREFIX}spec.rules[0].backendRefs[0].namespace: refers to Service ratings/ratings in another namespace, and no ReferenceGrant in "ratings" lets HTTPRoutes from "shop" use it; its share of requests is answered 500`,
    ]);
    expect(parsed.statuses[0]?.conditions.at(-1)).toMatchObject({
      status: 'False',
      reason: 'RefNotPermitted',
    });
  });

  it('allows a Service in another namespace with a ReferenceGrant there, for all or for named Services', () => {
    for (const to of ['[{ group: "", kind: Service }]', '[{ group: "", kind: Service, name: ratings }]']) {
      const parsed = withBackends('[{ name: ratings, namespace: ratings, port: 80 }]', grant(to));
      const prefix = PREFIX.replace('doc 0', 'doc 1');
      expect(parsed.messages.filter((m) => m.startsWith(prefix))).toEqual([]);
      expect(parsed.http[0]?.action).toEqual({
        kind: 'forward',
        backends: [
          { kind: 'service', service: { namespace: 'ratings', name: 'ratings' }, port: 80, weight: 1 },
        ],
      });
    }
  });

  it('does not let a grant for another Service, another kind or another namespace stand in', () => {
    for (const g of [
      grant('[{ group: "", kind: Service, name: other }]'),
      grant(undefined, 'GRPCRoute'),
      grant().replace('namespace: ratings', 'namespace: elsewhere'),
    ]) {
      const parsed = withBackends('[{ name: ratings, namespace: ratings, port: 80 }]', g);
      expect(parsed.http[0]?.action).toEqual({ kind: 'direct', status: 500 });
    }
  });

  it.each([
    [
      'a negative weight',
      '[{ name: v1, port: 80, weight: -1 }]',
      'weight: must be an integer 0..1000000, got -1',
    ],
    [
      'a weight above 1000000',
      '[{ name: v1, port: 80, weight: 1000001 }]',
      'weight: must be an integer 0..1000000, got 1000001',
    ],
    ['a port of 0', '[{ name: v1, port: 0 }]', 'port: must be an integer 1..65535, got 0'],
    ['a missing name', '[{ port: 80 }]', 'name: is required'],
    ['a name of the wrong type', '[{ name: 7, port: 80 }]', 'name: must be a string, got 7'],
  ])('rejects %s with its field path and answers the rule 500', (_what, refs, message) => {
    const parsed = withBackends(refs);
    expect(parsed.errors).toEqual([`${PREFIX}spec.rules[0].backendRefs[0].${message}`]);
    expect(parsed.http[0]?.action).toEqual({ kind: 'direct', status: 500 });
  });
});
