import type { AddressInfo } from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { CertificateAuthority } from './authority.js';
import { FileCaStore } from './file-store.js';
import { withTempDir } from './openssl-testing.js';

// Two workloads of one mesh complete mutual TLS with certificates from the CA, each reading the
// other's SPIFFE ID from the certificate; a certificate from another root is refused.

async function authority(dir: string) {
  const ca = await CertificateAuthority.open({
    source: { store: new FileCaStore(dir) },
    clock: { now: () => Date.now() },
  });
  if (!ca.ok) throw new Error(ca.errors[0]!.message);
  return ca.value;
}

const SPIFFE_URI = /(?:^|, )URI:(spiffe:\/\/[^,]+)/;

interface Outcome {
  readonly serverSaw?: string;
  /** Why the server's TLS stack refused the client certificate, when it is not set to reject. */
  readonly serverAuthorizationError?: string;
  readonly clientGotData?: boolean;
  readonly clientSaw?: string;
  readonly serverError?: string;
  readonly clientError?: string;
}

async function handshake(
  server: { key: string; cert: string; ca: string },
  client: { key: string; cert: string; ca: string },
  rejectUnauthorized = true,
): Promise<Outcome> {
  const sockets: tls.TLSSocket[] = [];
  const listener = tls.createServer({
    ...server,
    requestCert: true,
    rejectUnauthorized,
    minVersion: 'TLSv1.3',
  });
  let serverSaw: string | undefined;
  let serverAuthorizationError: string | undefined;
  let serverError: string | undefined;
  const served = new Promise<void>((resolve) => {
    listener.on('secureConnection', (socket) => {
      sockets.push(socket);
      if (!socket.authorized) {
        serverAuthorizationError = String(socket.authorizationError);
        socket.destroy();
        resolve();
        return;
      }
      serverSaw = SPIFFE_URI.exec(socket.getPeerCertificate().subjectaltname ?? '')?.[1];
      socket.end('hello');
      resolve();
    });
    listener.on('tlsClientError', (err) => {
      serverError = err.message;
      resolve();
    });
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as AddressInfo;
  try {
    const clientResult = await new Promise<{ saw?: string; error?: string; data?: boolean }>((resolve) => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port,
        ...client,
        minVersion: 'TLSv1.3',
        // No DNS name in a workload certificate: the peer is checked by its SPIFFE ID instead.
        checkServerIdentity: (_host, cert) =>
          SPIFFE_URI.test(cert.subjectaltname ?? '') ? undefined : new Error('no SPIFFE ID'),
      });
      sockets.push(socket);
      let saw: string | undefined;
      socket.on('secureConnect', () => {
        saw = SPIFFE_URI.exec(socket.getPeerCertificate().subjectaltname ?? '')?.[1];
      });
      socket.on('data', () => resolve({ saw, data: true }));
      socket.on('error', (err) => resolve({ error: err.message }));
      socket.on('close', () => resolve(saw ? { saw } : { error: 'closed' }));
    });
    await served;
    return {
      serverSaw,
      serverError,
      ...(serverAuthorizationError ? { serverAuthorizationError } : {}),
      clientSaw: clientResult.saw,
      clientError: clientResult.error,
      clientGotData: clientResult.data ?? false,
    };
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  }
}

describe('mutual TLS between issued identities', () => {
  it('completes, each side reading the other’s SPIFFE ID', async () => {
    await withTempDir(async (dir) => {
      const ca = await authority(path.join(dir, 'ca'));
      const a = ca.issueWorkload({ trustDomain: 'cluster.local', namespace: 'shop', serviceAccount: 'web' });
      const b = ca.issueWorkload(
        { trustDomain: 'cluster.local', namespace: 'billing', serviceAccount: 'api' },
        { keyAlgorithm: 'rsa-2048' },
      );
      const bundle = ca.trustBundlePem();
      const outcome = await handshake(
        { key: a.privateKeyPem, cert: a.certChainPem, ca: bundle },
        { key: b.privateKeyPem, cert: b.certChainPem, ca: bundle },
      );
      expect(outcome).toEqual({
        serverSaw: 'spiffe://cluster.local/ns/billing/sa/api',
        clientSaw: 'spiffe://cluster.local/ns/shop/sa/web',
        serverError: undefined,
        clientError: undefined,
        clientGotData: true,
      });
    });
  });

  it('refuses a client certificate from a foreign root', async () => {
    await withTempDir(async (dir) => {
      const ca = await authority(path.join(dir, 'ca'));
      const foreign = await authority(path.join(dir, 'foreign'));
      const a = ca.issueWorkload({ trustDomain: 'cluster.local', namespace: 'shop', serviceAccount: 'web' });
      const intruder = foreign.issueWorkload({
        trustDomain: 'cluster.local',
        namespace: 'billing',
        serviceAccount: 'api',
      });
      const server = { key: a.privateKeyPem, cert: a.certChainPem, ca: ca.trustBundlePem() };
      const client = { key: intruder.privateKeyPem, cert: intruder.certChainPem, ca: ca.trustBundlePem() };
      // As a mesh server runs: the connection never becomes secure and carries nothing.
      const refused = await handshake(server, client);
      expect(refused.serverSaw).toBeUndefined();
      expect(refused.serverError).toBeDefined();
      expect(refused.clientGotData).toBe(false);
      // Why, read from a server told to report rather than reject.
      const reported = await handshake(server, client, false);
      expect(reported.serverAuthorizationError).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE'); // its issuer is in no trusted root;
      expect(reported.clientGotData).toBe(false);
    });
  });
});
