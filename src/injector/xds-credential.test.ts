import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority } from '../ca/authority.js';
import { addCsrService } from '../ca/csr-service.js';
import { MemoryCaStore } from '../ca/memory-store.js';
import { silentLogger } from '../log.js';
import type { WorkloadIdentity } from '../model/identity.js';
import { fail, ok } from '../model/result.js';
import { envoyType } from '../xds/envoy/proto-root.js';
import { encodeMessage } from '../xds/envoy/resource-codec.js';
import { sidecarBootstrap } from './bootstrap.js';
import { obtainXdsCredential } from './credential-agent.js';
import { parseCredentialArgs } from './credential-command.js';
import { sidecarParts } from './sidecar-container.js';
import { CA_ROOT_DIR, CA_ROOT_KEY, CREDENTIALS_DIR } from './sidecar-layout.js';
import { credentialRequest, renewalTime, xdsCredential } from './xds-credential.js';

const web: WorkloadIdentity = { trustDomain: 'cluster.local', namespace: 'shop', serviceAccount: 'web' };
const SERVER_NAME = 'trellis.trellis-system.svc';
const input = {
  namespace: 'shop',
  serviceAccount: 'web',
  podName: 'web-1',
  podIp: '10.1.2.3',
  trellisVersion: '0.1.0',
  controlPlane: { namespace: 'trellis-system' },
};

let ca: CertificateAuthority;
beforeAll(async () => {
  const opened = await CertificateAuthority.open({
    source: { store: new MemoryCaStore() },
    clock: { now: Date.now },
  });
  if (!opened.ok) throw new Error(JSON.stringify(opened.errors));
  ca = opened.value;
});

/** Every file-based SDS source the bootstrap names: its path and the secret name it expects there. */
function fileSdsSources(): Map<string, string> {
  const sources = new Map<string, string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const record = value as Record<string, unknown>;
    const source = (record.sds_config as { path_config_source?: { path: string } } | undefined)
      ?.path_config_source;
    if (typeof record.name === 'string' && source) sources.set(source.path, record.name);
    for (const item of Object.values(record)) walk(item);
  };
  walk(sidecarBootstrap(input));
  return sources;
}

/** A file as Envoy's filesystem subscription reads it: a DiscoveryResponse of Secrets. */
function readSdsFile(text: string): Record<string, unknown>[] {
  const json = JSON.parse(text) as unknown;
  // Through the strict encoder, so a field Envoy does not know would fail here.
  const encoded = encodeMessage(envoyType('envoy.service.discovery.v3.DiscoveryResponse'), json);
  expect(encoded.ok ? [] : encoded.errors).toEqual([]);
  return (json as { resources: Record<string, unknown>[] }).resources;
}

describe('the credential step, with the real CA', () => {
  it('writes exactly the SDS files the bootstrap points at, each holding the secret it names', () => {
    const request = credentialRequest();
    const signed = ca.signCsr(request.csrPem, web);
    if (!signed.ok) throw new Error(JSON.stringify(signed.errors));
    const credential = xdsCredential(
      { certChainPem: [signed.value.certChainPem], trustBundlePem: ca.trustBundlePem() },
      request.privateKeyPem,
      Date.now(),
    );
    if (!credential.ok) throw new Error(credential.errors.join());
    expect(credential.value.identity).toBe('spiffe://cluster.local/ns/shop/sa/web');

    const written = new Map(credential.value.files.map((f) => [`${CREDENTIALS_DIR}/${f.name}`, f.text]));
    const sources = fileSdsSources();
    expect([...written.keys()].sort()).toEqual([...sources.keys()].sort());
    for (const [file, secretName] of sources) {
      const resources = readSdsFile(written.get(file)!);
      expect(resources.map((r) => [r['@type'], r.name])).toEqual([
        ['type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret', secretName],
      ]);
    }

    const client = readSdsFile(written.get(`${CREDENTIALS_DIR}/xds-client.json`)!)[0] as {
      tls_certificate: {
        certificate_chain: { inline_string: string };
        private_key: { inline_string: string };
      };
    };
    const leaf = new X509Certificate(client.tls_certificate.certificate_chain.inline_string);
    expect(leaf.checkIssued(new X509Certificate(ca.trustBundlePem()))).toBe(true);
    expect(leaf.publicKey.export({ type: 'spki', format: 'der' })).toEqual(
      createPublicKey(createPrivateKey(client.tls_certificate.private_key.inline_string)).export({
        type: 'spki',
        format: 'der',
      }),
    );

    // The root file names the ConfigMap's file where the pod mounts it, and watches its directory.
    const root = readSdsFile(written.get(`${CREDENTIALS_DIR}/xds-root.json`)!)[0];
    expect(root).toMatchObject({
      validation_context: {
        trusted_ca: { filename: `${CA_ROOT_DIR}/${CA_ROOT_KEY}` },
        watched_directory: { path: CA_ROOT_DIR },
      },
    });
    const mount = sidecarParts(input).envoy.volumeMounts.find((m) => m.name === 'trellis-ca-root');
    expect(mount?.mountPath).toBe(CA_ROOT_DIR);
  });

  it('refuses an answer whose leaf is not for its key, or that is empty', () => {
    const mine = credentialRequest();
    const theirs = credentialRequest();
    const signed = ca.signCsr(theirs.csrPem, web);
    if (!signed.ok) throw new Error('sign');
    const wrongKey = xdsCredential(
      { certChainPem: [signed.value.certChainPem], trustBundlePem: '' },
      mine.privateKeyPem,
      Date.now(),
    );
    expect(wrongKey.ok ? [] : wrongKey.errors).toEqual([
      'the leaf certificate is not for the key this step made',
    ]);
    expect(xdsCredential({ certChainPem: [], trustBundlePem: '' }, mine.privateKeyPem, Date.now()).ok).toBe(
      false,
    );
  });

  it('renews at 50-60 % of the certificate life', () => {
    const notBefore = new Date('2030-01-01T00:00:00Z');
    const notAfter = new Date('2030-01-02T00:00:00Z');
    expect(renewalTime({ notBefore, notAfter }, () => 0).toISOString()).toBe('2030-01-01T12:00:00.000Z');
    expect(renewalTime({ notBefore, notAfter }, () => 0.999_999).getTime()).toBeLessThan(
      new Date('2030-01-01T14:24:00Z').getTime(),
    );
  });
});

