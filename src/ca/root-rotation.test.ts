// A root rotation over a simulated day and a half, with an injected clock: proxies receive their
// secrets from IdentitySecrets, and some are slow to accept a new trust bundle. After every step,
// every pair of proxies completes a real mutual-TLS handshake on 127.0.0.1, each side with the
// leaf and the bundle it holds at that moment: the rotation never loses a handshake.
import crypto from 'node:crypto';
import type net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeScheduler } from '../../test/helpers/fake-scheduler.js';
import { silentLogger } from '../log.js';
import type { SecretMap } from '../xds/cache/secret-overlay.js';
import { decodeResource } from '../xds/envoy/resource-codec.js';
import { TYPE_URL } from '../xds/envoy/type-urls.js';
import { IdentitySecrets } from '../xds/identity-secrets.js';
import { CertificateAuthority } from './authority.js';
import { MemoryCaStore } from './memory-store.js';
import { RootRotation } from './root-rotation.js';

const HOUR = 3_600_000;

/** What a proxy runs with: the secrets it last accepted. */
interface Proxy {
  readonly name: string;
  offered: SecretMap;
  held: { chain: string; key: string; bundle: string };
  /** A slow proxy does not accept new secrets until the test says so. */
  accepts: boolean;
  stop(): void;
}

function read(map: SecretMap): { chain: string; key: string; bundle: string } {
  const decode = (name: string) =>
    decodeResource(TYPE_URL.secret, map.get(name)!.value) as Record<string, never>;
  const own = decode('default') as unknown as {
    tls_certificate: { certificate_chain: { inline_bytes: string }; private_key: { inline_bytes: string } };
  };
  const roots = decode('ROOTCA') as unknown as {
    validation_context: { trusted_ca: { inline_bytes: string } };
  };
  const text = (b64: string) => Buffer.from(b64, 'base64').toString();
  return {
    chain: text(own.tls_certificate.certificate_chain.inline_bytes),
    key: text(own.tls_certificate.private_key.inline_bytes),
    bundle: text(roots.validation_context.trusted_ca.inline_bytes),
  };
}

const issuerOf = (chain: string) => new crypto.X509Certificate(chain).issuer;

/** One mutual-TLS handshake between two proxies, each trusting only the bundle it holds. */
async function handshake(client: Proxy, server: Proxy): Promise<void> {
  const srv = tls.createServer({
    key: server.held.key,
    cert: server.held.chain,
    ca: server.held.bundle,
    requestCert: true,
    rejectUnauthorized: true,
  });
  srv.on('secureConnection', (socket) => socket.end());
  srv.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  try {
    await new Promise<void>((resolve, reject) => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port,
        key: client.held.key,
        cert: client.held.chain,
        ca: client.held.bundle,
        checkServerIdentity: () => undefined,
      });
      const timer = setTimeout(() => reject(new Error('handshake timed out')), 5_000);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.destroy();
        resolve();
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`${client.name} → ${server.name}: ${err.message}`));
      });
    });
  } finally {
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  }
}

