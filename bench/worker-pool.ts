// The client processes, seen from the orchestrator: the proxies are dealt out round-robin (so each
// process holds both variants), and every question goes to all of them and waits for all answers.
import { fileURLToPath } from 'node:url';
import { exited, forkTracked, Inbox } from './child-processes.js';
import type { FromWorker, StreamSpec, VariantTotals } from './ipc-messages.js';
import type { ChangeWatch } from './simulated-proxy.js';

const WORKER = fileURLToPath(new URL('./client-worker.js', import.meta.url));

export type Connected =
  | {
      readonly kind: 'current';
      /** When the last stream became current. */
      readonly at: number;
      readonly ready: number;
      readonly failed: number;
    }
  | {
      readonly kind: 'timeout';
      readonly ready: number;
      readonly failed: number;
      readonly total: number;
      readonly firstFailure?: string;
    };

export type ChangeOutcome =
  | { readonly kind: 'acked'; readonly lastAck: number | undefined; readonly acked: number }
  | { readonly kind: 'timeout'; readonly changed: number; readonly total: number };

export interface Collected {
  readonly sotw: VariantTotals;
  readonly delta: VariantTotals;
  readonly clientCpuMs: number;
}

function addTotals(a: VariantTotals, b: VariantTotals): VariantTotals {
  return {
    streams: a.streams + b.streams,
    bytes: a.bytes + b.bytes,
    responses: a.responses + b.responses,
    resources: a.resources + b.resources,
    watchedBytes: a.watchedBytes + b.watchedBytes,
    watchedCount: a.watchedCount + b.watchedCount,
  };
}

export class WorkerPool {
  private constructor(private readonly inboxes: readonly Inbox<FromWorker>[]) {}

  static async start(count: number, timeoutMs: number): Promise<WorkerPool> {
    const inboxes = Array.from(
      { length: count },
      (_, i) => new Inbox<FromWorker>(forkTracked(WORKER), `client ${i}`),
    );
    await Promise.all(inboxes.map((inbox) => inbox.next('loaded', timeoutMs)));
    return new WorkerPool(inboxes);
  }

  get size(): number {
    return this.inboxes.length;
  }

  /** Opens every stream at once; resolves when all are current (or failed). */
  async connect(port: number, streams: readonly StreamSpec[], timeoutMs: number): Promise<Connected> {
    const shares = this.inboxes.map((_, w) => streams.filter((_, i) => i % this.inboxes.length === w));
    this.inboxes.forEach((inbox, w) => {
      inbox.send({ type: 'connect', port, streams: shares[w] });
    });
    try {
      const replies = await Promise.all(this.inboxes.map((inbox) => inbox.next('connected', timeoutMs)));
      return {
        kind: 'current',
        at: Math.max(...replies.map((r) => r.at)),
        ready: replies.reduce((n, r) => n + r.ready, 0),
        failed: replies.reduce((n, r) => n + r.failed, 0),
      };
    } catch {
      const { ready, failed, total, firstFailure } = await this.progress();
      return { kind: 'timeout', ready, failed, total, ...(firstFailure ? { firstFailure } : {}) };
    }
  }

  async mark(watch: ChangeWatch, timeoutMs: number): Promise<void> {
    for (const inbox of this.inboxes) inbox.send({ type: 'mark', watch });
    await Promise.all(
      this.inboxes.map((inbox) => inbox.next('marked', timeoutMs, (m) => m.change === watch.change)),
    );
  }

  async waitChanged(change: number, timeoutMs: number): Promise<ChangeOutcome> {
    try {
      const replies = await Promise.all(
        this.inboxes.map((inbox) => inbox.next('changed', timeoutMs, (m) => m.change === change)),
      );
      const acks = replies.flatMap((r) => (r.lastAck === undefined ? [] : [r.lastAck]));
      return {
        kind: 'acked',
        lastAck: acks.length > 0 ? Math.max(...acks) : undefined,
        acked: replies.reduce((n, r) => n + r.acked, 0),
      };
    } catch {
      const progress = await this.progress();
      return { kind: 'timeout', changed: progress.changed, total: progress.total };
    }
  }

  async collect(change: number, timeoutMs: number): Promise<Collected> {
    for (const inbox of this.inboxes) inbox.send({ type: 'collect', change });
    const replies = await Promise.all(
      this.inboxes.map((inbox) => inbox.next('collected', timeoutMs, (m) => m.change === change)),
    );
    const empty: VariantTotals = {
      streams: 0,
      bytes: 0,
      responses: 0,
      resources: 0,
      watchedBytes: 0,
      watchedCount: 0,
    };
    return {
      sotw: replies.reduce((t, r) => addTotals(t, r.sotw), empty),
      delta: replies.reduce((t, r) => addTotals(t, r.delta), empty),
      clientCpuMs: replies.reduce((n, r) => n + r.cpuMs, 0),
    };
  }

  /** How far the clients got; for messages when something times out. */
  async progress(): Promise<{
    ready: number;
    changed: number;
    failed: number;
    total: number;
    firstFailure?: string;
  }> {
    for (const inbox of this.inboxes) inbox.send({ type: 'progress' });
    const replies = await Promise.all(
      this.inboxes.map((inbox) => inbox.next('progress', 10_000).catch(() => undefined)),
    );
    const sum = (pick: (r: NonNullable<(typeof replies)[number]>) => number) =>
      replies.reduce((n, r) => n + (r ? pick(r) : 0), 0);
    const firstFailure = replies.find((r) => r?.firstFailure)?.firstFailure;
    return {
      ready: sum((r) => r.ready),
      changed: sum((r) => r.changed),
      failed: sum((r) => r.failed),
      total: sum((r) => r.total),
      ...(firstFailure ? { firstFailure } : {}),
    };
  }

  async stop(): Promise<void> {
    for (const inbox of this.inboxes) inbox.send({ type: 'stop' });
    await Promise.all(this.inboxes.map((inbox) => exited(inbox.child, 5_000)));
  }
}
