import { generateKeyPairSync, type KeyObject, X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  BasicConstraints,
  ExtendedKeyUsage,
  Extension,
  GeneralName,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_kp_clientAuth,
  id_kp_codeSigning,
  id_kp_serverAuth,
  KeyUsage,
  KeyUsageFlags,
  SubjectAlternativeName,
} from '@peculiar/asn1-x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { spiffeId, type WorkloadIdentity } from '../model/identity.js';
import { seededRandom } from '../sources/apis/shared/fuzz-mutations.js';
import { CertificateAuthority } from './authority.js';
import { type CsrError, checkCsr, MAX_CSR_PEM_CHARS } from './csr.js';
import { buildCsr, buildCsrDer } from './csr-build.js';
import { children, type DerElement, readElement, sequence } from './der.js';
import { FileCaStore } from './file-store.js';
import { openssl, verifyChain, withTempDir } from './openssl-testing.js';
import { toPem } from './pem.js';

const web: WorkloadIdentity = { trustDomain: 'cluster.local', namespace: 'shop', serviceAccount: 'web' };
const other: WorkloadIdentity = { trustDomain: 'cluster.local', namespace: 'billing', serviceAccount: 'api' };
const HOUR = 3_600_000;

const ext = (id: string, value: object, critical = false) =>
  new Extension({ extnID: id, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
const san = (...names: GeneralName[]) => ext(id_ce_subjectAltName, new SubjectAlternativeName(names), true);
const uri = (value: string) => new GeneralName({ uniformResourceIdentifier: value });
const dns = (value: string) => new GeneralName({ dNSName: value });
const ip = (address: string) => new GeneralName({ iPAddress: address });
const email = (value: string) => new GeneralName({ rfc822Name: value });
const caTrue = () => ext(id_ce_basicConstraints, new BasicConstraints({ cA: true }), true);
const keyCertSign = () =>
  ext(id_ce_keyUsage, new KeyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.digitalSignature), true);

const keys = {
  p256: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  p384: () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey,
  p521: () => generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey,
  secp256k1: () => generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey,
  ed25519: () => generateKeyPairSync('ed25519').privateKey,
  ed448: () => generateKeyPairSync('ed448').privateKey,
  rsa1024: () => generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey,
  rsa2048: () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
};

let ca: CertificateAuthority;
let stateDir: string;
beforeAll(async () => {
  stateDir = path.join((await import('node:os')).tmpdir(), `trellis-csr-test-${process.pid}-${Date.now()}`);
  const opened = await CertificateAuthority.open({
    source: { store: new FileCaStore(stateDir) },
    clock: { now: () => Date.now() },
    workloadTtlMs: 24 * HOUR,
  });
  if (!opened.ok) throw new Error(opened.errors[0]!.message);
  ca = opened.value;
  return async () => (await import('node:fs/promises')).rm(stateDir, { recursive: true, force: true });
});

function refused(result: ReturnType<CertificateAuthority['signCsr']>): readonly CsrError[] {
  if (result.ok)
    throw new Error(`expected a refusal, got a certificate (notes: ${result.value.notes.join('; ')})`);
  return result.errors;
}

describe('signCsr accepts', () => {
  it('a CSR made by openssl for the caller’s SPIFFE ID; openssl verifies the chain', async () => {
    await withTempDir(async (dir) => {
      await openssl(
        ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'k.pem'],
        dir,
      );
      const made = await openssl(
        [
          'req',
          '-new',
          '-key',
          'k.pem',
          '-subj',
          '/O=cluster.local',
          '-addext',
          `subjectAltName=URI:${spiffeId(web)}`,
          '-out',
          'r.csr',
        ],
        dir,
      );
      expect(made.stderr).toBe('');
      const result = ca.signCsr(await readFile(path.join(dir, 'r.csr'), 'utf8'), web);
      if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'));
      expect(result.value.notes).toEqual([expect.stringMatching(/names a subject; it is not copied/)]);
      expect((await verifyChain(dir, ca.trustBundlePem(), result.value.certChainPem)).stdout).toMatch(/: OK/);
      const leaf = new X509Certificate(result.value.certChainPem);
      expect(leaf.subjectAltName).toBe(`URI:${spiffeId(web)}`);
      expect(leaf.subject ?? '').toBe('');
      await writeFile(path.join(dir, 'leaf.pem'), result.value.certChainPem);
      const pub = await openssl(['x509', '-in', 'leaf.pem', '-noout', '-pubkey'], dir);
      const own = await openssl(['pkey', '-in', 'k.pem', '-pubout'], dir);
      expect(pub.stdout).toBe(own.stdout); // the workload's own key, not one of ours
    });
  });

  it('P-384 and RSA 2048 keys; RSA leaves also get keyEncipherment', async () => {
    await withTempDir(async (dir) => {
      for (const key of [keys.p384(), keys.rsa2048()]) {
        const result = ca.signCsr(buildCsr({ key, extensions: [san(uri(spiffeId(web)))] }), web);
        if (!result.ok) throw new Error(result.errors[0]!.message);
        expect(result.value.notes).toEqual([]);
        expect((await verifyChain(dir, ca.trustBundlePem(), result.value.certChainPem)).stdout).toMatch(
          /: OK/,
        );
        await writeFile(path.join(dir, 'leaf.pem'), result.value.certChainPem);
        const text = (await openssl(['x509', '-in', 'leaf.pem', '-noout', '-text'], dir)).stdout;
        expect(text).toMatch(
          key.asymmetricKeyType === 'rsa'
            ? /Key Usage: critical\s+Digital Signature, Key Encipherment\n/
            : /Key Usage: critical\s+Digital Signature\n/,
        );
      }
    });
  });

  it('a CSR with no SAN, issued for the authenticated identity, with a note', () => {
    const result = ca.signCsr(buildCsr({ key: keys.p256() }), web);
    if (!result.ok) throw new Error(result.errors[0]!.message);
    expect(new X509Certificate(result.value.certChainPem).subjectAltName).toBe(`URI:${spiffeId(web)}`);
    expect(result.value.notes).toEqual([
      `the CSR asks for no SAN; the certificate names the authenticated identity ${spiffeId(web)}`,
    ]);
  });

  it('the usages it issues anyway: CA:false, digitalSignature, serverAuth and clientAuth', () => {
    const result = ca.signCsr(
      buildCsr({
        key: keys.p256(),
        extensions: [
          san(uri(spiffeId(web))),
          ext(id_ce_basicConstraints, new BasicConstraints({ cA: false }), true),
          ext(id_ce_keyUsage, new KeyUsage(KeyUsageFlags.digitalSignature), true),
          ext(id_ce_extKeyUsage, new ExtendedKeyUsage([id_kp_serverAuth, id_kp_clientAuth])),
        ],
      }),
      web,
    );
    expect(result.ok).toBe(true);
  });

  it('a validity over the maximum, cut to it with a note; a validity that is no duration is refused', () => {
    const now = Date.now();
    const result = ca.signCsr(
      buildCsr({ key: keys.p256(), extensions: [san(uri(spiffeId(web)))] }),
      web,
      48 * HOUR,
    );
    if (!result.ok) throw new Error(result.errors[0]!.message);
    expect(result.value.notes).toEqual([
      `validity of ${48 * HOUR} ms asked; cut to the maximum of ${24 * HOUR} ms`,
    ]);
    expect(Math.abs(result.value.notAfter.getTime() - (now + 24 * HOUR))).toBeLessThan(5000);
    const short = ca.signCsr(buildCsr({ key: keys.p256() }), web, HOUR);
    expect(short.ok && short.value.notAfter.getTime() - short.value.notBefore.getTime()).toBe(
      HOUR + 5 * 60_000,
    );
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 999])
      expect(refused(ca.signCsr(buildCsr({ key: keys.p256() }), web, bad))).toEqual([
        { code: 'INVALID_ARGUMENT', message: `validity ${bad} ms is not a duration of at least 1 s` },
      ]);
  });
});

