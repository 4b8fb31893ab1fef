// Timers that fire only when a test moves the clock: rotation and expiry tested without waiting.
import type { Scheduler } from '../../src/scheduler.js';

export class FakeScheduler implements Scheduler {
  private time: number;
  private readonly timers = new Map<number, { at: number; run: () => void }>();
  private next = 0;

  constructor(start = 1_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(run: () => void, ms: number): unknown {
    const id = ++this.next;
    this.timers.set(id, { at: this.time + ms, run });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Moves the clock by `ms`, running every timer that falls due, in time order (at most 10,000). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (let fired = 0; fired < 10_000; fired++) {
      let due: [number, { at: number; run: () => void }] | undefined;
      for (const entry of this.timers)
        if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].run();
    }
    this.time = end;
  }
}
