import { describe, expect, it } from 'vitest';
import { FakeScheduler } from '../../test/helpers/fake-scheduler.js';
import type { Logger } from '../log.js';
import type { WorkloadIdentity } from '../model/identity.js';
import { decodeResource } from './envoy/resource-codec.js';
import { TYPE_URL } from './envoy/type-urls.js';
import { IdentitySecrets, type WorkloadIssuer } from './identity-secrets.js';

const HOUR = 3_600_000;
const silent = { info() {}, warn() {}, error() {}, debug() {} } as unknown as Logger;

/** Stands in for the CA: a "certificate" that names its identity and serial, 24 h long. */
class FakeIssuer implements WorkloadIssuer {
  issued: string[] = [];
  bundle = 'ROOT-1';
  failNext = false;
  constructor(private readonly scheduler: FakeScheduler) {}
  issueWorkload(identity: WorkloadIdentity) {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('CA unavailable');
    }
    const serial = `${identity.namespace}/${identity.serviceAccount}#${this.issued.length + 1}`;
    this.issued.push(serial);
    const notBefore = new Date(this.scheduler.now());
    return {
      certChainPem: `CERT ${serial}`,
      privateKeyPem: `-----BEGIN PRIVATE KEY----- ${serial}`,
      notBefore,
      notAfter: new Date(notBefore.getTime() + 24 * HOUR),
    };
  }
  trustBundlePem(): string {
    return this.bundle;
  }
}

const id = (namespace: string, serviceAccount: string): WorkloadIdentity => ({
  trustDomain: 'cluster.local',
  namespace,
  serviceAccount,
});

function setup(random = () => 0) {
  const scheduler = new FakeScheduler();
  const issuer = new FakeIssuer(scheduler);
  const secrets = new IdentitySecrets({ issuer, logger: silent, scheduler, random });
  return { scheduler, issuer, secrets };
}

function chainOf(map: ReadonlyMap<string, { value: Uint8Array }>): string {
  const secret = decodeResource(TYPE_URL.secret, map.get('default')!.value) as {
    tls_certificate: { certificate_chain: { inline_bytes: string } };
  };
  return Buffer.from(secret.tls_certificate.certificate_chain.inline_bytes, 'base64').toString();
}

