// The candidates of the CA benchmark (bench/ca-issue.ts): one way per library to issue the same
// workload leaf, signed by a CA of the same key type, with the certificate as PEM and the key as
// PKCS#8 PEM. `@peculiar/x509` needs `reflect-metadata` first; asn1js is pkijs's own ASN.1 layer.
import 'reflect-metadata';
import { generateKeyPairSync, type KeyObject, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import * as asn1js from 'asn1js';
import forge from 'node-forge';
import * as pkijs from 'pkijs';
import { type CertInfo, readCertificate } from '../src/ca/cert-info.js';
import { issueLeaf } from '../src/ca/issue.js';
import { type GeneratedKey, generateKey, signatureSchemeFor } from '../src/ca/keys.js';
import { LeafTemplate } from '../src/ca/leaf-template.js';
import { toPem } from '../src/ca/pem.js';
import { caName } from '../src/ca/root.js';
import { buildCertificate, caExtensions, keyIdOf } from '../src/ca/x509-build.js';

export type Algorithm = 'ECDSA P-256' | 'RSA 2048';

export interface Candidate {
  readonly library: string;
  readonly algorithm: Algorithm;
  /** Prepares a CA; returns issue(withKeygen) giving the leaf PEM and key PEM, and the CA's public key. */
  setup(): Promise<{ issue: (withKeygen: boolean) => Promise<Leaf> | Leaf; caPublicKey: KeyObject }>;
}

export interface Leaf {
  readonly certPem: string;
  readonly keyPem: string;
}

export const SPIFFE = 'spiffe://cluster.local/ns/bench/sa/workload';
const DAY_MS = 86_400_000;
const POOL = 64;
const subtle = webcrypto.subtle;

function validity(): { notBefore: Date; notAfter: Date } {
  const now = Math.floor(Date.now() / 1000) * 1000;
  return { notBefore: new Date(now - 300_000), notAfter: new Date(now + DAY_MS) };
}

/** A CA key and self-signed certificate, made with our builder, for every candidate of one algorithm. */
function makeCa(algorithm: Algorithm): { key: KeyObject; cert: CertInfo; der: Buffer } {
  const { privateKey, publicKey } =
    algorithm === 'ECDSA P-256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const scheme = signatureSchemeFor(privateKey);
  if (typeof scheme === 'string') throw new Error(scheme);
  const spkiDer = publicKey.export({ type: 'spki', format: 'der' });
  const name = caName('cluster.local', `Bench ${algorithm} CA`);
  const now = Date.now();
  const der = buildCertificate(
    {
      serial: randomBytes(16),
      scheme,
      issuerDer: name,
      subjectDer: name,
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + 365 * DAY_MS),
      spkiDer,
      extensions: caExtensions(keyIdOf(spkiDer), keyIdOf(spkiDer)),
    },
    privateKey,
  );
  const cert = readCertificate(der);
  if (typeof cert === 'string') throw new Error(cert);
  return { key: privateKey, cert, der };
}

function ours(algorithm: Algorithm): Candidate {
  return {
    library: '@peculiar/asn1-x509 + node:crypto (Trellis)',
    algorithm,
    async setup() {
      const ca = makeCa(algorithm);
      const scheme = signatureSchemeFor(ca.key);
      if (typeof scheme === 'string') throw new Error(scheme);
      const template = new LeafTemplate({
        nameDer: ca.cert.subjectDer,
        keyId: ca.cert.keyId,
        key: ca.key,
        scheme,
      });
      const chain = { template, signing: ca.cert, chainPem: '', path: [ca.cert] };
      const keyAlgorithm = algorithm === 'ECDSA P-256' ? 'ecdsa-p256' : 'rsa-2048';
      const pool: GeneratedKey[] = Array.from({ length: POOL }, () => generateKey(keyAlgorithm));
      let next = 0;
      return {
        caPublicKey: ca.cert.publicKey,
        issue: (withKeygen) => {
          const key = withKeygen ? generateKey(keyAlgorithm) : pool[next++ % POOL]!;
          const issued = issueLeaf(
            chain,
            { spkiDer: key.spkiDer, keyKind: key.kind, san: { uri: SPIFFE }, ttlMs: DAY_MS },
            Date.now(),
          );
          return { certPem: issued.certChainPem, keyPem: key.privateKeyPem };
        },
      };
    },
  };
}

