// One series of changes against one server (Trellis or the floor): for each, the clients are told
// what to watch for, the change is made, and we wait for the last ACK, then a quiet moment so the
// server's CPU for the change (ACK handling, a file re-read) is all counted.
import type { ChangeWatch } from './simulated-proxy.js';
import { now } from './simulated-proxy.js';
import type { WorkerPool } from './worker-pool.js';

export interface ChangeSample {
  /** File write (or push) to the last client's ACK; undefined when it timed out. */
  readonly latencyMs: number | undefined;
  readonly serverCpuSeconds: number;
  readonly clientCpuMs: number;
  readonly sotw: PerStream;
  readonly delta: PerStream;
  /** Mean size of the changed resource itself, where a delta client received it. */
  readonly watchedResourceBytes: number | undefined;
  /** Streams that had ACKed when a change timed out, of all. */
  readonly timeout?: { readonly changed: number; readonly total: number };
}

export interface PerStream {
  readonly bytes: number;
  readonly responses: number;
  readonly resources: number;
}

export interface ChangeTrigger {
  /** What the clients watch for in change `n` (its `change` id unique across the run). */
  watch(n: number): Promise<ChangeWatch>;
  /** Makes change `n`. */
  fire(n: number): Promise<void>;
}

export interface PhaseOptions {
  readonly label: string;
  readonly count: number;
  /** Stop after this long (once at least 3 changes are in), so a slow size still finishes. */
  readonly budgetMs: number;
  readonly timeoutMs: number;
  readonly quietMs: number;
  readonly pool: WorkerPool;
  readonly serverCpuSeconds: () => number;
  readonly trigger: ChangeTrigger;
}

const perStream = (t: { streams: number; bytes: number; responses: number; resources: number }): PerStream =>
  t.streams === 0
    ? { bytes: 0, responses: 0, resources: 0 }
    : { bytes: t.bytes / t.streams, responses: t.responses / t.streams, resources: t.resources / t.streams };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runChanges(opts: PhaseOptions): Promise<ChangeSample[]> {
  const samples: ChangeSample[] = [];
  const started = now();
  for (let n = 0; n < opts.count; n++) {
    if (n >= 3 && now() - started > opts.budgetMs) {
      process.stderr.write(`  ${opts.label}: time budget spent after ${n} changes\n`);
      break;
    }
    const watch = await opts.trigger.watch(n);
    const id = watch.change;
    await opts.pool.mark(watch, 30_000);
    const cpuBefore = opts.serverCpuSeconds();
    const t0 = now();
    await opts.trigger.fire(n);
    const outcome = await opts.pool.waitChanged(id, opts.timeoutMs);
    await sleep(opts.quietMs);
    const serverCpuSeconds = opts.serverCpuSeconds() - cpuBefore;
    const collected = await opts.pool.collect(id, 30_000);
    const { delta } = collected;
    const sample: ChangeSample = {
      latencyMs: outcome.kind === 'acked' && outcome.lastAck !== undefined ? outcome.lastAck - t0 : undefined,
      serverCpuSeconds,
      clientCpuMs: collected.clientCpuMs,
      sotw: perStream(collected.sotw),
      delta: perStream(delta),
      watchedResourceBytes: delta.watchedCount > 0 ? delta.watchedBytes / delta.watchedCount : undefined,
      ...(outcome.kind === 'timeout' ? { timeout: { changed: outcome.changed, total: outcome.total } } : {}),
    };
    samples.push(sample);
    const latency = sample.latencyMs === undefined ? 'no ACK' : `${Math.round(sample.latencyMs)} ms`;
    process.stderr.write(
      `  ${opts.label} ${n + 1}/${opts.count}: ${latency}, server CPU ${serverCpuSeconds.toFixed(2)} s\n`,
    );
    if (outcome.kind === 'timeout') {
      // Late responses to this change would be taken for the next one: stop the series here.
      process.stderr.write(
        `  ${opts.label}: ${outcome.changed} of ${outcome.total} streams ACKed within ${opts.timeoutMs / 1000} s; series stopped\n`,
      );
      break;
    }
  }
  return samples;
}
