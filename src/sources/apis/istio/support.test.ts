import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { formatIssue } from '../../../model/issue.js';
import { sortIssues } from '../issues.js';
import { istioFamily } from './istio-family.js';
import {
  DESTINATION_RULE_SUPPORT,
  ISTIO_SUPPORT,
  PEER_AUTHENTICATION_SUPPORT,
  SIDECAR_SUPPORT,
  VIRTUAL_SERVICE_SUPPORT,
} from './support.js';

function parse(text: string) {
  const docs = parseAllDocuments(text).map((d, i) => ({
    origin: 'x.yaml',
    documentIndex: i,
    value: d.toJSON() as unknown,
  }));
  const { fragment, issues } = istioFamily.parse(docs, { clusterDomain: 'cluster.local' });
  return { fragment, messages: sortIssues(issues).map(formatIssue) };
}

describe('Istio support table', () => {
  it('lists each field once per kind, with a note for every unsupported one', () => {
    for (const rows of [
      VIRTUAL_SERVICE_SUPPORT,
      DESTINATION_RULE_SUPPORT,
      PEER_AUTHENTICATION_SUPPORT,
      SIDECAR_SUPPORT,
    ]) {
      const fields = rows.map((r) => r.field);
      expect(new Set(fields).size).toBe(fields.length);
      for (const row of rows) if (!row.supported) expect(row.note, row.field).toBeTruthy();
    }
    expect(istioFamily.support).toBe(ISTIO_SUPPORT);
  });

  it('covers the traffic policy at service, port and subset level', () => {
    const fields = new Set(DESTINATION_RULE_SUPPORT.map((r) => r.field));
    for (const prefix of [
      'spec.trafficPolicy',
      'spec.trafficPolicy.portLevelSettings[]',
      'spec.subsets[].trafficPolicy',
    ]) {
      expect(fields.has(`${prefix}.outlierDetection.consecutive5xxErrors`), prefix).toBe(true);
      expect(fields.has(`${prefix}.loadBalancer.consistentHash.httpCookie.ttl`), prefix).toBe(true);
    }
    expect(
      DESTINATION_RULE_SUPPORT.find((r) => r.field === 'spec.subsets[].trafficPolicy.portLevelSettings[]'),
    ).toMatchObject({ supported: false });
  });
});

describe('unsupported and unknown fields', () => {
  it('reports every unsupported or unknown field as a warning with its path, and serves the rest', () => {
    const text = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [reviews]
  exportTo: ["."]
  tls: [{ match: [{ sniHosts: [reviews] }], route: [{ destination: { host: reviews } }] }]
  htttp: []
  http:
  - match:
    - uri: { prefix: /a, suffix: /b }
      headers: { x-a: { exact: a, contains: b } }
      statPrefix: reviews
    route: [{ destination: { host: reviews }, headers: { request: { set: { a: b } } } }]
    rewrite: { uriRegexRewrite: { match: a, rewrite: b } }
    retries: { attempts: 1, retryRemoteLocalities: true }
    corsPolicy: { allowOrigins: [{ exact: a }], unmatchedPreflights: IGNORE }
    delegate: ~
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: shop }
spec:
  host: reviews
  exportTo: ["."]
  trafficPolicy:
    loadBalancer: { simple: RANDOM, warmupDurationSecs: 10s }
    connectionPool: { http: { h2UpgradePolicy: UPGRADE }, tcp: { tcpKeepalive: { time: 1s } } }
    outlierDetection: { consecutiveErrors: 5 }
    tunnel: { protocol: CONNECT, targetHost: a, targetPort: 1 }
    portLevelSettings: [{ port: { number: 80 }, tls: { mode: SIMPLE, insecureSkipVerify: true, caCrl: /etc/crl.pem } }]
  subsets:
  - name: v1
    trafficPolicy: { portLevelSettings: [{ port: { number: 80 } }], connectionPool: { tcp: { maxConnectionDuration: 1h } } }
`;
    // Compared as sets: the list below follows the document, the issues are in field-path order.
    const { fragment, messages } = parse(text);
    expect(fragment.routes?.[0]?.http.map((r) => r.name)).toEqual(['VirtualService/shop/reviews/0']);
    expect(fragment.backendPolicies?.[0]?.policy).toEqual({
      loadBalancer: { kind: 'simple', algorithm: 'RANDOM' },
    });
    expect(messages.sort()).toEqual(
      [
        'x.yaml[doc 0]: VirtualService shop/reviews: spec.exportTo: is not supported; the VirtualService applies to clients in every namespace',
        'x.yaml[doc 0]: VirtualService shop/reviews: spec.htttp: is not a field of VirtualService; it is ignored',
        'x.yaml[doc 0]: VirtualService shop/reviews: spec.http[0].match[0].uri.suffix: is not a field of VirtualService; it is ignored',
        'x.yaml[doc 0]: VirtualService shop/reviews: spec.http[0].match[0].headers["x-a"].contains: is not a field of VirtualService; it is ignored',
        'x.yaml[doc 0]: VirtualService shop/reviews: spec.http[0].match[0].statPrefix: is not supported; statistics are not prefixed',
        'x.yaml[doc 0]: VirtualService shop/reviews: spec.http[0].route[0].headers: is not supported; no per-destination header edits; use spec.http[].headers',
        'x.yaml[doc 0]: VirtualService shop/reviews: spec.http[0].rewrite.uriRegexRewrite: is not supported; the path is not rewritten',
        "x.yaml[doc 0]: VirtualService shop/reviews: spec.http[0].retries.retryRemoteLocalities: is not supported; Envoy's default host selection applies",
        'x.yaml[doc 0]: VirtualService shop/reviews: spec.http[0].corsPolicy.unmatchedPreflights: is not supported; preflight requests from origins that are not allowed are forwarded',
        'x.yaml[doc 0]: VirtualService shop/reviews: spec.tls: is not supported; TLS (SNI) routes are not served: that traffic follows the TCP routes',
        'x.yaml[doc 1]: DestinationRule shop/reviews: spec.exportTo: is not supported; the rule applies to clients in every namespace',
        'x.yaml[doc 1]: DestinationRule shop/reviews: spec.trafficPolicy.loadBalancer.warmupDurationSecs: is not supported; new endpoints get their full share at once',
        'x.yaml[doc 1]: DestinationRule shop/reviews: spec.trafficPolicy.connectionPool.tcp.tcpKeepalive: is not supported; no TCP keepalive is configured',
        'x.yaml[doc 1]: DestinationRule shop/reviews: spec.trafficPolicy.connectionPool.http.h2UpgradePolicy: is not supported; HTTP/1.1 connections are not upgraded to HTTP/2',
        'x.yaml[doc 1]: DestinationRule shop/reviews: spec.trafficPolicy.outlierDetection.consecutiveErrors: is not supported; deprecated and ignored: use consecutive5xxErrors',
        'x.yaml[doc 1]: DestinationRule shop/reviews: spec.trafficPolicy.tunnel: is not supported; connections are not tunneled',
        'x.yaml[doc 1]: DestinationRule shop/reviews: spec.trafficPolicy.portLevelSettings[0].tls.caCrl: is not supported; revocation lists are not checked',
        "x.yaml[doc 1]: DestinationRule shop/reviews: spec.subsets[0].trafficPolicy.portLevelSettings: is not supported; the subset's policy applies to every port",
        'x.yaml[doc 1]: DestinationRule shop/reviews: spec.subsets[0].trafficPolicy.connectionPool.tcp.maxConnectionDuration: is not supported; connections are not aged out',
      ].sort(),
    );
  });
});