function peculiarX509(algorithm: Algorithm): Candidate {
  const params =
    algorithm === 'ECDSA P-256'
      ? { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
      : {
          name: 'RSASSA-PKCS1-v1_5',
          hash: 'SHA-256',
          publicExponent: new Uint8Array([1, 0, 1]),
          modulusLength: 2048,
        };
  return {
    library: '@peculiar/x509',
    algorithm,
    async setup() {
      x509.cryptoProvider.set(webcrypto as never);
      const ca = makeCa(algorithm);
      const caKey = await subtle.importKey(
        'pkcs8',
        ca.key.export({ type: 'pkcs8', format: 'der' }),
        params,
        false,
        ['sign'],
      );
      const caPublic = await subtle.importKey(
        'spki',
        ca.cert.publicKey.export({ type: 'spki', format: 'der' }),
        params,
        true,
        ['verify'],
      );
      const issuer = new x509.X509Certificate(ca.der).subject;
      const newPair = () =>
        subtle.generateKey(params, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;
      const pool = await Promise.all(Array.from({ length: POOL }, newPair));
      const keyPems = await Promise.all(
        pool.map(async (k) =>
          toPem('PRIVATE KEY', Buffer.from(await subtle.exportKey('pkcs8', k.privateKey))),
        ),
      );
      let next = 0;
      return {
        caPublicKey: ca.cert.publicKey,
        issue: async (withKeygen) => {
          const index = next++ % POOL;
          const keys = withKeygen ? await newPair() : pool[index]!;
          const keyPem = withKeygen
            ? toPem('PRIVATE KEY', Buffer.from(await subtle.exportKey('pkcs8', keys.privateKey)))
            : keyPems[index]!;
          const cert = await x509.X509CertificateGenerator.create({
            serialNumber: randomBytes(16)
              .toString('hex')
              .replace(/^[89a-f]/, '7'),
            issuer,
            ...validity(),
            signingAlgorithm: params,
            publicKey: keys.publicKey,
            signingKey: caKey,
            extensions: [
              new x509.KeyUsagesExtension(
                x509.KeyUsageFlags.digitalSignature |
                  (algorithm === 'RSA 2048' ? x509.KeyUsageFlags.keyEncipherment : 0),
                true,
              ),
              new x509.ExtendedKeyUsageExtension([
                x509.ExtendedKeyUsage.serverAuth,
                x509.ExtendedKeyUsage.clientAuth,
              ]),
              new x509.BasicConstraintsExtension(false, undefined, true),
              await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
              await x509.AuthorityKeyIdentifierExtension.create(caPublic),
              new x509.SubjectAlternativeNameExtension([{ type: 'url', value: SPIFFE }], true),
            ],
          });
          return { certPem: cert.toString('pem'), keyPem };
        },
      };
    },
  };
}

function pkijsWebCrypto(algorithm: Algorithm): Candidate {
  const params =
    algorithm === 'ECDSA P-256'
      ? { name: 'ECDSA', namedCurve: 'P-256' }
      : {
          name: 'RSASSA-PKCS1-v1_5',
          hash: 'SHA-256',
          publicExponent: new Uint8Array([1, 0, 1]),
          modulusLength: 2048,
        };
  return {
    library: 'pkijs (webcrypto engine)',
    algorithm,
    async setup() {
      const engine = new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as never });
      pkijs.setEngine('node', engine);
      const ca = makeCa(algorithm);
      const importParams =
        algorithm === 'ECDSA P-256' ? params : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
      const caKey = await subtle.importKey(
        'pkcs8',
        ca.key.export({ type: 'pkcs8', format: 'der' }),
        importParams,
        false,
        ['sign'],
      );
      const caKeyId = ca.cert.keyId;
      const newPair = () =>
        subtle.generateKey(params, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;
      const pool = await Promise.all(Array.from({ length: POOL }, newPair));
      const keyPems = await Promise.all(
        pool.map(async (k) =>
          toPem('PRIVATE KEY', Buffer.from(await subtle.exportKey('pkcs8', k.privateKey))),
        ),
      );
      const ab = (b: Uint8Array) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
      let next = 0;
      return {
        caPublicKey: ca.cert.publicKey,
        issue: async (withKeygen) => {
          const index = next++ % POOL;
          const keys = withKeygen ? await newPair() : pool[index]!;
          const keyPem = withKeygen
            ? toPem('PRIVATE KEY', Buffer.from(await subtle.exportKey('pkcs8', keys.privateKey)))
            : keyPems[index]!;
          const cert = new pkijs.Certificate();
          cert.version = 2;
          const serial = randomBytes(16);
          serial[0]! &= 0x7f;
          cert.serialNumber = new asn1js.Integer({ valueHex: ab(serial) });
          cert.issuer = pkijs.RelativeDistinguishedNames.fromBER(ab(ca.cert.subjectDer));
          const { notBefore, notAfter } = validity();
          cert.notBefore.value = notBefore;
          cert.notAfter.value = notAfter;
          await cert.subjectPublicKeyInfo.importKey(keys.publicKey, engine);
          const spki = Buffer.from(cert.subjectPublicKeyInfo.toSchema().toBER(false));
          const usage = algorithm === 'RSA 2048' ? 0xa0 : 0x80; // digitalSignature (+ keyEncipherment)
          cert.extensions = [
            new pkijs.Extension({
              extnID: '2.5.29.15',
              critical: true,
              extnValue: new asn1js.BitString({
                valueHex: new Uint8Array([usage]).buffer,
                unusedBits: algorithm === 'RSA 2048' ? 5 : 7,
              }).toBER(false),
            }),
            new pkijs.Extension({
              extnID: '2.5.29.37',
              extnValue: new pkijs.ExtKeyUsage({ keyPurposes: ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'] })
                .toSchema()
                .toBER(false),
            }),
            new pkijs.Extension({
              extnID: '2.5.29.19',
              critical: true,
              extnValue: new pkijs.BasicConstraints({ cA: false }).toSchema().toBER(false),
            }),
            new pkijs.Extension({
              extnID: '2.5.29.14',
              extnValue: new asn1js.OctetString({ valueHex: ab(keyIdOf(spki)) }).toBER(false),
            }),
            new pkijs.Extension({
              extnID: '2.5.29.35',
              extnValue: new pkijs.AuthorityKeyIdentifier({
                keyIdentifier: new asn1js.OctetString({ valueHex: ab(caKeyId) }),
              })
                .toSchema()
                .toBER(false),
            }),
            new pkijs.Extension({
              extnID: '2.5.29.17',
              critical: true,
              extnValue: new pkijs.GeneralNames({
                names: [new pkijs.GeneralName({ type: 6, value: SPIFFE })],
              })
                .toSchema()
                .toBER(false),
            }),
          ];
          await cert.sign(caKey, 'SHA-256', engine);
          return { certPem: toPem('CERTIFICATE', Buffer.from(cert.toSchema(true).toBER(false))), keyPem };
        },
      };
    },
  };
}

function nodeForge(): Candidate {
  return {
    library: 'node-forge (RSA only)',
    algorithm: 'RSA 2048',
    async setup() {
      const ca = makeCa('RSA 2048');
      const caKey = forge.pki.privateKeyFromPem(ca.key.export({ type: 'pkcs1', format: 'pem' }).toString());
      const caCert = forge.pki.certificateFromPem(toPem('CERTIFICATE', ca.der));
      const caKeyId = ca.cert.keyId.toString('hex');
      // forge uses node's native RSA key generation when it can; signing is its own JavaScript.
      const newPair = () => forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
      const toPkcs8 = (key: forge.pki.rsa.PrivateKey) =>
        forge.pki.privateKeyInfoToPem(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(key)));
      const pool = Array.from({ length: 8 }, newPair);
      const keyPems = pool.map((k) => toPkcs8(k.privateKey));
      let next = 0;
      return {
        caPublicKey: ca.cert.publicKey,
        issue: (withKeygen) => {
          const index = next++ % pool.length;
          const keys = withKeygen ? newPair() : pool[index]!;
          const keyPem = withKeygen ? toPkcs8(keys.privateKey) : keyPems[index]!;
          const cert = forge.pki.createCertificate();
          cert.publicKey = keys.publicKey;
          cert.serialNumber = `7${randomBytes(16).toString('hex').slice(1)}`;
          const { notBefore, notAfter } = validity();
          cert.validity.notBefore = notBefore;
          cert.validity.notAfter = notAfter;
          cert.setSubject([]);
          cert.setIssuer(caCert.subject.attributes);
          cert.setExtensions([
            { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
            { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
            { name: 'basicConstraints', critical: true, cA: false },
            { name: 'subjectKeyIdentifier' },
            { name: 'authorityKeyIdentifier', keyIdentifier: forge.util.hexToBytes(caKeyId) },
            { name: 'subjectAltName', critical: true, altNames: [{ type: 6, value: SPIFFE }] },
          ]);
          cert.sign(caKey, forge.md.sha256.create());
          return { certPem: forge.pki.certificateToPem(cert), keyPem };
        },
      };
    },
  };
}

export function candidates(): Candidate[] {
  const list: Candidate[] = [];
  for (const algorithm of ['ECDSA P-256', 'RSA 2048'] as const)
    list.push(ours(algorithm), peculiarX509(algorithm), pkijsWebCrypto(algorithm));
  list.push(nodeForge());
  return list;
}
