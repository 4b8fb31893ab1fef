import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { WorkloadIdentity } from '../../model/identity.js';
import { proxyFromNode } from '../../model/proxy.js';
import { fail, ok } from '../../model/result.js';
import { peerSpiffeId } from './peer-certificate.js';
import {
  type AuthenticatingCall,
  authenticateCall,
  proveProxy,
  type StreamCredential,
} from './stream-identity.js';

const TD = 'cluster.local';
const shopCart: WorkloadIdentity = { trustDomain: TD, namespace: 'shop', serviceAccount: 'cart' };

function call(options: { san?: string; authorization?: string[] } = {}): AuthenticatingCall {
  const metadata = new grpc.Metadata();
  for (const value of options.authorization ?? []) metadata.add('authorization', value);
  return {
    metadata,
    getAuthContext: () =>
      options.san !== undefined ? { sslPeerCertificate: { subjectaltname: options.san } } : {},
  };
}

const bearer = {
  authenticate: async (values: readonly string[]) =>
    values[0] === 'Bearer good'
      ? ok(shopCart)
      : values[0] === 'Bearer later'
        ? fail([{ reason: 'could not reach the API server to review the token: timeout', transient: true }])
        : fail([{ reason: 'the token is expired' }]),
};

describe('authenticating a stream', () => {
  it('takes the SPIFFE ID of a verified client certificate on the TLS port', async () => {
    const result = await authenticateCall('tls', call({ san: `URI:spiffe://${TD}/ns/shop/sa/cart` }), {
      trustDomain: TD,
    });
    expect(result).toEqual({ ok: true, value: { kind: 'certificate', identity: shopCart } });
  });

  it('reviews a bearer token when there is no certificate', async () => {
    const result = await authenticateCall('tls', call({ authorization: ['Bearer good'] }), {
      trustDomain: TD,
      bearer,
    });
    expect(result).toEqual({ ok: true, value: { kind: 'token', identity: shopCart } });
  });

  it.each([
    ['no credential at all', call(), 'present a client certificate issued by the mesh CA'],
    [
      'a token that fails review',
      call({ authorization: ['Bearer old'] }),
      'ServiceAccount token: the token is expired',
    ],
    [
      'a certificate from another trust domain',
      call({ san: 'URI:spiffe://other.org/ns/a/sa/b' }),
      'trust domain "other.org"',
    ],
    [
      'a certificate with two URI SANs',
      call({ san: `URI:spiffe://${TD}/ns/a/sa/b, URI:spiffe://${TD}/ns/c/sa/d` }),
      'has 2 URI SANs',
    ],
    ['a certificate with only a DNS SAN', call({ san: 'DNS:trellis.svc' }), 'has 0 URI SANs'],
  ])('refuses %s on the TLS port with UNAUTHENTICATED', async (_, theCall, reason) => {
    const result = await authenticateCall('tls', theCall, { trustDomain: TD, bearer });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(result.errors[0]?.details).toContain(reason);
  });

  it('answers UNAVAILABLE when no verdict on the token could be reached (the API server is down)', async () => {
    const result = await authenticateCall('tls', call({ authorization: ['Bearer later'] }), {
      trustDomain: TD,
      bearer,
    });
    expect(result.ok ? undefined : result.errors[0]).toEqual({
      code: grpc.status.UNAVAILABLE,
      details: 'ServiceAccount token: could not reach the API server to review the token: timeout',
    });
  });

  it('says a token cannot be reviewed when the server has no Kubernetes API', async () => {
    const result = await authenticateCall('tls', call({ authorization: ['Bearer good'] }), {
      trustDomain: TD,
    });
    expect(result.ok ? '' : result.errors[0]?.details).toContain('cannot review ServiceAccount tokens');
  });

  it('proves nothing on the plaintext port, whatever the stream presents', async () => {
    const theCall = call({ san: `URI:spiffe://${TD}/ns/shop/sa/cart`, authorization: ['Bearer good'] });
    expect(await authenticateCall('plaintext', theCall, { trustDomain: TD, bearer })).toEqual({
      ok: true,
      value: { kind: 'none' },
    });
    expect(
      await authenticateCall('plaintext', theCall, { trustDomain: TD, bearer, insecureLocalIdentity: true }),
    ).toEqual({ ok: true, value: { kind: 'node-claim' } });
  });
});

describe('matching the node to the credential', () => {
  const proved: StreamCredential = { kind: 'certificate', identity: shopCart };
  const node = (id: string, metadata: Record<string, unknown> = {}) => ({ id, metadata });

  it('accepts a node whose claims equal the identity, and carries the identity on the proxy', () => {
    const n = node('sidecar~10.0.0.1~cart-1.shop~shop.svc.cluster.local', { SERVICE_ACCOUNT: 'cart' });
    const result = proveProxy(proxyFromNode(n), n, proved, TD);
    expect(result.ok && result.value.identity).toEqual(shopCart);
    expect(result.ok && result.value.namespace).toBe('shop');
  });

  it('gives a node that claims nothing the proved namespace', () => {
    const n = node('some-proxy');
    const result = proveProxy(proxyFromNode(n), n, proved, TD);
    expect(result.ok && result.value.namespace).toBe('shop');
  });

  it.each([
    [
      'an Istio-style id in another namespace',
      node('sidecar~10.0.0.1~x.bank~bank.svc.cluster.local'),
      'namespace "bank"',
    ],
    ['metadata NAMESPACE of another namespace', node('p', { NAMESPACE: 'bank' }), 'namespace "bank"'],
    [
      'another service account',
      node('p', { NAMESPACE: 'shop', SERVICE_ACCOUNT: 'admin' }),
      'service account "admin"',
    ],
  ])('refuses %s with PERMISSION_DENIED, naming both sides', (_, n, claim) => {
    const result = proveProxy(proxyFromNode(n), n, proved, TD);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]?.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(result.errors[0]?.details).toContain(claim);
    expect(result.errors[0]?.details).toContain('spiffe://cluster.local/ns/shop/sa/cart');
  });

  it('takes the claim on trust with --insecure-local-identity, service account default when unsaid', () => {
    const n = node('sidecar~10.0.0.1~x.bank~bank.svc.cluster.local');
    const result = proveProxy(proxyFromNode(n), n, { kind: 'node-claim' }, TD);
    expect(result.ok && result.value.identity).toEqual({
      trustDomain: TD,
      namespace: 'bank',
      serviceAccount: 'default',
    });
  });

  it('leaves an unauthenticated proxy without identity', () => {
    const n = node('p');
    const result = proveProxy(proxyFromNode(n), n, { kind: 'none' }, TD);
    expect(result.ok && result.value.identity).toBeUndefined();
  });
});

describe('peerSpiffeId', () => {
  it('reads a quoted URI and refuses a huge SAN list', () => {
    expect(peerSpiffeId(`URI:"spiffe://${TD}/ns/a/sa/b"`, TD).ok).toBe(true);
    const huge = Array.from({ length: 5000 }, (_, i) => `DNS:n${i}.example.com`).join(', ');
    const result = peerSpiffeId(huge, TD);
    expect(result.ok ? '' : result.errors[0]).toContain('over 65536');
  });
});
