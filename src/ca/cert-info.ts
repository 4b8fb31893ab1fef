// Reading a certificate the CA holds or was handed: the facts the authority checks at load and
// the raw bytes it reuses (the subject, to write as a leaf's issuer byte for byte). Parsing goes
// through the DER check first, so a damaged file is a reason, not an exception.
import { createHash, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  BasicConstraints,
  Certificate,
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  SubjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { checkDer, children, readElement } from './der.js';
import { toPem } from './pem.js';
import { keyIdOf } from './x509-build.js';

export interface CertInfo {
  readonly der: Buffer;
  readonly pem: string;
  readonly subjectDer: Buffer;
  readonly issuerDer: Buffer;
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly isCa: boolean;
  /** keyCertSign allowed: true when set, or when the certificate has no key usage at all. */
  readonly mayCertSign: boolean;
  readonly keyId: Buffer;
  readonly fingerprintSha256: string;
  readonly publicKey: KeyObject;
  readonly x509: X509Certificate;
}

export function fingerprintSha256(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

export function readCertificate(der: Buffer): CertInfo | string {
  const damage = checkDer(der);
  if (damage) return `not a DER certificate: ${damage}`;
  try {
    const cert = AsnConvert.parse(der, Certificate);
    const raw = rawNames(der);
    if (typeof raw === 'string') return raw;
    const x509 = new X509Certificate(der);
    const extensions = cert.tbsCertificate.extensions ?? [];
    const find = (id: string) => extensions.find((e) => e.extnID === id);
    const bc = find(id_ce_basicConstraints);
    const ku = find(id_ce_keyUsage);
    const ski = find(id_ce_subjectKeyIdentifier);
    const isCa = bc ? AsnConvert.parse(bc.extnValue.buffer, BasicConstraints).cA : false;
    const mayCertSign = ku
      ? (AsnConvert.parse(ku.extnValue.buffer, KeyUsage).toNumber() & KeyUsageFlags.keyCertSign) !== 0
      : true;
    const spkiDer = Buffer.from(AsnConvert.serialize(cert.tbsCertificate.subjectPublicKeyInfo));
    const keyId = ski
      ? Buffer.from(AsnConvert.parse(ski.extnValue.buffer, SubjectKeyIdentifier).buffer)
      : keyIdOf(spkiDer);
    return {
      der,
      pem: toPem('CERTIFICATE', der),
      subjectDer: raw.subject,
      issuerDer: raw.issuer,
      subject: x509.subject.replace(/\n/g, ', ') || '(empty subject)',
      notBefore: cert.tbsCertificate.validity.notBefore.getTime(),
      notAfter: cert.tbsCertificate.validity.notAfter.getTime(),
      isCa,
      mayCertSign,
      keyId,
      fingerprintSha256: fingerprintSha256(der),
      publicKey: createPublicKey({ key: spkiDer, format: 'der', type: 'spki' }),
      x509,
    };
  } catch (err) {
    return `not a valid X.509 certificate: ${err instanceof Error ? err.message : String(err)}`;
  }
}

// TBSCertificate ::= SEQUENCE { [0] version, serial, signature, issuer, validity, subject, ... }
function rawNames(der: Buffer): { subject: Buffer; issuer: Buffer } | string {
  const outer = readElement(der, 0);
  if (typeof outer === 'string') return outer;
  const top = children(der, outer);
  if (typeof top === 'string' || !top[0]) return 'certificate has no TBSCertificate';
  const fields = children(der, top[0]);
  if (typeof fields === 'string') return fields;
  const first = fields[0]?.tag === 0xa0 ? 1 : 0;
  const issuer = fields[first + 2];
  const subject = fields[first + 4];
  if (!issuer || !subject) return 'TBSCertificate is missing its issuer or subject';
  return {
    issuer: der.subarray(issuer.start, issuer.end),
    subject: der.subarray(subject.start, subject.end),
  };
}
