// A self-signed root for a CA that nobody plugged one into: ECDSA P-256, ten years, CA:true,
// keyCertSign + cRLSign. Each root gets the time it was made in its common name, so two roots of
// one trust domain (before and after a rotation) have different subjects.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from '@peculiar/asn1-x509';
import { BACKDATE_MS } from './issue.js';
import { signatureSchemeFor } from './keys.js';
import { toPem } from './pem.js';
import { buildCertificate, caExtensions, keyIdOf } from './x509-build.js';

export const ROOT_TTL_MS = 3650 * 86_400_000;

export interface GeneratedRoot {
  readonly certPem: string;
  readonly keyPem: string;
}

const OID_ORGANIZATION = '2.5.4.10';
const OID_COMMON_NAME = '2.5.4.3';

export function caName(organization: string, commonName: string): Buffer {
  const rdn = (type: string, value: string) =>
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) }),
    ]);
  return Buffer.from(
    AsnConvert.serialize(new Name([rdn(OID_ORGANIZATION, organization), rdn(OID_COMMON_NAME, commonName)])),
  );
}

export function createRoot(trustDomain: string, nowMs: number, ttlMs = ROOT_TTL_MS): GeneratedRoot {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const scheme = signatureSchemeFor(privateKey);
  if (typeof scheme === 'string') throw new Error(`root key: ${scheme}`);
  const spkiDer = publicKey.export({ type: 'spki', format: 'der' });
  const keyId = keyIdOf(spkiDer);
  const made = new Date(Math.floor(nowMs / 1000) * 1000);
  // Back-dated like a leaf, so leaves issued at once can be back-dated too (issue.ts).
  const notBefore = new Date(made.getTime() - BACKDATE_MS);
  const name = caName(trustDomain, `Trellis root CA ${made.toISOString().replace('.000Z', 'Z')}`);
  const der = buildCertificate(
    {
      serial: randomBytes(16),
      scheme,
      issuerDer: name,
      subjectDer: name,
      notBefore,
      notAfter: new Date(made.getTime() + ttlMs),
      spkiDer,
      extensions: caExtensions(keyId, keyId),
    },
    privateKey,
  );
  return {
    certPem: toPem('CERTIFICATE', der),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
