// Gives the memory of a burst back once the burst is over. A cold start writes every proxy its whole
// configuration, and gRPC frames each message in a buffer of its own: at 1,000 services and 2,000
// proxies that is gigabytes of buffers, freed only when V8 collects the objects that hold them. V8
// collects young objects often, but a buffer that lived through one collection waits for the next
// full one, and V8's own "memory reducer" (a full collection once a process goes quiet) runs once
// after a heap grows and is then spent: it had usually run during the cold start itself. Measured
// (bench/RESULTS.md): 240 to 340 MB of such buffers still held 45 s after a cold start, gone at the
// next full collection.
//
// So, every few seconds, this looks at the process's CPU time. Once it has worked `workMs` of CPU
// since the last full collection (work is what makes garbage) and then been idle for `idleLooks`
// looks in a row (under `idleCpuShare` of a core each), it asks for one full collection, marked
// incrementally. Three looks (10 to 15 s), because what a push used is let go of a little after
// it: the message caches keep an encoding 5 s after its last write (xds/server/ads-service.ts), and
// a run that collected after two looks sometimes came just before they let go, and kept 80 MB of
// garbage until the next burst. A busy server (a change being pushed) is never interrupted by one;
// an idle one costs one collection per `workMs` of CPU it spends on scrapes and the like. CPU
// time, not memory, because memory moves in a saw-tooth even while idle, and a collection in the
// middle of a burst leaves it higher than the burst's garbage will be once the burst ends.
//
// The other half of the same policy: collect after bursts, not during them. After a collection
// V8 sets the old generation's limit at about 1.3 × what survived, and starts marking whenever
// the room left is below what a young collection could promote (about 50 MB here): with 105 MB
// live that was at once, so the first endpoint changes after a quiet spell each ran three or four
// full collections back to back, and cost twice the CPU of the later ones (--trace-gc and
// --trace-incremental-marking, bench/RESULTS.md). growHeapForBursts lets the heap grow to twice
// what survived before V8 collects for that reason; what a burst leaves is still given back by
// the collection above once it is over. It is set just before the first collection (whose limits
// it then sets), not at start: in a cold start V8's own factor is the better one (at 4,000
// services and proxies the fixed one from the start raised the peak RSS from 2.0 to 2.7 GB and
// the cold start's CPU by 13 %).

import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';

export interface CpuReading {
  /** CPU time the process used so far, user and system (microseconds). */
  readonly cpuMicros: number;
  /** When the reading was made (monotonic milliseconds). */
  readonly atMs: number;
}

export interface MemoryReturnOptions {
  /** CPU time spent since the last full collection that makes another worth it. */
  readonly workMs: number;
  /** The process counts as idle below this share of one core between two looks. */
  readonly idleCpuShare: number;
  /** Idle looks in a row before collecting. */
  readonly idleLooks: number;
  /** How often to look. */
  readonly everyMs: number;
}

export const DEFAULT_MEMORY_RETURN: MemoryReturnOptions = {
  workMs: 2_000,
  idleCpuShare: 0.05,
  idleLooks: 3,
  everyMs: 5_000,
};

/** Whether the process was idle between two readings. */
export function idleBetween(previous: CpuReading, current: CpuReading, idleCpuShare: number): boolean {
  const elapsedMs = current.atMs - previous.atMs;
  return elapsedMs > 0 && (current.cpuMicros - previous.cpuMicros) / 1000 / elapsedMs < idleCpuShare;
}

/** How far past what survived a full collection the heap grows before the next: 100 is twice. */
export const BURST_HEAP_GROWING_PERCENT = 100;

/**
 * Lets V8 grow the old generation to (100 + `percent`)% of what survived the last full collection
 * before it starts the next for the heap's size. A V8 flag read each time the limit is set, so it
 * holds from the next collection on; one per process, set by `trellis serve` just before the
 * memory return's first collection.
 */
export function growHeapForBursts(percent = BURST_HEAP_GROWING_PERCENT): void {
  v8.setFlagsFromString(heapGrowingFlag(percent));
}

/** The V8 flag growHeapForBursts sets. */
export function heapGrowingFlag(percent = BURST_HEAP_GROWING_PERCENT): string {
  return `--heap-growing-percent=${percent}`;
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
  readonly read?: () => CpuReading;
  readonly collect?: () => Promise<void>;
  readonly setInterval?: (callback: () => void, ms: number) => { cancel(): void };
  /**
   * Called once, just before the first collection: what should hold only once the process has
   * been busy and then quiet (past its cold start), and should already shape that collection's
   * limits.
   */
  readonly beforeFirstCollection?: () => void;
}

const realInterval = (callback: () => void, ms: number) => {
  const handle = setInterval(callback, ms);
  handle.unref();
  return { cancel: () => clearInterval(handle) };
};

const processCpu = (): CpuReading => {
  const { user, system } = process.cpuUsage();
  return { cpuMicros: user + system, atMs: performance.now() };
};

export class MemoryReturner {
  private lastCollection: CpuReading;
  private previous: CpuReading;
  private collecting = false;
  private idleLooks = 0;
  private timer: { cancel(): void } | undefined;
  private readonly read: () => CpuReading;
  private readonly collect: () => Promise<void>;
  /** Full collections asked for so far. */
  collections = 0;

  constructor(
    private readonly options: MemoryReturnOptions = DEFAULT_MEMORY_RETURN,
    private readonly deps: MemoryReturnerDeps = {},
  ) {
    this.read = deps.read ?? processCpu;
    this.collect = deps.collect ?? fullCollection;
    // Starting up is work too: the first idle looks after it collect what loading left.
    this.lastCollection = { cpuMicros: 0, atMs: 0 };
    this.previous = this.read();
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
    this.idleLooks = idleBetween(this.previous, current, this.options.idleCpuShare) ? this.idleLooks + 1 : 0;
    this.previous = current;
    const worked = (current.cpuMicros - this.lastCollection.cpuMicros) / 1000 >= this.options.workMs;
    if (!worked || this.idleLooks < this.options.idleLooks) return;
    this.collecting = true;
    this.collections++;
    try {
      if (this.collections === 1) this.deps.beforeFirstCollection?.();
      await this.collect();
    } catch {
      // Nothing to do: the next look tries again after more work.
    } finally {
      this.collecting = false;
      // The collection's own CPU is neither work nor a sign of activity.
      this.lastCollection = this.read();
      this.previous = this.lastCollection;
      this.idleLooks = 0;
    }
  }
}