describe('signCsr refuses, with a code and a precise message', () => {
  const p256 = keys.p256();
  const one = (key: KeyObject, extensions: Extension[], as = web) =>
    refused(ca.signCsr(buildCsr({ key, extensions }), as));

  it('a SAN for another identity: PERMISSION_DENIED naming both', () => {
    expect(one(p256, [san(uri(spiffeId(other)))])).toEqual([
      {
        code: 'PERMISSION_DENIED',
        message: `the CSR asks for ${spiffeId(other)} but the caller authenticated as ${spiffeId(web)} (shop/web)`,
      },
    ]);
    expect(one(p256, [san(uri('spiffe://evil.example/ns/shop/sa/web'))])[0]!.code).toBe('PERMISSION_DENIED');
  });

  it('extra SANs, DNS, IP and email SANs, and URIs that are not SPIFFE IDs', () => {
    expect(one(p256, [san(uri(spiffeId(web)), uri(spiffeId(web)))])).toEqual([
      {
        code: 'INVALID_ARGUMENT',
        message: 'the CSR asks for 2 SANs; a workload certificate carries exactly one, its SPIFFE ID',
      },
    ]);
    expect(one(p256, [san(dns('web.shop.svc'))])).toEqual([
      {
        code: 'INVALID_ARGUMENT',
        message: 'DNS SAN "web.shop.svc" is not allowed: workload certificates name only their SPIFFE ID',
      },
    ]);
    expect(one(p256, [san(ip('10.0.0.1'))])[0]!.message).toBe(
      'IP SAN 10.0.0.1 is not allowed: workload certificates name only their SPIFFE ID',
    );
    expect(one(p256, [san(email('a@b.c'))])[0]!.message).toBe(
      'email SAN "a@b.c" is not allowed: workload certificates name only their SPIFFE ID',
    );
    expect(one(p256, [san(uri('https://example.com/'))])[0]!.message).toBe(
      'URI SAN is not a SPIFFE ID: "https://example.com/" is not a spiffe:// URI',
    );
  });

  it('CA:true, keyCertSign, other usages and extensions', () => {
    expect(one(p256, [caTrue()])).toEqual([
      {
        code: 'INVALID_ARGUMENT',
        message: 'the CSR asks for basicConstraints CA:true: workload certificates cannot be CAs',
      },
    ]);
    expect(one(p256, [keyCertSign()])).toEqual([
      {
        code: 'INVALID_ARGUMENT',
        message:
          'the CSR asks for key usage keyCertSign: workload certificates cannot sign certificates or CRLs',
      },
    ]);
    expect(one(p256, [ext(id_ce_extKeyUsage, new ExtendedKeyUsage([id_kp_codeSigning]))])[0]!.message).toBe(
      `the CSR asks for extended key usage ${id_kp_codeSigning}; only serverAuth and clientAuth are issued`,
    );
    expect(one(p256, [ext('2.5.29.30', new BasicConstraints({ cA: false }))])[0]!.message).toBe(
      'the CSR asks for extension nameConstraints (2.5.29.30), which this CA does not issue',
    );
  });

  it('unsupported key types, naming the key', () => {
    for (const [make, name] of [
      [keys.ed25519, 'Ed25519'],
      [keys.ed448, 'Ed448'],
      [keys.p521, 'EC P-521'],
      [keys.secp256k1, 'EC secp256k1'],
      [keys.rsa1024, 'RSA 1024'],
    ] as const)
      expect(one(make(), [])).toEqual([
        {
          code: 'INVALID_ARGUMENT',
          message: `unsupported key type ${name}: accepted are EC P-256, EC P-384, RSA 2048 to 4096`,
        },
      ]);
  });

  it('a bad self-signature', () => {
    const a = buildCsrDer({ key: p256, extensions: [san(uri(spiffeId(web)))] });
    const b = buildCsrDer({ key: keys.p256(), extensions: [san(uri(spiffeId(web)))] });
    // a's request and algorithm with b's signature: well-formed, but not a's key signing a's request.
    const partsOf = (der: Buffer) => {
      const outer = readElement(der, 0) as DerElement;
      return (children(der, outer) as DerElement[]).map((e) => der.subarray(e.start, e.end));
    };
    const [info, algorithm] = partsOf(a);
    const spliced = sequence(info!, algorithm!, partsOf(b)[2]!);
    const errors = refused(ca.signCsr(toPem('CERTIFICATE REQUEST', spliced), web));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe('INVALID_ARGUMENT');
    expect(errors[0]!.message).toBe(
      "the CSR's self-signature (ecdsa-with-SHA256) does not verify: the request was altered or its key is not the signer's",
    );
  });
});

