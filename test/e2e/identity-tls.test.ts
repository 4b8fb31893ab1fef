// The TLS port end to end: the real `trellis serve`, ServiceAccount tokens reviewed by a local
// API server that speaks the real authentication.k8s.io/v1 wire format, client certificates from
// the CSR API, and raw xDS clients. Each stream gets its own identity's key and nobody else's;
// every stream that proves nothing, or claims what it did not prove, gets no key and a reason.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeResource } from '../../src/xds/envoy/resource-codec.js';
import { TYPE_URL } from '../../src/xds/envoy/type-urls.js';
import { AdsTestClient } from '../helpers/ads-test-client.js';
import { tlsConnection } from '../helpers/bidi-test-client.js';
import { DeltaTestClient } from '../helpers/delta-test-client.js';
import { keyAndCsr, openssl, selfSigned } from '../helpers/openssl.js';
import {
  type FakeApiServer,
  fakeJwt,
  serviceAccountAnswer,
  startFakeApiServer,
} from '../kube-api/fake-api-server.js';
import { CLI, startTrellis, type TrellisProcess } from './helpers/trellis-process.js';
import { createCertificate } from './helpers/workload-certs.js';

const run = promisify(execFile);
const examples = path.resolve(import.meta.dirname, '../../examples');
const TD = 'cluster.local';
const shopNode = { id: 'sidecar~10.0.0.1~cart-0.shop~shop.svc.cluster.local', metadata: undefined };

interface DecodedSecret {
  readonly name: string;
  readonly tls_certificate?: {
    certificate_chain: { inline_bytes: string };
    private_key: { inline_bytes: string };
  };
  readonly validation_context?: { trusted_ca: { inline_bytes: string } };
}

const text = (b64: string) => Buffer.from(b64, 'base64').toString();

function secretsOf(
  resources: readonly { type_url: string; value: Uint8Array }[],
): Map<string, DecodedSecret> {
  return new Map(
    resources.map((r) => {
      const secret = decodeResource(TYPE_URL.secret, r.value) as DecodedSecret;
      return [secret.name, secret];
    }),
  );
}

function uriSans(certPem: string): string[] {
  const cert = new crypto.X509Certificate(certPem);
  return (cert.subjectAltName ?? '').split(', ').filter((s) => s.startsWith('URI:'));
}

