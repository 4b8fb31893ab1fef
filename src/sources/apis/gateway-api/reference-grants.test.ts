import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../../model/issue.js';
import { parseReferenceGrants } from './reference-grants.js';
import { documents } from './test-fixtures.js';

const grant = (spec: string) => `
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: { name: g, namespace: ratings }
spec: ${spec}
`;

describe('ReferenceGrant', () => {
  it('permits routes of the named kind and namespace to reach the named Services', () => {
    const { grants, issues } = parseReferenceGrants(
      documents(
        grant(
          `{ from: [{ group: gateway.networking.k8s.io, kind: GRPCRoute, namespace: shop }], to: [{ group: "", kind: Service, name: ratings }] }`,
        ),
      ),
    );
    expect(issues).toEqual([]);
    expect(grants.permits('GRPCRoute', 'shop', { namespace: 'ratings', name: 'ratings' })).toBe(true);
    expect(grants.permits('HTTPRoute', 'shop', { namespace: 'ratings', name: 'ratings' })).toBe(false);
    expect(grants.permits('GRPCRoute', 'shop', { namespace: 'ratings', name: 'other' })).toBe(false);
    expect(grants.permits('GRPCRoute', 'web', { namespace: 'ratings', name: 'ratings' })).toBe(false);
  });

  it('ignores grants for other kinds (a Gateway reading a Secret) without complaint', () => {
    const { grants, issues } = parseReferenceGrants(
      documents(
        grant(
          `{ from: [{ group: gateway.networking.k8s.io, kind: Gateway, namespace: edge }], to: [{ group: "", kind: Secret }] }`,
        ),
      ),
    );
    expect(issues).toEqual([]);
    expect(grants.permits('HTTPRoute', 'edge', { namespace: 'ratings', name: 'x' })).toBe(false);
  });

  it('reports a malformed grant with its field paths and grants nothing', () => {
    const { grants, issues } = parseReferenceGrants(
      documents(grant(`{ from: [], to: [{ group: "", kind: Service }], extra: true }`)),
    );
    expect(issues.map(formatIssue)).toEqual([
      'routes.yaml[doc 0]: ReferenceGrant ratings/g: spec.extra: is not a field of ReferenceGrant; it is ignored',
      'routes.yaml[doc 0]: ReferenceGrant ratings/g: spec.from: must have at least one item, got an empty list',
    ]);
    expect(grants.permits('HTTPRoute', 'shop', { namespace: 'ratings', name: 'x' })).toBe(false);
  });
});
