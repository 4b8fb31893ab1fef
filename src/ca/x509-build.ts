// Certificates described with asn1-x509's structures: the extensions of each profile (leaf, CA),
// the TBSCertificate, and signing. CA certificates are built here whole; workload leaves reuse the
// serialised constant parts through leaf-template.ts, which a test holds byte-equal to building the
// same leaf here.
import { createHash, type KeyObject, sign } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AuthorityKeyIdentifier,
  BasicConstraints,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_clientAuth,
  id_kp_serverAuth,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { bitString, children, readElement, sequence } from './der.js';
import type { KeyKind, SignatureScheme } from './keys.js';

/** A leaf's one kind of SAN: the SPIFFE URI of a workload, or DNS names of a serving cert. */
export type SubjectAltNames = { readonly uri: string } | { readonly dns: readonly string[] };

export function generalNames(san: SubjectAltNames): GeneralName[] {
  return 'uri' in san
    ? [new GeneralName({ uniformResourceIdentifier: san.uri })]
    : san.dns.map((dNSName) => new GeneralName({ dNSName }));
}

function extension(extnID: string, critical: boolean, value: object): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/** digitalSignature, plus keyEncipherment for RSA keys (RSA key transport, RFC 5280 4.2.1.3). */
export function leafKeyUsage(kind: KeyKind): Extension {
  const flags =
    kind === 'rsa'
      ? KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment
      : KeyUsageFlags.digitalSignature;
  return extension(id_ce_keyUsage, true, new KeyUsage(flags));
}

export function leafExtendedKeyUsage(): Extension {
  return extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([id_kp_serverAuth, id_kp_clientAuth]));
}

export function leafBasicConstraints(): Extension {
  return extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: false }));
}

export function subjectKeyIdentifier(keyId: Uint8Array): Extension {
  return extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(toArrayBuffer(keyId)));
}

export function authorityKeyIdentifier(keyId: Uint8Array): Extension {
  return extension(
    id_ce_authorityKeyIdentifier,
    false,
    new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(toArrayBuffer(keyId)) }),
  );
}

/** Critical: the subject is empty, so the SAN is the name (RFC 5280 4.2.1.6, X.509-SVID 4.1). */
export function subjectAltName(san: SubjectAltNames): Extension {
  return extension(id_ce_subjectAltName, true, new SubjectAlternativeName(generalNames(san)));
}

/** The leaf profile, in the order leaf-template.ts writes it. */
export function leafExtensions(
  san: SubjectAltNames,
  kind: KeyKind,
  subjectKeyId: Uint8Array,
  issuerKeyId: Uint8Array,
): Extension[] {
  return [
    leafKeyUsage(kind),
    leafExtendedKeyUsage(),
    leafBasicConstraints(),
    subjectKeyIdentifier(subjectKeyId),
    authorityKeyIdentifier(issuerKeyId),
    subjectAltName(san),
  ];
}

/** A CA: CA:true (critical), keyCertSign + cRLSign (critical), its key id, its issuer's. */
export function caExtensions(subjectKeyId: Uint8Array, issuerKeyId: Uint8Array | undefined): Extension[] {
  return [
    extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: true })),
    extension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign)),
    subjectKeyIdentifier(subjectKeyId),
    ...(issuerKeyId ? [authorityKeyIdentifier(issuerKeyId)] : []),
  ];
}

export interface TbsFields {
  readonly serial: Uint8Array;
  readonly scheme: SignatureScheme;
  readonly issuerDer: Uint8Array;
  readonly subjectDer: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly spkiDer: Uint8Array;
  readonly extensions: readonly Extension[];
}

export function tbsCertificate(fields: TbsFields): TBSCertificate {
  return new TBSCertificate({
    version: Version.v3,
    serialNumber: toArrayBuffer(positive(fields.serial)),
    signature: AsnConvert.parse(fields.scheme.algorithmDer, AlgorithmIdentifier),
    issuer: AsnConvert.parse(fields.issuerDer, Name),
    validity: new Validity({ notBefore: fields.notBefore, notAfter: fields.notAfter }),
    subject: AsnConvert.parse(fields.subjectDer, Name),
    subjectPublicKeyInfo: AsnConvert.parse(fields.spkiDer, SubjectPublicKeyInfo),
    extensions: new Extensions([...fields.extensions]),
  });
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } (RFC 5280 4.1). */
export function signTbs(tbsDer: Uint8Array, scheme: SignatureScheme, key: KeyObject): Buffer {
  // ECDSA signatures come out DER-encoded (Ecdsa-Sig-Value), as X.509 wants them.
  const signature = sign(scheme.hash, tbsDer, key);
  return sequence(tbsDer, scheme.algorithmDer, bitString(signature));
}

export function buildCertificate(fields: TbsFields, key: KeyObject): Buffer {
  return signTbs(Buffer.from(AsnConvert.serialize(tbsCertificate(fields))), fields.scheme, key);
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's value. */
export function keyIdOf(spkiDer: Uint8Array): Buffer {
  const outer = readElement(spkiDer, 0);
  if (typeof outer === 'string') throw new Error(`SPKI: ${outer}`);
  const parts = children(spkiDer, outer);
  if (typeof parts === 'string' || parts.length !== 2) throw new Error('SPKI is not a SEQUENCE of two');
  const key = parts[1]!;
  return createHash('sha1')
    .update(spkiDer.subarray(key.valueStart + 1, key.end))
    .digest();
}

/** A DER INTEGER is signed: asn1-schema writes the magnitude as given, so a set top bit gets a 0. */
function positive(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const body = magnitude.subarray(start);
  return (body[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), body]) : body;
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
