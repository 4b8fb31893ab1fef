import { describe, expect, it } from 'vitest';
import { layeredMap } from './layered-map.js';
import { buildSnapshot, type Snapshot } from './snapshot.js';
import { SnapshotCache } from './snapshot-cache.js';

const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const snapshotOf = (...names: string[]) =>
  buildSnapshot(names.map((name) => ({ typeUrl: CDS, name, value: new TextEncoder().encode(name) })));

describe('SnapshotCache', () => {
  it('keeps one snapshot per proxy id until cleared', () => {
    const cache = new SnapshotCache();
    const a = snapshotOf('a');
    cache.setSnapshot('proxy-1', a);
    expect(cache.getSnapshot('proxy-1')).toBe(a);
    expect(cache.getSnapshot('proxy-2')).toBeUndefined();
    cache.clear('proxy-1');
    expect(cache.getSnapshot('proxy-1')).toBeUndefined();
  });

  it('calls a watcher on every set for its proxy, and only its proxy', () => {
    const cache = new SnapshotCache();
    const seen: Snapshot[] = [];
    cache.watch('proxy-1', (s) => seen.push(s));
    const first = snapshotOf('a');
    const second = snapshotOf('a');
    cache.setSnapshot('proxy-1', first);
    cache.setSnapshot('proxy-2', snapshotOf('b'));
    cache.setSnapshot('proxy-1', second);
    expect(seen).toEqual([first, second]);
    expect(seen[0]).toBe(first);
    expect(seen[1]).toBe(second);
  });

  it('stops calling a watcher once it unwatches, leaving the other watchers of that proxy', () => {
    const cache = new SnapshotCache();
    const one: Snapshot[] = [];
    const two: Snapshot[] = [];
    const stopOne = cache.watch('proxy-1', (s) => one.push(s));
    cache.watch('proxy-1', (s) => two.push(s));
    cache.setSnapshot('proxy-1', snapshotOf('a'));
    stopOne();
    stopOne();
    cache.setSnapshot('proxy-1', snapshotOf('b'));
    expect(one).toHaveLength(1);
    expect(two).toHaveLength(2);
  });

  it('lets a watcher unwatch while it is being called', () => {
    const cache = new SnapshotCache();
    const calls: string[] = [];
    const stop = cache.watch('proxy-1', () => {
      calls.push('first');
      stop();
    });
    cache.watch('proxy-1', () => calls.push('second'));
    cache.setSnapshot('proxy-1', snapshotOf('a'));
    cache.setSnapshot('proxy-1', snapshotOf('b'));
    expect(calls).toEqual(['first', 'second', 'second']);
  });

  it('counts distinct resources per type, once however many proxies or snapshots share them', () => {
    const cache = new SnapshotCache();
    const shared = snapshotOf('a', 'b');
    const a = shared.resources.get(CDS)!.get('a')!;
    const LDS = 'type.googleapis.com/envoy.config.listener.v3.Listener';
    const listener = { name: 'l', version: 'v', value: new Uint8Array() };
    const overlapping: Snapshot = {
      resources: new Map([
        [CDS, new Map([['a', a], ...snapshotOf('c').resources.get(CDS)!])],
        [LDS, new Map([['l', listener]])],
      ]),
    };
    cache.setSnapshot('proxy-1', shared);
    cache.setSnapshot('proxy-2', shared);
    cache.setSnapshot('proxy-3', overlapping);
    expect(cache.resourceCounts()).toEqual(
      new Map([
        [CDS, 3],
        [LDS, 1],
      ]),
    );
    cache.clear('proxy-3');
    expect(cache.resourceCounts()).toEqual(new Map([[CDS, 2]]));
  });

  it('counts the parts of layered views once, however many views share them', () => {
    const cache = new SnapshotCache();
    const shared = snapshotOf('a', 'b').resources.get(CDS)!;
    const own = (name: string) => snapshotOf(name).resources.get(CDS)!;
    for (let i = 0; i < 3; i++) {
      const view = layeredMap(CDS, [shared, own(`own-${i}`)]);
      cache.setSnapshot(`proxy-${i}`, { resources: new Map([[CDS, view]]) });
    }
    // The same resource object reached through a layer and through a plain map counts once.
    cache.setSnapshot('plain', { resources: new Map([[CDS, new Map([['a', shared.get('a')!]])]]) });
    expect(cache.resourceCounts()).toEqual(new Map([[CDS, 5]]));
  });
});
