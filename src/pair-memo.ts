/**
 * `compute` of two objects, computed once per pair and kept while both live: many streams or groups
 * ask the same question of the same two shared objects (a held map and a selection, two sets of
 * names, the slices and services of one state). Keyed by the first, then by the second, in WeakMaps.
 */
export function pairMemo<A extends object, B extends object, V>(
  compute: (first: A, second: B) => V,
): (first: A, second: B) => V {
  const byFirst = new WeakMap<A, WeakMap<B, V>>();
  return (first, second) => {
    let bySecond = byFirst.get(first);
    if (!bySecond) {
      bySecond = new WeakMap();
      byFirst.set(first, bySecond);
    }
    const known = bySecond.get(second);
    // An undefined result is kept too: `has` tells it from one not computed yet.
    if (known !== undefined || bySecond.has(second)) return known as V;
    const value = compute(first, second);
    bySecond.set(second, value);
    return value;
  };
}
