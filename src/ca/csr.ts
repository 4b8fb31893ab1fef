// Checking a PKCS#10 certificate signing request (RFC 2986) from a workload that authenticated
// as `authenticated`. Everything here is untrusted input: the text is bounded first, then read as
// PEM, checked as DER, parsed, and its self-signature verified, before any field is believed.
// Every refusal is a value with a code the gRPC layer maps and a message naming what was wrong;
// nothing throws.
//
// What is issued is the authenticated identity, and only that. A CSR may ask for exactly that
// SPIFFE ID or for no SAN at all (decided: Istio's and SPIRE's agents send the ID, other clients
// may not; with no SAN the certificate carries the identity the caller proved, and a note says
// so). Anything the certificate would not carry as asked is refused rather than silently changed:
// another identity, extra SANs, DNS/IP/email SANs, CA:true, keyCertSign, other key usages or EKUs,
// other extensions. The subject is never copied (workload certificates have an empty subject);
// a non-empty one is noted, not refused, because agents commonly set one.
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { CertificationRequest } from '@peculiar/asn1-csr';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  BasicConstraints,
  ExtendedKeyUsage,
  Extensions,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_kp_clientAuth,
  id_kp_serverAuth,
  KeyUsage,
  KeyUsageFlags,
  SubjectAlternativeName,
} from '@peculiar/asn1-x509';
import {
  describeIdentity,
  parseSpiffeId,
  sameIdentity,
  spiffeId,
  type WorkloadIdentity,
} from '../model/identity.js';
import { fail, ok, type Result } from '../model/result.js';
import { checkDer, children, readElement } from './der.js';
import { describeKey, type KeyKind } from './keys.js';
import { readPem } from './pem.js';

export type CsrErrorCode = 'PERMISSION_DENIED' | 'INVALID_ARGUMENT';

export interface CsrError {
  readonly code: CsrErrorCode;
  readonly message: string;
}

export interface CheckedCsr {
  readonly spkiDer: Buffer;
  readonly keyKind: KeyKind;
  readonly notes: readonly string[];
}

/** A CSR with a P-384 or RSA-4096 key and a few extensions is under 3 KiB of PEM. */
export const MAX_CSR_PEM_CHARS = 64 * 1024;

const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const SIGNATURE_ALGORITHMS: Record<string, { name: string; key: 'ec' | 'rsa'; hash: string }> = {
  '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', key: 'ec', hash: 'sha256' },
  '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', key: 'ec', hash: 'sha384' },
  '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', key: 'ec', hash: 'sha512' },
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', key: 'rsa', hash: 'sha256' },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', key: 'rsa', hash: 'sha384' },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', key: 'rsa', hash: 'sha512' },
};
const ACCEPTED_KEYS = 'EC P-256, EC P-384, RSA 2048 to 4096';

const invalid = (message: string): CsrError => ({ code: 'INVALID_ARGUMENT', message });
const refuse = (message: string) => fail([invalid(message)]);

