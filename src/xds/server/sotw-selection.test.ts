import { describe, expect, it } from 'vitest';
import { subscription } from './sotw-selection.js';

describe('subscription', () => {
  it('finds the subscription of a list handed again (the same array) without reading its names', () => {
    const listed = ['b', 'a'];
    let interned = 0;
    const intern = (names: readonly string[]) => {
      interned++;
      return [...names];
    };
    const first = subscription(false, listed, intern);
    expect(subscription(false, listed, intern)).toBe(first);
    expect(interned).toBe(1);
    // Another array of the same names: the pool's, by content.
    expect(subscription(false, ['a', 'b'], intern)).toBe(first);
    expect(interned).toBe(2);
    expect(first.key).toBe('a\nb');
  });

  it('tells a wildcard from a list of the same names', () => {
    const listed = ['a', '*'];
    const wildcard = subscription(true, listed);
    const named = subscription(false, listed);
    expect(wildcard.wildcard).toBe(true);
    expect(named.wildcard).toBe(false);
    expect(subscription(true, listed)).toBe(wildcard);
  });
});