describe('root rotation', () => {
  const proxies: Proxy[] = [];
  afterEach(() => {
    for (const p of proxies.splice(0)) p.stop();
  });

  it('stages, activates once every proxy trusts the new root, retires the old one after its last leaf: no handshake lost', async () => {
    // Node checks certificate dates against the real clock: the simulated day starts a day ago (plus
    // two minutes), so every leaf used in a handshake is within its validity in real time too.
    const scheduler = new FakeScheduler(Date.now() - 24 * HOUR + 2 * 60_000);
    const store = new MemoryCaStore();
    const opened = await CertificateAuthority.open({
      source: { store },
      clock: scheduler,
      workloadTtlMs: 24 * HOUR,
    });
    if (!opened.ok) throw new Error(opened.errors[0]!.message);
    const ca = opened.value;
    const secrets = new IdentitySecrets({
      issuer: { issueWorkload: (id) => ca.issueWorkload(id), trustBundlePem: () => ca.trustBundlePem() },
      logger: silentLogger(),
      scheduler,
      random: () => 0.5,
    });
    const join = (name: string, accepts = true): Proxy => {
      const proxy = { name, accepts } as Proxy;
      const subscription = secrets.subscribe(
        { trustDomain: 'cluster.local', namespace: 'mesh', serviceAccount: name },
        (map) => {
          proxy.offered = map;
          if (proxy.accepts) proxy.held = read(map);
        },
      );
      proxy.offered = subscription.current();
      proxy.held = read(proxy.offered);
      proxy.stop = () => subscription.stop();
      proxies.push(proxy);
      return proxy;
    };
    const outdated = () => {
      const behind = proxies.filter((p) => p.held.bundle !== read(p.offered).bundle).map((p) => p.name);
      return { outdated: behind.length, outdatedProxies: behind };
    };
    const rotation = new RootRotation({
      authority: ca,
      bundleChanged: () => secrets.trustBundleChanged(),
      outdated,
      leafTtlMs: 24 * HOUR,
      scheduler,
      logger: silentLogger(),
      checkEveryMs: 60_000,
      leafSlackMs: 60_000,
    });
    const allShakeHands = async () => {
      for (const client of proxies)
        for (const server of proxies) if (client !== server) await handshake(client, server);
    };
    /** Moves the clock in steps, letting the rotation's checks (async) finish between them. */
    const advance = async (ms: number, step = 60_000) => {
      for (let done = 0; done < ms; done += step) {
        scheduler.advance(Math.min(step, ms - done));
        await new Promise((resolve) => setImmediate(resolve));
      }
    };

    const oldRoot = ca.roots()[0]!;
    const a = join('a');
    join('b');
    const slow = join('slow');
    rotation.start();
    await allShakeHands();

    // 1. Staged: the bundle holds both roots; the slow proxy has not accepted it yet.
    slow.accepts = false;
    expect((await rotation.begin()).ok).toBe(true);
    expect(rotation.phase().phase).toBe('staged');
    expect(a.held.bundle).toContain(
      ca
        .roots()
        .find((r) => r.staged)!
        .pem.trim(),
    );
    expect(slow.held.bundle).not.toBe(a.held.bundle);
    await allShakeHands();

    // While one proxy lags, the new root signs nothing: a proxy joining now gets an old-root leaf.
    await advance(3 * 60_000);
    expect(rotation.phase().phase).toBe('staged');
    const late = join('late');
    expect(issuerOf(late.held.chain)).toBe(new crypto.X509Certificate(oldRoot.pem).subject);
    await allShakeHands();

    // 2. The slow proxy accepts: the new root signs from the next check on.
    slow.accepts = true;
    slow.held = read(slow.offered);
    await advance(2 * 60_000);
    expect(rotation.phase().phase).toBe('draining');
    const newRoot = ca.roots().find((r) => r.current)!;
    expect(newRoot.fingerprintSha256).not.toBe(oldRoot.fingerprintSha256);
    const fresh = join('fresh');
    expect(issuerOf(fresh.held.chain)).toBe(new crypto.X509Certificate(newRoot.pem).subject);
    // A new-root leaf and old-root leaves side by side.
    expect(issuerOf(slow.held.chain)).toBe(new crypto.X509Certificate(oldRoot.pem).subject);
    await allShakeHands();

    // 3. Leaves rotate at 55 % of their life, now from the new root; the old root stays trusted
    // until one leaf lifetime after activation.
    await advance(14 * HOUR, 10 * 60_000);
    for (const p of proxies)
      expect(issuerOf(p.held.chain)).toBe(new crypto.X509Certificate(newRoot.pem).subject);
    expect(ca.trustBundlePem()).toContain(oldRoot.pem.trim());
    await allShakeHands();
    expect(rotation.phase().phase).toBe('draining');
    await advance(10 * HOUR + 5 * 60_000, 5 * 60_000);
    expect(rotation.phase().phase).toBe('idle');
    expect(ca.roots().map((r) => r.fingerprintSha256)).toEqual([newRoot.fingerprintSha256]);
    for (const p of proxies) expect(p.held.bundle).not.toContain(oldRoot.pem.trim());
    await allShakeHands();
    rotation.stop();
  }, 60_000);

  it('starts by itself when the root enters the last fifth of its life, and survives a restart', async () => {
    const scheduler = new FakeScheduler(Date.UTC(2026, 0, 1));
    const store = new MemoryCaStore();
    const open = async () => {
      const opened = await CertificateAuthority.open({
        source: { store },
        clock: scheduler,
        rootTtlMs: 100 * HOUR,
      });
      if (!opened.ok) throw new Error(opened.errors[0]!.message);
      return opened.value;
    };
    const ca = await open();
    let bundles = 0;
    const rotation = new RootRotation({
      authority: ca,
      bundleChanged: () => bundles++,
      outdated: () => ({ outdated: 1, outdatedProxies: ['stuck'] }),
      leafTtlMs: HOUR,
      scheduler,
      logger: silentLogger(),
    });
    rotation.start();
    scheduler.advance(79 * HOUR);
    await rotation.check();
    expect(rotation.phase().phase).toBe('idle');
    scheduler.advance(2 * HOUR);
    await rotation.check();
    expect(rotation.phase().phase).toBe('staged');
    expect(bundles).toBe(1);
    // A proxy that never ACKs holds the rotation at the staged step.
    scheduler.advance(HOUR);
    await rotation.check();
    expect(rotation.phase().phase).toBe('staged');
    rotation.stop();

    // A restart reads the staged root back and resumes there.
    const reopened = await open();
    expect(reopened.roots().filter((r) => r.staged)).toHaveLength(1);
    const resumed = new RootRotation({
      authority: reopened,
      bundleChanged: () => bundles++,
      outdated: () => ({ outdated: 0, outdatedProxies: [] }),
      leafTtlMs: HOUR,
      scheduler,
      logger: silentLogger(),
    });
    resumed.start();
    expect(resumed.phase().phase).toBe('staged');
    await resumed.check();
    expect(resumed.phase().phase).toBe('draining');
    resumed.stop();
  });

  it('does not rotate a root the user supplied', async () => {
    const rotation = new RootRotation({
      authority: {
        generated: false,
        roots: () => [],
        stageRoot: async () => ({ ok: false, errors: ['not ours'] }),
        activateStagedRoot: async () => ({ ok: false, errors: ['not ours'] }),
        retireRoot: async () => ({ ok: false, errors: ['not ours'] }),
      },
      bundleChanged: () => {},
      outdated: () => ({ outdated: 0, outdatedProxies: [] }),
      leafTtlMs: HOUR,
      scheduler: new FakeScheduler(),
      logger: silentLogger(),
    });
    rotation.start();
    expect(rotation.phase().phase).toBe('idle');
  });
});
