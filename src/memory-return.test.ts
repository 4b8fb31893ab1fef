import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  type CpuReading,
  fullCollection,
  heapGrowingFlag,
  idleBetween,
  MemoryReturner,
} from './memory-return.js';

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
function scripted(busyMs: number[], beforeFirstCollection?: () => void) {
  let at = 0;
  let used = 0;
  let i = 0;
  const returner = new MemoryReturner(options, {
    read: () => cpu(used, at),
    collect: async () => {
      used += 150; // the collection's own CPU
    },
    ...(beforeFirstCollection ? { beforeFirstCollection } : {}),
  });
  const step = async () => {
    at += 5_000;
    used += busyMs[i++] ?? 0;
    await returner.look();
  };
  return { returner, step };
}

describe('MemoryReturner', () => {
  it('runs beforeFirstCollection once, as its first collection begins', async () => {
    let calls = 0;
    let collectionsThen = -1;
    const { returner, step } = scripted([4_000, 50, 50, 4_000, 50, 50], () => {
      calls++;
      collectionsThen = returner.collections;
    });
    await step(); // busy
    await step(); // idle once
    expect(calls).toBe(0);
    await step(); // idle twice: the first collection, counted as it starts
    expect([calls, collectionsThen]).toEqual([1, 1]);
    for (let n = 0; n < 3; n++) await step(); // another burst, and a second collection
    expect(returner.collections).toBe(2);
    expect(calls).toBe(1);
  });

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

// A process that keeps about 80 MB, collects, then makes 400 MB that lives long enough to be
// promoted and dies: how far its heap grows past what survived, with the flag set at run time (as
// `trellis serve` sets it) or not. In its own process, so that no flag reaches the test runner.
const GROWTH_PROBE = `
import v8 from 'node:v8';
import vm from 'node:vm';
const flag = process.argv[1];
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
if (flag) v8.setFlagsFromString(flag);
const kept = [];
for (let i = 0; i < 400; i++) kept.push(new Array(25000).fill(i));
gc();
const survived = v8.getHeapStatistics().used_heap_size;
let most = survived;
const ring = new Array(800);
for (let i = 0; i < 8000; i++) {
  ring[i % 800] = new Array(12500).fill(i);
  if (i % 50 === 0) most = Math.max(most, v8.getHeapStatistics().used_heap_size);
}
// What was kept is read after the loop, so that it is still there during it.
if (kept.length !== 400) throw new Error('lost what was kept');
process.stdout.write(String(most / survived));
`;

async function growth(flag: string): Promise<number> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', GROWTH_PROBE, flag],
    {
      timeout: 60_000,
    },
  );
  return Number(stdout);
}

describe('growHeapForBursts', () => {
  it('bounds how far the heap grows past what survived, set at run time', async () => {
    const [dynamic, fixed] = await Promise.all([growth(''), growth(heapGrowingFlag())]);
    // V8's own factor let this heap reach 8 times what survived; twice per collection, about 4.
    expect(dynamic).toBeGreaterThan(6);
    expect(fixed).toBeLessThan(dynamic * 0.7);
  });
});
