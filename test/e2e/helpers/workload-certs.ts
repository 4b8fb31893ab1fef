// A workload's certificates the way it gets them in a mesh: a key and a CSR made with the
// openssl CLI, signed by Trellis's CSR API on its TLS port (authenticated with the workload's
// ServiceAccount token), written to files that the bootstrap's `file_watcher` certificate provider
// instances `default` and `ROOTCA` read. And the bootstraps that name them.
import fs from 'node:fs/promises';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { csrServiceDefinition } from '../../../src/ca/csr-service.js';
import { keyAndCsr } from '../../helpers/openssl.js';

/** Where a workload's certificate provider instances read their files. */
export interface WorkloadCertFiles {
  readonly certificateFile: string;
  readonly privateKeyFile: string;
  readonly caCertificateFile: string;
}

export interface CreateCertificateResponse {
  readonly cert_chain: string[];
  readonly trust_bundle_pem: string;
  readonly notes: string[];
}

type CsrClient = grpc.Client & {
  CreateCertificate(
    request: object,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (err: grpc.ServiceError | null, res?: CreateCertificateResponse) => void,
  ): void;
};

/**
 * One call of the CSR API on 127.0.0.1:`tlsPort` over TLS to a server that chains to `roots`, with
 * `metadata` (a token, or nothing) and, for mTLS, a client chain and key: the answer, or the
 * gRPC error it ended with.
 */
export async function createCertificate(opts: {
  readonly tlsPort: number;
  readonly roots: string;
  readonly metadata?: grpc.Metadata;
  readonly client?: { readonly certChainPem: string; readonly privateKeyPem: string };
  readonly request: { readonly csr_pem: string; readonly validity_seconds?: number };
}): Promise<CreateCertificateResponse | grpc.ServiceError> {
  const Ctor = grpc.makeGenericClientConstructor(csrServiceDefinition(), 'CertificateService');
  const credentials = grpc.credentials.createSsl(
    Buffer.from(opts.roots),
    opts.client ? Buffer.from(opts.client.privateKeyPem) : null,
    opts.client ? Buffer.from(opts.client.certChainPem) : null,
  );
  const client = new Ctor(`127.0.0.1:${opts.tlsPort}`, credentials, {
    'grpc.ssl_target_name_override': 'localhost',
  }) as unknown as CsrClient;
  try {
    return await new Promise((resolve) =>
      client.CreateCertificate(
        opts.request,
        opts.metadata ?? new grpc.Metadata(),
        { deadline: Date.now() + 10_000 },
        (err, res) =>
          resolve(
            err ??
              res ??
              Object.assign(new Error('no response'), {
                code: grpc.status.UNKNOWN,
                details: 'no response',
                metadata: new grpc.Metadata(),
              }),
          ),
      ),
    );
  } finally {
    client.close();
  }
}

export function bearer(token: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

/**
 * Asks the CSR API on 127.0.0.1:`tlsPort` (whose serving certificate chains to `roots`) for the
 * certificate of `spiffeId`, proving it with `token`; writes chain, key and trust bundle into `dir`.
 */
export async function issueWorkloadCerts(opts: {
  readonly tlsPort: number;
  readonly roots: string;
  readonly token: string;
  readonly spiffeId: string;
  readonly dir: string;
}): Promise<WorkloadCertFiles> {
  await fs.mkdir(opts.dir, { recursive: true });
  const { keyFile, csr } = await keyAndCsr(opts.dir, 'workload', `URI:${opts.spiffeId}`);
  // The names cgrpc_client.py --certs reads: cert-chain.pem, key.pem, roots.pem.
  const privateKeyFile = path.join(opts.dir, 'key.pem');
  await fs.rename(keyFile, privateKeyFile);
  const signed = await createCertificate({
    tlsPort: opts.tlsPort,
    roots: opts.roots,
    metadata: bearer(opts.token),
    request: { csr_pem: csr, validity_seconds: 3600 },
  });
  if (signed instanceof Error) throw signed;
  const certificateFile = path.join(opts.dir, 'cert-chain.pem');
  const caCertificateFile = path.join(opts.dir, 'roots.pem');
  await fs.writeFile(certificateFile, signed.cert_chain.join(''));
  await fs.writeFile(caCertificateFile, signed.trust_bundle_pem);
  return { certificateFile, privateKeyFile, caCertificateFile };
}

/** The A36 template Trellis answers (src/xds/translate/proxyless-server.ts). */
export const SERVER_LISTENER_TEMPLATE = 'grpc/server?xds.resource.listening_address=%s';

/** A gRPC xDS bootstrap for one workload: Trellis's plaintext xDS port and its two certificate providers. */
export function meshBootstrap(xdsPort: number, nodeId: string, certs: WorkloadCertFiles): object {
  return {
    xds_servers: [
      {
        server_uri: `127.0.0.1:${xdsPort}`,
        channel_creds: [{ type: 'insecure' }],
        server_features: ['xds_v3'],
      },
    ],
    // grpc-js-xds refuses a bootstrap node without a locality.
    node: { id: nodeId, locality: { zone: 'zone-a' } },
    certificate_providers: {
      default: {
        plugin_name: 'file_watcher',
        config: {
          certificate_file: certs.certificateFile,
          private_key_file: certs.privateKeyFile,
          refresh_interval: '60s',
        },
      },
      ROOTCA: {
        plugin_name: 'file_watcher',
        config: { ca_certificate_file: certs.caCertificateFile, refresh_interval: '60s' },
      },
    },
    server_listener_resource_name_template: SERVER_LISTENER_TEMPLATE,
  };
}
