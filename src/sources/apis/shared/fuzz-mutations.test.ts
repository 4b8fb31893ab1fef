import { describe, expect, it } from 'vitest';
import { containersOf, mutate, seededRandom } from './fuzz-mutations.js';

const MANIFEST = {
  apiVersion: 'x/v1',
  kind: 'Thing',
  metadata: { name: 'a' },
  spec: { list: [1, { b: 2 }], map: { c: 'd' } },
};

describe('seededRandom', () => {
  it('gives the same numbers in [0, 1) for the same seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const first = Array.from({ length: 100 }, a);
    expect(Array.from({ length: 100 }, b)).toEqual(first);
    expect(first.every((n) => n >= 0 && n < 1)).toBe(true);
    expect(Array.from({ length: 100 }, seededRandom(43))).not.toEqual(first);
  });
});

describe('containersOf', () => {
  it('lists every mapping and list, each before what it holds', () => {
    const found = containersOf(MANIFEST);
    expect(found[0]).toBe(MANIFEST);
    expect(found).toHaveLength(6);
    expect(found.indexOf(MANIFEST.spec)).toBeLessThan(found.indexOf(MANIFEST.spec.list));
  });
});

describe('mutate', () => {
  it('damages a copy, the same way for the same seed, and leaves apiVersion and kind alone', () => {
    const original = structuredClone(MANIFEST);
    const random = seededRandom(7);
    const again = seededRandom(7);
    for (let i = 0; i < 200; i++) {
      const damaged = mutate(MANIFEST, random) as Record<string, unknown>;
      expect(mutate(MANIFEST, again)).toEqual(damaged);
      expect(damaged.apiVersion).toBe('x/v1');
      expect(damaged.kind).toBe('Thing');
    }
    expect(MANIFEST).toEqual(original);
  });
});