function metadataWith(token: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

describe('identity on the TLS port', () => {
  let dir: string;
  let fake: FakeApiServer;
  let trellis: TrellisProcess;
  let roots: string;
  const clients: { close(): void }[] = [];
  /** Every status message a client was given: checked for keys at the end. */
  const refusals: string[] = [];
  const tokens = {
    shop: fakeJwt({ exp: Math.floor(Date.now() / 1000) + 3600 }),
    bank: fakeJwt({ exp: Math.floor(Date.now() / 1000) + 3600 }),
    expired: fakeJwt({ exp: Math.floor(Date.now() / 1000) - 60 }),
    wrongAudience: fakeJwt(),
  };

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trellis-identity-'));
    fake = await startFakeApiServer();
    fake.tokens.set(tokens.shop, serviceAccountAnswer('shop', 'cart'));
    fake.tokens.set(tokens.bank, serviceAccountAnswer('bank', 'teller'));
    fake.tokens.set(tokens.expired, { kind: 'rejected', error: 'token has expired' });
    fake.tokens.set(tokens.wrongAudience, serviceAccountAnswer('shop', 'cart', { audiences: ['vault'] }));
    const kubeconfig = path.join(dir, 'kubeconfig');
    await fs.writeFile(kubeconfig, fake.kubeConfig().exportConfig());
    trellis = await startTrellis(examples, [
      '--kubeconfig',
      kubeconfig,
      '--state-dir',
      path.join(dir, 'state'),
    ]);
    // The mesh roots as a client would get them from its mounted trust bundle: here, the CA's state.
    const state = JSON.parse(await fs.readFile(path.join(dir, 'state', 'ca.json'), 'utf8')) as {
      rootCertsPem: string;
    };
    roots = state.rootCertsPem;
  }, 30_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await trellis?.stop();
    await fake?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const sotw = (connection: Parameters<typeof tlsConnection>[1] | string | undefined, port?: number) => {
    const client = new AdsTestClient(
      port ?? trellis.xdsTlsPort!,
      undefined,
      port === trellis?.xdsPort
        ? {}
        : typeof connection === 'string'
          ? tlsConnection(roots, undefined, metadataWith(connection))
          : tlsConnection(roots, connection),
    );
    clients.push(client);
    return client;
  };

  const askSecrets = (client: AdsTestClient, node: object, names: string[]) =>
    client.send({ node, type_url: TYPE_URL.secret, resource_names: names });

  async function refused(client: AdsTestClient): Promise<grpc.StatusObject> {
    const status = await client.ended();
    refusals.push(status.details);
    return status;
  }

  it('serves a stream that proved shop/cart its own key, whatever names it asks for', async () => {
    const client = sotw(tokens.shop);
    askSecrets(client, shopNode, [
      'default',
      'ROOTCA',
      `spiffe://${TD}/ns/bank/sa/teller`,
      'bank/teller',
      '*',
    ]);
    const response = await client.next(10_000);
    const secrets = secretsOf(response.resources);
    expect([...secrets.keys()].sort()).toEqual(['ROOTCA', 'default']);
    const chain = text(secrets.get('default')!.tls_certificate!.certificate_chain.inline_bytes);
    const key = text(secrets.get('default')!.tls_certificate!.private_key.inline_bytes);
    expect(uriSans(chain)).toEqual([`URI:spiffe://${TD}/ns/shop/sa/cart`]);
    // The key is the certificate's own.
    const certKey = new crypto.X509Certificate(chain).publicKey.export({ type: 'spki', format: 'der' });
    const ownKey = crypto
      .createPublicKey(crypto.createPrivateKey(key))
      .export({ type: 'spki', format: 'der' });
    expect(Buffer.compare(certKey, ownKey)).toBe(0);
    expect(text(secrets.get('ROOTCA')!.validation_context!.trusted_ca.inline_bytes)).toBe(roots);
    // openssl accepts the chain against the trust bundle it came with.
    await fs.writeFile(path.join(dir, 'roots.pem'), roots);
    await fs.writeFile(path.join(dir, 'leaf.pem'), chain);
    const verified = await openssl([
      'verify',
      '-CAfile',
      path.join(dir, 'roots.pem'),
      path.join(dir, 'leaf.pem'),
    ]);
    expect(verified.stdout).toContain(': OK');
  });

  it('gives another identity its own key, and the same identity the same one', async () => {
    const bank = sotw(tokens.bank);
    askSecrets(bank, { id: 'sidecar~10.0.0.2~teller-0.bank~bank.svc.cluster.local' }, ['default']);
    const shop = sotw(tokens.shop);
    askSecrets(shop, shopNode, ['default']);
    const [bankSecret, shopSecret] = [
      secretsOf((await bank.next(10_000)).resources),
      secretsOf((await shop.next(10_000)).resources),
    ];
    const bankChain = text(bankSecret.get('default')!.tls_certificate!.certificate_chain.inline_bytes);
    const shopChain = text(shopSecret.get('default')!.tls_certificate!.certificate_chain.inline_bytes);
    expect(uriSans(bankChain)).toEqual([`URI:spiffe://${TD}/ns/bank/sa/teller`]);
    expect(uriSans(shopChain)).toEqual([`URI:spiffe://${TD}/ns/shop/sa/cart`]);
    expect(bankSecret.get('default')!.tls_certificate!.private_key.inline_bytes).not.toBe(
      shopSecret.get('default')!.tls_certificate!.private_key.inline_bytes,
    );
  });

  it('serves a delta wildcard subscription only its own secrets', async () => {
    const client = new DeltaTestClient(
      trellis.xdsTlsPort!,
      undefined,
      tlsConnection(roots, undefined, metadataWith(tokens.bank)),
    );
    clients.push(client);
    client.send({
      node: { id: 'sidecar~10.0.0.2~teller-0.bank~bank.svc.cluster.local' },
      type_url: TYPE_URL.secret,
      resource_names_subscribe: ['*', 'default', `spiffe://${TD}/ns/shop/sa/cart`],
    });
    const response = await client.next(10_000);
    const secrets = secretsOf(response.resources.map((r) => r.resource!));
    expect([...secrets.keys()].sort()).toEqual(['ROOTCA', 'default']);
    expect(uriSans(text(secrets.get('default')!.tls_certificate!.certificate_chain.inline_bytes))).toEqual([
      `URI:spiffe://${TD}/ns/bank/sa/teller`,
    ]);
  });

  it('serves the same over the standalone SecretDiscoveryService (SotW and delta)', async () => {
    const sotwSds = new AdsTestClient(
      trellis.xdsTlsPort!,
      '/envoy.service.secret.v3.SecretDiscoveryService/StreamSecrets',
      tlsConnection(roots, undefined, metadataWith(tokens.shop)),
    );
    const deltaSds = new DeltaTestClient(
      trellis.xdsTlsPort!,
      '/envoy.service.secret.v3.SecretDiscoveryService/DeltaSecrets',
      tlsConnection(roots, undefined, metadataWith(tokens.bank)),
    );
    clients.push(sotwSds, deltaSds);
    sotwSds.send({ node: shopNode, resource_names: ['default', 'ROOTCA'] });
    deltaSds.send({
      node: { id: 'sidecar~10.0.0.2~teller-0.bank~bank.svc.cluster.local' },
      resource_names_subscribe: ['default'],
    });
    const shop = secretsOf((await sotwSds.next(10_000)).resources);
    const bank = secretsOf((await deltaSds.next(10_000)).resources.map((r) => r.resource!));
    expect(uriSans(text(shop.get('default')!.tls_certificate!.certificate_chain.inline_bytes))).toEqual([
      `URI:spiffe://${TD}/ns/shop/sa/cart`,
    ]);
    expect(uriSans(text(bank.get('default')!.tls_certificate!.certificate_chain.inline_bytes))).toEqual([
      `URI:spiffe://${TD}/ns/bank/sa/teller`,
    ]);
  });

  it('gives the plaintext port the trust bundle and never a key', async () => {
    const client = new AdsTestClient(trellis.xdsPort);
    clients.push(client);
    askSecrets(client, shopNode, ['default', 'ROOTCA']);
    const response = await client.next(10_000);
    expect([...secretsOf(response.resources).keys()]).toEqual(['ROOTCA']);
  });

  it.each([
    [
      'no credential at all',
      () => tlsConnection(roots),
      shopNode,
      16,
      'present a client certificate issued by the mesh CA',
    ],
    [
      'an expired token',
      () => tlsConnection(roots, undefined, metadataWith(tokens.expired)),
      shopNode,
      16,
      'token has expired',
    ],
    [
      'a token for another audience',
      () => tlsConnection(roots, undefined, metadataWith(tokens.wrongAudience)),
      shopNode,
      16,
      'audience',
    ],
    [
      'a node claiming another namespace than its token',
      () => tlsConnection(roots, undefined, metadataWith(tokens.shop)),
      { id: 'sidecar~10.0.0.2~teller-0.bank~bank.svc.cluster.local' },
      7,
      'the node claims namespace "bank" but its token proves spiffe://cluster.local/ns/shop/sa/cart',
    ],
    [
      'a node claiming another service account',
      () => tlsConnection(roots, undefined, metadataWith(tokens.shop)),
      { id: shopNode.id, metadata: { fields: { SERVICE_ACCOUNT: { stringValue: 'admin' } } } },
      7,
      'the node claims service account "admin"',
    ],
  ])('refuses %s, with no secret and a reason', async (_, connection, node, code, reason) => {
    const client = new AdsTestClient(trellis.xdsTlsPort!, undefined, connection());
    clients.push(client);
    askSecrets(client, node, ['default', 'ROOTCA']);
    const status = await refused(client);
    expect(status.code).toBe(code);
    expect(status.details).toContain(reason);
    expect(await client.receive(200)).toBeUndefined();
  });

  describe('the CSR API', () => {
    const csrFor = (uri: string) => keyAndCsr(dir, `key-${crypto.randomUUID()}`, uri);

    it('signs the caller’s own identity, and the chain then authenticates an xDS stream', async () => {
      const { csr, key } = await csrFor(`URI:spiffe://${TD}/ns/shop/sa/cart`);
      const signed = await createCertificate({
        tlsPort: trellis.xdsTlsPort!,
        roots,
        metadata: metadataWith(tokens.shop),
        request: { csr_pem: csr, validity_seconds: 3600 },
      });
      if (signed instanceof Error) throw signed;
      expect(uriSans(signed.cert_chain[0]!)).toEqual([`URI:spiffe://${TD}/ns/shop/sa/cart`]);
      expect(signed.trust_bundle_pem).toBe(roots);
      // The issued chain is now the stream's credential: no token this time.
      const client = sotw({ certChainPem: signed.cert_chain.join(''), privateKeyPem: key });
      askSecrets(client, shopNode, ['default']);
      const secrets = secretsOf((await client.next(10_000)).resources);
      expect(uriSans(text(secrets.get('default')!.tls_certificate!.certificate_chain.inline_bytes))).toEqual([
        `URI:spiffe://${TD}/ns/shop/sa/cart`,
      ]);
    });

    it('refuses a CSR for another identity with PERMISSION_DENIED, naming it', async () => {
      const { csr } = await csrFor(`URI:spiffe://${TD}/ns/bank/sa/teller`);
      const result = await createCertificate({
        tlsPort: trellis.xdsTlsPort!,
        roots,
        metadata: metadataWith(tokens.shop),
        request: { csr_pem: csr },
      });
      expect(result).toBeInstanceOf(Error);
      const err = result as grpc.ServiceError;
      refusals.push(err.details);
      expect(err.code).toBe(grpc.status.PERMISSION_DENIED);
      expect(err.details).toContain('bank');
    });

    it('refuses a caller with no credential', async () => {
      const { csr } = await csrFor(`URI:spiffe://${TD}/ns/shop/sa/cart`);
      const result = (await createCertificate({
        tlsPort: trellis.xdsTlsPort!,
        roots,
        request: { csr_pem: csr },
      })) as grpc.ServiceError;
      refusals.push(result.details);
      expect(result.code).toBe(grpc.status.UNAUTHENTICATED);
    });
  });

  it('does not take a client certificate from a foreign root as proof', async () => {
    const { keyFile, certFile } = await selfSigned(dir, 'foreign', {
      subject: '/O=foreign',
      extensions: [`subjectAltName=URI:spiffe://${TD}/ns/shop/sa/cart`],
    });
    const client = sotw({
      certChainPem: await fs.readFile(certFile, 'utf8'),
      privateKeyPem: await fs.readFile(keyFile, 'utf8'),
    });
    askSecrets(client, shopNode, ['default']);
    const status = await refused(client);
    expect(status.code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it("reports the CA in /metrics: its root's expiry and the certificates it signed", async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${trellis.adminPort}/metrics`)).text();
    const rootExpiry =
      /^trellis_ca_cert_expiry_timestamp_seconds\{which="root",fingerprint="[0-9a-f]{16}"\} (\d+)$/m.exec(
        metrics,
      );
    const inNineYears = Date.now() / 1000 + 9 * 365 * 86_400;
    expect(Number(rootExpiry?.[1])).toBeGreaterThan(inNineYears);
    const issued = (reason: string) =>
      Number(
        new RegExp(`^trellis_ca_certificates_issued_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(
          metrics,
        )?.[1],
      );
    expect(issued('new')).toBeGreaterThanOrEqual(2);
    expect(issued('csr')).toBeGreaterThanOrEqual(1);
  });

  it('never shows a private key in logs, debug pages, metrics, config-dump or refusals', async () => {
    // Make sure keys were issued during this run, so the search below has something to miss.
    expect(trellis.logs().some((l) => l.msg === 'workload certificate issued')).toBe(true);
    const admin = `http://127.0.0.1:${trellis.adminPort}`;
    const pages = await Promise.all(
      ['/debug/syncz', '/debug/config-errors', '/metrics', '/readyz'].map(async (p) =>
        (await fetch(admin + p)).text(),
      ),
    );
    const dump = await run(
      process.execPath,
      [CLI, 'config-dump', '--manifests', examples, '--node', shopNode.id],
      {
        timeout: 20_000,
      },
    );
    const everything = [JSON.stringify(trellis.logs()), ...pages, dump.stdout, dump.stderr, ...refusals].join(
      '\n',
    );
    expect(refusals.length).toBeGreaterThan(5);
    expect(everything).not.toContain('PRIVATE KEY');
    // Nor the base64 of one: what a Secret resource carries.
    expect(everything).not.toContain(
      Buffer.from('-----BEGIN PRIVATE KEY-----').toString('base64').slice(0, 24),
    );
  });
});
