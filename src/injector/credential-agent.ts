// The I/O half of the sidecar's credential step: read the projected token and the mounted trust
// bundle, call Trellis's CSR API over TLS, write the two SDS files (xds-credential.ts) by rename
// into the directory Envoy watches, and, unless run once, do it again at 50-60 % of the
// certificate's life. It is all the "agent" a Trellis sidecar has: it proxies nothing, serves
// nothing and never touches Envoy; Envoy notices the renamed file by itself.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { csrServiceDefinition } from '../ca/csr-service.js';
import { writeAtomically } from '../ca/file-store.js';
import type { Logger } from '../log.js';
import {
  credentialRequest,
  renewalTime,
  type SignedCredential,
  type XdsCredential,
  xdsCredential,
} from './xds-credential.js';

export interface CredentialAgentOptions {
  /** `host:port` of Trellis's TLS port. */
  readonly address: string;
  /** The name Trellis's serving certificate must carry (and the SNI sent). */
  readonly serverName: string;
  readonly tokenFile: string;
  /** The mesh trust bundle (the `trellis-ca-root` ConfigMap's file). */
  readonly caRootFile: string;
  /** The credentials emptyDir. */
  readonly outDir: string;
  readonly logger: Logger;
  /** Asked of the CA; it cuts anything longer to its workload TTL. Default: the CA's TTL. */
  readonly validitySeconds?: number;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly callTimeoutMs?: number;
}

type CsrClient = grpc.Client & {
  CreateCertificate(
    request: { csr_pem: string; validity_seconds: number },
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (
      err: grpc.ServiceError | null,
      res?: { cert_chain?: string[]; trust_bundle_pem?: string; notes?: string[] },
    ) => void,
  ): void;
};

/** One round: a new key, a signed chain, both files written. Throws with the reason on any failure. */
export async function obtainXdsCredential(options: CredentialAgentOptions): Promise<XdsCredential> {
  const now = options.now ?? Date.now;
  // Read both on every round: the kubelet refreshes the token and the ConfigMap behind our back.
  const [token, roots] = await Promise.all([
    readFile(options.tokenFile, 'utf8').then((t) => t.trim()),
    readFile(options.caRootFile),
  ]);
  if (token === '') throw new Error(`${options.tokenFile} is empty`);
  const request = credentialRequest();
  const signed = await createCertificate(options, roots, token, request.csrPem);
  const credential = xdsCredential(signed, request.privateKeyPem, now());
  if (!credential.ok) throw new Error(credential.errors.join('; '));
  for (const file of credential.value.files)
    await writeAtomically(path.join(options.outDir, file.name), file.text);
  return credential.value;
}

function createCertificate(
  options: CredentialAgentOptions,
  roots: Buffer,
  token: string,
  csrPem: string,
): Promise<SignedCredential> {
  const Ctor = grpc.makeGenericClientConstructor(csrServiceDefinition(), 'CertificateService');
  const client = new Ctor(options.address, grpc.credentials.createSsl(roots), {
    'grpc.ssl_target_name_override': options.serverName,
    'grpc.default_authority': options.serverName,
  }) as unknown as CsrClient;
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return new Promise<SignedCredential>((resolve, reject) =>
    client.CreateCertificate(
      { csr_pem: csrPem, validity_seconds: options.validitySeconds ?? 0 },
      metadata,
      { deadline: Date.now() + (options.callTimeoutMs ?? 10_000) },
      (err, res) => {
        if (err) return reject(new Error(`CreateCertificate: ${grpc.status[err.code]}: ${err.details}`));
        resolve({ certChainPem: res?.cert_chain ?? [], trustBundlePem: res?.trust_bundle_pem ?? '' });
      },
    ),
  ).finally(() => client.close());
}

export interface RunOptions extends CredentialAgentOptions {
  /** Write the files once and return (an ordinary init container); else keep renewing. */
  readonly once: boolean;
  readonly signal?: AbortSignal;
  /** How long `once` keeps retrying before giving up; default 2 minutes. */
  readonly onceDeadlineMs?: number;
}

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

/**
 * Obtains the credential, retrying with backoff (Trellis may still be starting), then renews it
 * until `signal` aborts. A failed renewal is retried until the current certificate expires; Envoy
 * keeps its connection meanwhile, and only a reconnect after expiry would be refused.
 */
export async function runCredentialAgent(options: RunOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const started = now();
  let retryMs = FIRST_RETRY_MS;
  while (!options.signal?.aborted) {
    try {
      const credential = await obtainXdsCredential(options);
      retryMs = FIRST_RETRY_MS;
      const renewAt = renewalTime(credential, random);
      options.logger.info(
        {
          identity: credential.identity,
          notAfter: credential.notAfter.toISOString(),
          renewAt: renewAt.toISOString(),
        },
        'xDS client certificate written',
      );
      if (options.once) return;
      await sleep(Math.max(0, renewAt.getTime() - now()), options.signal);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (options.once && now() - started > (options.onceDeadlineMs ?? 120_000))
        throw new Error(`no xDS client certificate: ${reason}`);
      options.logger.warn({ reason, retryInMs: retryMs }, 'could not obtain the xDS client certificate');
      await sleep(retryMs, options.signal);
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
