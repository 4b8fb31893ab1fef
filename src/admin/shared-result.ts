// One computation for many askers: whoever asks while it runs waits for the same run (single
// flight), and a result is handed out again for `reuseMs` after it arrived. /metrics uses it twice:
// the rendered body (admin-server.ts) and the process figures (metrics.ts), so a flood of scrapes
// costs one collection per interval, not one per scrape.

export interface SharedResultOptions {
  /** How long a result is reused after it arrived; 0 shares only runs in flight. */
  readonly reuseMs: number;
  /** Monotonic milliseconds, as performance.now(). */
  readonly now: () => number;
}

/** Wraps `produce`; a failed run is not kept, so the next ask runs again. */
export function sharedResult<T>(produce: () => Promise<T>, options: SharedResultOptions): () => Promise<T> {
  let kept: { readonly value: T; readonly at: number } | undefined;
  let running: Promise<T> | undefined;
  return () => {
    if (kept && options.now() - kept.at < options.reuseMs) return Promise.resolve(kept.value);
    if (running) return running;
    // produce() starts in a microtask, after `running` is set, even if it throws at once.
    const run = Promise.resolve()
      .then(produce)
      .then((value) => {
        kept = { value, at: options.now() };
        return value;
      })
      .finally(() => {
        running = undefined;
      });
    running = run;
    return run;
  };
}
