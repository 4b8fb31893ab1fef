import { describe, expect, it } from 'vitest';
import type { Mesh } from '../../model/mesh.js';
import { inputsFingerprint } from '../mesh-fingerprint.js';
import { inboundChains, tlsInspector } from './inbound-mtls-chains.js';
import { meshSni, upstreamTlsSocket } from './mesh-tls-sockets.js';
import { mesh, port, proxyless, service, sidecar, workload } from './test-fixtures.js';
import { translationParts } from './translation-parts.js';

const app = { port: 9080, filter: { name: 'app' } };

describe('inbound chains per mode', () => {
  it('DISABLE: one plaintext chain, as without mTLS', () => {
    expect(inboundChains(app, 'DISABLE', 'cluster.local')).toEqual([
      { name: 'inbound|9080||', filter_chain_match: { destination_port: 9080 }, filters: [app.filter] },
    ]);
  });

  it('STRICT: mesh mTLS for any TLS (a gRPC client sends h2, not the mesh ALPN), everything else refused', () => {
    const [mtls, refused, ...rest] = inboundChains(app, 'STRICT', 'example.org');
    expect(rest).toEqual([]);
    expect(mtls?.filter_chain_match?.application_protocols).toBeUndefined();
    expect(mtls).toMatchObject({
      name: 'inbound|9080||mtls',
      filter_chain_match: { destination_port: 9080, transport_protocol: 'tls' },
      transport_socket: {
        typed_config: {
          require_client_certificate: true,
          common_tls_context: {
            tls_certificate_sds_secret_configs: [{ name: 'default' }],
            combined_validation_context: {
              default_validation_context: {
                match_typed_subject_alt_names: [
                  { san_type: 'URI', matcher: { prefix: 'spiffe://example.org/' } },
                ],
              },
              validation_context_sds_secret_config: { name: 'ROOTCA' },
            },
          },
        },
      },
    });
    expect(refused).toMatchObject({
      filter_chain_match: { destination_port: 9080 },
      filters: [{ typed_config: { cluster: 'BlackHoleCluster' } }],
    });
  });

  it("PERMISSIVE: mesh mTLS, plaintext, and the app's own TLS as TCP", () => {
    const chains = inboundChains(app, 'PERMISSIVE', 'cluster.local');
    expect(chains.map((c) => [c.name, c.filter_chain_match?.transport_protocol ?? ''])).toEqual([
      ['inbound|9080||mtls', 'tls'],
      ['inbound|9080||', 'raw_buffer'],
      ['inbound|9080||tls', 'tls'],
    ]);
    expect(chains[2]?.filter_chain_match?.application_protocols).toBeUndefined();
    expect(chains[2]?.filters?.[0]?.name).toBe('envoy.filters.network.tcp_proxy');
  });

  it('inspects TLS on the given ports only', () => {
    expect(tlsInspector([])).toBeUndefined();
    expect(tlsInspector([80])?.filter_disabled).toEqual({
      not_match: { destination_port_range: { start: 80, end: 81 } },
    });
    expect(tlsInspector([80, 90])?.filter_disabled?.not_match?.or_match?.rules).toHaveLength(2);
  });
});

