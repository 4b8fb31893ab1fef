// The CSR API (proto/trellis/ca/v1/ca.proto) as a grpc-js service: authenticate the caller the way
// xDS streams are, hand the CSR and the proved identity to the signer, and map its refusals to gRPC
// codes. How a call is authenticated is injected (the xDS server's own check), so this module
// knows nothing of tokens or certificates, and the signer knows nothing of gRPC.
import fs from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Logger } from '../log.js';
import { describeIdentity, type WorkloadIdentity } from '../model/identity.js';
import type { Result } from '../model/result.js';

export interface CsrRefusal {
  readonly code: 'PERMISSION_DENIED' | 'INVALID_ARGUMENT';
  readonly message: string;
}

export interface SignedChain {
  /** The leaf first, then intermediates. */
  readonly certChainPem: readonly string[];
  readonly trustBundlePem: string;
  readonly notes: readonly string[];
}

/** What the CA does for this service. */
export interface CsrSigner {
  sign(
    csrPem: string,
    identity: WorkloadIdentity,
    validityMs: number | undefined,
  ): Result<SignedChain, CsrRefusal>;
}

export type CallAuthenticator = (
  call: grpc.ServerUnaryCall<unknown, unknown>,
) => Promise<Result<WorkloadIdentity, { readonly code: grpc.status; readonly details: string }>>;

interface CreateCertificateRequest {
  readonly csr_pem?: string;
  readonly validity_seconds?: string | number;
}

interface CreateCertificateResponse {
  readonly cert_chain: readonly string[];
  readonly trust_bundle_pem: string;
  readonly notes: readonly string[];
}

// Ten years is beyond any validity a workload may ask for; anything larger is a malformed request.
const MAX_VALIDITY_SECONDS = 10 * 365 * 24 * 3600;

let definition: grpc.ServiceDefinition | undefined;

/** The service definition, loaded once from the .proto (beside src/, or the source tree's from dist/). */
export function csrServiceDefinition(): grpc.ServiceDefinition {
  if (definition) return definition;
  const here = path.dirname(new URL(import.meta.url).pathname);
  const relative = 'proto/trellis/ca/v1/ca.proto';
  const file = [path.resolve(here, '../..', relative), path.resolve(here, '../../..', relative)].find((f) =>
    fs.existsSync(f),
  );
  if (!file) throw new Error(`${relative} not found from ${here}`);
  const loaded = protoLoader.loadSync(file, { keepCase: true, longs: String, defaults: true });
  const service = grpc.loadPackageDefinition(loaded).trellis as unknown as {
    ca: { v1: { CertificateService: { service: grpc.ServiceDefinition } } };
  };
  definition = service.ca.v1.CertificateService.service;
  return definition;
}

export function addCsrService(
  server: grpc.Server,
  options: { readonly signer: CsrSigner; readonly authenticate: CallAuthenticator; readonly logger: Logger },
): void {
  server.addService(csrServiceDefinition(), {
    CreateCertificate: (
      call: grpc.ServerUnaryCall<CreateCertificateRequest, CreateCertificateResponse>,
      callback: grpc.sendUnaryData<CreateCertificateResponse>,
    ) => {
      createCertificate(call, options).then(
        (response) => callback(null, response),
        (err: { code?: grpc.status; details?: string } | Error) => {
          if (err instanceof Error) {
            options.logger.error({ err }, 'CSR API failed');
            return callback({ code: grpc.status.INTERNAL, details: 'internal error' });
          }
          callback({ code: err.code ?? grpc.status.INTERNAL, details: err.details ?? 'internal error' });
        },
      );
    },
  });
}

async function createCertificate(
  call: grpc.ServerUnaryCall<CreateCertificateRequest, CreateCertificateResponse>,
  options: { readonly signer: CsrSigner; readonly authenticate: CallAuthenticator; readonly logger: Logger },
): Promise<CreateCertificateResponse> {
  const caller = await options.authenticate(call as grpc.ServerUnaryCall<unknown, unknown>);
  if (!caller.ok) throw caller.errors[0]!;
  const identity = caller.value;
  const request = call.request;
  const seconds = Number(request.validity_seconds ?? 0);
  if (!Number.isSafeInteger(seconds) || seconds < 0 || seconds > MAX_VALIDITY_SECONDS)
    throw invalid(`validity_seconds must be between 0 and ${MAX_VALIDITY_SECONDS}`);
  const signed = options.signer.sign(
    request.csr_pem ?? '',
    identity,
    seconds > 0 ? seconds * 1000 : undefined,
  );
  if (!signed.ok) {
    const refusal = signed.errors[0]!;
    options.logger.warn(
      { identity: describeIdentity(identity), code: refusal.code, reason: refusal.message },
      'CSR refused',
    );
    throw {
      code:
        refusal.code === 'PERMISSION_DENIED' ? grpc.status.PERMISSION_DENIED : grpc.status.INVALID_ARGUMENT,
      details: signed.errors.map((e) => e.message).join('; '),
    };
  }
  options.logger.info({ identity: describeIdentity(identity) }, 'CSR signed');
  return {
    cert_chain: signed.value.certChainPem,
    trust_bundle_pem: signed.value.trustBundlePem,
    notes: signed.value.notes,
  };
}

function invalid(details: string): { code: grpc.status; details: string } {
  return { code: grpc.status.INVALID_ARGUMENT, details };
}
