import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { formatIssue } from '../../../model/issue.js';
import { parseManifests } from '../core/parse-manifests.js';
import { sortIssues } from '../issues.js';
import { istioFamily } from './istio-family.js';

const docsOf = (text: string) =>
  parseAllDocuments(text).map((d, i) => ({
    origin: 'sc.yaml',
    documentIndex: i,
    value: d.toJSON() as unknown,
  }));

function parse(text: string, rootNamespace?: string) {
  const { fragment, issues } = istioFamily.parse(docsOf(text), {
    clusterDomain: 'cluster.local',
    ...(rootNamespace ? { rootNamespace } : {}),
  });
  return { sidecars: fragment.sidecars ?? [], messages: sortIssues(issues).map(formatIssue) };
}

const sidecar = (namespace: string, name: string, spec: string, version = 'v1') => `
apiVersion: networking.istio.io/${version}
kind: Sidecar
metadata: { name: ${name}, namespace: ${namespace} }
spec: ${spec}
`;

describe('Sidecar', () => {
  it('lowers v1 and v1beta1: workloadSelector, egress hosts of every listener, creation time', () => {
    const { sidecars, messages } = parse(`
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: default, namespace: shop, creationTimestamp: "2024-01-01T00:00:00Z" }
spec:
  egress:
    - hosts: ["./*", "trellis-system/*"]
    - hosts: ["*/reviews.books.svc.cluster.local", "./*", "ns2/*.example.com", "~/*"]
---
apiVersion: networking.istio.io/v1beta1
kind: Sidecar
metadata: { name: web, namespace: shop }
spec:
  workloadSelector: { labels: { app: web } }
  egress: [{ hosts: ["~/*"] }]
`);
    expect(messages).toEqual([]);
    expect(sidecars).toEqual([
      {
        origin: { kind: 'Sidecar', namespace: 'shop', name: 'default' },
        createdAt: '2024-01-01T00:00:00Z',
        egressHosts: [
          { namespace: '.', host: '*' },
          { namespace: 'trellis-system', host: '*' },
          { namespace: '*', host: 'reviews.books.svc.cluster.local' },
          { namespace: 'ns2', host: '*.example.com' },
        ],
      },
      {
        origin: { kind: 'Sidecar', namespace: 'shop', name: 'web' },
        selector: { app: 'web' },
        egressHosts: [],
      },
    ]);
  });

  it("reads no egress, or an empty list of listeners, as every service (Istio's default)", () => {
    const { sidecars, messages } = parse(
      sidecar('a', 'none', '{}') +
        '---' +
        sidecar('b', 'empty', '{ egress: [] }') +
        '---' +
        sidecar('c', 'bare', 'null'),
    );
    expect(messages).toEqual([]);
    expect(sidecars.map((s) => s.egressHosts)).toEqual([
      [{ namespace: '*', host: '*' }],
      [{ namespace: '*', host: '*' }],
      [{ namespace: '*', host: '*' }],
    ]);
  });

  it('names every bad host with its field and does not serve the Sidecar', () => {
    const { sidecars, messages } = parse(
      sidecar(
        'shop',
        'bad',
        `{ egress: [{ hosts: ["./*", "foo", "/x", "x/", "Shop/*", "./a..b", "./*.*.com", 7, "*/foo.com."] }, { hosts: [] }, {}, "x", { hosts: "./*" }] }`,
      ),
    );
    expect(sidecars).toEqual([]);
    expect(messages).toEqual([
      'sc.yaml[doc 0]: Sidecar shop/bad: spec.egress[0].hosts[1]: "foo" is not namespace/dnsName (e.g. "./*", "shop/*" or "*/reviews.shop.svc.cluster.local")',
      'sc.yaml[doc 0]: Sidecar shop/bad: spec.egress[0].hosts[2]: "/x": the namespace before "/" is empty (e.g. "./*", "shop/*" or "*/reviews.shop.svc.cluster.local")',
      'sc.yaml[doc 0]: Sidecar shop/bad: spec.egress[0].hosts[3]: "x/": the dnsName after "/" is empty (e.g. "./*", "shop/*" or "*/reviews.shop.svc.cluster.local")',
      'sc.yaml[doc 0]: Sidecar shop/bad: spec.egress[0].hosts[4]: "Shop/*": namespace "Shop" must be *, ., ~ or a namespace name (a DNS-1123 label)',
      'sc.yaml[doc 0]: Sidecar shop/bad: spec.egress[0].hosts[5]: "./a..b": dnsName "a..b" must be *, *.<domain> or a DNS name (dot-separated labels of letters, digits and "-"), with a wildcard only as the whole first label',
      'sc.yaml[doc 0]: Sidecar shop/bad: spec.egress[0].hosts[6]: "./*.*.com": dnsName "*.*.com" must be *, *.<domain> or a DNS name (dot-separated labels of letters, digits and "-"), with a wildcard only as the whole first label',
      'sc.yaml[doc 0]: Sidecar shop/bad: spec.egress[0].hosts[7]: must be a string "namespace/dnsName", got 7',
      'sc.yaml[doc 0]: Sidecar shop/bad: spec.egress[0].hosts[8]: "*/foo.com.": dnsName "foo.com." must be *, *.<domain> or a DNS name (dot-separated labels of letters, digits and "-"), with a wildcard only as the whole first label',
      'sc.yaml[doc 0]: Sidecar shop/bad: spec.egress[1].hosts: must list at least one "namespace/dnsName" host',
      'sc.yaml[doc 0]: Sidecar shop/bad: spec.egress[2].hosts: is required: one or more "namespace/dnsName" hosts',
      'sc.yaml[doc 0]: Sidecar shop/bad: spec.egress[3]: must be a mapping with hosts, got "x"',
      'sc.yaml[doc 0]: Sidecar shop/bad: spec.egress[4].hosts: must be a list of "namespace/dnsName" strings, got "./*"',
    ]);
  });

  it('reports a workloadSelector without labels, bad labels and an egress that is not a list', () => {
    const { sidecars, messages } = parse(
      `${sidecar('shop', 'no-labels', '{ workloadSelector: {} }')}---${sidecar('shop', 'bad-label', '{ workloadSelector: { labels: { app: 7 } } }')}---${sidecar('shop', 'egress', '{ egress: { hosts: ["./*"] } }')}`,
    );
    expect(sidecars).toEqual([]);
    expect(messages).toEqual([
      'sc.yaml[doc 0]: Sidecar shop/no-labels: spec.workloadSelector.labels: must hold at least one label, as in Istio; a Sidecar for its whole namespace has no workloadSelector',
      'sc.yaml[doc 1]: Sidecar shop/bad-label: spec.workloadSelector.labels.app: must be a string, got 7',
      'sc.yaml[doc 2]: Sidecar shop/egress: spec.egress: must be a list of egress listeners, got a mapping',
    ]);
  });

  it('warns about hosts that can match no service, and serves the rest', () => {
    const { sidecars, messages } = parse(
      sidecar(
        'shop',
        'default',
        '{ egress: [{ hosts: ["./reviews", "books/reviews.shop.svc.cluster.local", "./ratings.books.svc.cluster.local", "./Ratings.Shop.svc.cluster.local"] }] }',
      ),
    );
    expect(messages).toEqual([
      'sc.yaml[doc 0]: Sidecar shop/default: spec.egress[0].hosts[0]: "./reviews": "reviews" is a short name, and hosts are matched against fully qualified service names (<name>.<namespace>.svc.cluster.local): it matches no service',
      'sc.yaml[doc 0]: Sidecar shop/default: spec.egress[0].hosts[1]: "books/reviews.shop.svc.cluster.local": names a service of namespace "shop", which is not namespace "books": it matches no service (write shop/reviews.shop.svc.cluster.local or */reviews.shop.svc.cluster.local)',
      'sc.yaml[doc 0]: Sidecar shop/default: spec.egress[0].hosts[2]: "./ratings.books.svc.cluster.local": names a service of namespace "books", which is not namespace "shop": it matches no service (write books/ratings.books.svc.cluster.local or */ratings.books.svc.cluster.local)',
    ]);
    expect(sidecars[0]?.egressHosts).toEqual([
      { namespace: '.', host: 'reviews' },
      { namespace: 'books', host: 'reviews.shop.svc.cluster.local' },
      { namespace: '.', host: 'ratings.books.svc.cluster.local' },
      { namespace: '.', host: 'ratings.shop.svc.cluster.local' },
    ]);
  });

  it('does not check "." in the root namespace, where it is each proxy\'s own namespace', () => {
    const { messages } = parse(
      sidecar('trellis-system', 'default', '{ egress: [{ hosts: ["./ratings.books.svc.cluster.local"] }] }'),
    );
    expect(messages).toEqual([]);
  });

  it('warns that a selector in the root namespace is not mesh-wide', () => {
    const { sidecars, messages } = parse(
      sidecar(
        'mesh-root',
        'web',
        '{ workloadSelector: { labels: { app: web } }, egress: [{ hosts: ["./*"] }] }',
      ),
      'mesh-root',
    );
    expect(sidecars).toHaveLength(1);
    expect(messages).toEqual([
      'sc.yaml[doc 0]: Sidecar mesh-root/web: spec.workloadSelector: a Sidecar in the root namespace "mesh-root" with a workloadSelector is not the mesh-wide default: it applies only to the pods of "mesh-root" it selects',
    ]);
  });

  it('reports the listener settings and fields it does not support as warnings, and serves the hosts', () => {
    const { sidecars, messages } = parse(
      sidecar(
        'shop',
        'default',
        `
  ingress: [{ port: { number: 9080, protocol: HTTP, name: http }, defaultEndpoint: "127.0.0.1:8080" }]
  outboundTrafficPolicy: { mode: REGISTRY_ONLY }
  inboundConnectionPool: { http: { http1MaxPendingRequests: 10 } }
  egress:
    - port: { number: 9080, protocol: HTTP, name: http }
      bind: 127.0.0.1
      captureMode: NONE
      hots: ["./*"]
      hosts: ["./*"]`,
      ),
    );
    expect(sidecars[0]?.egressHosts).toEqual([{ namespace: '.', host: '*' }]);
    expect(messages).toEqual([
      'sc.yaml[doc 0]: Sidecar shop/default: spec.egress[0].bind: is not supported; outbound traffic is captured on 15001 as for every sidecar',
      "sc.yaml[doc 0]: Sidecar shop/default: spec.egress[0].captureMode: is not supported; traffic capture follows the pod's iptables rules",
      'sc.yaml[doc 0]: Sidecar shop/default: spec.egress[0].hots: is not a field of Sidecar; it is ignored',
      'sc.yaml[doc 0]: Sidecar shop/default: spec.egress[0].port: is not supported; the hosts are visible on every port',
      "sc.yaml[doc 0]: Sidecar shop/default: spec.inboundConnectionPool: is not supported; Envoy's defaults apply to inbound connections",
      'sc.yaml[doc 0]: Sidecar shop/default: spec.ingress: is not supported; the inbound side follows the services that select the pod',
      'sc.yaml[doc 0]: Sidecar shop/default: spec.outboundTrafficPolicy: is not supported; traffic to a destination the proxy does not know passes through (ALLOW_ANY)',
    ]);
  });

  it('tells a second default of a namespace that the oldest applies, as Istio does', () => {
    const { sidecars, messages } = parse(`
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: newer, namespace: shop, creationTimestamp: "2024-02-01T00:00:00Z" }
spec: { egress: [{ hosts: ["*/*"] }] }
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: older, namespace: shop, creationTimestamp: "2024-01-01T00:00:00Z" }
spec: { egress: [{ hosts: ["./*"] }] }
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: web, namespace: shop }
spec: { workloadSelector: { labels: { app: web } } }
`);
    expect(sidecars).toHaveLength(3);
    expect(messages).toEqual([
      'sc.yaml[doc 0]: Sidecar shop/newer: spec.workloadSelector: is absent, and Sidecar shop/older is the default of namespace shop: of the Sidecars without a workloadSelector, the oldest (then the first by namespace/name) applies; this Sidecar does not apply',
    ]);
  });

  it('goes through the merge step: the namespace default that loses is dropped with Conflicted=True', () => {
    const state = parseManifests(
      docsOf(
        `${sidecar('shop', 'b', '{}')}---${sidecar('shop', 'a', '{}')}---${sidecar('shop', 'web', '{ workloadSelector: { labels: { app: web } } }')}`,
      ),
    );
    expect(state.mesh.routing.sidecars?.map((s) => s.origin.name)).toEqual(['a', 'web']);
    expect(
      state.statuses.map((s) => [s.resource.name, s.conditions.map((c) => `${c.type}=${c.status}`)]),
    ).toEqual([
      ['a', ['Accepted=True']],
      ['b', ['Conflicted=True']],
      ['web', ['Accepted=True']],
    ]);
  });

  it('is read as networking.istio.io v1, v1beta1 and v1alpha3 only', () => {
    const state = parseManifests(docsOf(sidecar('shop', 'x', '{}', 'v2')));
    expect(state.issues.map(formatIssue)).toEqual([
      'sc.yaml[doc 0]: Sidecar shop/x: apiVersion: Sidecar is read as "networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3", got "networking.istio.io/v2"',
    ]);
  });
});