export function checkCsr(csrPem: unknown, authenticated: WorkloadIdentity): Result<CheckedCsr, CsrError> {
  if (typeof csrPem !== 'string') return refuse('the CSR must be PEM text');
  if (csrPem.length > MAX_CSR_PEM_CHARS)
    return refuse(`the CSR is ${csrPem.length} characters, over the ${MAX_CSR_PEM_CHARS} allowed`);
  const pem = readPem(csrPem, 2);
  if ('error' in pem) return refuse(`malformed PEM: ${pem.error}`);
  if (pem.blocks.length !== 1)
    return refuse(`expected one CERTIFICATE REQUEST PEM block, found ${pem.blocks.length}`);
  const block = pem.blocks[0]!;
  if (block.label !== 'CERTIFICATE REQUEST' && block.label !== 'NEW CERTIFICATE REQUEST')
    return refuse(`expected a CERTIFICATE REQUEST PEM block, found ${block.label}`);
  const der = block.der;

  const damage = checkDer(der);
  if (damage) return refuse(`malformed DER: ${damage}`);
  const parts = rawParts(der);
  if (typeof parts === 'string') return refuse(`not a PKCS#10 CertificationRequest: ${parts}`);
  let csr: CertificationRequest;
  try {
    csr = AsnConvert.parse(der, CertificationRequest);
  } catch (err) {
    return refuse(`not a PKCS#10 CertificationRequest: ${(err as Error).message}`);
  }
  const info = csr.certificationRequestInfo;
  if (info.version !== 0) return refuse(`CSR version ${info.version} is not 0 (v1)`);

  let key: KeyObject;
  try {
    key = createPublicKey({ key: parts.spki, format: 'der', type: 'spki' });
  } catch (err) {
    return refuse(`the CSR's public key cannot be read: ${(err as Error).message}`);
  }
  const keyKind = acceptedKey(key);
  if (keyKind === 'other')
    return refuse(`unsupported key type ${describeKey(key)}: accepted are ${ACCEPTED_KEYS}`);

  const algorithm = SIGNATURE_ALGORITHMS[csr.signatureAlgorithm.algorithm];
  if (!algorithm)
    return refuse(
      `signature algorithm ${csr.signatureAlgorithm.algorithm} is not accepted (ECDSA or RSA PKCS#1 v1.5 with SHA-2)`,
    );
  if (algorithm.key !== keyKind)
    return refuse(`signature algorithm ${algorithm.name} does not fit the ${describeKey(key)} key`);
  let signed: boolean;
  try {
    signed = verify(algorithm.hash, parts.info, key, Buffer.from(csr.signature));
  } catch {
    signed = false;
  }
  if (!signed)
    return refuse(
      `the CSR's self-signature (${algorithm.name}) does not verify: the request was altered or its key is not the signer's`,
    );

  const notes: string[] = [];
  const errors: CsrError[] = [];
  if (info.subject.length > 0)
    notes.push('the CSR names a subject; it is not copied (workload certificates have an empty subject)');
  let extensions: Extensions | undefined;
  for (const attribute of info.attributes ?? []) {
    if (attribute.type !== OID_EXTENSION_REQUEST) {
      notes.push(`CSR attribute ${attribute.type} ignored`);
      continue;
    }
    if (extensions || attribute.values.length !== 1) {
      errors.push(invalid('the CSR has more than one extensionRequest'));
      continue;
    }
    try {
      extensions = AsnConvert.parse(attribute.values[0]!, Extensions);
    } catch (err) {
      errors.push(invalid(`the CSR's extensionRequest cannot be read: ${(err as Error).message}`));
    }
  }
  const seen = new Set<string>();
  let askedSan = false;
  for (const extension of extensions ?? []) {
    if (seen.has(extension.extnID)) {
      errors.push(invalid(`extension ${extensionName(extension.extnID)} appears twice`));
      continue;
    }
    seen.add(extension.extnID);
    try {
      if (extension.extnID === id_ce_subjectAltName) {
        askedSan = true;
        errors.push(
          ...checkSan(AsnConvert.parse(extension.extnValue.buffer, SubjectAlternativeName), authenticated),
        );
      } else errors.push(...checkOther(extension.extnID, extension.extnValue.buffer, keyKind));
    } catch (err) {
      errors.push(
        invalid(`extension ${extensionName(extension.extnID)} cannot be read: ${(err as Error).message}`),
      );
    }
  }
  if (errors.length > 0) return fail(errors);
  if (!askedSan)
    notes.push(
      `the CSR asks for no SAN; the certificate names the authenticated identity ${spiffeId(authenticated)}`,
    );
  return ok({ spkiDer: parts.spki, keyKind, notes });
}

function acceptedKey(key: KeyObject): KeyKind | 'other' {
  const details = key.asymmetricKeyDetails ?? {};
  if (
    key.asymmetricKeyType === 'ec' &&
    (details.namedCurve === 'prime256v1' || details.namedCurve === 'secp384r1')
  )
    return 'ec';
  const bits = details.modulusLength ?? 0;
  if (key.asymmetricKeyType === 'rsa' && bits >= 2048 && bits <= 4096) return 'rsa';
  return 'other';
}

