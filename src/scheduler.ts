// Time and timers, injected wherever something happens later (certificate rotation), so tests move
// a fake clock instead of waiting.
export interface Scheduler {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

// A timer set beyond 2^31-1 ms fires at once in Node; longer waits are taken in steps of this.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Real time; its timers never keep the process alive on their own. */
export const realScheduler: Scheduler = {
  now: () => Date.now(),
  setTimeout: (run, ms) => {
    const timer = setTimeout(run, Math.min(ms, MAX_TIMER_MS));
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Runs `run` at `at` (scheduler time), however far away: a wait longer than one timer allows is
 * taken in steps. Returns the function that cancels it.
 */
export function runAt(scheduler: Scheduler, at: number, run: () => void): () => void {
  let handle: unknown;
  let cancelled = false;
  const arm = () => {
    handle = scheduler.setTimeout(
      () => {
        if (cancelled) return;
        if (scheduler.now() < at) return arm();
        run();
      },
      Math.min(Math.max(0, at - scheduler.now()), MAX_TIMER_MS),
    );
  };
  arm();
  return () => {
    cancelled = true;
    scheduler.clearTimeout(handle);
  };
}
