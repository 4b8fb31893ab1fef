import { describe, expect, it } from 'vitest';
import { sharedResult } from './shared-result.js';

describe('sharedResult', () => {
  it('runs once for everyone who asks while a run is in flight', async () => {
    let runs = 0;
    let release: (value: string) => void = () => {};
    const get = sharedResult(
      () => {
        runs++;
        return new Promise<string>((resolve) => {
          release = resolve;
        });
      },
      { reuseMs: 0, now: () => 0 },
    );
    const asked = Array.from({ length: 100 }, () => get());
    await Promise.resolve();
    release('one');
    expect(await Promise.all(asked)).toEqual(Array(100).fill('one'));
    expect(runs).toBe(1);
    // reuseMs 0: the next ask, after the run, runs again.
    const next = get();
    await Promise.resolve();
    release('two');
    expect(await next).toBe('two');
    expect(runs).toBe(2);
  });

  it('hands a result out again until reuseMs have passed since it arrived', async () => {
    let now = 0;
    let runs = 0;
    const get = sharedResult(async () => ++runs, { reuseMs: 1_000, now: () => now });
    expect(await get()).toBe(1);
    now = 999;
    expect(await get()).toBe(1);
    now = 1_000;
    expect(await get()).toBe(2);
  });

  it('keeps no failure, even one thrown before any promise exists', async () => {
    let runs = 0;
    const get = sharedResult(
      () => {
        runs++;
        if (runs === 1) throw new Error('at once');
        if (runs === 2) return Promise.reject(new Error('later'));
        return Promise.resolve('fine');
      },
      { reuseMs: 60_000, now: () => 0 },
    );
    await expect(get()).rejects.toThrow('at once');
    await expect(get()).rejects.toThrow('later');
    expect(await get()).toBe('fine');
    expect(await get()).toBe('fine');
    expect(runs).toBe(3);
  });
});
