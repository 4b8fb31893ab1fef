import { describe, expect, it } from 'vitest';
import { gatewayApiFamily } from './family.js';
import { documents, httpRoute, PREFIX, parseYaml } from './test-fixtures.js';

const backend = '    - backendRefs: [{ name: reviews-v1, port: 9080 }]\n';

describe('HTTPRoute documents', () => {
  it('contributes the same routes to each Service parentRef, with its port, and ignores Gateway parents', () => {
    const parsed = parseYaml(`
apiVersion: gateway.networking.k8s.io/v1beta1
kind: HTTPRoute
metadata: { name: reviews, namespace: shop, creationTimestamp: "2024-05-01T14:00:00+02:00" }
spec:
  parentRefs:
    - { name: edge }
    - { group: "", kind: Service, name: reviews, port: 9080 }
    - { group: "", kind: Service, name: reviews-canary, namespace: canary }
  rules:
${backend}`);
    expect(parsed.messages).toEqual([]);
    expect(parsed.contributions.map((c) => [c.service, c.port, c.createdAt, c.http.length])).toEqual([
      [{ namespace: 'shop', name: 'reviews' }, 9080, '2024-05-01T12:00:00.000Z', 1],
      [{ namespace: 'canary', name: 'reviews-canary' }, undefined, '2024-05-01T12:00:00.000Z', 1],
    ]);
    expect(parsed.contributions[0]).toMatchObject({
      family: 'gateway-api',
      origin: { kind: 'HTTPRoute', namespace: 'shop', name: 'reviews' },
      tcp: [],
    });
    expect(
      parsed.statuses.map((s) => [s.parent, s.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`)]),
    ).toEqual([
      [
        { service: { namespace: 'shop', name: 'reviews' }, port: 9080 },
        ['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs'],
      ],
      [
        { service: { namespace: 'canary', name: 'reviews-canary' } },
        ['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs'],
      ],
    ]);
  });

  it('leaves routes attached only to Gateways alone, broken or not', () => {
    const parsed = parseYaml(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web }
spec:
  parentRefs: [{ name: edge }, { kind: Gateway, name: other }]
  rules: [{ matches: [{ path: { type: Bogus } }], sessionPersistence: {} }]
`);
    expect(parsed).toMatchObject({ contributions: [], statuses: [], messages: [] });
  });

  it('warns about kind Service without group "", which names no existing kind', () => {
    const parsed = parseYaml(httpRoute(backend).replace('group: "", kind: Service', 'kind: Service'));
    expect(parsed.contributions).toEqual([]);
    expect(parsed.warnings).toEqual([
      `${PREFIX}spec.parentRefs[0].group: is not set, so kind Service means gateway.networking.k8s.io/Service, which does not exist; set group: "" to attach the route to the core Service`,
    ]);
  });

  it('warns about a route with no parentRefs at all', () => {
    const parsed = parseYaml(httpRoute(backend).replace(/ {2}parentRefs: .*\n/, ''));
    expect(parsed.warnings).toEqual([
      `${PREFIX}spec.parentRefs: names no parent, so the route is attached to nothing; to route traffic addressed to a Service, add a parentRef with group: "" and kind: Service`,
    ]);
  });

  it('rejects a bad Service parentRef alone, with Accepted=False for it, and serves the good one', () => {
    const parsed = parseYaml(
      httpRoute(backend).replace(
        'parentRefs: [{ group: "", kind: Service, name: reviews }]',
        'parentRefs: [{ group: "", kind: Service, name: reviews }, { group: "", kind: Service, name: ratings, port: 70000 }]',
      ),
    );
    expect(parsed.errors).toEqual([
      `${PREFIX}spec.parentRefs[1].port: must be an integer 1..65535, got 70000`,
    ]);
    expect(parsed.contributions.map((c) => c.service.name)).toEqual(['reviews']);
    expect(parsed.statuses[1]).toEqual({
      resource: { kind: 'HTTPRoute', namespace: 'shop', name: 'reviews' },
      parent: { service: { namespace: 'shop', name: 'ratings' } },
      conditions: [
        {
          type: 'Accepted',
          status: 'False',
          reason: 'UnsupportedValue',
          message: 'spec.parentRefs[1].port: must be an integer 1..65535, got 70000',
        },
      ],
    });
  });

  it('serves the valid rules of a partly broken route and marks it PartiallyInvalid ("Dropped Rule")', () => {
    const parsed = parseYaml(httpRoute(`${backend}    - filters: [{ type: URLRewrite }]\n${backend}`));
    expect(parsed.http.map((r) => [r.name, r.action.kind])).toEqual([
      ['HTTPRoute/shop/reviews/0/0', 'forward'],
      ['HTTPRoute/shop/reviews/1/0', 'direct'],
      ['HTTPRoute/shop/reviews/2/0', 'forward'],
    ]);
    expect(parsed.statuses[0]?.conditions).toEqual([
      { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'attached to Service shop/reviews' },
      {
        type: 'PartiallyInvalid',
        status: 'True',
        reason: 'UnsupportedValue',
        message:
          'Dropped Rule(s) 1: requests matching rule(s) 1 are answered 500 instead of being forwarded. spec.rules[1].filters[0].urlRewrite: is required when type is URLRewrite',
      },
      {
        type: 'ResolvedRefs',
        status: 'True',
        reason: 'ResolvedRefs',
        message: 'every reference is resolved',
      },
    ]);
  });

  it('gives as the reason a rule is dropped what broke it, not an unresolved reference beside it', () => {
    const parsed = parseYaml(
      httpRoute(
        `    - backendRefs: [{ name: r, namespace: ratings, port: 80 }]\n      filters: [{ type: CORS }]\n${backend}`,
      ),
    );
    expect(parsed.statuses[0]?.conditions[1]?.message).toBe(
      'Dropped Rule(s) 0: requests matching rule(s) 0 are answered 500 instead of being forwarded. spec.rules[0].filters[0].cors: is required when type is CORS',
    );
  });

  it('rejects a route none of whose rules can be served: no routes, Accepted=False', () => {
    const parsed = parseYaml(
      httpRoute('    - timeouts: { request: soon }\n      backendRefs: [{ name: v1, port: 80 }]\n'),
    );
    expect(parsed.contributions).toEqual([]);
    expect(parsed.statuses).toEqual([
      {
        resource: { kind: 'HTTPRoute', namespace: 'shop', name: 'reviews' },
        parent: { service: { namespace: 'shop', name: 'reviews' } },
        conditions: [
          {
            type: 'Accepted',
            status: 'False',
            reason: 'UnsupportedValue',
            message:
              'no rule can be served: spec.rules[0].timeouts.request: must be a Gateway API duration: one to four parts of up to 5 digits and a unit h, m, s or ms, such as "10s", "1m30s" or "500ms", got "soon"',
          },
        ],
      },
    ]);
  });

  it('rejects rules that are not a list, and a route without a name', () => {
    const notList = parseYaml(httpRoute('').replace('  rules:\n', '  rules: everything\n'));
    expect(notList.errors).toEqual([`${PREFIX}spec.rules: must be a list, got "everything"`]);
    expect(notList.contributions).toEqual([]);
    expect(notList.statuses[0]?.conditions[0]).toMatchObject({ type: 'Accepted', status: 'False' });

    const nameless = parseYaml(
      httpRoute(backend).replace('name: reviews, namespace: shop', 'namespace: shop'),
    );
    expect(nameless.errors).toEqual(['routes.yaml[doc 0]: HTTPRoute shop/?: metadata.name: is required']);
    expect(nameless.statuses).toEqual([]);
  });

  it('reads no rules as the spec default: every request answered 500', () => {
    const parsed = parseYaml(httpRoute('').replace('  rules:\n', ''));
    expect(parsed.http.map((r) => [r.match, r.action])).toEqual([
      [{ path: { kind: 'segmentPrefix', value: '/' } }, { kind: 'direct', status: 500 }],
    ]);
    expect(parsed.warnings).toEqual([
      `${PREFIX}spec.rules: is empty: every request is answered 500, as the spec's default rule has no backends`,
    ]);
  });

  it('reports every unsupported or unknown field as a warning that says what happens instead', () => {
    const parsed = parseYaml(
      httpRoute(
        `${backend}      sessionPersistence: { type: Cookie }\n      bogus: 1\n`,
        '  hostnames: [reviews.shop]\n',
      ).replace('name: reviews }]', 'name: reviews, sectionName: http }]'),
    );
    expect(parsed.errors).toEqual([]);
    expect(parsed.warnings).toEqual([
      `${PREFIX}spec.hostnames: is not supported: ignored: a mesh route applies to all traffic addressed to its parent Service, whatever the Host header`,
      `${PREFIX}spec.parentRefs[0].sectionName: is not supported: ignored: the route applies to every port of the Service; use port to select one`,
      `${PREFIX}spec.rules[0].bogus: is not a field of HTTPRoute gateway.networking.k8s.io/v1; it is ignored`,
      `${PREFIX}spec.rules[0].sessionPersistence: is not supported: ignored: no session affinity, requests are balanced across endpoints`,
    ]);
    expect(parsed.http).toHaveLength(1);
  });

  it('warns about an unreadable creationTimestamp and leaves createdAt unset', () => {
    const parsed = parseYaml(
      httpRoute(backend).replace('namespace: shop }', 'namespace: shop, creationTimestamp: yesterday }'),
    );
    expect(parsed.warnings).toEqual([
      `${PREFIX}metadata.creationTimestamp: must be an RFC 3339 time such as 2024-05-01T12:00:00Z, got "yesterday"; precedence ties fall back to namespace/name`,
    ]);
    expect(parsed.contributions[0]?.createdAt).toBeUndefined();
  });

  it('gives unknown enum values the reason UnsupportedValue and missing fields MissingField', () => {
    const { issues } = gatewayApiFamily.parse(
      documents(httpRoute(`    - matches: [{ method: FETCH }, { headers: [{ name: x }] }]\n${backend}`)),
      { clusterDomain: 'cluster.local' },
    );
    expect(issues.map((i) => [i.fieldPath, i.reason, i.severity])).toEqual([
      ['spec.rules[0].matches[0].method', 'UnsupportedValue', 'error'],
      ['spec.rules[0].matches[1].headers[0].value', 'MissingField', 'error'],
    ]);
  });

  it('prefixes field paths of List items with their position in the List', () => {
    const [doc] = documents(httpRoute('    - backendRefs: [{ name: v1, port: 0 }]\n'));
    const { issues } = gatewayApiFamily.parse(
      [{ ...(doc as NonNullable<typeof doc>), pathPrefix: 'items[3]' }],
      {
        clusterDomain: 'cluster.local',
      },
    );
    expect(issues.map((i) => i.fieldPath)).toEqual(['items[3].spec.rules[0].backendRefs[0].port']);
  });
});
