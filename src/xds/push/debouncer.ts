// Merges bursts of change requests into one flush, as Istio's push debounce does: a flush happens
// once no request has come for `quietMs`, or `maxDelayMs` after the first pending request, so a
// steady trickle of changes still gets pushed. The flush hears every distinct reason merged into it.

/** The clock and timers the debouncer uses; tests inject their own or use fake timers. */
export interface Timers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface DebounceOptions {
  /** Flush once no request came for this long. Default 100 ms. */
  readonly quietMs?: number;
  /** Never hold a request longer than this. Default 1000 ms. */
  readonly maxDelayMs?: number;
  readonly timers?: Timers;
}

export const DEFAULT_QUIET_MS = 100;
export const DEFAULT_MAX_DELAY_MS = 1000;

// Read the globals when called, not when loaded, so fake timers installed later are used.
const systemTimers: Timers = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export type Flush<Reason> = (reasons: ReadonlySet<Reason>) => void;

export class Debouncer<Reason> {
  private readonly quietMs: number;
  private readonly maxDelayMs: number;
  private readonly timers: Timers;
  private reasons = new Set<Reason>();
  private firstAt = 0;
  private timer: unknown;
  private timerSet = false;

  constructor(
    private readonly flush: Flush<Reason>,
    options: DebounceOptions = {},
  ) {
    this.quietMs = Math.max(0, options.quietMs ?? DEFAULT_QUIET_MS);
    this.maxDelayMs = Math.max(0, options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS);
    this.timers = options.timers ?? systemTimers;
  }

  /** True while requests wait for their flush. */
  get pending(): boolean {
    return this.reasons.size > 0;
  }

  request(reason: Reason): void {
    const now = this.timers.now();
    if (this.reasons.size === 0) this.firstAt = now;
    this.reasons.add(reason);
    this.stopTimer();
    const untilDeadline = this.firstAt + this.maxDelayMs - now;
    if (untilDeadline <= 0) {
      this.flushNow();
      return;
    }
    this.timerSet = true;
    this.timer = this.timers.setTimeout(
      () => {
        this.timerSet = false;
        this.flushNow();
      },
      Math.min(this.quietMs, untilDeadline),
    );
  }

  /** Flushes what is pending now, without waiting; nothing happens when nothing is pending. */
  flushNow(): void {
    this.stopTimer();
    if (this.reasons.size === 0) return;
    const reasons = this.reasons;
    // Cleared first: a request made by the flush itself starts a new window.
    this.reasons = new Set();
    this.flush(reasons);
  }

  /** Drops what is pending; for shutdown. */
  cancel(): void {
    this.stopTimer();
    this.reasons = new Set();
  }

  private stopTimer(): void {
    if (!this.timerSet) return;
    this.timers.clearTimeout(this.timer);
    this.timerSet = false;
  }
}