function checkSan(san: SubjectAlternativeName, authenticated: WorkloadIdentity): CsrError[] {
  const errors: CsrError[] = [];
  if (san.length !== 1)
    errors.push(
      invalid(
        `the CSR asks for ${san.length} SANs; a workload certificate carries exactly one, its SPIFFE ID`,
      ),
    );
  for (const name of san) {
    if (name.uniformResourceIdentifier !== undefined) {
      const uri = name.uniformResourceIdentifier;
      const asked = parseSpiffeId(uri);
      if (!asked.ok) errors.push(invalid(`URI SAN is not a SPIFFE ID: ${asked.errors[0]}`));
      else if (!sameIdentity(asked.value, authenticated))
        errors.push({
          code: 'PERMISSION_DENIED',
          message: `the CSR asks for ${spiffeId(asked.value)} but the caller authenticated as ${spiffeId(authenticated)} (${describeIdentity(authenticated)})`,
        });
    } else if (name.dNSName !== undefined)
      errors.push(
        invalid(
          `DNS SAN "${cut(name.dNSName)}" is not allowed: workload certificates name only their SPIFFE ID`,
        ),
      );
    else if (name.iPAddress !== undefined)
      errors.push(
        invalid(
          `IP SAN ${cut(name.iPAddress)} is not allowed: workload certificates name only their SPIFFE ID`,
        ),
      );
    else if (name.rfc822Name !== undefined)
      errors.push(
        invalid(
          `email SAN "${cut(name.rfc822Name)}" is not allowed: workload certificates name only their SPIFFE ID`,
        ),
      );
    else
      errors.push(
        invalid(
          `a SAN of type ${Object.keys(name)[0] ?? 'unknown'} is not allowed: workload certificates name only their SPIFFE ID`,
        ),
      );
  }
  return errors;
}

const KEY_USAGE_NAMES: [number, string][] = Object.entries(KeyUsageFlags)
  .filter(([, v]) => typeof v === 'number')
  .map(([k, v]) => [v as number, k]);

function checkOther(id: string, value: ArrayBuffer, keyKind: KeyKind): CsrError[] {
  if (id === id_ce_basicConstraints) {
    const bc = AsnConvert.parse(value, BasicConstraints);
    if (bc.cA)
      return [invalid('the CSR asks for basicConstraints CA:true: workload certificates cannot be CAs')];
    if (bc.pathLenConstraint !== undefined)
      return [invalid('the CSR asks for a pathLenConstraint, which only CAs carry')];
    return [];
  }
  if (id === id_ce_keyUsage) {
    const bits = AsnConvert.parse(value, KeyUsage).toNumber();
    const allowed = KeyUsageFlags.digitalSignature | (keyKind === 'rsa' ? KeyUsageFlags.keyEncipherment : 0);
    const extra = KEY_USAGE_NAMES.filter(([flag]) => (bits & flag) !== 0 && (allowed & flag) === 0).map(
      ([, n]) => n,
    );
    if (extra.length === 0) return [];
    const signing = extra.filter((n) => n === 'keyCertSign' || n === 'cRLSign');
    return [
      invalid(
        signing.length > 0
          ? `the CSR asks for key usage ${extra.join(', ')}: workload certificates cannot sign certificates or CRLs`
          : `the CSR asks for key usage ${extra.join(', ')}, which workload certificates do not carry`,
      ),
    ];
  }
  if (id === id_ce_extKeyUsage) {
    const extra = AsnConvert.parse(value, ExtendedKeyUsage).filter(
      (p) => p !== id_kp_serverAuth && p !== id_kp_clientAuth,
    );
    return extra.length === 0
      ? []
      : [
          invalid(
            `the CSR asks for extended key usage ${extra.join(', ')}; only serverAuth and clientAuth are issued`,
          ),
        ];
  }
  return [invalid(`the CSR asks for extension ${extensionName(id)}, which this CA does not issue`)];
}

function extensionName(id: string): string {
  const names: Record<string, string> = {
    [id_ce_subjectAltName]: 'subjectAltName',
    [id_ce_basicConstraints]: 'basicConstraints',
    [id_ce_keyUsage]: 'keyUsage',
    [id_ce_extKeyUsage]: 'extKeyUsage',
    '2.5.29.14': 'subjectKeyIdentifier',
    '2.5.29.35': 'authorityKeyIdentifier',
    '2.5.29.30': 'nameConstraints',
  };
  return names[id] ? `${names[id]} (${id})` : id;
}

// CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm, signature };
// the info's exact bytes are what was signed, and its third field is the key.
function rawParts(der: Buffer): { info: Buffer; spki: Buffer } | string {
  const outer = readElement(der, 0);
  if (typeof outer === 'string') return outer;
  const top = children(der, outer);
  if (typeof top === 'string') return top;
  if (top.length !== 3 || top[0]!.tag !== 0x30 || top[1]!.tag !== 0x30 || top[2]!.tag !== 0x03)
    return 'expected SEQUENCE { info, algorithm, BIT STRING signature }';
  const fields = children(der, top[0]!);
  if (typeof fields === 'string') return fields;
  const spki = fields[2];
  if (spki?.tag !== 0x30) return 'the request info has no public key';
  return { info: der.subarray(top[0]!.start, top[0]!.end), spki: der.subarray(spki.start, spki.end) };
}

function cut(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}… (${text.length} characters)` : text;
}
