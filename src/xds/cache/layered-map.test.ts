import { describe, expect, it } from 'vitest';
import { layeredMap } from './layered-map.js';
import type { CachedResource } from './snapshot.js';

const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const map = (...names: string[]) =>
  new Map<string, CachedResource>(
    names.map((n) => [n, { name: n, version: `v-${n}`, value: new Uint8Array() }]),
  );

describe('layeredMap', () => {
  it('reads as one map of its layers, in their order, without copying them', () => {
    const shared = map('outbound|80||a', 'outbound|80||b');
    const own = map('inbound|8080||');
    const view = layeredMap(CDS, [shared, own]);
    expect(view.size).toBe(3);
    expect(view.get('outbound|80||b')).toBe(shared.get('outbound|80||b'));
    expect(view.get('inbound|8080||')).toBe(own.get('inbound|8080||'));
    expect(view.get('nothing')).toBeUndefined();
    expect(view.has('outbound|80||a')).toBe(true);
    expect([...view.keys()]).toEqual(['outbound|80||a', 'outbound|80||b', 'inbound|8080||']);
    expect([...view].map(([k]) => k)).toEqual([...view.keys()]);
    expect([...view.values()].map((r) => r.version)).toEqual([
      'v-outbound|80||a',
      'v-outbound|80||b',
      'v-inbound|8080||',
    ]);
    const seen: string[] = [];
    view.forEach((_, key) => {
      seen.push(key);
    });
    expect(seen).toEqual([...view.keys()]);
  });

  it('is the same object for the same layers, so what streams memoise on a map is found again', () => {
    const shared = map('a');
    const own = map('b');
    expect(layeredMap(CDS, [shared, own])).toBe(layeredMap(CDS, [shared, own]));
    expect(layeredMap(CDS, [shared, own])).not.toBe(layeredMap(CDS, [map('a'), own]));
  });

  it('throws on a name two layers both hold: two parts made one resource', () => {
    expect(() => layeredMap(CDS, [map('a', 'b', 'c'), map('x'), map('c')])).toThrow(
      /two type.googleapis.com\/envoy.config.cluster.v3.Cluster resources named "c"/,
    );
    expect(() => layeredMap(CDS, [map('a'), map('x'), map('x')])).toThrow(/named "x"/);
  });
});
