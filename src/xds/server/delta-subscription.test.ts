// pending() answers from its last result where it can (see its comment); here it is checked
// against the rule itself, written out plainly, over a long seeded run of snapshots, subscription
// changes and partly applied responses.
import { describe, expect, it } from 'vitest';
import type { CachedResource } from '../cache/snapshot.js';
import { ABSENT, type ClientChange, DeltaSubscription } from './delta-subscription.js';

function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

const NAMES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

/** What the client must be sent, from what it holds, what it subscribes to and what exists. */
function expected(
  held: ReadonlyMap<string, string>,
  wildcard: boolean,
  named: ReadonlySet<string>,
  available: ReadonlyMap<string, CachedResource>,
): { changes: [string, string | undefined][]; selected: number } {
  const candidates = new Set([...held.keys(), ...named, ...(wildcard ? available.keys() : [])]);
  const changes: [string, string | undefined][] = [];
  let selected = 0;
  for (const name of [...candidates].sort()) {
    const resource = available.get(name);
    if (resource) {
      selected++;
      if (held.get(name) !== resource.version) changes.push([name, resource.version]);
    } else if (held.get(name) !== ABSENT && (held.has(name) || named.has(name))) {
      changes.push([name, named.has(name) ? ABSENT : undefined]);
    }
  }
  return { changes, selected };
}

describe('DeltaSubscription.pending', () => {
  it('answers as the rule says through 3,000 steps of changes, resubscriptions and partial applies', () => {
    const next = random(7);
    const pick = () => NAMES[Math.floor(next() * NAMES.length)]!;
    const sub = new DeltaSubscription();
    let wildcard = next() < 0.5;
    const named = new Set<string>();
    // What the client holds, as the test tracks it from what was applied.
    const held = new Map<string, string>();
    sub.update(wildcard ? [] : ['a', 'b'], [], new Map());
    if (!wildcard) for (const n of ['a', 'b']) named.add(n);
    let available = new Map<string, CachedResource>();
    let serial = 0;
    const resource = (name: string): CachedResource => ({
      name,
      version: `v${++serial}`,
      value: new Uint8Array(),
    });
    for (let step = 0; step < 3000; step++) {
      const roll = next();
      if (roll < 0.45) {
        // A new snapshot: a few resources change, appear or go; the rest are the same objects.
        const map = new Map(available);
        for (let k = Math.floor(next() * 3); k >= 0; k--) {
          const name = pick();
          if (next() < 0.3) map.delete(name);
          else map.set(name, resource(name));
        }
        available = map;
      } else if (roll < 0.55) {
        const name = pick();
        if (next() < 0.5) {
          sub.update([name], []);
          named.add(name);
        } else {
          sub.update([], [name]);
          const wasNamed = named.delete(name);
          if (wildcard && wasNamed) held.set(name, '');
          else if (!wildcard) held.delete(name);
        }
      } else if (roll < 0.6) {
        if (wildcard) {
          sub.update([], ['*']);
          wildcard = false;
          for (const name of [...held.keys()]) if (!named.has(name)) held.delete(name);
        } else {
          sub.update(['*'], []);
          wildcard = true;
        }
      }
      const pending = sub.pending(available);
      const want = expected(held, wildcard, named, available);
      expect(
        pending.changes.map((c) => [c.name, c.after]),
        `step ${step}`,
      ).toEqual(want.changes);
      expect(pending.selectedCount, `step ${step}`).toBe(want.selected);
      expect(pending.selected().length, `step ${step}`).toBe(want.selected);
      // Send all of it, or (as after a NACK filter) only some of it.
      const sent: ClientChange[] =
        next() < 0.8 ? [...pending.changes] : pending.changes.filter(() => next() < 0.5);
      for (const change of sent) {
        sub.apply(change);
        if (change.after === undefined) held.delete(change.name);
        else held.set(change.name, change.after);
      }
    }
  });
});

describe('names subscribed alike', () => {
  it('are one set for subscriptions given the same list, copied when one of them changes its own', () => {
    const list = ['a', 'b', 'c'];
    const one = new DeltaSubscription();
    const two = new DeltaSubscription();
    let interned = 0;
    const intern = (names: readonly string[]) => {
      interned++;
      return names;
    };
    one.update(list, [], new Map(), intern);
    two.update(list, [], new Map(), intern);
    expect(interned).toBe(1);
    const namesOf = (s: DeltaSubscription) => (s as unknown as { names: ReadonlySet<string> }).names;
    expect(namesOf(one)).toBe(namesOf(two));
    expect(one.namedBytes).toBe(3);
    two.update(['d'], ['a']);
    expect([...one.namesInOrder()]).toEqual(['a', 'b', 'c']);
    expect([...two.namesInOrder()]).toEqual(['b', 'c', 'd']);
    expect(two.namedBytes).toBe(3);
    expect(two.namedCount).toBe(3);
    const map = new Map(
      ['a', 'b', 'c', 'd'].map((name) => [name, { name, version: 'v1', value: new Uint8Array() }]),
    );
    expect(one.pending(map).changes.map((c) => c.name)).toEqual(['a', 'b', 'c']);
    expect(two.pending(map).changes.map((c) => c.name)).toEqual(['b', 'c', 'd']);
  });
});