// ---- Bad inputs: a bounded, seeded loop. Every case must come back as a refusal, never a throw.

interface Case {
  readonly name: string;
  readonly pem: string;
  readonly as?: WorkloadIdentity;
  /** Every error's code, or one of several, and a pattern the first message must match. */
  readonly code?: CsrError['code'];
  readonly message: RegExp;
}

const DAMAGE =
  /^(malformed PEM|malformed DER|not a PKCS#10|the CSR's public key|unsupported key type|signature algorithm|the CSR's self-signature|CSR version|expected (one|a) CERTIFICATE REQUEST|the CSR is \d+ characters|the CSR('s)? (asks|has|extensionRequest)|extension |URI SAN|DNS SAN|IP SAN|email SAN|a SAN of type)/;

function badCases(): Case[] {
  const random = seededRandom(20_26);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const cases: Case[] = [];
  const good = buildCsrDer({ key: keys.p256(), extensions: [san(uri(spiffeId(web)))] });
  const goodPem = toPem('CERTIFICATE REQUEST', good);

  // Truncated DER at every length of a real CSR.
  for (let length = 0; length < good.length; length++)
    cases.push({
      name: `truncated to ${length} of ${good.length} bytes`,
      pem:
        length === 0
          ? '-----BEGIN CERTIFICATE REQUEST-----\n-----END CERTIFICATE REQUEST-----\n'
          : toPem('CERTIFICATE REQUEST', good.subarray(0, length)),
      code: 'INVALID_ARGUMENT',
      message: /^(malformed (PEM|DER)|not a PKCS#10)/,
    });
  // Bit flips, one to three bits.
  for (let i = 0; i < 600; i++) {
    const damaged = Buffer.from(good);
    const flips = 1 + Math.floor(random() * 3);
    for (let f = 0; f < flips; f++)
      damaged[Math.floor(random() * damaged.length)]! ^= 1 << Math.floor(random() * 8);
    cases.push({
      name: `bit flips #${i}`,
      pem: toPem('CERTIFICATE REQUEST', damaged),
      code: 'INVALID_ARGUMENT',
      message: DAMAGE,
    });
  }
  // Malformed PEM around good DER.
  const pemDamage: [string, (text: string) => string, RegExp][] = [
    ['no END line', (t) => t.replace(/-----END[^\n]+\n$/, ''), /no END line/],
    ['no BEGIN line', (t) => t.replace(/^-----BEGIN[^\n]+\n/, ''), /text outside a PEM block/],
    ['two blocks', (t) => t + t, /expected one CERTIFICATE REQUEST PEM block, found 2/],
    ['a certificate label', (t) => t.replaceAll('CERTIFICATE REQUEST', 'CERTIFICATE'), /found CERTIFICATE$/],
    ['a private key label', (t) => t.replaceAll('CERTIFICATE REQUEST', 'PRIVATE KEY'), /found PRIVATE KEY$/],
    ['text before', (t) => `hello\n${t}`, /line 1: text outside a PEM block/],
    ['a line dropped', (t) => t.replace(/\n[A-Za-z0-9+/]{64}\n/, '\n'), /^(malformed|not a PKCS#10)/],
    ['a stray character', (t) => t.replace(/\n([A-Za-z0-9+/]{10})/, '\n$1*'), /not base64/],
    ['non-ASCII', (t) => t.replace(/\n([A-Za-z0-9+/]{10})/, '\n$1é'), /not base64/],
    [
      'broken padding',
      (t) => t.replace(/\n([A-Za-z0-9+/]{10})/, '\n$1='),
      /broken length or padding|not base64/,
    ],
    [
      'nested BEGIN',
      (t) => t.replace(/\n([A-Za-z0-9+/]{64})\n/, '\n-----BEGIN X-----\n'),
      /inside the CERTIFICATE REQUEST block/,
    ],
    [
      'empty block',
      () => '-----BEGIN CERTIFICATE REQUEST-----\n-----END CERTIFICATE REQUEST-----\n',
      /is empty/,
    ],
    ['nothing', () => '', /expected one CERTIFICATE REQUEST PEM block, found 0/],
    ['whitespace only', () => ' \n\n\t\n', /found 0/],
  ];
  for (let i = 0; i < 300; i++) {
    const [what, damage, message] = pick(pemDamage);
    cases.push({ name: `PEM: ${what} #${i}`, pem: damage(goodPem), code: 'INVALID_ARGUMENT', message });
  }
  // Garbage base64 inside a good frame.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < 250; i++) {
    let body = '';
    const length = 4 * (1 + Math.floor(random() * 300));
    for (let c = 0; c < length; c++) body += alphabet[Math.floor(random() * 64)];
    if (i % 5 === 0) body = `MII${body.slice(3)}`; // a SEQUENCE header, claiming more than there is
    cases.push({
      name: `garbage base64 #${i}`,
      pem: `-----BEGIN CERTIFICATE REQUEST-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE REQUEST-----\n`,
      code: 'INVALID_ARGUMENT',
      message: /^(malformed DER|not a PKCS#10)/,
    });
  }
  // Huge inputs: refused on length before anything is parsed.
  for (const size of [MAX_CSR_PEM_CHARS + 1, 1 << 20, 16 << 20])
    cases.push({
      name: `${size} characters`,
      pem: goodPem.padEnd(size, '\n'),
      code: 'INVALID_ARGUMENT',
      message: /^the CSR is \d+ characters, over the 65536 allowed$/,
    });
  const bigDer = Buffer.alloc(40_000, 0x30);
  cases.push({
    name: 'deeply nested SEQUENCE headers',
    pem: toPem('CERTIFICATE REQUEST', bigDer),
    code: 'INVALID_ARGUMENT',
    message: /^malformed DER/,
  });
  cases.push({
    name: 'a CSR inside 64 KiB of PEM blocks',
    pem: `${goodPem}${goodPem}`.repeat(20).slice(0, MAX_CSR_PEM_CHARS),
    code: 'INVALID_ARGUMENT',
    message: /^malformed PEM|found 2|more than 2/,
  });

  // Well-formed, well-signed CSRs asking for what they may not have.
  const pool = {
    p256: [keys.p256(), keys.p256(), keys.p256()],
    ed25519: [keys.ed25519(), keys.ed25519()],
    ed448: [keys.ed448()],
    p521: [keys.p521(), keys.p521()],
    secp256k1: [keys.secp256k1()],
    rsa1024: [keys.rsa1024()],
  };
  const identities = [
    other,
    { ...web, trustDomain: 'evil.example' },
    { ...web, namespace: 'shop2' },
    { ...web, serviceAccount: 'web2' },
  ];
  const asks: [string, () => { key: KeyObject; extensions: Extension[] }, CsrError['code'], RegExp][] = [
    [
      'another identity',
      () => ({ key: pick(pool.p256), extensions: [san(uri(spiffeId(pick(identities))))] }),
      'PERMISSION_DENIED',
      /^the CSR asks for spiffe:\/\/\S+ but the caller authenticated as spiffe:\/\/cluster\.local\/ns\/shop\/sa\/web \(shop\/web\)$/,
    ],
    [
      'an extra SAN',
      () => ({
        key: pick(pool.p256),
        extensions: [
          san(
            uri(spiffeId(web)),
            pick([uri(spiffeId(web)), dns('x.y'), uri('spiffe://cluster.local/ns/a/sa/b')]),
          ),
        ],
      }),
      'INVALID_ARGUMENT',
      /^the CSR asks for 2 SANs/,
    ],
    [
      'a DNS SAN',
      () => ({
        key: pick(pool.p256),
        extensions: [san(dns(pick(['web', 'web.shop.svc.cluster.local', '*.example.com', ''])))],
      }),
      'INVALID_ARGUMENT',
      /^DNS SAN ".*" is not allowed/,
    ],
    [
      'an IP SAN',
      () => ({ key: pick(pool.p256), extensions: [san(ip(pick(['127.0.0.1', '10.1.2.3', '::1'])))] }),
      'INVALID_ARGUMENT',
      /^IP SAN .* is not allowed/,
    ],
    [
      'an email SAN',
      () => ({ key: pick(pool.p256), extensions: [san(email('root@example.com'))] }),
      'INVALID_ARGUMENT',
      /^email SAN "root@example.com" is not allowed/,
    ],
    [
      'a URI that is not a SPIFFE ID',
      () => ({
        key: pick(pool.p256),
        extensions: [
          san(
            uri(
              pick([
                'http://x',
                'spiffe://cluster.local/ns/shop',
                'spiffe://Bad/ns/a/sa/b',
                `spiffe://cluster.local/ns/a/sa/${'b'.repeat(3000)}`,
              ]),
            ),
          ),
        ],
      }),
      'INVALID_ARGUMENT',
      /^URI SAN is not a SPIFFE ID: /,
    ],
    [
      'CA:true',
      () => ({ key: pick(pool.p256), extensions: [san(uri(spiffeId(web))), caTrue()] }),
      'INVALID_ARGUMENT',
      /CA:true: workload certificates cannot be CAs$/,
    ],
    [
      'keyCertSign',
      () => ({ key: pick(pool.p256), extensions: [keyCertSign()] }),
      'INVALID_ARGUMENT',
      /key usage keyCertSign: workload certificates cannot sign/,
    ],
    [
      'a duplicated SAN extension',
      () => ({ key: pick(pool.p256), extensions: [san(uri(spiffeId(web))), san(uri(spiffeId(web)))] }),
      'INVALID_ARGUMENT',
      /^extension subjectAltName \(2\.5\.29\.17\) appears twice$/,
    ],
    [
      'an Ed25519 key',
      () => ({ key: pick(pool.ed25519), extensions: [san(uri(spiffeId(web)))] }),
      'INVALID_ARGUMENT',
      /^unsupported key type Ed25519: accepted are/,
    ],
    [
      'an Ed448 key',
      () => ({ key: pick(pool.ed448), extensions: [] }),
      'INVALID_ARGUMENT',
      /^unsupported key type Ed448: /,
    ],
    [
      'a P-521 key',
      () => ({ key: pick(pool.p521), extensions: [san(uri(spiffeId(web)))] }),
      'INVALID_ARGUMENT',
      /^unsupported key type EC P-521: /,
    ],
    [
      'a secp256k1 key',
      () => ({ key: pick(pool.secp256k1), extensions: [] }),
      'INVALID_ARGUMENT',
      /^unsupported key type EC secp256k1: /,
    ],
    [
      'an RSA 1024 key',
      () => ({ key: pick(pool.rsa1024), extensions: [] }),
      'INVALID_ARGUMENT',
      /^unsupported key type RSA 1024: /,
    ],
  ];
  for (let i = 0; i < 800; i++) {
    const [what, make, code, message] = pick(asks);
    cases.push({ name: `asks for ${what} #${i}`, pem: buildCsr(make()), code, message });
  }
  return cases;
}

describe('bad inputs, seeded and bounded', () => {
  it('are each refused with a code and a precise message, never a throw (2,000+ cases)', () => {
    const cases = badCases();
    expect(cases.length).toBeGreaterThanOrEqual(2000);
    const wrong: string[] = [];
    for (const c of cases) {
      let result: ReturnType<typeof checkCsr>;
      try {
        result = checkCsr(c.pem, c.as ?? web);
      } catch (err) {
        wrong.push(`${c.name}: threw ${(err as Error).stack}`);
        continue;
      }
      if (result.ok) {
        wrong.push(`${c.name}: accepted`);
        continue;
      }
      const [first] = result.errors;
      if (
        !first ||
        !c.message.test(first.message) ||
        (c.code && result.errors.every((e) => e.code !== c.code))
      )
        wrong.push(`${c.name}: ${JSON.stringify(result.errors)}`);
      for (const e of result.errors)
        if (
          !['PERMISSION_DENIED', 'INVALID_ARGUMENT'].includes(e.code) ||
          e.message.length === 0 ||
          e.message.length > 600
        )
          wrong.push(`${c.name}: unbounded or uncoded error ${JSON.stringify(e).slice(0, 300)}`);
    }
    expect(wrong.slice(0, 20)).toEqual([]);
  });

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 42, {}, Buffer.from('x')])
      expect(checkCsr(value, web)).toEqual({
        ok: false,
        errors: [{ code: 'INVALID_ARGUMENT', message: 'the CSR must be PEM text' }],
      });
  });
});
