// How many bytes of responses the whole server has in its calls' buffers at once. Each stream
// already keeps at most one response there (ads-server.ts), but a thousand proxies connecting
// together would each hold a whole configuration of several megabytes before any of them had read
// theirs: memory grows with the fleet, not with what the network can take. Like Istio's push
// throttle, writes beyond the budget wait their turn, in order; a waiting write is only a reference
// to a response that exists anyway (encoding happens at the write). The budget is in bytes, not in
// writes: a push of one small change to every proxy fits in it whole and is never held back (a
// count of writes would cut it into rounds and cost the batching of the socket writes), and a
// write larger than the budget still goes when it is alone.
//
// A write holds its share until HTTP/2 has taken its bytes, or for `leaseMs` at most: a client
// that stops reading must not hold it for good, or enough stalled clients would stop every push.
// Its bytes stay with its own call after that, as they would without the gate.

export interface WriteGateOptions {
  /** Bytes of responses in the calls' buffers at once. */
  readonly budgetBytes: number;
  /** The longest a write holds its slot. */
  readonly leaseMs: number;
  readonly setTimer?: (callback: () => void, ms: number) => { cancel(): void };
}

/** A started write; call `done()` when it completed (or its call ended). Idempotent. */
export interface WriteSlot {
  done(): void;
}

interface Waiting {
  readonly bytes: number;
  readonly start: (slot: WriteSlot) => void;
  cancelled: boolean;
}

const realTimer = (callback: () => void, ms: number) => {
  const handle = setTimeout(callback, ms);
  handle.unref();
  return { cancel: () => clearTimeout(handle) };
};

// Measured at S = 1,000 / P = 2,000 (bench/RESULTS.md, 2026-12-06): 512 MiB let a cold start hold
// a gigabyte of responses in HTTP/2 buffers (steady RSS 2.1 GB); 64 MiB holds 0.3 GB at the peak
// (steady RSS 1.2 GB) and serves the streams about as fast, the loopback wire taking 64 MiB in a
// few milliseconds. 128 MiB gave neither more speed nor less memory than 64.
export const DEFAULT_WRITE_BUDGET_BYTES = 64 * 1024 * 1024;
export const DEFAULT_WRITE_LEASE_MS = 1_000;

export class WriteGate {
  private inFlightBytes = 0;
  private inFlight = 0;
  private readonly queue: Waiting[] = [];
  private head = 0;
  private readonly setTimer: (callback: () => void, ms: number) => { cancel(): void };

  constructor(private readonly options: WriteGateOptions) {
    this.setTimer = options.setTimer ?? realTimer;
  }

  /**
   * Runs `start` now if `bytes` fit in the budget and no write waits, else once they do. Returns a
   * function that withdraws a write
   * still waiting (its call ended); a no-op once it started.
   */
  enter(bytes: number, start: (slot: WriteSlot) => void): () => void {
    const waiting: Waiting = { bytes, start, cancelled: false };
    if (this.head === this.queue.length && this.fits(bytes)) this.run(waiting);
    else this.queue.push(waiting);
    return () => {
      waiting.cancelled = true;
    };
  }

  /** Writes waiting for a slot. */
  get waiting(): number {
    let n = 0;
    for (let i = this.head; i < this.queue.length; i++) if (!this.queue[i]!.cancelled) n++;
    return n;
  }

  private fits(bytes: number): boolean {
    return this.inFlight === 0 || this.inFlightBytes + bytes <= this.options.budgetBytes;
  }

  private run(waiting: Waiting): void {
    this.inFlight++;
    this.inFlightBytes += waiting.bytes;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      timer.cancel();
      this.inFlight--;
      this.inFlightBytes -= waiting.bytes;
      this.next();
    };
    const timer = this.setTimer(release, this.options.leaseMs);
    waiting.start({ done: release });
  }

  /** Starts the oldest waiting writes, in order, as far as the budget goes. */
  private next(): void {
    while (this.head < this.queue.length) {
      const waiting = this.queue[this.head]!;
      if (!waiting.cancelled && !this.fits(waiting.bytes)) return;
      this.head++;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      if (!waiting.cancelled) this.run(waiting);
    }
  }
}