describe('obtainXdsCredential against the CSR API over TLS', () => {
  let server: grpc.Server;
  let port: number;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'trellis-credential-'));
    const serving = ca.issueServing([SERVER_NAME]);
    server = new grpc.Server();
    addCsrService(server, {
      logger: silentLogger(),
      // The server's own check is TokenReview; here one token is `web`'s and nothing else is.
      authenticate: async (call) =>
        call.metadata.get('authorization')[0] === 'Bearer good-token'
          ? ok(web)
          : fail([{ code: grpc.status.UNAUTHENTICATED, details: 'bad token' }]),
      signer: {
        sign: (csrPem, identity, validityMs) => {
          const signed = ca.signCsr(csrPem, identity, validityMs);
          if (!signed.ok) return fail(signed.errors.map((e) => ({ code: e.code, message: e.message })));
          return ok({
            certChainPem: [signed.value.certChainPem],
            trustBundlePem: ca.trustBundlePem(),
            notes: [],
          });
        },
      },
    });
    const credentials = grpc.ServerCredentials.createSsl(
      Buffer.from(ca.trustBundlePem()),
      [{ cert_chain: Buffer.from(serving.certChainPem), private_key: Buffer.from(serving.privateKeyPem) }],
      false,
    );
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))),
    );
    await writeFile(path.join(dir, 'root-cert.pem'), ca.trustBundlePem());
  });
  afterAll(async () => {
    server.forceShutdown();
    await rm(dir, { recursive: true, force: true });
  });

  const options = () => ({
    address: `127.0.0.1:${port}`,
    serverName: SERVER_NAME,
    tokenFile: path.join(dir, 'token'),
    caRootFile: path.join(dir, 'root-cert.pem'),
    outDir: dir,
    logger: silentLogger(),
  });

  it('proves itself with the token, checks Trellis by name against the mounted root and writes both files', async () => {
    await writeFile(path.join(dir, 'token'), 'good-token\n');
    const credential = await obtainXdsCredential(options());
    expect(credential.identity).toBe('spiffe://cluster.local/ns/shop/sa/web');
    const client = JSON.parse(await readFile(path.join(dir, 'xds-client.json'), 'utf8'));
    expect(client.resources[0].name).toBe('xds-client');
    expect(JSON.parse(await readFile(path.join(dir, 'xds-root.json'), 'utf8')).resources[0].name).toBe(
      'xds-root',
    );
  });

  it('fails with the server reason for a token Trellis does not accept, and for a server of another name', async () => {
    await writeFile(path.join(dir, 'token'), 'stolen');
    await expect(obtainXdsCredential(options())).rejects.toThrow(/UNAUTHENTICATED: bad token/);
    await writeFile(path.join(dir, 'token'), 'good-token');
    await expect(obtainXdsCredential({ ...options(), serverName: 'evil.example' })).rejects.toThrow(
      /UNAVAILABLE/,
    );
  });
});

describe('parseCredentialArgs', () => {
  it('reads the args sidecarParts writes', () => {
    const parsed = parseCredentialArgs(sidecarParts(input).credential.once.args.slice(1));
    expect(parsed).toEqual({
      ok: true,
      value: {
        address: 'trellis.trellis-system.svc:15012',
        serverName: SERVER_NAME,
        tokenFile: '/var/run/secrets/trellis/tokens/trellis-token',
        caRootFile: '/etc/trellis/ca-root/root-cert.pem',
        outDir: CREDENTIALS_DIR,
        once: true,
      },
    });
  });

  it('names what is missing or wrong', () => {
    const parsed = parseCredentialArgs(['--address', 'x:1', '--validity-seconds', 'soon']);
    expect(parsed.ok).toBe(false);
    expect(parseCredentialArgs(['--bogus']).ok).toBe(false);
  });
});
