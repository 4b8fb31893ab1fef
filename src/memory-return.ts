// Gives the memory of a burst back once the burst is over. A cold start writes every proxy its whole
// configuration, and gRPC frames each message in a buffer of its own: at 1,000 services and 2,000
// proxies that is gigabytes of buffers, freed only when V8 collects the objects that hold them. V8
// collects young objects often, but a buffer that lived through one collection waits for the next
// full one, and V8's own "memory reducer" (a full collection once a process goes quiet) runs once
// after a heap grows and is then spent: it had usually run during the cold start itself. Measured
// (bench/RESULTS.md): 240 to 340 MB of such buffers still held 45 s after a cold start, gone at the
// next full collection.
//
// So, every few seconds, this compares what the heap and the buffers hold with the least they held
// since the last full collection. When they grew by `growthBytes` and the process was idle since
// the last look (its CPU time, not its memory, which moves in a saw-tooth even when idle), it asks
// for one full collection, marked incrementally. The baseline is then what is left: a fleet that
// grows for real costs one collection per `growthBytes` of growth, never one per look, and a busy
// server (a change being pushed) is never interrupted by one.
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';

export interface MemoryReading {
  /** V8 heap in use, garbage included. */
  readonly heapUsed: number;
  /** Memory outside the heap that V8 accounts for: buffers, above all. */
  readonly external: number;
  /** CPU time the process used so far, user and system (microseconds). */
  readonly cpuMicros: number;
  /** When the reading was made (monotonic milliseconds). */
  readonly atMs: number;
}

export interface MemoryReturnOptions {
  /** Growth over the baseline that is worth a full collection. */
  readonly growthBytes: number;
  /** The process counts as idle below this share of one core since the last look. */
  readonly idleCpuShare: number;
  /** How often to look. */
  readonly everyMs: number;
}

export const DEFAULT_MEMORY_RETURN: MemoryReturnOptions = {
  growthBytes: 64 * 1024 * 1024,
  idleCpuShare: 0.05,
  everyMs: 5_000,
};

const held = (m: MemoryReading) => m.heapUsed + m.external;

/** Whether a full collection is due, given the baseline, the previous look and this one. */
export function collectionDue(
  baseline: MemoryReading,
  previous: MemoryReading,
  current: MemoryReading,
  options: Pick<MemoryReturnOptions, 'growthBytes' | 'idleCpuShare'>,
): boolean {
  const elapsedMs = current.atMs - previous.atMs;
  if (elapsedMs <= 0) return false;
  const cpuShare = (current.cpuMicros - previous.cpuMicros) / 1000 / elapsedMs;
  return held(current) - held(baseline) >= options.growthBytes && cpuShare < options.idleCpuShare;
}

type GcFunction = (options: { type: 'major'; execution: 'async' }) => Promise<void>;
let gcFunction: GcFunction | undefined;

/**
 * One full collection, marked incrementally between callbacks (no long pause). Node has no API for
 * it without --expose-gc on the command line, which `trellis` cannot put on its users' command
 * lines: the flag is set now and only a context made after it gets gc(), the way test runners
 * expose it (vm.measureMemory would do the same, but warns that it is experimental).
 */
export async function fullCollection(): Promise<void> {
  if (!gcFunction) {
    v8.setFlagsFromString('--expose-gc');
    gcFunction = vm.runInNewContext('gc') as GcFunction;
  }
  await gcFunction({ type: 'major', execution: 'async' });
}

export interface MemoryReturnerDeps {
  readonly read?: () => MemoryReading;
  readonly collect?: () => Promise<void>;
  readonly setInterval?: (callback: () => void, ms: number) => { cancel(): void };
}

const realInterval = (callback: () => void, ms: number) => {
  const handle = setInterval(callback, ms);
  handle.unref();
  return { cancel: () => clearInterval(handle) };
};

const processMemory = (): MemoryReading => {
  const { heapUsed, external } = process.memoryUsage();
  const { user, system } = process.cpuUsage();
  return { heapUsed, external, cpuMicros: user + system, atMs: performance.now() };
};

export class MemoryReturner {
  private baseline: MemoryReading;
  private previous: MemoryReading;
  private collecting = false;
  private timer: { cancel(): void } | undefined;
  private readonly read: () => MemoryReading;
  private readonly collect: () => Promise<void>;
  /** Full collections asked for so far. */
  collections = 0;

  constructor(
    private readonly options: MemoryReturnOptions = DEFAULT_MEMORY_RETURN,
    private readonly deps: MemoryReturnerDeps = {},
  ) {
    this.read = deps.read ?? processMemory;
    this.collect = deps.collect ?? fullCollection;
    this.baseline = this.read();
    this.previous = this.baseline;
  }

  start(): this {
    this.timer ??= (this.deps.setInterval ?? realInterval)(() => void this.look(), this.options.everyMs);
    return this;
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** One look: collects when due. Resolves once any collection it started is over. */
  async look(): Promise<void> {
    if (this.collecting) return;
    const current = this.read();
    // Memory that V8 gave back by itself lowers the bar too.
    if (held(current) < held(this.baseline)) this.baseline = current;
    const due = collectionDue(this.baseline, this.previous, current, this.options);
    this.previous = current;
    if (!due) return;
    this.collecting = true;
    this.collections++;
    try {
      await this.collect();
    } catch {
      // Nothing to do: the next look tries again once memory grows further.
    } finally {
      this.collecting = false;
      this.baseline = this.read();
      this.previous = this.baseline;
    }
  }
}
