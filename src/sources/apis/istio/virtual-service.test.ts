import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { formatIssue } from '../../../model/issue.js';
import { sortIssues } from '../issues.js';
import { istioFamily } from './istio-family.js';

function parse(text: string) {
  const docs = parseAllDocuments(text).map((d, i) => ({
    origin: 'mesh.yaml',
    documentIndex: i,
    value: d.toJSON() as unknown,
  }));
  const { fragment, issues } = istioFamily.parse(docs, { clusterDomain: 'cluster.local' });
  return { routes: fragment.routes ?? [], messages: sortIssues(issues).map(formatIssue) };
}

const vs = (spec: string, metadata = '{ name: reviews, namespace: shop }') => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: ${metadata}
spec:
${spec}`;

const origin = { kind: 'VirtualService', namespace: 'shop', name: 'reviews' };
const toReviews = {
  kind: 'forward',
  backends: [{ kind: 'service', service: { namespace: 'shop', name: 'reviews' }, weight: 100 }],
};

describe('VirtualService', () => {
  it('reads VirtualService and DestinationRule in v1, v1beta1 and v1alpha3', () => {
    expect(istioFamily.kinds).toEqual([
      { group: 'networking.istio.io', kind: 'VirtualService', versions: ['v1', 'v1beta1', 'v1alpha3'] },
      { group: 'networking.istio.io', kind: 'DestinationRule', versions: ['v1', 'v1beta1', 'v1alpha3'] },
      { group: 'security.istio.io', kind: 'PeerAuthentication', versions: ['v1', 'v1beta1'] },
      { group: 'networking.istio.io', kind: 'Sidecar', versions: ['v1', 'v1beta1', 'v1alpha3'] },
    ]);
  });

  it('contributes the same rules to every host, each resolved to a service of the cluster', () => {
    const { routes, messages } = parse(
      vs(
        `  hosts: [reviews, ratings.other, details.other.svc, web.front.svc.cluster.local]
  http:
  - route: [{ destination: { host: reviews } }]`,
        '{ name: reviews, namespace: shop, creationTimestamp: "2024-05-01T10:00:00Z" }',
      ),
    );
    expect(messages).toEqual([]);
    expect(routes.map((r) => [r.service, r.port, r.createdAt, r.family])).toEqual([
      [{ namespace: 'shop', name: 'reviews' }, undefined, '2024-05-01T10:00:00Z', 'istio'],
      [{ namespace: 'other', name: 'ratings' }, undefined, '2024-05-01T10:00:00Z', 'istio'],
      [{ namespace: 'other', name: 'details' }, undefined, '2024-05-01T10:00:00Z', 'istio'],
      [{ namespace: 'front', name: 'web' }, undefined, '2024-05-01T10:00:00Z', 'istio'],
    ]);
    expect(routes[0]?.http).toEqual([
      { name: 'VirtualService/shop/reviews/0', origin, match: {}, action: toReviews },
    ]);
    expect(routes[0]?.tcp).toEqual([]);
  });

  it('skips wildcard, external and repeated hosts with a warning and serves the rest', () => {
    const { routes, messages } = parse(
      vs(`  hosts: [reviews, "*.shop.svc.cluster.local", httpbin.org.example, reviews.shop.svc.cluster.local]
  http:
  - route: [{ destination: { host: reviews } }]`),
    );
    expect(routes.map((r) => r.service.name)).toEqual(['reviews']);
    expect(messages).toEqual([
      'mesh.yaml[doc 0]: VirtualService shop/reviews: spec.hosts[1]: "*.shop.svc.cluster.local" wildcard hosts are not supported: name one service of the cluster; the host is skipped',
      'mesh.yaml[doc 0]: VirtualService shop/reviews: spec.hosts[2]: "httpbin.org.example" is not a service of the cluster (<name>, <name>.<namespace> or <name>.<namespace>.svc.cluster.local); external hosts are not supported; the host is skipped',
      'mesh.yaml[doc 0]: VirtualService shop/reviews: spec.hosts[3]: names the same service as spec.hosts[0]; it is counted once',
    ]);
  });

  it('ignores a VirtualService bound only to gateways, saying why', () => {
    const { routes, messages } = parse(
      vs(`  hosts: [reviews]
  gateways: [istio-system/ingress]
  http:
  - route: [{ destination: { host: reviews } }]`),
    );
    expect(routes).toEqual([]);
    expect(messages).toEqual([
      'mesh.yaml[doc 0]: VirtualService shop/reviews: spec.gateways: names only gateways, and Trellis serves mesh traffic only: the VirtualService is ignored (add "mesh" to apply it to sidecars)',
    ]);
  });

  it('serves a VirtualService bound to mesh and gateways to sidecars, warning about the gateways', () => {
    const { routes, messages } = parse(
      vs(`  hosts: [reviews]
  gateways: [mesh, ingress]
  http:
  - route: [{ destination: { host: reviews } }]`),
    );
    expect(routes).toHaveLength(1);
    expect(messages).toEqual([
      'mesh.yaml[doc 0]: VirtualService shop/reviews: spec.gateways[1]: gateway "ingress" is not served (Trellis serves mesh traffic only); the rules apply to sidecars',
    ]);
  });

  it('rejects a VirtualService without hosts or without rules', () => {
    expect(parse(vs(`  http: [{ route: [{ destination: { host: reviews } }] }]`)).messages).toEqual([
      'mesh.yaml[doc 0]: VirtualService shop/reviews: spec.hosts: is required: a VirtualService without hosts is a delegate, and delegation is not supported',
    ]);
    expect(parse(vs(`  hosts: [reviews]`)).messages).toEqual([
      'mesh.yaml[doc 0]: VirtualService shop/reviews: spec.http: is required: a VirtualService needs http or tcp rules',
    ]);
  });

  it('rejects a VirtualService whose metadata or spec is unusable as a whole', () => {
    const { routes, messages } = parse(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: Bad_Name }
spec: { hosts: reviews, http: {} }`);
    expect(routes).toEqual([]);
    expect(messages).toEqual([
      'mesh.yaml[doc 0]: VirtualService default/Bad_Name: metadata.name: must be a DNS-1123 subdomain: at most 253 lowercase letters, digits, "-" or ".", each dot-separated part starting and ending with a letter or digit, got "Bad_Name"',
      'mesh.yaml[doc 0]: VirtualService default/Bad_Name: spec.hosts: must be a list, got "reviews"',
      'mesh.yaml[doc 0]: VirtualService default/Bad_Name: spec.http: must be a list, got a mapping',
    ]);
  });

  it('makes one route per match, in order, named by rule and match index', () => {
    const { routes } = parse(
      vs(`  hosts: [reviews]
  http:
  - match: [{ uri: { prefix: /a } }, { uri: { exact: /b } }]
    route: [{ destination: { host: reviews } }]
  - match: [{ uri: { regex: "/c/[0-9]+" } }]
    route: [{ destination: { host: reviews } }]
  - route: [{ destination: { host: reviews } }]`),
    );
    expect(routes[0]?.http.map((r) => [r.name, r.match])).toEqual([
      ['VirtualService/shop/reviews/0/0', { path: { kind: 'prefix', value: '/a' } }],
      ['VirtualService/shop/reviews/0/1', { path: { kind: 'exact', value: '/b' } }],
      ['VirtualService/shop/reviews/1', { path: { kind: 'regex', value: '/c/[0-9]+' } }],
      ['VirtualService/shop/reviews/2', {}],
    ]);
  });

  it('lowers header, query, method, authority, scheme, port and source conditions', () => {
    const { routes, messages } = parse(
      vs(`  hosts: [reviews]
  http:
  - match:
    - uri: { prefix: /API }
      ignoreUriCase: true
      method: { exact: POST }
      authority: { prefix: reviews }
      scheme: { exact: https }
      headers: { end-user: { exact: jason }, x-canary: {}, x-version: { regex: "v[23]" } }
      withoutHeaders: { x-debug: {} }
      queryParams: { tab: { prefix: rev } }
      port: 9080
      sourceLabels: { app: productpage }
      sourceNamespace: front
    - method: { regex: "GET|HEAD" }
    route: [{ destination: { host: reviews } }]`),
    );
    expect(messages).toEqual([]);
    expect(routes[0]?.http.map((r) => r.match)).toEqual([
      {
        path: { kind: 'prefix', value: '/API', ignoreCase: true },
        method: 'POST',
        headers: [
          { name: ':scheme', match: { kind: 'exact', value: 'https' } },
          { name: ':authority', match: { kind: 'prefix', value: 'reviews' } },
          { name: 'end-user', match: { kind: 'exact', value: 'jason' } },
          { name: 'x-canary', match: { kind: 'present' } },
          { name: 'x-version', match: { kind: 'regex', value: 'v[23]' } },
          { name: 'x-debug', match: { kind: 'present' }, invert: true },
        ],
        queryParams: [{ name: 'tab', match: { kind: 'prefix', value: 'rev' } }],
        port: 9080,
        sourceLabels: { app: 'productpage' },
        sourceNamespace: 'front',
      },
      { headers: [{ name: ':method', match: { kind: 'regex', value: 'GET|HEAD' } }] },
    ]);
  });

  it('skips matches that name only gateways, and a rule whose matches are all skipped', () => {
    const { routes } = parse(
      vs(`  hosts: [reviews]
  gateways: [mesh, ingress]
  http:
  - match: [{ uri: { prefix: /a }, gateways: [ingress] }, { uri: { prefix: /b }, gateways: [mesh] }]
    route: [{ destination: { host: reviews } }]
  - match: [{ gateways: [ingress] }]
    route: [{ destination: { host: reviews } }]`),
    );
    expect(routes[0]?.http.map((r) => r.name)).toEqual(['VirtualService/shop/reviews/0/1']);
  });

  it('drops a rule with a bad regex or StringMatch and serves the next one', () => {
    const { routes, messages } = parse(
      vs(`  hosts: [reviews]
  http:
  - match: [{ uri: { regex: "/api/(v1" } }]
    route: [{ destination: { host: reviews } }]
  - match: [{ headers: { x-a: { exact: a, prefix: b } }, uri: { prefix: "" } }]
    route: [{ destination: { host: reviews } }]
  - match: [{ headers: { "bad header": { exact: a } } }]
    route: [{ destination: { host: reviews } }]
  - route: [{ destination: { host: reviews } }]`),
    );
    expect(routes[0]?.http.map((r) => r.name)).toEqual(['VirtualService/shop/reviews/3']);
    expect(messages).toEqual([
      'mesh.yaml[doc 0]: VirtualService shop/reviews: spec.http[0].match[0].uri.regex: must be an RE2 regular expression: missing ): /api/(v1, got "/api/(v1"',
      'mesh.yaml[doc 0]: VirtualService shop/reviews: spec.http[1].match[0].headers["x-a"]: must set only one of exact, prefix, regex, got exact and prefix',
      'mesh.yaml[doc 0]: VirtualService shop/reviews: spec.http[2].match[0].headers["bad header"]: key "bad header" must be an HTTP header name (letters, digits and !#$%&\'*+-.^_`|~)',
    ]);
  });

  it('refuses an empty uri value, which Envoy cannot match', () => {
    const { routes, messages } = parse(
      vs(`  hosts: [reviews]
  http:
  - match: [{ uri: { prefix: "" } }]
    route: [{ destination: { host: reviews } }]`),
    );
    expect(routes).toEqual([]);
    expect(messages).toEqual([
      'mesh.yaml[doc 0]: VirtualService shop/reviews: spec.http[0].match[0].uri: must not match an empty path',
    ]);
  });
});
