import { describe, expect, it } from 'vitest';
import { collectionDue, fullCollection, type MemoryReading, MemoryReturner } from './memory-return.js';

const MB = 1024 * 1024;
const options = { growthBytes: 64 * MB, idleCpuShare: 0.05, everyMs: 5_000 };

/** A reading `at` ms in, having used `cpuMs` of CPU so far. */
const reading = (heapMb: number, externalMb: number, cpuMs: number, at: number): MemoryReading => ({
  heapUsed: heapMb * MB,
  external: externalMb * MB,
  cpuMicros: cpuMs * 1000,
  atMs: at,
});

describe('collectionDue', () => {
  const baseline = reading(100, 0, 0, 0);
  it('is due once memory grew by the threshold and the process was idle since the last look', () => {
    // 100 ms of CPU in 5 s: 2 % of a core.
    expect(
      collectionDue(baseline, reading(100, 300, 1_000, 5_000), reading(100, 300, 1_100, 10_000), options),
    ).toBe(true);
  });
  it('waits while the process is busy: a burst or a change is being pushed', () => {
    expect(
      collectionDue(baseline, reading(100, 300, 1_000, 5_000), reading(100, 300, 2_000, 10_000), options),
    ).toBe(false);
  });
  it('is not due for growth below the threshold', () => {
    expect(collectionDue(baseline, reading(150, 0, 0, 5_000), reading(150, 0, 0, 10_000), options)).toBe(
      false,
    );
  });
  it('counts heap and buffers together', () => {
    expect(collectionDue(baseline, reading(140, 30, 0, 5_000), reading(140, 30, 0, 10_000), options)).toBe(
      true,
    );
  });
  it('is not due when no time passed', () => {
    expect(collectionDue(baseline, reading(400, 0, 0, 5_000), reading(400, 0, 0, 5_000), options)).toBe(
      false,
    );
  });
});

/**
 * A returner whose readings are the given series of [heap MB, CPU ms used in the 5 s before], one
 * per look; a collection leaves what `freed` says.
 */
function scripted(series: Array<[number, number]>, freed: (heapMb: number) => number) {
  let at = 0;
  let cpu = 0;
  let heap = series[0]![0];
  let i = 0;
  const returner = new MemoryReturner(options, {
    read: () => reading(heap, 0, cpu, at),
    collect: async () => {
      heap = freed(heap);
    },
  });
  const step = async () => {
    const next = series[++i];
    at += 5_000;
    if (next) {
      heap = next[0];
      cpu += next[1];
    }
    await returner.look();
  };
  return { returner, step };
}

describe('MemoryReturner', () => {
  it('collects once after a burst, when it is over, and measures from what is left', async () => {
    // Ready at 100 MB; a busy burst to 400; idle at 400; the collection leaves 120, and it stays.
    const { returner, step } = scripted(
      [
        [100, 0],
        [250, 4_000],
        [400, 4_000],
        [400, 50],
        [121, 50],
        [122, 50],
      ],
      () => 120,
    );
    await step(); // 250: busy
    await step(); // 400: busy
    expect(returner.collections).toBe(0);
    await step(); // 400: idle, 300 MB over the baseline
    expect(returner.collections).toBe(1);
    await step();
    await step();
    expect(returner.collections).toBe(1);
  });

  it('is not interrupted by memory that moves while the process works', async () => {
    const { returner, step } = scripted(
      [
        [100, 0],
        [300, 2_000],
        [180, 2_000],
        [300, 2_000],
        [300, 2_000],
      ],
      () => 100,
    );
    for (let i = 0; i < 4; i++) await step();
    expect(returner.collections).toBe(0);
  });

  it('costs one collection per threshold of real growth, not one per look', async () => {
    // Memory that stays (more proxies): a collection frees nothing.
    const series: Array<[number, number]> = [
      [100, 0],
      [170, 3_000],
      [171, 10],
      [171, 10],
      [171, 10],
      [171, 10],
    ];
    const { returner, step } = scripted(series, (heap) => heap);
    for (let i = 0; i < series.length; i++) await step();
    expect(returner.collections).toBe(1);
  });

  it('lowers its baseline when V8 gives memory back by itself', async () => {
    const { returner, step } = scripted(
      [
        [200, 0],
        [100, 10],
        [100, 10],
        [170, 10],
      ],
      () => 100,
    );
    await step(); // 100: the new baseline
    await step();
    expect(returner.collections).toBe(0);
    await step(); // 170, idle: 70 MB over the lowered baseline, though under the first one (200)
    expect(returner.collections).toBe(1);
  });

  it('looks on its interval until stopped', async () => {
    const callbacks: Array<() => void> = [];
    let cancelled = false;
    const returner = new MemoryReturner(options, {
      read: () => reading(100, 0, 0, 0),
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
