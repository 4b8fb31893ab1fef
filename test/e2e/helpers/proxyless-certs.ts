// A proxyless workload's certificates the way it gets them in a mesh: a key and a CSR made with the
// openssl CLI, signed by Trellis's CSR API on its TLS port (authenticated with the workload's
// ServiceAccount token), written to files that the bootstrap's `file_watcher` certificate provider
// instances `default` and `ROOTCA` read. And the bootstraps that name them.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { csrServiceDefinition } from '../../../src/ca/csr-service.js';

const run = promisify(execFile);

/** Where a workload's certificate provider instances read their files. */
export interface WorkloadCertFiles {
  readonly certificateFile: string;
  readonly privateKeyFile: string;
  readonly caCertificateFile: string;
}

interface CreateCertificateResponse {
  readonly cert_chain: string[];
  readonly trust_bundle_pem: string;
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
  const privateKeyFile = path.join(opts.dir, 'key.pem');
  const csrFile = path.join(opts.dir, 'csr.pem');
  await run(
    'openssl',
    [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      privateKeyFile,
      '-out',
      csrFile,
      '-subj',
      '/O=workload',
      '-addext',
      `subjectAltName=URI:${opts.spiffeId}`,
    ],
    { timeout: 10_000 },
  );
  const Ctor = grpc.makeGenericClientConstructor(csrServiceDefinition(), 'CertificateService');
  const client = new Ctor(`127.0.0.1:${opts.tlsPort}`, grpc.credentials.createSsl(Buffer.from(opts.roots)), {
    'grpc.ssl_target_name_override': 'localhost',
  }) as unknown as CsrClient;
  try {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${opts.token}`);
    const csrPem = await fs.readFile(csrFile, 'utf8');
    const signed = await new Promise<CreateCertificateResponse>((resolve, reject) =>
      client.CreateCertificate(
        { csr_pem: csrPem, validity_seconds: 3600 },
        metadata,
        { deadline: Date.now() + 10_000 },
        (err, res) => (err || !res ? reject(err ?? new Error('no response')) : resolve(res)),
      ),
    );
    const certificateFile = path.join(opts.dir, 'cert-chain.pem');
    const caCertificateFile = path.join(opts.dir, 'roots.pem');
    await fs.writeFile(certificateFile, signed.cert_chain.join(''));
    await fs.writeFile(caCertificateFile, signed.trust_bundle_pem);
    return { certificateFile, privateKeyFile, caCertificateFile };
  } finally {
    client.close();
  }
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