describe('IdentitySecrets', () => {
  it('gives streams of one identity one shared map, and other identities their own', () => {
    const { secrets, issuer } = setup();
    const a1 = secrets.subscribe(id('a', 'sa'), () => {});
    const a2 = secrets.subscribe(id('a', 'sa'), () => {});
    const b = secrets.subscribe(id('b', 'sa'), () => {});
    expect(a1.current()).toBe(a2.current());
    expect(chainOf(a1.current())).toBe('CERT a/sa#1');
    expect(chainOf(b.current())).toBe('CERT b/sa#2');
    expect(issuer.issued).toHaveLength(2);
    expect([...a1.current().keys()].sort()).toEqual(['ROOTCA', 'default']);
    // The trust bundle is one resource object for everyone.
    expect(a1.current().get('ROOTCA')).toBe(b.current().get('ROOTCA'));
  });

  it('gives a stream with no proved identity the trust bundle and no key', () => {
    const { secrets } = setup();
    const anonymous = secrets.subscribe(undefined, () => {});
    expect([...anonymous.current().keys()]).toEqual(['ROOTCA']);
  });

  it('rotates between 50 % and 60 % of the life, pushing only to that identity', () => {
    const { secrets, scheduler, issuer } = setup(() => 0.5);
    const heardA: string[] = [];
    const heardB: string[] = [];
    secrets.subscribe(id('a', 'sa'), (m) => heardA.push(chainOf(m)));
    scheduler.advance(HOUR);
    secrets.subscribe(id('b', 'sa'), (m) => heardB.push(chainOf(m)));
    // Jitter 0.5 → 55 % of 24 h = 13.2 h after issuance.
    scheduler.advance(12.2 * HOUR - 1);
    expect(heardA).toEqual([]);
    scheduler.advance(1);
    expect(heardA).toEqual(['CERT a/sa#3']);
    expect(heardB).toEqual([]);
    expect(issuer.issued).toEqual(['a/sa#1', 'b/sa#2', 'a/sa#3']);
    // Each certificate is rotated in turn, long before it expires: b's at 14.2 h, a's new one at 26.4 h.
    scheduler.advance(13.2 * HOUR);
    expect(heardB).toEqual(['CERT b/sa#4']);
    expect(heardA).toEqual(['CERT a/sa#3', 'CERT a/sa#5']);
  });

  it('spreads a fleet: the jitter decides the rotation time', () => {
    const early = setup(() => 0);
    const late = setup(() => 0.999);
    const heardEarly: unknown[] = [];
    const heardLate: unknown[] = [];
    early.secrets.subscribe(id('a', 'sa'), (m) => heardEarly.push(m));
    late.secrets.subscribe(id('a', 'sa'), (m) => heardLate.push(m));
    early.scheduler.advance(12 * HOUR);
    late.scheduler.advance(12 * HOUR);
    expect(heardEarly).toHaveLength(1);
    expect(heardLate).toHaveLength(0);
    late.scheduler.advance(2.4 * HOUR);
    expect(heardLate).toHaveLength(1);
  });

  it('keeps the certificate for a proxy that reconnects before it is due', () => {
    const { secrets, scheduler, issuer } = setup();
    const first = secrets.subscribe(id('a', 'sa'), () => {});
    const map = first.current();
    first.stop();
    scheduler.advance(HOUR);
    const again = secrets.subscribe(id('a', 'sa'), () => {});
    expect(chainOf(again.current())).toBe(chainOf(map));
    expect(issuer.issued).toHaveLength(1);
    again.stop();
    // Past its rotation time it is not handed out again.
    scheduler.advance(13 * HOUR);
    const late = secrets.subscribe(id('a', 'sa'), () => {});
    expect(chainOf(late.current())).toBe('CERT a/sa#2');
  });

  it('stops rotating an identity whose streams are gone', () => {
    const { secrets, scheduler, issuer } = setup();
    secrets.subscribe(id('a', 'sa'), () => {}).stop();
    scheduler.advance(48 * HOUR);
    expect(issuer.issued).toHaveLength(1);
    expect(secrets.identities()).toBe(0);
  });

  it('puts a new trust bundle in every map', () => {
    const { secrets, issuer } = setup();
    const heard: ReadonlyMap<string, unknown>[] = [];
    const a = secrets.subscribe(id('a', 'sa'), (m) => heard.push(m));
    const anonymous = secrets.subscribe(undefined, (m) => heard.push(m));
    const before = a.current().get('ROOTCA');
    issuer.bundle = 'ROOT-1\nROOT-2';
    secrets.trustBundleChanged();
    expect(heard).toHaveLength(2);
    expect(a.current().get('ROOTCA')).not.toBe(before);
    expect(a.current().get('ROOTCA')).toBe(anonymous.current().get('ROOTCA'));
    expect(chainOf(a.current())).toBe('CERT a/sa#1');
  });

  it('waits for an issuer that answers later (an RSA key), then pushes the key', async () => {
    const { secrets, issuer, scheduler } = setup();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow: WorkloadIssuer = {
      issueWorkload: async (identity) => {
        await gate;
        return issuer.issueWorkload(identity);
      },
      trustBundlePem: () => issuer.trustBundlePem(),
    };
    const later = new IdentitySecrets({ issuer: slow, logger: silent, scheduler });
    const heard: ReadonlyMap<string, unknown>[] = [];
    const a = later.subscribe(id('a', 'sa'), (m) => heard.push(m));
    const gone = later.subscribe(id('gone', 'sa'), () => {});
    gone.stop();
    expect([...a.current().keys()]).toEqual(['ROOTCA']);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(heard).toHaveLength(1);
    expect(chainOf(a.current())).toBe('CERT a/sa#1');
    // The identity whose streams left before its key came gets nothing kept.
    expect(later.identities()).toBe(1);
    void secrets;
  });

  it('retries an issuance that failed, and the stream gets the key then', () => {
    const { secrets, scheduler, issuer } = setup();
    issuer.failNext = true;
    const heard: ReadonlyMap<string, unknown>[] = [];
    const a = secrets.subscribe(id('a', 'sa'), (m) => heard.push(m));
    expect([...a.current().keys()]).toEqual(['ROOTCA']);
    scheduler.advance(10_000);
    expect(heard).toHaveLength(1);
    expect(chainOf(a.current())).toBe('CERT a/sa#1');
  });
});
