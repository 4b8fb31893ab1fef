import { describe, expect, it } from 'vitest';
import type { Listener } from '../../generated/envoy/config/listener/v3/Listener.js';
import type { PeerAuthenticationPolicy } from '../../model/routing.js';
import { encodeResource } from '../envoy/resource-codec.js';
import { TYPE_URL } from '../envoy/type-urls.js';
import {
  proxylessServerListeners,
  proxylessServerPorts,
  serverHosts,
  serverListenerName,
} from './proxyless-server.js';
import { proxylessSans, proxylessUpstreamTlsSocket } from './proxyless-tls.js';
import { mesh, port, proxyless, service, workload } from './test-fixtures.js';
import { translateProxy } from './translate-proxy.js';

const origin = (name: string) => ({ kind: 'PeerAuthentication', namespace: 'default', name });
const strict: PeerAuthenticationPolicy = { origin: origin('default'), mode: 'STRICT' };
const permissive: PeerAuthenticationPolicy = { origin: origin('default'), mode: 'PERMISSIVE' };

const withPolicies = (...peerAuthentications: PeerAuthenticationPolicy[]) =>
  mesh({ routing: { routeTables: [], backendPolicies: [], rateLimits: [], peerAuthentications } });

const server = workload('default', 'client-0', {
  ip: '10.0.0.9',
  labels: { app: 'greeter' },
  ports: [
    { name: 'grpc', port: 50051, protocol: 'TCP' },
    { name: 'again', port: 50051, protocol: 'TCP' },
    { name: 'dns', port: 53, protocol: 'UDP' },
  ],
});

const tlsOf = (listener: Listener | undefined) => listener?.filter_chains?.[0]?.transport_socket;

describe('proxyless server Listeners (gRFC A36)', () => {
  it('names a Listener per TCP port at the pod IP and the wildcard, as a server binds them', () => {
    const listeners = proxylessServerListeners(
      proxylessServerPorts(withPolicies(strict), server),
      '10.0.0.9',
    );
    expect(listeners.map((l) => [l.name, l.address?.socket_address?.address])).toEqual([
      ['grpc/server?xds.resource.listening_address=0.0.0.0:50051', '0.0.0.0'],
      ['grpc/server?xds.resource.listening_address=10.0.0.9:50051', '10.0.0.9'],
    ]);
    for (const listener of listeners) {
      expect(encodeResource(TYPE_URL.listener, listener).ok).toBe(true);
      // Nothing a gRPC server refuses or skips: no listener filters, no chain match.
      expect(listener.listener_filters).toBeUndefined();
      expect(listener.filter_chains?.[0]?.filter_chain_match).toBeUndefined();
    }
  });

  it('brackets IPv6 and binds its wildcard', () => {
    expect(serverHosts('fd00::9')).toEqual(['fd00::9', '::']);
    expect(serverListenerName('::', 8080)).toBe('grpc/server?xds.resource.listening_address=[::]:8080');
    expect(serverHosts(undefined)).toEqual(['0.0.0.0']);
  });

  it('serves PERMISSIVE in plaintext: one gRPC port cannot be both, and plaintext is what proxyless clients send', () => {
    const m = withPolicies(permissive);
    expect(proxylessServerPorts(m, server)).toEqual([{ port: 50051, policy: 'PERMISSIVE', mtls: false }]);
    const [strictListener] = proxylessServerListeners(
      proxylessServerPorts(withPolicies(strict), server),
      undefined,
    );
    const [plain] = proxylessServerListeners(proxylessServerPorts(m, server), undefined);
    expect(tlsOf(strictListener)?.typed_config).toMatchObject({ require_client_certificate: true });
    expect(tlsOf(plain)).toBeUndefined();
    // The chain's HCM differs too: grpc-js-xds sees no change when only the socket goes away.
    expect(strictListener?.filter_chains?.[0]?.name).toBe('inbound|50051||mtls');
    expect(plain?.filter_chains?.[0]?.name).toBe('inbound|50051||');
  });

  it('gives a proxyless proxy its pod’s Listeners, and one without a pod none', () => {
    const m = { ...withPolicies(strict), workloads: [server] };
    expect(translateProxy(m, proxyless).listeners.map((l) => l.name)).toContain(
      'grpc/server?xds.resource.listening_address=10.0.0.9:50051',
    );
    const stranger = { ...proxyless, podName: 'nobody', ip: '10.9.9.9' };
    expect(translateProxy(m, stranger).listeners).toEqual([]);
  });
});

describe('proxyless client TLS (gRFC A29)', () => {
  const api = service('default', 'api', [port({ name: 'grpc', port: 9090, protocol: 'GRPC' })]);

  it('names the identities as match_subject_alt_names, or the trust domain when none is known', () => {
    const decision = { mode: 'ISTIO_MUTUAL', auto: true, identities: ['spiffe://td/ns/a/sa/b'] } as const;
    expect(proxylessSans(decision, 'td')).toEqual([{ exact: 'spiffe://td/ns/a/sa/b' }]);
    expect(proxylessSans({ ...decision, identities: [] }, 'td')).toEqual([{ prefix: 'spiffe://td/' }]);
    expect(proxylessSans({ ...decision, subjectAltNames: ['x.example'] }, 'td')).toEqual([
      { exact: 'x.example' },
    ]);
  });

  it('sends no socket for plaintext, and never plaintext for SIMPLE or MUTUAL', () => {
    expect(proxylessUpstreamTlsSocket({ mode: 'DISABLE', auto: true }, 'sni', 'td')).toBeUndefined();
    const simple = proxylessUpstreamTlsSocket(
      { mode: 'SIMPLE', settings: { mode: 'SIMPLE', caCertificates: '/etc/ca.pem' } },
      'sni',
      'td',
    );
    // The sidecars' form (files), which gRPC refuses rather than call in plaintext.
    expect(simple?.typed_config).toMatchObject({
      common_tls_context: { validation_context: { trusted_ca: { filename: '/etc/ca.pem' } } },
    });
  });

  it('puts it on a cluster whose DestinationRule asks for ISTIO_MUTUAL, never for auto mTLS', () => {
    const identities = ['spiffe://cluster.local/ns/default/sa/api'];
    const asked = proxylessUpstreamTlsSocket(
      { mode: 'ISTIO_MUTUAL', auto: false, identities },
      'sni',
      'cluster.local',
    );
    expect(asked?.typed_config).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      common_tls_context: {
        tls_certificate_provider_instance: { instance_name: 'default' },
        validation_context: {
          ca_certificate_provider_instance: { instance_name: 'ROOTCA' },
          match_subject_alt_names: [{ exact: 'spiffe://cluster.local/ns/default/sa/api' }],
        },
      },
    });
    // Auto mTLS (meshed pods under STRICT, no DestinationRule) is for sidecars: plaintext here.
    const pod = workload('default', 'api-0', {
      labels: { app: 'api' },
      serviceAccount: 'api',
      ports: [{ port: 9090, protocol: 'TCP' }],
    });
    const m = { ...withPolicies(strict), services: [{ ...api, selector: { app: 'api' } }], workloads: [pod] };
    expect(
      proxylessUpstreamTlsSocket({ mode: 'ISTIO_MUTUAL', auto: true, identities }, 'sni', 'cluster.local'),
    ).toBeUndefined();
    expect(translateProxy(m, proxyless).clusters[0]?.transport_socket).toBeUndefined();
  });
});
