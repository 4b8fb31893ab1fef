import { createPrivateKey, X509Certificate } from 'node:crypto';
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WorkloadIdentity } from '../model/identity.js';
import { seededRandom } from '../sources/apis/shared/fuzz-mutations.js';
import { type AuthorityOptions, CertificateAuthority } from './authority.js';
import { FileCaStore } from './file-store.js';
import { openssl, verifyChain, withTempDir } from './openssl-testing.js';
import { expiryWarnings, isRotationDue, rotationTime } from './rotation.js';

const web: WorkloadIdentity = { trustDomain: 'cluster.local', namespace: 'shop', serviceAccount: 'web' };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A clock that stands still unless moved; near the real time, because openssl verifies with it. */
function fakeClock(start = Math.floor(Date.now() / 1000) * 1000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
    set: (ms: number) => {
      now = ms;
    },
  };
}

async function openGenerated(dir: string, extra: Partial<AuthorityOptions> = {}) {
  const opened = await CertificateAuthority.open({
    source: { store: new FileCaStore(path.join(dir, 'state')) },
    clock: fakeClock(),
    ...extra,
  });
  if (!opened.ok) throw new Error(opened.errors.map((e) => e.message).join('\n'));
  return opened.value;
}

function certs(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g) ?? []).map(
    (block) => new X509Certificate(block),
  );
}

