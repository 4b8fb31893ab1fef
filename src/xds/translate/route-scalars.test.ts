import { describe, expect, it } from 'vitest';
import { durationFromMs, fractionalPercent, uint32 } from './route-scalars.js';

describe('route scalars', () => {
  it('write milliseconds as canonical durations, negatives as 0s', () => {
    expect(durationFromMs(0)).toBe('0s');
    expect(durationFromMs(1500)).toBe('1.500s');
    expect(durationFromMs(25)).toBe('0.025s');
    expect(durationFromMs(-5)).toBe('0s');
    expect(durationFromMs(Number.POSITIVE_INFINITY)).toBe('315576000000s');
  });

  it('keep a whole percentage over HUNDRED and count a fraction in millionths', () => {
    expect(fractionalPercent(10)).toEqual({ numerator: 10, denominator: 'HUNDRED' });
    expect(fractionalPercent(0.5)).toEqual({ numerator: 5000, denominator: 'MILLION' });
    expect(fractionalPercent(0.0001)).toEqual({ numerator: 1, denominator: 'MILLION' });
    expect(fractionalPercent(150)).toEqual({ numerator: 100, denominator: 'HUNDRED' });
    expect(fractionalPercent(Number.NaN)).toEqual({ numerator: 0, denominator: 'HUNDRED' });
  });

  it('clamp counts into uint32', () => {
    expect(uint32(-1)).toBe(0);
    expect(uint32(2.7)).toBe(2);
    expect(uint32(2 ** 40)).toBe(4_294_967_295);
  });
});
