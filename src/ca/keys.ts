// Keys: generating a leaf's key pair, and the signature scheme an issuer's key implies.
//
// ECDSA P-256 keys come from `createECDH('prime256v1')` and are framed as PKCS#8 and SPKI here:
// `generateKeyPairSync('ec')` plus its PKCS#8/SPKI export costs ~200 µs a key (OpenSSL 3's encoder
// framework), ECDH ~35 µs, and the key is the same: a random scalar on the same curve from the same
// OpenSSL generator. RSA keys are rare (an option) and go through `generateKeyPairSync`.
import { createECDH, generateKeyPair, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { bitString, sequence, TAG, tlv, unsignedInteger } from './der.js';
import { toPem } from './pem.js';

export type KeyAlgorithm = 'ecdsa-p256' | 'rsa-2048';

/** What a leaf's key is, for the key usage it gets (RSA adds keyEncipherment, RFC 5280 4.2.1.3). */
export type KeyKind = 'ec' | 'rsa';

export interface GeneratedKey {
  readonly kind: KeyKind;
  readonly spkiDer: Buffer;
  /** PKCS#8, PEM. */
  readonly privateKeyPem: string;
}

const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';

// AlgorithmIdentifier { id-ecPublicKey, prime256v1 }, shared by the PKCS#8 and SPKI frames.
const EC_P256_ALGORITHM = Buffer.from(
  AsnConvert.serialize(
    new AlgorithmIdentifier({
      algorithm: OID_EC_PUBLIC_KEY,
      parameters: new Uint8Array([0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]).buffer, // prime256v1
    }),
  ),
);
const INTEGER_0 = unsignedInteger(Buffer.from([0]));
const INTEGER_1 = unsignedInteger(Buffer.from([1]));

export function generateKey(algorithm: KeyAlgorithm = 'ecdsa-p256'): GeneratedKey {
  if (algorithm === 'rsa-2048') {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'der' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    return { kind: 'rsa', spkiDer: publicKey, privateKeyPem: privateKey };
  }
  const ecdh = createECDH('prime256v1');
  const point = ecdh.generateKeys(); // uncompressed, 65 bytes
  const scalar = leftPad(ecdh.getPrivateKey(), 32);
  // PKCS#8 PrivateKeyInfo (RFC 5208) holding an ECPrivateKey (RFC 5915) with its public key, the
  // form OpenSSL writes.
  const ecPrivateKey = sequence(INTEGER_1, tlv(TAG.octetString, scalar), tlv(0xa1, bitString(point)));
  const pkcs8 = sequence(INTEGER_0, EC_P256_ALGORITHM, tlv(TAG.octetString, ecPrivateKey));
  return { kind: 'ec', spkiDer: spkiOfPoint(point), privateKeyPem: toPem('PRIVATE KEY', pkcs8) };
}

/**
 * generateKey off the event loop where it is slow: an RSA 2048 key takes 100-350 ms of OpenSSL's
 * prime search, done on libuv's thread pool so a fleet of RSA workloads does not stall every
 * stream. ECDSA keys take ~35 µs and are made at once.
 */
export function generateKeyAsync(algorithm: KeyAlgorithm = 'ecdsa-p256'): Promise<GeneratedKey> {
  if (algorithm !== 'rsa-2048') return Promise.resolve(generateKey(algorithm));
  return new Promise((resolve, reject) =>
    generateKeyPair(
      'rsa',
      {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'der' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      },
      (err, publicKey, privateKey) =>
        err ? reject(err) : resolve({ kind: 'rsa', spkiDer: publicKey, privateKeyPem: privateKey }),
    ),
  );
}

function spkiOfPoint(point: Buffer): Buffer {
  return sequence(EC_P256_ALGORITHM, bitString(point));
}

// The ECDH private key is a big number: it loses its leading zero bytes (1 key in 256).
function leftPad(bytes: Buffer, length: number): Buffer {
  return bytes.length >= length ? bytes : Buffer.concat([Buffer.alloc(length - bytes.length), bytes]);
}

/** How an issuer signs: the hash, and the AlgorithmIdentifier written in the certificate. */
export interface SignatureScheme {
  readonly name: string;
  readonly hash: 'sha256' | 'sha384';
  readonly algorithmDer: Buffer;
}

const schemes = {
  ecdsaSha256: scheme('ecdsa-with-SHA256', 'sha256', '1.2.840.10045.4.3.2', undefined),
  ecdsaSha384: scheme('ecdsa-with-SHA384', 'sha384', '1.2.840.10045.4.3.3', undefined),
  rsaSha256: scheme('sha256WithRSAEncryption', 'sha256', '1.2.840.113549.1.1.11', null),
};

function scheme(
  name: string,
  hash: 'sha256' | 'sha384',
  algorithm: string,
  parameters: null | undefined,
): SignatureScheme {
  // RFC 5758 3.2: ECDSA identifiers have no parameters; RFC 4055 5: RSA ones have NULL.
  const identifier = new AlgorithmIdentifier({ algorithm, ...(parameters === null ? { parameters } : {}) });
  return { name, hash, algorithmDer: Buffer.from(AsnConvert.serialize(identifier)) };
}

/** The scheme for an issuer key: P-256 → ECDSA/SHA-256, P-384 → ECDSA/SHA-384, RSA → SHA-256. */
export function signatureSchemeFor(key: KeyObject): SignatureScheme | string {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    const bits = details.modulusLength ?? 0;
    if (bits < 2048 || bits > 8192) return `an RSA key of ${bits} bits (2048 to 8192 accepted for a CA)`;
    return schemes.rsaSha256;
  }
  if (key.asymmetricKeyType === 'ec') {
    if (details.namedCurve === 'prime256v1') return schemes.ecdsaSha256;
    if (details.namedCurve === 'secp384r1') return schemes.ecdsaSha384;
    return `an EC key on curve ${details.namedCurve ?? 'unknown'} (P-256 or P-384 accepted for a CA)`;
  }
  return `a ${key.asymmetricKeyType ?? 'unknown'} key (EC P-256, P-384 or RSA accepted for a CA)`;
}

/** "EC P-256", "RSA 2048", "Ed25519": how messages name a key. */
export function describeKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return `RSA ${details.modulusLength ?? '?'}`;
    case 'rsa-pss':
      return `RSA-PSS ${details.modulusLength ?? '?'}`;
    case 'ec':
      return `EC ${CURVE_NAMES[details.namedCurve ?? ''] ?? details.namedCurve ?? 'unknown curve'}`;
    case 'ed25519':
      return 'Ed25519';
    case 'ed448':
      return 'Ed448';
    default:
      return key.asymmetricKeyType ?? 'unknown';
  }
}

const CURVE_NAMES: Record<string, string> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
  secp256k1: 'secp256k1',
};
