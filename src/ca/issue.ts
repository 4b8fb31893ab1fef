// Issuing one leaf from a signing chain: validity (back-dated for skew, never past the chain),
// a random serial, and the certificate chain as PEM. The authority supplies the chain; CSR signing
// and key generation both end here, so the validity rules are written once.
import { randomBytes } from 'node:crypto';
import type { CertInfo } from './cert-info.js';
import { magnitudeHex } from './der.js';
import type { KeyKind } from './keys.js';
import type { LeafTemplate } from './leaf-template.js';
import type { SubjectAltNames } from './x509-build.js';

export interface IssuedCertificate {
  /** The leaf, then the intermediates up to (not including) the root, PEM. */
  readonly certChainPem: string;
  /** PKCS#8, PEM. */
  readonly privateKeyPem: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Lower-case hex of the serial's value, as `openssl x509 -serial` prints it. */
  readonly serialNumberHex: string;
  /** SHA-256 of the signing certificate's DER, lower-case hex. */
  readonly issuerFingerprint: string;
  /** What was changed from what was asked, such as a validity cut to the issuer's; empty mostly. */
  readonly notes: readonly string[];
}

/** A certificate signed from a CSR: the workload keeps its key. */
export type SignedCertificate = Omit<IssuedCertificate, 'privateKeyPem'>;

export const HOUR_MS = 3_600_000;
export const DEFAULT_WORKLOAD_TTL_MS = 24 * HOUR_MS;
/** Clock skew allowed between the CA and the peers that check a leaf. */
export const BACKDATE_MS = 5 * 60_000;

/** The chain that signs: the template of its signing certificate and what bounds a leaf. */
export interface IssuingChain {
  readonly template: LeafTemplate;
  readonly signing: CertInfo;
  /** Signing certificate then intermediates, PEM; empty text when the root signs. */
  readonly chainPem: string;
  /** Every certificate from the signing one up to and including the root. */
  readonly path: readonly CertInfo[];
}

export interface LeafRequest {
  readonly spkiDer: Buffer;
  readonly keyKind: KeyKind;
  readonly san: SubjectAltNames;
  readonly ttlMs: number;
}

export function issueLeaf(chain: IssuingChain, request: LeafRequest, nowMs: number): SignedCertificate {
  const notes: string[] = [];
  const earliest = Math.max(...chain.path.map((c) => c.notBefore.getTime()));
  const limit = chain.path.reduce((a, b) => (b.notAfter.getTime() < a.notAfter.getTime() ? b : a));
  if (limit.notAfter.getTime() <= nowMs)
    throw new Error(
      `cannot issue: CA certificate "${limit.subject}" expired at ${limit.notAfter.toISOString()}`,
    );
  const notBefore = seconds(Math.max(nowMs - BACKDATE_MS, earliest));
  let notAfter = seconds(nowMs + request.ttlMs);
  if (notAfter.getTime() > limit.notAfter.getTime()) {
    notes.push(
      `validity cut to ${limit.notAfter.toISOString()}: a certificate cannot outlive its issuer "${limit.subject}" ` +
        `(asked until ${notAfter.toISOString()})`,
    );
    notAfter = limit.notAfter;
  }
  const serial = randomBytes(16);
  const der = chain.template.certificate({ ...request, serial, notBefore, notAfter });
  return {
    certChainPem: toPemFast(der) + chain.chainPem,
    notBefore,
    notAfter,
    serialNumberHex: magnitudeHex(serial),
    issuerFingerprint: chain.signing.fingerprintSha256,
    notes,
  };
}

function seconds(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}

function toPemFast(der: Buffer): string {
  const base64 = der.toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
