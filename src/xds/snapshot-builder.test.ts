import { describe, expect, it, vi } from 'vitest';
import type { Cluster } from '../generated/envoy/config/cluster/v3/Cluster.js';
import { silentLogger } from '../log.js';
import { EMPTY_MESH } from '../model/mesh.js';
import { proxyFromNode } from '../model/proxy.js';
import { SnapshotCache } from './cache/snapshot-cache.js';
import { ProxyCompiler, type Translate, wholeTranslation } from './compile-proxy.js';
import { TYPE_URL } from './envoy/type-urls.js';
import { SnapshotBuilder } from './snapshot-builder.js';

const proxy = proxyFromNode({ id: 'sidecar~10.0.0.1~a-0.default~default.svc.cluster.local' });

function translating(clusters: () => Cluster[]) {
  const translate: Translate = () => ({ clusters: clusters(), endpoints: [], listeners: [], routes: [] });
  return wholeTranslation(translate);
}

describe('SnapshotBuilder', () => {
  it('puts a connected proxy’s validated resources in the cache', () => {
    const cache = new SnapshotCache();
    const compiler = new ProxyCompiler(
      translating(() => [{ name: 'a', type: 'STATIC', connect_timeout: '1s' }]),
    );
    const builder = new SnapshotBuilder(cache, silentLogger(), compiler);
    builder.update(EMPTY_MESH, []);
    builder.connect(proxy);
    expect([...(cache.getSnapshot(proxy.id)?.resources.get(TYPE_URL.cluster)?.keys() ?? [])]).toEqual(['a']);
    expect(builder.ready).toBe(true);
  });

  it('never sends a resource that fails validation, logs it with proxy and name, and keeps the last good one', () => {
    const cache = new SnapshotCache();
    let timeout = '1s';
    const compiler = new ProxyCompiler(
      translating(() => [
        { name: 'a', type: 'STATIC', connect_timeout: timeout },
        { name: 'b', type: 'STATIC', connect_timeout: '2s' },
      ]),
    );
    const logger = silentLogger();
    const error = vi.spyOn(logger, 'error');
    const builder = new SnapshotBuilder(cache, logger, compiler);
    builder.update(EMPTY_MESH, []);
    builder.connect(proxy);
    const good = cache.getSnapshot(proxy.id)?.resources.get(TYPE_URL.cluster)?.get('a');
    expect(good).toBeDefined();

    timeout = '-1s'; // Envoy's rule: connect_timeout must be > 0
    builder.update(EMPTY_MESH, []);
    builder.flush();
    const after = cache.getSnapshot(proxy.id)?.resources.get(TYPE_URL.cluster);
    expect(after?.get('a')?.version).toBe(good?.version);
    expect(after?.get('b')).toBeDefined();
    const [reported] = builder.configErrors().resources;
    expect(reported).toMatchObject({
      proxyId: proxy.id,
      typeUrl: TYPE_URL.cluster,
      name: 'a',
      keptLastGood: true,
    });
    expect(reported?.errors[0]?.path).toBe('connect_timeout');
    expect(error).toHaveBeenCalledWith(
      expect.objectContaining({ proxy: proxy.id, resource: 'a' }),
      expect.any(String),
    );
  });

  it('leaves out an invalid resource a proxy never had a good version of', () => {
    const cache = new SnapshotCache();
    const compiler = new ProxyCompiler(
      translating(() => [{ name: 'a', type: 'STATIC', connect_timeout: '-1s' }]),
    );
    const builder = new SnapshotBuilder(cache, silentLogger(), compiler);
    builder.update(EMPTY_MESH, []);
    builder.connect(proxy);
    expect(cache.getSnapshot(proxy.id)?.resources.get(TYPE_URL.cluster)?.size ?? 0).toBe(0);
    expect(builder.configErrors().resources[0]).toMatchObject({ name: 'a', keptLastGood: false });
  });

  it('reports a route that names a cluster the translation did not produce', () => {
    const cache = new SnapshotCache();
    const compiler = new ProxyCompiler(
      wholeTranslation(() => ({
        clusters: [],
        endpoints: [],
        listeners: [],
        routes: [
          {
            name: '80',
            virtual_hosts: [
              {
                name: 'web',
                domains: ['web'],
                routes: [{ match: { prefix: '/' }, route: { cluster: 'gone' } }],
              },
            ],
          },
        ],
      })),
    );
    const builder = new SnapshotBuilder(cache, silentLogger(), compiler);
    builder.update(EMPTY_MESH, []);
    builder.connect(proxy);
    expect(builder.configErrors().references).toEqual([
      { proxyId: proxy.id, problems: ['cluster gone is named but not sent'] },
    ]);
  });

  it('reports a failing resource for every proxy of the group that shares it, and logs it once', () => {
    const cache = new SnapshotCache();
    const compiler = new ProxyCompiler(
      translating(() => [{ name: 'a', type: 'STATIC', connect_timeout: '-1s' }]),
    );
    const logger = silentLogger();
    const error = vi.spyOn(logger, 'error');
    const builder = new SnapshotBuilder(cache, logger, compiler);
    const other = proxyFromNode({ id: 'sidecar~10.0.0.2~a-1.default~default.svc.cluster.local' });
    builder.update(EMPTY_MESH, []);
    builder.connect(proxy);
    builder.connect(other);
    builder.update(EMPTY_MESH, []);
    builder.flush();
    expect(builder.configErrors().resources.map((e) => e.proxyId)).toEqual([proxy.id, other.id]);
    expect(error).toHaveBeenCalledTimes(1);
  });

  it('keeps the last good version for a proxy that moves to a new group', () => {
    const cache = new SnapshotCache();
    let timeout = '1s';
    const compiler = new ProxyCompiler(
      translating(() => [{ name: 'a', type: 'STATIC', connect_timeout: timeout }]),
    );
    const builder = new SnapshotBuilder(cache, silentLogger(), compiler);
    const pod = { namespace: 'default', name: 'a-0', ip: '10.0.0.1', serviceAccount: 'default', ports: [] };
    builder.update({ ...EMPTY_MESH, workloads: [{ ...pod, labels: { v: '1' } }] }, []);
    builder.connect(proxy);
    const good = cache.getSnapshot(proxy.id)?.resources.get(TYPE_URL.cluster)?.get('a');

    timeout = '-1s';
    builder.update({ ...EMPTY_MESH, workloads: [{ ...pod, labels: { v: '2' } }] }, []);
    builder.flush();
    expect(cache.getSnapshot(proxy.id)?.resources.get(TYPE_URL.cluster)?.get('a')?.version).toBe(
      good?.version,
    );
    expect(builder.configErrors().resources[0]).toMatchObject({ name: 'a', keptLastGood: true });
  });

  it('forgets a proxy when its last stream closes', () => {
    const cache = new SnapshotCache();
    const compiler = new ProxyCompiler(translating(() => []));
    const builder = new SnapshotBuilder(cache, silentLogger(), compiler);
    builder.update(EMPTY_MESH, []);
    builder.connect(proxy);
    builder.connect(proxy);
    builder.disconnect(proxy);
    expect(cache.getSnapshot(proxy.id)).toBeDefined();
    builder.disconnect(proxy);
    expect(cache.getSnapshot(proxy.id)).toBeUndefined();
  });
  it('stamps a change’s snapshots with when the oldest merged change was seen, and times each rebuild', () => {
    const cache = new SnapshotCache();
    let timeout = '1s';
    const compiler = new ProxyCompiler(
      translating(() => [{ name: 'a', type: 'STATIC', connect_timeout: timeout }]),
    );
    let clock = 100;
    const translated: number[] = [];
    const metrics = { changeSeen: () => clock, translated: (seconds: number) => translated.push(seconds) };
    const builder = new SnapshotBuilder(cache, silentLogger(), compiler, { metrics });
    builder.update(EMPTY_MESH, []);
    builder.connect(proxy);
    expect(cache.getSnapshot(proxy.id)?.changeStamp).toBeUndefined(); // built for the connect, no change
    clock = 200;
    timeout = '2s';
    builder.update(EMPTY_MESH, []);
    clock = 300;
    builder.update(EMPTY_MESH, []);
    builder.flush();
    expect(cache.getSnapshot(proxy.id)?.changeStamp).toBe(200);
    expect(translated).toHaveLength(2);
  });

  it('tells the metrics of every encode memo lookup', () => {
    const lookups: boolean[] = [];
    const compiler = new ProxyCompiler(
      translating(() => [{ name: 'a', type: 'STATIC', connect_timeout: '1s' }]),
      { onEncode: (hit) => lookups.push(hit) },
    );
    const builder = new SnapshotBuilder(new SnapshotCache(), silentLogger(), compiler);
    builder.update(EMPTY_MESH, []);
    builder.connect(proxy);
    builder.update(EMPTY_MESH, []);
    builder.flush();
    expect(lookups).toEqual([false, true]);
  });
});