describe('CertificateAuthority with a generated root', () => {
  it('makes a ten-year ECDSA P-256 root: CA:true, keyCertSign and cRLSign, critical', async () => {
    await withTempDir(async (dir) => {
      const ca = await openGenerated(dir);
      await writeFile(path.join(dir, 'root.pem'), ca.trustBundlePem());
      const text = await openssl(['x509', '-in', 'root.pem', '-text', '-noout'], dir);
      expect(text.stdout).toMatch(/Public Key Algorithm: id-ecPublicKey[\s\S]*NIST CURVE: P-256/);
      expect(text.stdout).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
      expect(text.stdout).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
      const [root] = ca.roots();
      expect(root!.current).toBe(true);
      const years =
        (root!.notAfter.getTime() - Date.parse(new X509Certificate(root!.pem).validFrom)) / (365 * DAY);
      expect(years).toBeCloseTo(10, 1);
    });
  });

  it('issues ECDSA and RSA workload certificates that openssl verifies, with the SVID profile', async () => {
    await withTempDir(async (dir) => {
      const clock = fakeClock();
      const ca = await openGenerated(dir, { clock });
      for (const [keyAlgorithm, off] of [
        ['ecdsa-p256', false],
        ['rsa-2048', false],
        ['rsa-2048', true], // the key made on the thread pool (issueWorkloadAsync)
      ] as const) {
        const issued = off
          ? await ca.issueWorkloadAsync(web, { keyAlgorithm })
          : ca.issueWorkload(web, { keyAlgorithm });
        const verified = await verifyChain(dir, ca.trustBundlePem(), issued.certChainPem);
        expect(verified.stderr).toBe('');
        expect(verified.stdout).toMatch(/: OK/);
        const [leaf, ...rest] = certs(issued.certChainPem);
        expect(rest).toHaveLength(0); // the root signs: no intermediates, and the root is not sent
        expect(leaf!.checkPrivateKey(createPrivateKey(issued.privateKeyPem))).toBe(true);
        await writeFile(path.join(dir, 'leaf.pem'), issued.certChainPem);
        const text = (await openssl(['x509', '-in', 'leaf.pem', '-text', '-noout', '-serial'], dir)).stdout;
        expect(text).toMatch(
          /X509v3 Subject Alternative Name: critical\s+URI:spiffe:\/\/cluster\.local\/ns\/shop\/sa\/web\n/,
        );
        expect(text).toMatch(
          /X509v3 Extended Key Usage: \s*\n\s+TLS Web Server Authentication, TLS Web Client Authentication/,
        );
        expect(text).toMatch(
          keyAlgorithm === 'rsa-2048'
            ? /X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment\n/
            : /X509v3 Key Usage: critical\s+Digital Signature\n/,
        );
        expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
        expect(text).toMatch(/Subject Key Identifier/);
        expect(text).toMatch(/Authority Key Identifier/);
        expect(text).toMatch(/Subject: *\n/);
        expect(text.match(/serial=([0-9A-F]+)/)![1]!.toLowerCase()).toBe(issued.serialNumberHex);
        expect(issued.serialNumberHex.length).toBeGreaterThanOrEqual(28); // 128 random bits, rarely shorter
        expect(issued.notBefore.getTime()).toBe(clock.now() - 5 * 60_000);
        expect(issued.notAfter.getTime()).toBe(clock.now() + DAY);
        expect(issued.issuerFingerprint).toBe(ca.roots()[0]!.fingerprintSha256);
        expect(issued.notes).toEqual([]);
      }
    });
  });

  it('issues serving certificates with DNS SANs that openssl accepts for a TLS server', async () => {
    await withTempDir(async (dir) => {
      const ca = await openGenerated(dir);
      const issued = ca.issueServing(['trellis.trellis-system.svc', 'localhost'], { ttlMs: 2 * HOUR });
      const verified = await verifyChain(dir, ca.trustBundlePem(), issued.certChainPem);
      expect(verified.stdout).toMatch(/: OK/);
      await writeFile(path.join(dir, 'serving.pem'), issued.certChainPem);
      await writeFile(path.join(dir, 'root.pem'), ca.trustBundlePem());
      const purpose = await openssl(
        ['verify', '-purpose', 'sslserver', '-CAfile', 'root.pem', 'serving.pem'],
        dir,
      );
      expect(purpose.stdout).toMatch(/: OK/);
      const text = (await openssl(['x509', '-in', 'serving.pem', '-text', '-noout'], dir)).stdout;
      expect(text).toMatch(
        /Subject Alternative Name: critical\s+DNS:trellis\.trellis-system\.svc, DNS:localhost\n/,
      );
      expect(issued.notAfter.getTime() - issued.notBefore.getTime()).toBe(2 * HOUR + 5 * 60_000);
      expect(() => ca.issueServing(['not a name'])).toThrow(/not a DNS name/);
      expect(() => ca.issueServing([])).toThrow(/1 to 100/);
    });
  });

  it('cuts a leaf that would outlive the root to the root’s end, and says so', async () => {
    await withTempDir(async (dir) => {
      const warnings: string[] = [];
      const clock = fakeClock();
      const ca = await openGenerated(dir, {
        clock,
        rootTtlMs: 10 * HOUR,
        onWarning: (m) => warnings.push(m),
      });
      const rootEnd = ca.roots()[0]!.notAfter;
      clock.advance(2 * HOUR);
      const issued = ca.issueWorkload(web, { ttlMs: 24 * HOUR });
      expect(issued.notAfter).toEqual(rootEnd);
      expect(issued.notes).toHaveLength(1);
      expect(issued.notes[0]).toMatch(
        /validity cut to .*cannot outlive its issuer "O=cluster.local, CN=Trellis root CA/,
      );
      expect(warnings).toEqual(issued.notes);
      const inside = ca.issueWorkload(web, { ttlMs: HOUR });
      expect(inside.notes).toEqual([]);
      clock.advance(9 * HOUR);
      expect(() => ca.issueWorkload(web)).toThrow(/expired at/);
    });
  });

  it('keeps its root in a 0600 file in a 0700 directory, and loads the same root again', async () => {
    await withTempDir(async (dir) => {
      const first = await openGenerated(dir);
      const store = new FileCaStore(path.join(dir, 'state'));
      expect((await stat(store.file)).mode & 0o777).toBe(0o600);
      expect((await stat(store.stateDir)).mode & 0o777).toBe(0o700);
      const second = await openGenerated(dir);
      expect(second.roots()).toEqual(first.roots());
      const issued = second.issueWorkload(web);
      expect((await verifyChain(dir, first.trustBundlePem(), issued.certChainPem)).stdout).toMatch(/: OK/);
    });
  });

  it('rotates the root: both roots trusted until the old one is retired, leaves of both verify', async () => {
    await withTempDir(async (dir) => {
      const clock = fakeClock();
      const ca = await openGenerated(dir, { clock });
      const oldRoot = ca.roots()[0]!;
      const before = ca.issueWorkload(web);
      clock.advance(1000); // the new root's name carries its time
      const rotated = await ca.rotateRoot();
      expect(rotated.ok).toBe(true);
      const roots = ca.roots();
      expect(roots.map((r) => r.current)).toEqual([true, false]);
      expect(roots[1]!.fingerprintSha256).toBe(oldRoot.fingerprintSha256);
      expect(ca.trustBundlePem()).toBe(roots[0]!.pem + oldRoot.pem);
      const after = ca.issueWorkload(web);
      expect(after.issuerFingerprint).toBe(roots[0]!.fingerprintSha256);
      expect(before.issuerFingerprint).toBe(oldRoot.fingerprintSha256);
      for (const leaf of [before, after]) {
        const run = await verifyChain(dir, ca.trustBundlePem(), leaf.certChainPem);
        expect(run.stderr).toBe('');
        expect(run.stdout).toMatch(/: OK/);
      }
      // The new root alone does not vouch for the old leaf.
      expect((await verifyChain(dir, roots[0]!.pem, before.certChainPem)).code).not.toBe(0);

      // The set is persisted.
      const reopened = await openGenerated(dir, { clock });
      expect(reopened.roots()).toEqual(roots);

      const refused = await ca.retireRoot(roots[0]!.fingerprintSha256);
      expect(refused).toEqual({ ok: false, errors: [expect.stringMatching(/is the current root/)] });
      expect(await ca.retireRoot('00'.repeat(32))).toEqual({
        ok: false,
        errors: [expect.stringMatching(/no trusted root/)],
      });
      const retired = await ca.retireRoot(oldRoot.fingerprintSha256);
      expect(retired.ok).toBe(true);
      expect(ca.trustBundlePem()).toBe(roots[0]!.pem);
      expect((await openGenerated(dir, { clock })).roots().map((r) => r.fingerprintSha256)).toEqual([
        roots[0]!.fingerprintSha256,
      ]);
      expect(
        (await verifyChain(dir, ca.trustBundlePem(), ca.issueWorkload(web).certChainPem)).stdout,
      ).toMatch(/: OK/);
    });
  });

  it('takes the roots another replica saved in the store: staged, then signing', async () => {
    await withTempDir(async (dir) => {
      const clock = fakeClock();
      const leader = await openGenerated(dir, { clock });
      const follower = await openGenerated(dir, { clock });
      expect(await follower.reloadFromStore()).toEqual({ ok: true, value: false });
      clock.advance(1000);
      expect((await leader.stageRoot()).ok).toBe(true);
      expect(await follower.reloadFromStore()).toEqual({ ok: true, value: true });
      expect(follower.trustBundlePem()).toBe(leader.trustBundlePem());
      expect((await leader.activateStagedRoot()).ok).toBe(true);
      expect(await follower.reloadFromStore()).toEqual({ ok: true, value: true });
      // The follower now signs with the leader's new root.
      expect(follower.issueWorkload(web).issuerFingerprint).toBe(leader.roots()[0]!.fingerprintSha256);
      expect(await follower.reloadFromStore()).toEqual({ ok: true, value: false });
    });
  });

  it('reports its root’s expiry and the warnings due at 90, 30 and 7 days', async () => {
    await withTempDir(async (dir) => {
      const clock = fakeClock();
      const ca = await openGenerated(dir, { clock, rootTtlMs: 100 * DAY });
      const expiries = ca.expiries();
      expect(expiries).toHaveLength(1);
      expect(expiries[0]!.which).toBe('root');
      const end = expiries[0]!.notAfter.getTime();
      expect(expiryWarnings(expiries, end - 91 * DAY)).toEqual([]);
      expect(expiryWarnings(expiries, end - 90 * DAY).map((w) => w.thresholdDays)).toEqual([90]);
      expect(expiryWarnings(expiries, end - 31 * DAY).map((w) => w.thresholdDays)).toEqual([90]);
      expect(expiryWarnings(expiries, end - 30 * DAY).map((w) => w.thresholdDays)).toEqual([30]);
      const week = expiryWarnings(expiries, end - 7 * DAY + 1);
      expect(week.map((w) => [w.thresholdDays, w.daysLeft])).toEqual([[7, 6]]);
      expect(week[0]!.message).toMatch(
        /root CA certificate "O=cluster.local, CN=Trellis root CA .*" expires at .*, in 6 days \(within 7\)/,
      );
      expect(expiryWarnings(expiries, end).map((w) => [w.thresholdDays, w.message])).toEqual([
        [0, expect.stringMatching(/expired at/)],
      ]);
    });
  });
});

