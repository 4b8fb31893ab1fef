// The layered held state (a base map and overrides) must answer exactly as one flat map of every
// held name did, whatever the client does; and a stream level with its group must hold no names.
import { describe, expect, it } from 'vitest';
import { FlatDeltaSubscription } from '../../../test/helpers/flat-delta-subscription.js';
import { seededRandom } from '../../sources/apis/shared/fuzz-mutations.js';
import type { CachedResource } from '../cache/snapshot.js';
import { DeltaSubscription } from './delta-subscription.js';

const NAMES = Array.from({ length: 16 }, (_, i) => `r${i}`);
const resource = (name: string, version: string): CachedResource => ({
  name,
  version,
  value: new Uint8Array(),
});

function nextMap(
  random: () => number,
  from: ReadonlyMap<string, CachedResource>,
): ReadonlyMap<string, CachedResource> {
  const map = new Map(from);
  const edits = 1 + Math.floor(random() * 3);
  for (let i = 0; i < edits; i++) {
    const name = NAMES[Math.floor(random() * NAMES.length)] as string;
    if (random() < 0.25) map.delete(name);
    else map.set(name, resource(name, `v${Math.floor(random() * 4)}`));
  }
  return map;
}

const shape = (p: {
  changes: readonly { name: string; resource?: CachedResource; after: string | undefined }[];
}) => p.changes.map((c) => [c.name, c.resource?.version ?? null, c.after ?? null]);

describe('DeltaSubscription held state in layers', () => {
  it('answers exactly as one flat map of every held name, over seeded random runs', () => {
    let freshlyApplied = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const random = seededRandom(seed);
      const pick = () => NAMES[Math.floor(random() * NAMES.length)] as string;
      const layered = new DeltaSubscription();
      const flat = new FlatDeltaSubscription();
      const initial = new Map<string, string>();
      for (let i = 0; i < 3; i++)
        if (random() < 0.5) initial.set(pick(), random() < 0.2 ? '-' : `v${Math.floor(random() * 4)}`);
      const firstSubscribe = random() < 0.5 ? [] : [pick(), pick()];
      layered.update(firstSubscribe, [], initial);
      flat.update(firstSubscribe, [], initial);
      let map: ReadonlyMap<string, CachedResource> = nextMap(random, new Map());
      for (let step = 0; step < 60; step++) {
        const where = `seed ${seed} step ${step}`;
        const roll = random();
        if (roll < 0.15) {
          const subscribe = random() < 0.15 ? ['*'] : [pick()];
          const unsubscribe = random() < 0.5 ? [random() < 0.15 ? '*' : pick()] : [];
          layered.update(subscribe, unsubscribe);
          flat.update(subscribe, unsubscribe);
        } else if (roll < 0.45) map = nextMap(random, map);
        const a = layered.pending(map);
        const b = flat.pending(map);
        expect(shape(a), where).toEqual(shape(b));
        expect(a.selectedCount, where).toBe(b.selectedCount);
        // The client gets some of the changes (a response), or all of them, and may reject one.
        const count = random() < 0.7 ? a.changes.length : Math.floor(random() * (a.changes.length + 1));
        // All of them at once, the way a client's first response of a type is recorded: it held
        // nothing before any of them, and a rejection gives it nothing back.
        if (count === a.changes.length && random() < 0.5 && layered.applyFresh(a.changes)) {
          freshlyApplied++;
          for (const change of b.changes) expect(flat.apply(change), where).toBeUndefined();
          if (random() < 0.2) {
            for (const change of a.changes) layered.restore(change.name, undefined, change.after);
            for (const change of b.changes) flat.restore(change.name, undefined, change.after);
          }
        } else {
          for (let i = 0; i < count; i++) {
            const before = layered.apply(a.changes[i]!);
            expect(flat.apply(b.changes[i]!), where).toBe(before);
            if (random() < 0.05) {
              layered.restore(a.changes[i]!.name, before, a.changes[i]!.after);
              flat.restore(b.changes[i]!.name, before, b.changes[i]!.after);
            }
          }
        }
        for (const name of NAMES)
          expect(layered.heldVersion(name), `${where} ${name}`).toBe(flat.heldVersion(name));
      }
    }
    expect(freshlyApplied).toBeGreaterThan(5);
  });

  it('holds no name once a wildcard stream is level with its map, however large', () => {
    const big = new Map(Array.from({ length: 2_000 }, (_, i) => [`r${i}`, resource(`r${i}`, 'v1')] as const));
    const sub = new DeltaSubscription();
    sub.update([], [], new Map());
    for (const change of sub.pending(big).changes) sub.apply(change);
    const next = new Map(big);
    next.set('r7', resource('r7', 'v2'));
    const changes = sub.pending(next).changes;
    expect(changes.map((c) => c.name)).toEqual(['r7']);
    // Level with `big`, it keeps one reference and the one difference since.
    expect(sub.heldOverrides()).toBe(0);
    for (const change of changes) sub.apply(change);
    expect(sub.heldOverrides()).toBe(1);
    expect(sub.pending(next).changes).toEqual([]);
    expect(sub.heldOverrides()).toBe(0);
  });
});
