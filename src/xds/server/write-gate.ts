// How many responses the whole server has in its calls' buffers at once. Each stream already keeps
// at most one (ads-server.ts), but a thousand proxies connecting together would each hold a whole
// configuration of several megabytes before any of them had read theirs: memory grows with the
// fleet, not with what the network can take. Like Istio's push throttle, writes beyond the limit
// wait their turn, in order; a waiting write is only a reference to a response that exists anyway
// (encoding happens at the write).
//
// A write holds its slot until HTTP/2 has taken its bytes, or for `leaseMs` at most: a client that
// stops reading must not hold a slot for good, or enough stalled clients would stop every push.
// Its bytes stay with its own call after that, as they would without the gate.

export interface WriteGateOptions {
  /** Writes in the calls' buffers at once. */
  readonly slots: number;
  /** The longest a write holds its slot. */
  readonly leaseMs: number;
  readonly setTimer?: (callback: () => void, ms: number) => { cancel(): void };
}

/** A started write; call `done()` when it completed (or its call ended). Idempotent. */
export interface WriteSlot {
  done(): void;
}

interface Waiting {
  readonly start: (slot: WriteSlot) => void;
  cancelled: boolean;
}

const realTimer = (callback: () => void, ms: number) => {
  const handle = setTimeout(callback, ms);
  handle.unref();
  return { cancel: () => clearTimeout(handle) };
};

export const DEFAULT_WRITE_SLOTS = 100;
export const DEFAULT_WRITE_LEASE_MS = 1_000;

export class WriteGate {
  private free: number;
  private readonly queue: Waiting[] = [];
  private head = 0;
  private readonly setTimer: (callback: () => void, ms: number) => { cancel(): void };

  constructor(private readonly options: WriteGateOptions) {
    this.free = options.slots;
    this.setTimer = options.setTimer ?? realTimer;
  }

  /**
   * Runs `start` with a slot now, or once one is free. Returns a function that withdraws a write
   * still waiting (its call ended); a no-op once it started.
   */
  enter(start: (slot: WriteSlot) => void): () => void {
    const waiting: Waiting = { start, cancelled: false };
    if (this.free > 0) {
      this.free--;
      this.run(waiting);
    } else {
      this.queue.push(waiting);
    }
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

  private run(waiting: Waiting): void {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      timer.cancel();
      this.next();
    };
    const timer = this.setTimer(release, this.options.leaseMs);
    waiting.start({ done: release });
  }

  /** Gives a freed slot to the oldest write still waiting. */
  private next(): void {
    while (this.head < this.queue.length) {
      const waiting = this.queue[this.head]!;
      this.head++;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      if (waiting.cancelled) continue;
      this.run(waiting);
      return;
    }
    this.free++;
  }
}