describe('rotationTime', () => {
  const cert = {
    notBefore: new Date(Date.UTC(2030, 0, 1)),
    notAfter: new Date(Date.UTC(2030, 0, 1) + 100 * HOUR),
  };
  const start = cert.notBefore.getTime();

  it('falls uniformly between 50 % and 60 % of the life, from the injected random source', () => {
    expect(rotationTime(cert, () => 0).getTime()).toBe(start + 50 * HOUR);
    expect(rotationTime(cert, () => 0.5).getTime()).toBe(start + 55 * HOUR);
    expect(rotationTime(cert, () => 0.999999).getTime()).toBeLessThan(start + 60 * HOUR);
    expect(rotationTime(cert, () => 0.999999).getTime()).toBeGreaterThan(start + 59.99 * HOUR);
    // A fleet spreads out: 1,000 draws of a seeded source cover the window.
    const random = seededRandom(12);
    const times = Array.from({ length: 1000 }, () => (rotationTime(cert, random).getTime() - start) / HOUR);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(50);
    expect(Math.max(...times)).toBeLessThan(60);
    expect(new Set(times.map((t) => Math.floor(t))).size).toBe(10);
  });

  it('is due from its time on, by the injected clock', () => {
    const clock = fakeClock(start);
    const at = rotationTime(cert, () => 0.3);
    clock.set(at.getTime() - 1);
    expect(isRotationDue(at, clock.now())).toBe(false);
    clock.advance(1);
    expect(isRotationDue(at, clock.now())).toBe(true);
  });
});
