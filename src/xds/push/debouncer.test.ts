import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Debouncer } from './debouncer.js';

describe('Debouncer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function recording(options: { quietMs?: number; maxDelayMs?: number } = {}) {
    const flushes: string[][] = [];
    const debouncer = new Debouncer<string>((reasons) => flushes.push([...reasons].sort()), options);
    return { debouncer, flushes };
  }

  it('flushes once the quiet period passes without another request', () => {
    const { debouncer, flushes } = recording({ quietMs: 100, maxDelayMs: 1000 });
    debouncer.request('endpoints');
    vi.advanceTimersByTime(99);
    expect(flushes).toEqual([]);
    expect(debouncer.pending).toBe(true);
    vi.advanceTimersByTime(1);
    expect(flushes).toEqual([['endpoints']]);
    expect(debouncer.pending).toBe(false);
  });

  it('restarts the quiet period on every request and flushes the burst once', () => {
    const { debouncer, flushes } = recording({ quietMs: 100, maxDelayMs: 1000 });
    for (let i = 0; i < 5; i++) {
      debouncer.request('endpoints');
      vi.advanceTimersByTime(60);
    }
    expect(flushes).toEqual([]);
    vi.advanceTimersByTime(40);
    expect(flushes).toEqual([['endpoints']]);
  });

  it('merges the reasons of every request in one flush', () => {
    const { debouncer, flushes } = recording({ quietMs: 100 });
    debouncer.request('endpoints');
    debouncer.request('routes');
    debouncer.request('endpoints');
    vi.advanceTimersByTime(100);
    expect(flushes).toEqual([['endpoints', 'routes']]);
  });

  it('flushes at the maximum delay even while requests keep coming', () => {
    const { debouncer, flushes } = recording({ quietMs: 100, maxDelayMs: 1000 });
    for (let t = 0; t < 990; t += 50) {
      debouncer.request('endpoints');
      vi.advanceTimersByTime(50);
    }
    expect(flushes).toEqual([['endpoints']]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never waits past the maximum delay for the quiet period', () => {
    const { debouncer, flushes } = recording({ quietMs: 100, maxDelayMs: 150 });
    debouncer.request('a');
    vi.advanceTimersByTime(90);
    debouncer.request('b');
    vi.advanceTimersByTime(59);
    expect(flushes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(flushes).toEqual([['a', 'b']]);
  });

  it('starts a new window after a flush', () => {
    const { debouncer, flushes } = recording({ quietMs: 100, maxDelayMs: 1000 });
    debouncer.request('a');
    vi.advanceTimersByTime(100);
    debouncer.request('b');
    vi.advanceTimersByTime(100);
    expect(flushes).toEqual([['a'], ['b']]);
  });

  it('flushes at once when asked, and drops what is pending when cancelled', () => {
    const { debouncer, flushes } = recording();
    debouncer.request('a');
    debouncer.flushNow();
    expect(flushes).toEqual([['a']]);
    debouncer.flushNow();
    expect(flushes).toEqual([['a']]);
    debouncer.request('b');
    debouncer.cancel();
    vi.advanceTimersByTime(2000);
    expect(flushes).toEqual([['a']]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('uses the defaults of 100 ms quiet and 1 s maximum delay', () => {
    const { debouncer, flushes } = recording();
    debouncer.request('a');
    vi.advanceTimersByTime(99);
    expect(flushes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(flushes).toHaveLength(1);
    for (let t = 0; t < 1000; t += 90) {
      debouncer.request('b');
      vi.advanceTimersByTime(90);
    }
    expect(flushes).toHaveLength(2);
  });

  it('runs on injected timers', () => {
    let now = 0;
    const scheduled: { at: number; run: () => void }[] = [];
    const flushes: number[] = [];
    const debouncer = new Debouncer<string>((reasons) => flushes.push(reasons.size), {
      quietMs: 10,
      maxDelayMs: 100,
      timers: {
        now: () => now,
        setTimeout: (run, ms) => {
          const entry = { at: now + ms, run };
          scheduled.push(entry);
          return entry;
        },
        clearTimeout: (handle) => {
          scheduled.splice(scheduled.indexOf(handle as (typeof scheduled)[number]), 1);
        },
      },
    });
    debouncer.request('a');
    expect(scheduled.map((s) => s.at)).toEqual([10]);
    now = 5;
    debouncer.request('b');
    expect(scheduled.map((s) => s.at)).toEqual([15]);
    now = 15;
    scheduled.shift()?.run();
    expect(flushes).toEqual([2]);
  });
});
