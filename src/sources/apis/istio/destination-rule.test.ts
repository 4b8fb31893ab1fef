import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { formatIssue } from '../../../model/issue.js';
import { sortIssues } from '../issues.js';
import { istioFamily } from './istio-family.js';

function parse(spec: string, metadata = '{ name: reviews, namespace: shop }') {
  const text = `
apiVersion: networking.istio.io/v1alpha3
kind: DestinationRule
metadata: ${metadata}
spec:
${spec}`;
  const docs = parseAllDocuments(text).map((d, i) => ({
    origin: 'dr.yaml',
    documentIndex: i,
    value: d.toJSON() as unknown,
  }));
  const { fragment, issues } = istioFamily.parse(docs, { clusterDomain: 'cluster.local' });
  const prefix = 'dr.yaml[doc 0]: DestinationRule shop/reviews: ';
  return {
    policies: fragment.backendPolicies ?? [],
    messages: sortIssues(issues)
      .map(formatIssue)
      .map((m) => (m.startsWith(prefix) ? m.slice(prefix.length) : m)),
  };
}

const origin = { kind: 'DestinationRule', namespace: 'shop', name: 'reviews' };

describe('DestinationRule', () => {
  it('lowers subsets and the traffic policy per service, port and subset', () => {
    const { policies, messages } = parse(`  host: reviews.shop.svc.cluster.local
  trafficPolicy:
    loadBalancer:
      simple: LEAST_REQUEST
      localityLbSetting: { failover: [{ from: us-east, to: us-west }] }
    connectionPool:
      tcp: { maxConnections: 100, connectTimeout: 30ms }
      http: { http1MaxPendingRequests: 10, http2MaxRequests: 1000, maxRequestsPerConnection: 5, maxRetries: 3, idleTimeout: 1m }
    outlierDetection: { consecutive5xxErrors: 7, consecutiveGatewayErrors: 0, interval: 5m, baseEjectionTime: 15m, maxEjectionPercent: 50 }
    tls: { mode: ISTIO_MUTUAL }
    portLevelSettings:
    - port: { number: 9080 }
      loadBalancer: { simple: LEAST_CONN }
      tls: { mode: DISABLE }
  subsets:
  - name: v1
    labels: { version: v1 }
  - name: v2
    labels: { version: v2 }
    trafficPolicy: { loadBalancer: { simple: RANDOM } }`);
    expect(messages).toEqual([
      'spec.trafficPolicy.loadBalancer.localityLbSetting.failover[0]: from and to are matched against zones (topology.kubernetes.io/zone of the endpoints and node.locality.zone of the proxy), not regions: a region name such as "us-east" gets no failover',
    ]);
    expect(policies).toEqual([
      {
        service: { namespace: 'shop', name: 'reviews' },
        origin,
        policy: {
          loadBalancer: { kind: 'simple', algorithm: 'LEAST_REQUEST' },
          localityFailover: [{ from: 'us-east', to: 'us-west' }],
          connectionPool: {
            tcp: { maxConnections: 100, connectTimeoutMs: 30 },
            http: {
              http1MaxPendingRequests: 10,
              http2MaxRequests: 1000,
              maxRequestsPerConnection: 5,
              maxRetries: 3,
              idleTimeoutMs: 60_000,
            },
          },
          outlierDetection: {
            consecutive5xxErrors: 7,
            consecutiveGatewayErrors: 0,
            intervalMs: 300_000,
            baseEjectionTimeMs: 900_000,
            maxEjectionPercent: 50,
          },
          tls: { mode: 'ISTIO_MUTUAL' },
        },
        portPolicies: [
          {
            port: 9080,
            policy: {
              loadBalancer: { kind: 'simple', algorithm: 'LEAST_REQUEST' },
              tls: { mode: 'DISABLE' },
            },
          },
        ],
        subsets: [
          { name: 'v1', labels: { version: 'v1' } },
          {
            name: 'v2',
            labels: { version: 'v2' },
            policy: { loadBalancer: { kind: 'simple', algorithm: 'RANDOM' } },
          },
        ],
      },
    ]);
  });

  it('hashes consistently on a header, a cookie, the source IP or a query parameter', () => {
    const hashes = [
      [
        '{ httpHeaderName: x-user, minimumRingSize: 1024 }',
        { kind: 'header', name: 'x-user' },
        { minimumRingSize: 1024 },
      ],
      [
        '{ httpCookie: { name: session, ttl: 1h, path: / }, ringHash: { minimumRingSize: 2048 } }',
        { kind: 'cookie', name: 'session', ttlMs: 3_600_000, path: '/' },
        { minimumRingSize: 2048 },
      ],
      ['{ useSourceIp: true }', { kind: 'sourceIP' }, {}],
      ['{ httpQueryParameterName: user }', { kind: 'queryParam', name: 'user' }, {}],
    ] as const;
    for (const [hash, hashOn, ring] of hashes) {
      const { policies, messages } = parse(
        `  host: reviews\n  trafficPolicy: { loadBalancer: { consistentHash: ${hash} } }`,
      );
      expect(messages, hash).toEqual([]);
      expect(policies[0]?.policy?.loadBalancer, hash).toEqual({ kind: 'consistentHash', hashOn, ...ring });
    }
  });

  it('leaves out a policy group with an error and keeps the others', () => {
    const { policies, messages } = parse(`  host: reviews
  trafficPolicy:
    loadBalancer: { consistentHash: { useSourceIp: false } }
    connectionPool: { tcp: { maxConnections: -1 } }
    outlierDetection: { maxEjectionPercent: 101, interval: 0s }
    tls: { mode: ISTIO_MUTUAL }`);
    expect(policies[0]?.policy).toEqual({ tls: { mode: 'ISTIO_MUTUAL' } });
    expect(messages).toEqual([
      'spec.trafficPolicy.connectionPool.tcp.maxConnections: must be an integer 0..2147483647, got -1',
      'spec.trafficPolicy.loadBalancer.consistentHash: must set one of httpHeaderName, httpCookie, useSourceIp, httpQueryParameterName',
      'spec.trafficPolicy.outlierDetection.interval: must be at least 1ms, got "0s"',
      'spec.trafficPolicy.outlierDetection.maxEjectionPercent: must be an integer 0..100, got 101',
    ]);
  });

  const FAILOVER = `  host: reviews
  trafficPolicy:
    loadBalancer:
      localityLbSetting: { failover: [{ from: us-east, to: us-west }, { from: zone-a, to: zone-b }] }`;
  const rawIssues = (spec: string) =>
    sortIssues(
      istioFamily.parse(
        [
          {
            origin: 'dr.yaml',
            documentIndex: 0,
            value: parseAllDocuments(`apiVersion: networking.istio.io/v1alpha3
kind: DestinationRule
metadata: { name: reviews, namespace: shop }
spec:
${spec}`)[0]?.toJSON() as unknown,
          },
        ],
        { clusterDomain: 'cluster.local' },
      ).issues,
    );

  it('warns on each failover entry that from and to are matched against zones, so a region gets no failover', () => {
    const { policies } = parse(FAILOVER);
    const raw = rawIssues(FAILOVER);
    expect(policies[0]?.policy?.localityFailover).toEqual([
      { from: 'us-east', to: 'us-west' },
      { from: 'zone-a', to: 'zone-b' },
    ]);
    expect(raw.map((i) => [i.severity, i.reason, i.fieldPath])).toEqual([
      ['warning', 'UnsupportedValue', 'spec.trafficPolicy.loadBalancer.localityLbSetting.failover[0]'],
      ['warning', 'UnsupportedValue', 'spec.trafficPolicy.loadBalancer.localityLbSetting.failover[1]'],
    ]);
    expect(raw[0]?.message).toMatch(
      /topology\.kubernetes\.io\/zone of the endpoints and node\.locality\.zone/,
    );
  });

  it('refuses conflicting load balancers, hash keys and a failover to the same region', () => {
    const { policies, messages } = parse(`  host: reviews
  trafficPolicy:
    loadBalancer: { simple: RANDOM, consistentHash: { useSourceIp: true } }
    portLevelSettings:
    - port: { number: 80 }
      loadBalancer: { consistentHash: { httpHeaderName: a, httpQueryParameterName: b } }
    - port: { number: 81 }
      loadBalancer: { simple: FASTEST, localityLbSetting: { failover: [{ from: eu, to: eu }] } }
    - port: { number: 82 }
      loadBalancer: { localityLbSetting: { failover: [{ from: eu, to: eu }] } }`);
    expect(policies[0]?.policy).toBeUndefined();
    expect(policies[0]?.portPolicies).toEqual([
      { port: 80, policy: {} },
      { port: 81, policy: {} },
      { port: 82, policy: {} },
    ]);
    expect(messages).toEqual([
      'spec.trafficPolicy.loadBalancer: must set only one of simple, consistentHash',
      'spec.trafficPolicy.portLevelSettings[0].loadBalancer.consistentHash: must set only one of httpHeaderName, httpCookie, useSourceIp, httpQueryParameterName',
      'spec.trafficPolicy.portLevelSettings[1].loadBalancer.simple: must be one of UNSPECIFIED, ROUND_ROBIN, LEAST_REQUEST, LEAST_CONN, RANDOM, PASSTHROUGH, got "FASTEST"',
      'spec.trafficPolicy.portLevelSettings[2].loadBalancer.localityLbSetting.failover[0].to: must differ from from ("eu")',
    ]);
  });

  it('reads a tls block without a mode as DISABLE, as Istio does, and warns about files it does not read', () => {
    const { policies, messages } = parse(`  host: reviews
  trafficPolicy: { tls: { sni: reviews.example, caCertificates: /etc/ca.pem } }`);
    expect(policies[0]?.policy).toEqual({ tls: { mode: 'DISABLE' } });
    expect(messages).toEqual([
      'spec.trafficPolicy.tls.caCertificates: is read only with mode SIMPLE or MUTUAL; with DISABLE it is ignored',
    ]);
  });

  it('reads SIMPLE and MUTUAL with files on the proxy, and names what MUTUAL lacks', () => {
    const { policies, messages } = parse(`  host: reviews
  trafficPolicy:
    tls: { mode: SIMPLE, caCertificates: /etc/ca.pem, sni: api.example, subjectAltNames: [api.example] }
    portLevelSettings:
    - port: { number: 80 }
      tls: { mode: MUTUAL, caCertificates: /c, clientCertificate: /cert, privateKey: /key }
    - port: { number: 81 }
      tls: { mode: MUTUAL, credentialName: api-cert, caCertificates: /c }`);
    expect(policies[0]?.policy).toEqual({
      tls: {
        mode: 'SIMPLE',
        caCertificates: '/etc/ca.pem',
        sni: 'api.example',
        subjectAltNames: ['api.example'],
      },
    });
    expect(policies[0]?.portPolicies).toEqual([
      {
        port: 80,
        policy: {
          tls: { mode: 'MUTUAL', caCertificates: '/c', clientCertificate: '/cert', privateKey: '/key' },
        },
      },
      { port: 81, policy: {} },
    ]);
    expect(messages).toEqual([
      'spec.trafficPolicy.portLevelSettings[1].tls.clientCertificate: is required with mode MUTUAL (credentialName is not supported)',
      'spec.trafficPolicy.portLevelSettings[1].tls.credentialName: is not supported; Kubernetes Secrets are not read or served; use caCertificates, clientCertificate and privateKey (files on the proxy)',
      'spec.trafficPolicy.portLevelSettings[1].tls.privateKey: is required with mode MUTUAL (credentialName is not supported)',
    ]);
  });

  it('keeps the first of two settings for one port', () => {
    const { policies, messages } = parse(`  host: reviews
  trafficPolicy:
    portLevelSettings:
    - { port: { number: 80 }, tls: { mode: SIMPLE, insecureSkipVerify: true } }
    - { port: { number: 80 }, tls: { mode: MUTUAL } }
    - { tls: { mode: MUTUAL } }`);
    expect(policies[0]?.portPolicies).toEqual([
      { port: 80, policy: { tls: { mode: 'SIMPLE', insecureSkipVerify: true } } },
    ]);
    expect(messages).toEqual([
      'spec.trafficPolicy.portLevelSettings[1].port.number: port 80 already has settings in spec.trafficPolicy.portLevelSettings[0]; these are ignored',
      'spec.trafficPolicy.portLevelSettings[2].port: is required',
    ]);
  });

  it('drops a subset with a duplicate or invalid name and keeps the others', () => {
    const { policies, messages } = parse(`  host: reviews
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v1, labels: { version: v1b } }
  - { name: V_2, labels: { version: v2 } }
  - { labels: { version: v3 } }
  - { name: v4, labels: { "bad key!": x } }`);
    expect(policies[0]?.subsets).toEqual([{ name: 'v1', labels: { version: 'v1' } }]);
    expect(messages).toEqual([
      'spec.subsets[1].name: "v1" is already used by spec.subsets[0]',
      'spec.subsets[2].name: must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit, got "V_2"',
      'spec.subsets[3].name: is required',
      'spec.subsets[4].labels["bad key!"]: label key "bad key!" must be a qualified name: an optional DNS subdomain and "/", then at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
    ]);
  });

  it('skips a rule for an external host or a workload selector, with a warning', () => {
    expect(parse(`  host: "*.example.com"`)).toEqual({
      policies: [],
      messages: [
        'spec.host: "*.example.com" wildcard hosts are not supported: name one service of the cluster; the DestinationRule is skipped',
      ],
    });
    expect(parse(`  host: reviews\n  workloadSelector: { matchLabels: { app: ratings } }`)).toEqual({
      policies: [],
      messages: [
        'spec.workloadSelector: is not supported; the DestinationRule is skipped, rather than applied to every client',
      ],
    });
  });

  it('rejects a rule without a host', () => {
    expect(parse(`  subsets: [{ name: v1 }]`).messages).toEqual(['spec.host: is required']);
    expect(parse(`  host: ""`).messages).toEqual(['spec.host: is required']);
  });
});
