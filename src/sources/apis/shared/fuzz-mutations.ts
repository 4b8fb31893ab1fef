// Deterministic, seeded damage to valid manifests, for the parsers' fuzz tests: whatever a user (or
// a bad merge tool) can do to a document, a parser must answer with issues, never an exception.
// Lives beside the parsers, not in a test file, so that every family's fuzz test can use it: the
// generator and the walk over a document's containers for all of them, `mutate` for the families
// whose tests take the generic damage (SMI, Trellis); Gateway API and Istio tests keep damage of
// their own, aimed at their own fields.

/** mulberry32: small, fast and the same on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Values of every wrong type and edge: the kinds of mistakes the parsers must name. */
const JUNK: readonly Json[] = [
  null,
  true,
  0,
  -1,
  1.5,
  65536,
  4294967296,
  1e21,
  '',
  'x',
  'GET',
  '*',
  '50m',
  '1s',
  '10ms',
  '49ms',
  '(',
  'a(?=b)',
  '(a)\\1',
  '/path',
  'nope',
  'Not_A_Name',
  'web.other',
  'x'.repeat(300),
  [],
  [null],
  ['x', 1],
  {},
  { name: 'nope' },
  { kind: 'HTTPRouteGroup', name: 'nope' },
];

/** Keys to insert: unknown fields, fields in the wrong place, and names that trip naive objects. */
const KEYS: readonly string[] = [
  'extra',
  'name',
  'spec',
  'matches',
  'weight',
  'port',
  'constructor',
  '__proto__',
  'toString',
];

interface Slot {
  readonly parent: Json[] | { [key: string]: Json };
  readonly key: string | number;
}

function slotsOf(value: Json, out: Slot[]): Slot[] {
  if (Array.isArray(value)) {
    value.forEach((child, i) => {
      out.push({ parent: value, key: i });
      slotsOf(child, out);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      out.push({ parent: value, key });
      slotsOf(child, out);
    }
  }
  return out;
}

/** A mapping or a list of a parsed document. */
export type Container = { [key: string]: unknown } | unknown[];

/** Every mapping and list in `value`, itself first, each before what it holds. */
export function containersOf(value: unknown, out: Container[] = []): Container[] {
  if (Array.isArray(value)) {
    out.push(value);
    for (const child of value) containersOf(child, out);
  } else if (value !== null && typeof value === 'object') {
    out.push(value as { [key: string]: unknown });
    for (const child of Object.values(value)) containersOf(child, out);
  }
  return out;
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const clone = (value: Json): Json => JSON.parse(JSON.stringify(value));

function setKey(parent: { [key: string]: unknown }, key: string, value: unknown): void {
  // defineProperty, so "__proto__" becomes a plain own field as JSON.parse would make it.
  Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * A damaged copy of `manifest`: one to three edits (delete, replace by junk, insert a key, duplicate
 * or empty a list). `keep` names top-level fields left alone (apiVersion and kind, which the caller
 * has already checked before a family parser sees the document).
 */
export function mutate(
  manifest: unknown,
  random: () => number,
  keep: readonly string[] = ['apiVersion', 'kind'],
): unknown {
  const root = clone(manifest as Json);
  const edits = 1 + Math.floor(random() * 3);
  for (let n = 0; n < edits; n++) {
    const slots = slotsOf(root, []).filter((s) => !(s.parent === root && keep.includes(String(s.key))));
    const op = Math.floor(random() * 5);
    if (op === 0 && slots.length > 0) {
      const slot = pick(random, slots);
      if (Array.isArray(slot.parent)) slot.parent.splice(Number(slot.key), 1);
      else delete slot.parent[slot.key];
    } else if (op === 1 && slots.length > 0) {
      const slot = pick(random, slots);
      const junk = clone(pick(random, JUNK));
      if (Array.isArray(slot.parent)) slot.parent[Number(slot.key)] = junk;
      else setKey(slot.parent, String(slot.key), junk);
    } else if (op === 2) {
      const target = pick(random, containersOf(root, []));
      if (Array.isArray(target)) target.push(clone(pick(random, JUNK)));
      else setKey(target, pick(random, KEYS), clone(pick(random, JUNK)));
    } else {
      const lists = containersOf(root, []).filter((c): c is Json[] => Array.isArray(c) && c.length > 0);
      if (lists.length === 0) continue;
      const list = pick(random, lists);
      if (op === 3) list.push(clone(pick(random, list)));
      else list.length = 0;
    }
  }
  return root;
}
