import { X509Certificate } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkloadIdentity } from '../model/identity.js';
import { CertificateAuthority } from './authority.js';
import { FileCaStore } from './file-store.js';
import { openssl, verifyChain, withTempDir } from './openssl-testing.js';

// The plug-in CA is made by the openssl CLI, not by our code: a root and an intermediate in
// Istio's cacerts layout.
const EXTENSIONS = `[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[notca]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
`;

async function run(dir: string, args: string[]): Promise<void> {
  const result = await openssl(args, dir);
  if (result.code !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`);
}

interface MadeCa {
  readonly dir: string;
}

/** root-key.pem stays beside the four cacerts files; Trellis never reads it. */
async function makeCacerts(
  dir: string,
  {
    keys = 'ec',
    days = 30,
    profile = 'ca',
    rootName = 'Plug Root',
  }: { keys?: 'ec' | 'rsa'; days?: number; profile?: 'ca' | 'notca'; rootName?: string } = {},
): Promise<MadeCa> {
  await writeFile(path.join(dir, 'ext.cnf'), EXTENSIONS);
  const keyArgs =
    keys === 'ec'
      ? ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']
      : ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'];
  await run(dir, ['genpkey', ...keyArgs, '-out', 'root-key.pem']);
  await run(dir, [
    'req',
    '-x509',
    '-new',
    '-key',
    'root-key.pem',
    '-subj',
    `/O=Example/CN=${rootName}`,
    '-days',
    '3650',
    '-sha256',
    '-config',
    'ext.cnf',
    '-extensions',
    'ca',
    '-out',
    'root-cert.pem',
  ]);
  await run(dir, ['genpkey', ...keyArgs, '-out', 'ca-key.pem']);
  await run(dir, [
    'req',
    '-new',
    '-key',
    'ca-key.pem',
    '-subj',
    '/O=Example/CN=Plug Intermediate',
    '-config',
    'ext.cnf',
    '-out',
    'ca.csr',
  ]);
  await run(dir, [
    'x509',
    '-req',
    '-in',
    'ca.csr',
    '-CA',
    'root-cert.pem',
    '-CAkey',
    'root-key.pem',
    '-CAcreateserial',
    '-days',
    String(days),
    '-sha256',
    '-extfile',
    'ext.cnf',
    '-extensions',
    profile,
    '-out',
    'ca-cert.pem',
  ]);
  const chain =
    (await readFile(path.join(dir, 'ca-cert.pem'), 'utf8')) +
    (await readFile(path.join(dir, 'root-cert.pem'), 'utf8'));
  await writeFile(path.join(dir, 'cert-chain.pem'), chain);
  return { dir };
}

const web: WorkloadIdentity = { trustDomain: 'cluster.local', namespace: 'shop', serviceAccount: 'web' };
const realClock = { now: () => Date.now() };

async function open(dir: string, clock = realClock) {
  return CertificateAuthority.open({ source: { cacertsDir: dir }, clock });
}

async function opened(dir: string) {
  const ca = await open(dir);
  if (!ca.ok) throw new Error(ca.errors.map((e) => e.message).join('\n'));
  return ca.value;
}

let base: string;
let other: string;
beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'trellis-cacerts-'));
  other = await mkdtemp(path.join(os.tmpdir(), 'trellis-cacerts-other-'));
  await makeCacerts(base);
  await makeCacerts(other, { rootName: 'Other Root' });
}, 60_000);
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
  await rm(other, { recursive: true, force: true });
});

/** A copy of the good CA directory to damage. */
async function damaged<T>(task: (dir: string) => Promise<T>): Promise<T> {
  return withTempDir(async (dir) => {
    await cp(base, dir, { recursive: true });
    return task(dir);
  });
}

describe('a plug-in CA in cacerts layout (made by openssl)', () => {
  it('issues ECDSA and RSA leaves whose chains openssl verifies against the root', async () => {
    const ca = await opened(base);
    await withTempDir(async (dir) => {
      for (const keyAlgorithm of ['ecdsa-p256', 'rsa-2048'] as const) {
        const issued = ca.issueWorkload(web, { keyAlgorithm });
        const chain = issued.certChainPem.match(/-----BEGIN CERTIFICATE-----/g) ?? [];
        expect(chain).toHaveLength(2); // leaf, intermediate; not the root
        const verified = await verifyChain(
          dir,
          await readFile(path.join(base, 'root-cert.pem'), 'utf8'),
          issued.certChainPem,
        );
        expect(verified.stderr).toBe('');
        expect(verified.stdout).toMatch(/: OK/);
        expect(issued.issuerFingerprint).toBe(
          new X509Certificate(await readFile(path.join(base, 'ca-cert.pem'))).fingerprint256
            .replace(/:/g, '')
            .toLowerCase(),
        );
      }
    });
    expect(ca.trustBundlePem()).toBe(
      new X509Certificate(await readFile(path.join(base, 'root-cert.pem'))).toString(),
    );
    expect(ca.expiries().map((e) => e.which)).toEqual(['root', 'intermediate']);
  });

  it('signs with an RSA intermediate under an RSA root', async () => {
    await withTempDir(async (dir) => {
      await makeCacerts(dir, { keys: 'rsa' });
      const ca = await opened(dir);
      const issued = ca.issueWorkload(web);
      const verified = await verifyChain(
        dir,
        await readFile(path.join(dir, 'root-cert.pem'), 'utf8'),
        issued.certChainPem,
      );
      expect(verified.stdout).toMatch(/: OK/);
    });
  }, 30_000);

  it('cuts a leaf asked to outlive the intermediate to the intermediate’s end, with a warning', async () => {
    await withTempDir(async (dir) => {
      await makeCacerts(dir, { days: 1 });
      const warnings: string[] = [];
      const ca = await CertificateAuthority.open({
        source: { cacertsDir: dir },
        clock: realClock,
        onWarning: (m) => warnings.push(m),
      });
      if (!ca.ok) throw new Error(ca.errors[0]!.message);
      const intermediateEnd = ca.value.expiries().find((e) => e.which === 'intermediate')!.notAfter;
      const issued = ca.value.issueWorkload(web, { ttlMs: 48 * 3_600_000 });
      expect(issued.notAfter).toEqual(intermediateEnd);
      expect(issued.notes).toEqual([
        expect.stringMatching(/cannot outlive its issuer "O=Example, CN=Plug Intermediate"/),
      ]);
      expect(warnings).toEqual(issued.notes);
      const verified = await verifyChain(
        dir,
        await readFile(path.join(dir, 'root-cert.pem'), 'utf8'),
        issued.certChainPem,
      );
      expect(verified.stdout).toMatch(/: OK/);
    });
  }, 30_000);

  it('refuses to rotate or retire a root it does not own', async () => {
    const ca = await opened(base);
    expect(await ca.rotateRoot()).toEqual({
      ok: false,
      errors: [expect.stringMatching(/cacerts directory/)],
    });
    expect(await ca.retireRoot(ca.roots()[0]!.fingerprintSha256)).toEqual({
      ok: false,
      errors: [expect.stringMatching(/root-cert\.pem/)],
    });
  });
});

describe('refusals at load name the file and the reason', () => {
  const firstError = async (dir: string, clock = realClock) => {
    const result = await open(dir, clock);
    expect(result.ok).toBe(false);
    return result.ok ? '' : result.errors.map((e) => e.message).join('\n');
  };

  it('a missing file', () =>
    damaged(async (dir) => {
      await rm(path.join(dir, 'ca-key.pem'));
      expect(await firstError(dir)).toBe(`${path.join(dir, 'ca-key.pem')}: unreadable: missing`);
    }));

  it('text that is not PEM', () =>
    damaged(async (dir) => {
      await writeFile(path.join(dir, 'ca-cert.pem'), 'hello\n');
      expect(await firstError(dir)).toBe(
        `${path.join(dir, 'ca-cert.pem')}: malformed PEM: line 1: text outside a PEM block (expected "-----BEGIN ...-----")`,
      );
    }));

  it('a truncated PEM block', () =>
    damaged(async (dir) => {
      const text = await readFile(path.join(dir, 'root-cert.pem'), 'utf8');
      await writeFile(path.join(dir, 'root-cert.pem'), text.slice(0, text.length - 30));
      expect(await firstError(dir)).toMatch(
        new RegExp(`^${esc(path.join(dir, 'root-cert.pem'))}: malformed PEM: .*has no END line`),
      );
    }));

  it('PEM whose DER is not a certificate', () =>
    damaged(async (dir) => {
      await writeFile(
        path.join(dir, 'ca-cert.pem'),
        `-----BEGIN CERTIFICATE-----\n${Buffer.from('0\u0003\u0002\u0001').toString('base64')}\n-----END CERTIFICATE-----\n`,
      );
      expect(await firstError(dir)).toMatch(
        new RegExp(`^${esc(path.join(dir, 'ca-cert.pem'))}: not a DER certificate: `),
      );
    }));

  it('a key that is not the signing certificate’s', () =>
    damaged(async (dir) => {
      await cp(path.join(dir, 'root-key.pem'), path.join(dir, 'ca-key.pem'));
      expect(await firstError(dir)).toBe(
        `${path.join(dir, 'ca-key.pem')}: the key (EC P-256) does not match the certificate in ${path.join(dir, 'ca-cert.pem')} (EC P-256)`,
      );
    }));

  it('a key file that is not a key', () =>
    damaged(async (dir) => {
      await cp(path.join(dir, 'root-cert.pem'), path.join(dir, 'ca-key.pem'));
      expect(await firstError(dir)).toMatch(
        new RegExp(`^${esc(path.join(dir, 'ca-key.pem'))}: expected one PRIVATE KEY .*found CERTIFICATE`),
      );
    }));

  it('an expired, or not yet valid, signing certificate', () =>
    damaged(async (dir) => {
      const later = { now: () => Date.now() + 40 * 86_400_000 };
      expect(await firstError(dir, later)).toMatch(
        new RegExp(
          `^${esc(path.join(dir, 'ca-cert.pem'))}: the signing certificate "O=Example, CN=Plug Intermediate" expired at 20`,
        ),
      );
      const earlier = { now: () => Date.now() - 86_400_000 };
      expect(await firstError(dir, earlier)).toMatch(
        new RegExp(
          `^${esc(path.join(dir, 'ca-cert.pem'))}: the signing certificate "O=Example, CN=Plug Intermediate" is not valid until 20`,
        ),
      );
    }));

  it('a signing certificate that is not a CA', () =>
    withTempDir(async (dir) => {
      await makeCacerts(dir, { profile: 'notca' });
      expect(await firstError(dir)).toBe(
        `${path.join(dir, 'ca-cert.pem')}: the signing certificate "O=Example, CN=Plug Intermediate" is not a CA (basicConstraints CA:true missing)`,
      );
    }));

  it('a chain that does not verify to the root', () =>
    damaged(async (dir) => {
      await cp(path.join(other, 'root-cert.pem'), path.join(dir, 'root-cert.pem'));
      expect(await firstError(dir)).toMatch(
        new RegExp(
          `^${esc(path.join(dir, 'cert-chain.pem'))} \\(certificate 2 of 2\\): "O=Example, CN=Plug Root" does not verify to any root in ${esc(path.join(dir, 'root-cert.pem'))}`,
        ),
      );
      await writeFile(path.join(dir, 'cert-chain.pem'), await readFile(path.join(dir, 'ca-cert.pem')));
      expect(await firstError(dir)).toMatch(
        new RegExp(
          `^${esc(path.join(dir, 'ca-cert.pem'))}: "O=Example, CN=Plug Intermediate" does not verify to any root in ${esc(path.join(dir, 'root-cert.pem'))}`,
        ),
      );
    }));

  it('a cert-chain.pem that does not start with ca-cert.pem', () =>
    damaged(async (dir) => {
      await cp(path.join(other, 'cert-chain.pem'), path.join(dir, 'cert-chain.pem'));
      expect(await firstError(dir)).toMatch(
        new RegExp(
          `^${esc(path.join(dir, 'cert-chain.pem'))} \\(certificate 1 of 2\\): does not begin with the signing certificate of ${esc(path.join(dir, 'ca-cert.pem'))}`,
        ),
      );
    }));

  it('a damaged state file of a generated CA', () =>
    withTempDir(async (dir) => {
      const store = new FileCaStore(dir);
      const openStore = () => CertificateAuthority.open({ source: { store }, clock: realClock });
      expect((await openStore()).ok).toBe(true);
      const state = JSON.parse(await readFile(store.file, 'utf8'));
      await writeFile(
        store.file,
        JSON.stringify({ ...state, rootKeyPem: await readFile(path.join(base, 'ca-key.pem'), 'utf8') }),
      );
      const mismatch = await openStore();
      expect(mismatch.ok ? '' : mismatch.errors[0]!.message).toMatch(
        new RegExp(
          `^${esc(store.file)} \\(rootKeyPem\\): the key \\(EC P-256\\) does not match the certificate in ${esc(store.file)} \\(rootCertsPem\\), first certificate`,
        ),
      );
      await writeFile(store.file, '{"version":1,');
      const broken = await openStore();
      expect(broken.ok ? '' : broken.errors[0]!.message).toMatch(
        new RegExp(`^${esc(store.file)}: not JSON: `),
      );
    }));
});

function esc(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