describe('upstream TLS sockets', () => {
  it('offers h2 after the mesh ALPN on HTTP/2 ports: a proxyless gRPC server accepts only h2', () => {
    const decision = { mode: 'ISTIO_MUTUAL', auto: true, identities: ['spiffe://td/ns/a/sa/b'] } as const;
    const alpn = (http2: boolean) => {
      const socket = upstreamTlsSocket(decision, 'sni', 'td', http2);
      const context = socket?.typed_config as
        | { common_tls_context: { alpn_protocols: string[] } }
        | undefined;
      return context?.common_tls_context.alpn_protocols;
    };
    expect(alpn(true)).toEqual(['istio-peer-exchange', 'istio', 'h2']);
    expect(alpn(false)).toEqual(['istio-peer-exchange', 'istio']);
  });

  it('ISTIO_MUTUAL: mesh SNI, ALPN, the SDS secrets and exactly the identities behind', () => {
    const socket = upstreamTlsSocket(
      { mode: 'ISTIO_MUTUAL', auto: true, identities: ['spiffe://cluster.local/ns/a/sa/x'] },
      meshSni(80, 'v1', 'web.a.svc.cluster.local'),
      'cluster.local',
    );
    expect(socket?.typed_config).toMatchObject({
      sni: 'outbound_.80_.v1_.web.a.svc.cluster.local',
      common_tls_context: {
        alpn_protocols: ['istio-peer-exchange', 'istio'],
        combined_validation_context: {
          default_validation_context: {
            match_typed_subject_alt_names: [
              { san_type: 'URI', matcher: { exact: 'spiffe://cluster.local/ns/a/sa/x' } },
            ],
          },
        },
      },
    });
    expect(meshSni(80, undefined, 'web.a.svc.cluster.local')).toBe('outbound_.80_._.web.a.svc.cluster.local');
  });

  it('DISABLE: none; SIMPLE and MUTUAL: files on the proxy', () => {
    expect(upstreamTlsSocket({ mode: 'DISABLE', auto: true }, 'x', 'cluster.local')).toBeUndefined();
    const mutual = upstreamTlsSocket(
      {
        mode: 'MUTUAL',
        settings: {
          mode: 'MUTUAL',
          caCertificates: '/ca',
          clientCertificate: '/cert',
          privateKey: '/key',
          subjectAltNames: ['api.example', 'spiffe://other/ns/a/sa/b'],
        },
      },
      'ignored',
      'cluster.local',
    );
    expect(mutual?.typed_config).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      common_tls_context: {
        tls_certificates: [{ certificate_chain: { filename: '/cert' }, private_key: { filename: '/key' } }],
        validation_context: {
          trusted_ca: { filename: '/ca' },
          match_typed_subject_alt_names: [
            { san_type: 'DNS', matcher: { exact: 'api.example' } },
            { san_type: 'URI', matcher: { exact: 'spiffe://other/ns/a/sa/b' } },
          ],
        },
      },
    });
  });
});

describe('cluster units under mTLS', () => {
  const web = service('shop', 'web', [port({ name: 'http', port: 80, protocol: 'HTTP', targetPort: 8080 })], {
    selector: { app: 'web' },
  });
  const api = service('shop', 'api', [port({ name: 'http', port: 80, protocol: 'HTTP', targetPort: 8080 })], {
    selector: { app: 'api' },
  });
  const base = mesh({
    services: [api, web],
    workloads: [
      workload('shop', 'api-0', { labels: { app: 'api' } }),
      workload('shop', 'web-0', { labels: { app: 'web' }, serviceAccount: 'web' }),
    ],
  });
  const inputsOf = (m: Mesh, proxy = sidecar) => {
    const clusters = translationParts(m, proxy).find((p) => p.key.includes('"clusters"'))!;
    return Object.fromEntries((clusters.units?.(m) ?? []).map((u) => [u.key, inputsFingerprint(u.inputs())]));
  };

  it("a pod's service account or a policy changes the inputs of the services behind it only", () => {
    const before = inputsOf(base);
    const renamed = {
      ...base,
      workloads: [base.workloads[0]!, { ...base.workloads[1]!, serviceAccount: 'web-2' }],
    };
    const after = inputsOf(renamed);
    expect(after['shop/api:80']).toBe(before['shop/api:80']);
    expect(after['shop/web:80']).not.toBe(before['shop/web:80']);
    const off = {
      ...base,
      routing: {
        ...base.routing,
        peerAuthentications: [
          {
            origin: { kind: 'PeerAuthentication', namespace: 'shop', name: 'api' },
            selector: { app: 'api' },
            mode: 'DISABLE' as const,
          },
        ],
      },
    };
    const disabled = inputsOf(off);
    expect(disabled['shop/api:80']).not.toBe(before['shop/api:80']);
    expect(disabled['shop/web:80']).toBe(before['shop/web:80']);
  });

  it('declares what it reads: the policies and settings, for sidecars and proxyless clients alike', () => {
    const readsOf = (proxy = sidecar) =>
      translationParts(base, proxy).map((p) => [JSON.parse(p.key).part, p.reads]);
    expect(Object.fromEntries(readsOf())).toMatchObject({
      clusters: [
        'services',
        'endpointSlices',
        'workloads',
        'backendPolicies',
        'peerAuthentications',
        'config',
      ],
      inbound: ['services', 'rateLimits', 'peerAuthentications', 'config'],
    });
    // Proxyless clients get mTLS too (proxyless-tls.ts, gRFC A29).
    expect(Object.fromEntries(readsOf(proxyless)).clusters).toEqual([
      'services',
      'endpointSlices',
      'workloads',
      'backendPolicies',
      'peerAuthentications',
      'config',
    ]);
  });
});
