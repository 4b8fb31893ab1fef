import { describe, expect, it } from 'vitest';
import { type CpuReading, fullCollection, idleBetween, MemoryReturner } from './memory-return.js';

const options = { workMs: 2_000, idleCpuShare: 0.05, idleLooks: 2, everyMs: 5_000 };

/** A reading `at` ms in, having used `cpuMs` of CPU so far. */
const cpu = (cpuMs: number, at: number): CpuReading => ({ cpuMicros: cpuMs * 1000, atMs: at });

describe('idleBetween', () => {
  it('is idle under the share of a core: 100 ms of CPU in 5 s is 2 %', () => {
    expect(idleBetween(cpu(4_000, 5_000), cpu(4_100, 10_000), 0.05)).toBe(true);
  });
  it('is busy at or over it', () => {
    expect(idleBetween(cpu(4_000, 5_000), cpu(4_250, 10_000), 0.05)).toBe(false);
  });
  it('is not idle when no time passed', () => {
    expect(idleBetween(cpu(4_000, 5_000), cpu(4_000, 5_000), 0.05)).toBe(false);
  });
});

/** A returner whose looks see, one after another, the CPU ms used in the 5 s before each. */
function scripted(busyMs: number[]) {
  let at = 0;
  let used = 0;
  let i = 0;
  const returner = new MemoryReturner(options, {
    read: () => cpu(used, at),
    collect: async () => {
      used += 150; // the collection's own CPU
    },
  });
  const step = async () => {
    at += 5_000;
    used += busyMs[i++] ?? 0;
    await returner.look();
  };
  return { returner, step };
}

describe('MemoryReturner', () => {
  it('collects once after a burst, at the second idle look after it', async () => {
    const { returner, step } = scripted([4_000, 4_000, 50, 50, 50, 50, 50]);
    await step(); // busy
    await step(); // busy
    await step(); // idle, once: a push's encodings are still held
    expect(returner.collections).toBe(0);
    await step(); // idle twice, after 8 s of work
    expect(returner.collections).toBe(1);
    for (let n = 0; n < 3; n++) await step(); // idle, nothing worked since
    expect(returner.collections).toBe(1);
  });

  it('is never started while the process works, nor by one idle look between busy ones', async () => {
    const { returner, step } = scripted([3_000, 10, 2_000, 10, 4_000, 10, 1_000]);
    for (let n = 0; n < 7; n++) await step();
    expect(returner.collections).toBe(0);
  });

  it('collects again after the next burst, and once per workMs of CPU an idle process spends', async () => {
    // A burst, idle; a second burst, idle; then 40 idle looks of 100 ms each (4 s of CPU).
    const { returner, step } = scripted([5_000, 10, 10, 5_000, 10, 10, ...Array<number>(40).fill(100)]);
    for (let n = 0; n < 6; n++) await step();
    expect(returner.collections).toBe(2);
    for (let n = 0; n < 40; n++) await step();
    expect(returner.collections).toBe(4);
  });

  it('collects what starting up left, at the second idle look', async () => {
    let used = 3_000;
    let at = 0;
    const returner = new MemoryReturner(options, { read: () => cpu(used, at), collect: async () => {} });
    for (let n = 0; n < 2; n++) {
      at += 5_000;
      used += 10;
      await returner.look();
    }
    expect(returner.collections).toBe(1);
  });

  it('looks on its interval until stopped', async () => {
    const callbacks: Array<() => void> = [];
    let cancelled = false;
    const returner = new MemoryReturner(options, {
      read: () => cpu(0, 0),
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
