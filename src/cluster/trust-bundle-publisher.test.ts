import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import { type ConfigMapApi, meshedNamespaces, TrustBundlePublisher } from './trust-bundle-publisher.js';

class FakeConfigMaps implements ConfigMapApi {
  readonly maps = new Map<string, { pem: string; rv: number }>();
  readonly calls: string[] = [];
  conflicts = 0;

  async read(namespace: string) {
    this.calls.push(`read ${namespace}`);
    const found = this.maps.get(namespace);
    return found && { pem: found.pem, resourceVersion: String(found.rv) };
  }

  async create(namespace: string, pem: string) {
    this.calls.push(`create ${namespace}`);
    if (this.maps.has(namespace)) return 'conflict' as const;
    this.maps.set(namespace, { pem, rv: 1 });
    return 'created' as const;
  }

  async update(namespace: string, pem: string, resourceVersion: string) {
    this.calls.push(`update ${namespace}`);
    const found = this.maps.get(namespace);
    if (this.conflicts > 0 || !found || String(found.rv) !== resourceVersion) {
      this.conflicts = Math.max(0, this.conflicts - 1);
      return 'conflict' as const;
    }
    this.maps.set(namespace, { pem, rv: found.rv + 1 });
    return 'updated' as const;
  }
}

describe('meshedNamespaces', () => {
  it('takes namespaces labelled for injection and those with a sidecar pod', () => {
    expect(
      meshedNamespaces({
        namespaces: [
          { name: 'shop', labels: { 'trellis.dev/inject': 'enabled' }, annotations: {} },
          { name: 'plain', labels: {}, annotations: {} },
          { name: 'off', labels: { 'trellis.dev/inject': 'disabled' }, annotations: {} },
        ],
        workloads: [
          {
            namespace: 'legacy',
            name: 'p',
            labels: { 'security.istio.io/tlsMode': 'istio' },
            serviceAccount: 'default',
            ports: [],
          },
          { namespace: 'plain', name: 'q', labels: {}, serviceAccount: 'default', ports: [] },
        ],
      }),
    ).toEqual(['legacy', 'shop']);
  });
});

describe('TrustBundlePublisher', () => {
  it('writes nothing until it leads, then each namespace once, and again only when the bundle changes', async () => {
    const api = new FakeConfigMaps();
    const publisher = new TrustBundlePublisher(api, silentLogger());
    await publisher.update(['a', 'b'], 'ROOT 1');
    expect(api.calls).toEqual([]);
    await publisher.setLeader(true);
    await publisher.idle();
    expect(api.calls).toEqual(['read a', 'create a', 'read b', 'create b']);
    await publisher.update(['a', 'b'], 'ROOT 1');
    await publisher.idle();
    expect(api.calls).toHaveLength(4);
    // A root rotation: both are brought up to date.
    await publisher.update(['a', 'b', 'c'], 'ROOT 1ROOT 2');
    await publisher.idle();
    expect([...api.maps.values()].map((m) => m.pem)).toEqual([
      'ROOT 1ROOT 2',
      'ROOT 1ROOT 2',
      'ROOT 1ROOT 2',
    ]);
  });

  it('restores a ConfigMap deleted by hand at the next check', async () => {
    const api = new FakeConfigMaps();
    const publisher = new TrustBundlePublisher(api, silentLogger());
    await publisher.setLeader(true);
    await publisher.update(['a'], 'ROOT');
    await publisher.idle();
    api.maps.delete('a');
    await publisher.update(['a'], 'ROOT');
    await publisher.idle();
    expect(api.maps.has('a')).toBe(false);
    publisher.forgetPublished();
    await publisher.update(['a'], 'ROOT');
    await publisher.idle();
    expect(api.maps.get('a')?.pem).toBe('ROOT');
  });

  it('reads again after a conflict and leaves a ConfigMap that already holds the bundle alone', async () => {
    const api = new FakeConfigMaps();
    api.maps.set('a', { pem: 'OLD', rv: 7 });
    api.maps.set('b', { pem: 'ROOT', rv: 3 });
    api.conflicts = 1;
    const publisher = new TrustBundlePublisher(api, silentLogger());
    await publisher.setLeader(true);
    await publisher.update(['a', 'b'], 'ROOT');
    await publisher.idle();
    expect(api.maps.get('a')?.pem).toBe('ROOT');
    expect(api.calls.filter((c) => c === 'update b')).toEqual([]);
    expect(api.calls.filter((c) => c === 'update a')).toHaveLength(2);
  });
});
