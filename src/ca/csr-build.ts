// Building a PKCS#10 request (RFC 2986): the workload side of the CSR API will send these, and the
// tests build well-formed requests with every kind of unwanted content from it. Any key node:crypto
// can sign with is accepted here, on purpose: refusing keys is the CA's job (csr.ts).
import { createPublicKey, type KeyObject, sign } from 'node:crypto';
import { CertificationRequest, CertificationRequestInfo } from '@peculiar/asn1-csr';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  Attribute,
  type Extension,
  Extensions,
  Name,
  SubjectPublicKeyInfo,
} from '@peculiar/asn1-x509';
import { toPem } from './pem.js';

export interface CsrSpec {
  readonly key: KeyObject;
  /** Extensions to request (extensionRequest); none when empty. */
  readonly extensions?: readonly Extension[];
  /** A subject Name, DER; empty by default. */
  readonly subjectDer?: Uint8Array;
}

function signer(key: KeyObject): { algorithm: AlgorithmIdentifier; hash: string | null } {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const [oid, hash] =
        curve === 'secp384r1'
          ? ['1.2.840.10045.4.3.3', 'sha384']
          : curve === 'secp521r1'
            ? ['1.2.840.10045.4.3.4', 'sha512']
            : ['1.2.840.10045.4.3.2', 'sha256'];
      return { algorithm: new AlgorithmIdentifier({ algorithm: oid }), hash };
    }
    case 'rsa':
      return {
        algorithm: new AlgorithmIdentifier({ algorithm: '1.2.840.113549.1.1.11', parameters: null }),
        hash: 'sha256',
      };
    case 'ed25519':
      return { algorithm: new AlgorithmIdentifier({ algorithm: '1.3.101.112' }), hash: null };
    case 'ed448':
      return { algorithm: new AlgorithmIdentifier({ algorithm: '1.3.101.113' }), hash: null };
    default:
      throw new TypeError(`buildCsr: cannot sign with a ${key.asymmetricKeyType} key`);
  }
}

export function buildCsrDer(spec: CsrSpec): Buffer {
  const spki = createPublicKey(spec.key).export({ type: 'spki', format: 'der' });
  const extensions = spec.extensions ?? [];
  const info = new CertificationRequestInfo({
    version: 0,
    subject: spec.subjectDer ? AsnConvert.parse(spec.subjectDer, Name) : new Name(),
    subjectPKInfo: AsnConvert.parse(spki, SubjectPublicKeyInfo),
  });
  if (extensions.length > 0)
    info.attributes.push(
      new Attribute({
        type: '1.2.840.113549.1.9.14',
        values: [AsnConvert.serialize(new Extensions([...extensions]))],
      }),
    );
  const infoDer = Buffer.from(AsnConvert.serialize(info));
  const { algorithm, hash } = signer(spec.key);
  const signature = sign(hash, infoDer, spec.key);
  const csr = new CertificationRequest({
    certificationRequestInfo: info,
    signatureAlgorithm: algorithm,
    signature: signature.buffer.slice(
      signature.byteOffset,
      signature.byteOffset + signature.byteLength,
    ) as ArrayBuffer,
  });
  return Buffer.from(AsnConvert.serialize(csr));
}

export function buildCsr(spec: CsrSpec): string {
  return toPem('CERTIFICATE REQUEST', buildCsrDer(spec));
}
