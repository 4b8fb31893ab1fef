import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { describe, expect, it } from 'vitest';
import { x509Time } from './der.js';
import { generateKey, signatureSchemeFor } from './keys.js';
import { LeafTemplate } from './leaf-template.js';
import { caName } from './root.js';
import { keyIdOf, leafExtensions, type SubjectAltNames, tbsCertificate } from './x509-build.js';

function issuer(kind: 'ec' | 'rsa') {
  const { privateKey, publicKey } =
    kind === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const scheme = signatureSchemeFor(privateKey);
  if (typeof scheme === 'string') throw new Error(scheme);
  const keyId = keyIdOf(publicKey.export({ type: 'spki', format: 'der' }));
  return { nameDer: caName('example.org', `test ${kind} issuer`), keyId, key: privateKey, scheme };
}

describe('LeafTemplate', () => {
  const cases: { issuer: 'ec' | 'rsa'; leaf: 'ecdsa-p256' | 'rsa-2048'; san: SubjectAltNames }[] = [
    { issuer: 'ec', leaf: 'ecdsa-p256', san: { uri: 'spiffe://cluster.local/ns/default/sa/web' } },
    { issuer: 'ec', leaf: 'rsa-2048', san: { uri: 'spiffe://example.org/ns/a/sa/b' } },
    { issuer: 'rsa', leaf: 'ecdsa-p256', san: { dns: ['trellis.trellis-system.svc', 'trellis'] } },
  ];
  for (const c of cases) {
    it(`writes the same TBSCertificate bytes as asn1-x509 (${c.issuer} issuer, ${c.leaf} leaf, ${'uri' in c.san ? 'URI' : 'DNS'} SAN)`, () => {
      const signer = issuer(c.issuer);
      const key = generateKey(c.leaf);
      // A serial with its top bit set needs a leading zero; 2050 switches to GeneralizedTime.
      for (const [serial, notAfter] of [
        [Buffer.from('ff'.repeat(16), 'hex'), new Date('2030-01-02T03:04:05Z')],
        [Buffer.from(`0001${'7f'.repeat(14)}`, 'hex'), new Date('2051-06-07T08:09:10Z')],
        [randomBytes(16), new Date('2049-12-31T23:59:59Z')],
      ] as const) {
        const fields = {
          serial,
          notBefore: new Date('2026-01-01T00:00:00Z'),
          notAfter,
          spkiDer: key.spkiDer,
          keyKind: key.kind,
          san: c.san,
        };
        const reference = AsnConvert.serialize(
          tbsCertificate({
            serial,
            scheme: signer.scheme,
            issuerDer: signer.nameDer,
            subjectDer: Buffer.from('3000', 'hex'),
            notBefore: fields.notBefore,
            notAfter,
            spkiDer: key.spkiDer,
            extensions: leafExtensions(c.san, key.kind, keyIdOf(key.spkiDer), signer.keyId),
          }),
        );
        expect(new LeafTemplate(signer).tbs(fields).toString('hex')).toBe(
          Buffer.from(reference).toString('hex'),
        );
      }
    });
  }
});

describe('generateKey', () => {
  it('gives PKCS#8 keys whose public half is the SPKI, 1,000 times (short ECDH scalars included)', () => {
    for (let i = 0; i < 1000; i++) {
      const key = generateKey();
      const privateKey = createPrivateKey(key.privateKeyPem);
      expect(privateKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
      expect(createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).equals(key.spkiDer)).toBe(
        true,
      );
    }
    const key = generateKey();
    const signature = sign('sha256', Buffer.from('x'), createPrivateKey(key.privateKeyPem));
    const publicKey = createPublicKey({ key: key.spkiDer, format: 'der', type: 'spki' });
    expect(verify('sha256', Buffer.from('x'), publicKey, signature)).toBe(true);
  });

  it('makes RSA 2048 keys by option', () => {
    const key = generateKey('rsa-2048');
    expect(key.kind).toBe('rsa');
    expect(createPrivateKey(key.privateKeyPem).asymmetricKeyDetails?.modulusLength).toBe(2048);
  });
});

describe('x509Time', () => {
  it('is UTCTime through 2049 and GeneralizedTime from 2050, in whole seconds', () => {
    expect(x509Time(new Date('2049-12-31T23:59:59Z')).toString('latin1').slice(2)).toBe('491231235959Z');
    expect(x509Time(new Date('2049-12-31T23:59:59Z'))[0]).toBe(0x17);
    expect(x509Time(new Date('2050-01-01T00:00:00Z')).toString('latin1').slice(2)).toBe('20500101000000Z');
    expect(x509Time(new Date('2050-01-01T00:00:00Z'))[0]).toBe(0x18);
  });
});
