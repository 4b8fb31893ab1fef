import { describe, expect, it } from 'vitest';
import { collectionDue, fullCollection, type MemoryReading, MemoryReturner } from './memory-return.js';

const MB = 1024 * 1024;
const reading = (heapMb: number, externalMb = 0): MemoryReading => ({
  heapUsed: heapMb * MB,
  external: externalMb * MB,
});
const options = { growthBytes: 64 * MB, quietBytes: 8 * MB, everyMs: 5_000 };

describe('collectionDue', () => {
  it('is due once memory grew by the threshold and stopped moving', () => {
    expect(collectionDue(reading(100), reading(100, 300), reading(100, 302), options)).toBe(true);
  });
  it('waits while memory still moves: the burst is not over', () => {
    expect(collectionDue(reading(100), reading(100, 200), reading(100, 300), options)).toBe(false);
  });
  it('is not due for growth below the threshold', () => {
    expect(collectionDue(reading(100), reading(150), reading(150), options)).toBe(false);
  });
  it('counts heap and buffers together', () => {
    expect(collectionDue(reading(100, 10), reading(140, 40), reading(140, 40), options)).toBe(true);
  });
});

/** A returner whose readings are the given series, one per read. */
function scripted(series: MemoryReading[], freed: (before: MemoryReading) => MemoryReading) {
  let now = series[0]!;
  let i = 0;
  const collected: MemoryReading[] = [];
  const returner = new MemoryReturner(options, {
    read: () => now,
    collect: async () => {
      collected.push(now);
      now = freed(now);
    },
  });
  const step = async () => {
    now = series[++i] ?? now;
    await returner.look();
  };
  return { returner, collected, step };
}

describe('MemoryReturner', () => {
  it('collects once after a burst, when it is over, and measures from what is left', async () => {
    // Ready at 100 MB; a burst to 400; quiet at 400; the collection leaves 120, and it stays.
    const { returner, collected, step } = scripted(
      [reading(100), reading(250), reading(400), reading(401), reading(121), reading(122)],
      () => reading(120),
    );
    await step(); // 250: still growing
    await step(); // 400: still growing
    expect(returner.collections).toBe(0);
    await step(); // 401: quiet, 301 MB over the baseline
    expect(returner.collections).toBe(1);
    expect(collected).toEqual([reading(401)]);
    await step();
    await step();
    expect(returner.collections).toBe(1);
  });

  it('costs one collection per threshold of real growth, not one per look', async () => {
    // Memory that stays (more proxies): a collection frees nothing.
    const series = [reading(100), reading(170), reading(171), reading(171), reading(171), reading(171)];
    const { returner, step } = scripted(series, (before) => before);
    for (let i = 0; i < series.length; i++) await step();
    expect(returner.collections).toBe(1);
  });

  it('lowers its baseline when V8 gives memory back by itself', async () => {
    const series = [reading(200), reading(100), reading(100), reading(170), reading(170)];
    const { returner, step } = scripted(series, () => reading(100));
    await step(); // 100: the new baseline
    await step();
    await step(); // 170: growing
    expect(returner.collections).toBe(0);
    await step(); // 170, quiet: 70 MB over the lowered baseline
    expect(returner.collections).toBe(1);
  });

  it('looks on its interval until stopped', async () => {
    const callbacks: Array<() => void> = [];
    let cancelled = false;
    const returner = new MemoryReturner(options, {
      read: () => reading(100),
      setInterval: (callback, ms) => {
        expect(ms).toBe(options.everyMs);
        callbacks.push(callback);
        return {
          cancel: () => {
            cancelled = true;
          },
        };
      },
    }).start();
    returner.start();
    expect(callbacks).toHaveLength(1);
    returner.stop();
    expect(cancelled).toBe(true);
  });
});

describe('fullCollection', () => {
  it('collects what nothing references any more', async () => {
    let held: { payload: Buffer } | undefined = { payload: Buffer.alloc(1024 * 1024) };
    const ref = new WeakRef(held);
    held = undefined;
    // A new job: the WeakRef no longer keeps its target for the job that made it.
    await new Promise((resolve) => setImmediate(resolve));
    await fullCollection();
    expect(ref.deref()).toBeUndefined();
  });
});
