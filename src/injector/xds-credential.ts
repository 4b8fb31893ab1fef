// The pure half of the sidecar's credential step (credential-agent.ts does the I/O): make a key and
// a CSR for the CSR API, turn its answer into the two file-based SDS resources the bootstrap's
// `xds-grpc` cluster reads (bootstrap.ts fileSecret), and say when to renew. Every file is checked
// by the strict encoder first, so a file Envoy would refuse is never written.
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { buildCsr } from '../ca/csr-build.js';
import { generateKey, type KeyAlgorithm } from '../ca/keys.js';
import { rotationTime } from '../ca/rotation.js';
import type { Secret } from '../generated/envoy/extensions/transport_sockets/tls/v3/Secret.js';
import { fail, ok, type Result } from '../model/result.js';
import { envoyType } from '../xds/envoy/proto-root.js';
import { encodeMessage, formatFieldError } from '../xds/envoy/resource-codec.js';
import { typed } from '../xds/translate/filters.js';
import {
  CA_ROOT_DIR,
  CA_ROOT_KEY,
  joinPath,
  XDS_CLIENT_FILE,
  XDS_CLIENT_SECRET,
  XDS_ROOT_FILE,
  XDS_ROOT_SECRET,
} from './sidecar-layout.js';

const SECRET_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';
const DISCOVERY_RESPONSE = 'envoy.service.discovery.v3.DiscoveryResponse';

export interface CredentialRequest {
  /** PKCS#8 PEM; never leaves the pod. */
  readonly privateKeyPem: string;
  /** No SAN: the CA names the identity the token proved (src/ca/csr.ts). */
  readonly csrPem: string;
}

export function credentialRequest(algorithm: KeyAlgorithm = 'ecdsa-p256'): CredentialRequest {
  const key = generateKey(algorithm);
  return {
    privateKeyPem: key.privateKeyPem,
    csrPem: buildCsr({ key: createPrivateKey(key.privateKeyPem) }),
  };
}

/** What CreateCertificate answered (proto/trellis/ca/v1/ca.proto). */
export interface SignedCredential {
  readonly certChainPem: readonly string[];
  readonly trustBundlePem: string;
}

/** One file of the credentials directory: its name and its whole text. */
export interface CredentialFile {
  readonly name: string;
  readonly text: string;
}

export interface XdsCredential {
  readonly files: readonly CredentialFile[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The leaf's SPIFFE ID, for the log line that says who the sidecar now is. */
  readonly identity: string;
}

/**
 * The files for a signed answer, after checking what Envoy would otherwise find out at handshake
 * time: a leaf that matches the key, inside its validity, with a SPIFFE ID.
 */
export function xdsCredential(
  signed: SignedCredential,
  privateKeyPem: string,
  nowMs: number,
): Result<XdsCredential, string> {
  const [leafPem] = signed.certChainPem;
  if (!leafPem) return fail(['the CSR API answered an empty chain']);
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(leafPem);
  } catch (e) {
    return fail([`the leaf certificate cannot be read: ${e instanceof Error ? e.message : String(e)}`]);
  }
  const publicDer = (pem: string | X509Certificate) =>
    (typeof pem === 'string' ? createPublicKey(createPrivateKey(pem)) : pem.publicKey).export({
      type: 'spki',
      format: 'der',
    });
  if (!publicDer(leaf).equals(publicDer(privateKeyPem)))
    return fail(['the leaf certificate is not for the key this step made']);
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  if (!(notBefore.getTime() <= nowMs && nowMs < notAfter.getTime()))
    return fail([`the leaf certificate is not valid now (${leaf.validFrom} to ${leaf.validTo})`]);
  const identity = /URI:(spiffe:\/\/[^,\s]+)/.exec(leaf.subjectAltName ?? '')?.[1];
  if (!identity) return fail(['the leaf certificate names no SPIFFE ID']);
  const client = sdsFile({
    name: XDS_CLIENT_SECRET,
    tls_certificate: {
      certificate_chain: { inline_string: signed.certChainPem.join('') },
      private_key: { inline_string: privateKeyPem },
    },
  });
  if (!client.ok) return client;
  const root = xdsRootFile();
  if (!root.ok) return root;
  return ok({
    files: [root.value, client.value],
    notBefore,
    notAfter,
    identity,
  });
}

/**
 * The trust bundle Envoy checks Trellis's serving certificate against: the mounted ConfigMap's
 * file, reloaded when the kubelet swaps the ConfigMap's `..data` link (a move in that directory),
 * so a root Trellis stages is trusted before it signs the serving certificate.
 */
export function xdsRootFile(): Result<CredentialFile, string> {
  return sdsFile({
    name: XDS_ROOT_SECRET,
    validation_context: {
      trusted_ca: { filename: joinPath(CA_ROOT_DIR, CA_ROOT_KEY) },
      watched_directory: { path: CA_ROOT_DIR },
    },
  });
}

/** When to ask again: Trellis's own rule for its certificates, 50-60 % of the life (src/ca/rotation.ts). */
export function renewalTime(
  credential: Pick<XdsCredential, 'notBefore' | 'notAfter'>,
  random: () => number,
): Date {
  return rotationTime(credential, random);
}

/** A file-based SDS source is a DiscoveryResponse holding exactly one Secret, named as the config asks. */
function sdsFile(secret: Secret & { name: string }): Result<CredentialFile, string> {
  const response = { resources: [typed(SECRET_TYPE, secret)] };
  const checked = encodeMessage(envoyType(DISCOVERY_RESPONSE), response);
  if (!checked.ok)
    return fail(checked.errors.map((e) => `SDS file for ${secret.name}: ${formatFieldError(e)}`));
  const name = secret.name === XDS_CLIENT_SECRET ? XDS_CLIENT_FILE : XDS_ROOT_FILE;
  return ok({ name, text: `${JSON.stringify(response, null, 2)}\n` });
}
