import { describe, expect, it } from 'vitest';
import { pairMemo } from './pair-memo.js';

describe('pairMemo', () => {
  it('computes once per pair, an undefined result included', () => {
    let calls = 0;
    const memo = pairMemo((a: { n: number }, b: { n: number }) => {
      calls++;
      return a.n + b.n > 2 ? a.n + b.n : undefined;
    });
    const one = { n: 1 };
    const two = { n: 2 };
    expect(memo(one, two)).toBe(3);
    expect(memo(one, two)).toBe(3);
    expect(memo(one, one)).toBeUndefined();
    expect(memo(one, one)).toBeUndefined();
    expect(calls).toBe(2);
    // Another pair of equal objects is another pair.
    expect(memo({ n: 1 }, two)).toBe(3);
    expect(calls).toBe(3);
  });
});
