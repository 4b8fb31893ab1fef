// Leader election over a `coordination.k8s.io/v1` Lease, the way client-go's leaderelection does it:
// Kubernetes is the only coordinator, and the Lease's resourceVersion settles every race (a 409 on
// create or update means another replica wrote first).
//
// - A candidate tries every `retryPeriodMs` (with jitter). It takes the Lease when it does not
//   exist, when its holder is empty (released), or when the holder has not renewed for
//   `leaseDurationMs` as observed on this replica's own clock: expiry is judged from when we last saw
//   the record change, never from the timestamps in it, so clock skew between nodes does not matter.
// - The leader renews every `retryPeriodMs`. When it has not renewed for `renewDeadlineMs` it stops
//   acting as leader at once, before any other replica may take over (renew deadline < lease
//   duration): there is never a moment with two replicas writing.
// - stop() releases a held Lease (empty holder), so another replica takes over at its next retry
//   instead of waiting out the lease.
import type { Logger } from '../log.js';
import type { Scheduler } from '../scheduler.js';

/** The fields of a Lease's spec that leader election reads and writes. */
export interface LeaseRecord {
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  /** RFC 3339 with microseconds, as MicroTime is written. */
  readonly acquireTime: string;
  readonly renewTime: string;
  readonly leaseTransitions: number;
}

export interface StoredLease {
  readonly record: LeaseRecord;
  readonly resourceVersion: string;
}

/** The one Lease, as the API server holds it. Transport failures throw; a lost race is 'conflict'. */
export interface LeaseStore {
  readonly description: string;
  get(): Promise<StoredLease | undefined>;
  create(record: LeaseRecord): Promise<StoredLease | 'conflict'>;
  update(record: LeaseRecord, resourceVersion: string): Promise<StoredLease | 'conflict'>;
}

export interface LeaderElectionTimings {
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

/** Kubernetes' defaults (kube-controller-manager, client-go). */
export const DEFAULT_LEADER_ELECTION: LeaderElectionTimings = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

/** The reason the timings cannot work together, or undefined when they can. */
export function checkTimings(t: LeaderElectionTimings): string | undefined {
  if (t.retryPeriodMs <= 0) return 'the retry period must be positive';
  if (t.renewDeadlineMs <= t.retryPeriodMs * 1.2)
    return 'the renew deadline must be longer than 1.2 × the retry period (a renewal must fit before it)';
  if (t.leaseDurationMs <= t.renewDeadlineMs)
    return 'the lease duration must be longer than the renew deadline (a leader gives up before another may take over)';
  return undefined;
}

export interface LeaderElectorOptions {
  readonly store: LeaseStore;
  /** This replica (POD_NAME). */
  readonly identity: string;
  readonly timings: LeaderElectionTimings;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  /** Called when this replica becomes the leader. */
  readonly onStartedLeading: () => void;
  /** Called when it stops being the leader (lost the Lease, could not renew, or stopped). */
  readonly onStoppedLeading: () => void;
  /** 0..1; the default is Math.random. */
  readonly random?: () => number;
}

// Retries are spread by up to this fraction of the period, as client-go's JitterFactor 1.2 does.
const JITTER = 0.2;

export class LeaderElector {
  private leading = false;
  private stopped = false;
  private timer: unknown;
  private observed: { key: string; at: number } | undefined;
  private held: StoredLease | undefined;
  private lastRenew = 0;
  private running: Promise<void> | undefined;
  private knownLeader: string | undefined;

  constructor(private readonly opts: LeaderElectorOptions) {
    const problem = checkTimings(opts.timings);
    if (problem) throw new Error(`leader election: ${problem}`);
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder last seen on the Lease (this replica's identity when it leads). */
  leader(): string | undefined {
    return this.knownLeader;
  }

  start(): void {
    if (this.stopped || this.timer !== undefined || this.running) return;
    this.tick();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.opts.scheduler.clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    if (!this.leading) return;
    this.leading = false;
    this.opts.onStoppedLeading();
    const held = this.held;
    if (!held) return;
    try {
      await this.opts.store.update(
        { ...held.record, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(this.now()) },
        held.resourceVersion,
      );
      this.opts.logger.info({ lease: this.opts.store.description }, 'released the leader lease');
    } catch (err) {
      this.opts.logger.warn(
        { lease: this.opts.store.description, err: messageOf(err) },
        'could not release the leader lease; another replica takes over when it expires',
      );
    }
  }

  private now(): number {
    return this.opts.scheduler.now();
  }

  private tick(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const work = this.attempt().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      const period = this.opts.timings.retryPeriodMs;
      // A leader renews on time; a candidate spreads its retries.
      const wait = this.leading ? period : period * (1 + JITTER * (this.opts.random ?? Math.random)());
      this.timer = this.opts.scheduler.setTimeout(() => this.tick(), wait);
    });
    this.running = work;
  }

  private async attempt(): Promise<void> {
    let acquired: boolean;
    try {
      acquired = await this.tryAcquireOrRenew();
    } catch (err) {
      this.opts.logger.warn(
        { lease: this.opts.store.description, err: messageOf(err) },
        this.leading ? 'renewing the leader lease failed' : 'reading the leader lease failed',
      );
      acquired = false;
    }
    if (this.stopped) return;
    if (acquired) {
      this.lastRenew = this.now();
      if (!this.leading) {
        this.leading = true;
        this.knownLeader = this.opts.identity;
        this.opts.logger.info(
          { lease: this.opts.store.description, identity: this.opts.identity },
          'became the leader',
        );
        this.opts.onStartedLeading();
      }
      return;
    }
    if (this.leading && this.now() - this.lastRenew >= this.opts.timings.renewDeadlineMs) {
      this.leading = false;
      this.held = undefined;
      this.opts.logger.warn(
        { lease: this.opts.store.description, identity: this.opts.identity },
        'lost the leader lease: not renewed within the renew deadline',
      );
      this.opts.onStoppedLeading();
    }
  }

  /** One round: true when this replica holds the Lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { store, identity, timings } = this.opts;
    const now = this.now();
    const record = (acquireTime: string, transitions: number): LeaseRecord => ({
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(timings.leaseDurationMs / 1000),
      acquireTime,
      renewTime: microTime(now),
      leaseTransitions: transitions,
    });
    const current = await store.get();
    if (!current) {
      const created = await store.create(record(microTime(now), 0));
      if (created === 'conflict') return false;
      this.held = created;
      this.observe(created);
      return true;
    }
    this.observe(current);
    const holder = current.record.holderIdentity;
    if (holder !== identity) {
      this.knownLeader = holder || undefined;
      // A lost Lease while we thought we led: stop leading now, whatever the deadline says.
      if (this.leading) this.lastRenew = -Infinity;
      // Held by another and renewed within its duration, as seen from here: not ours to take.
      const observedAt = this.observed?.at ?? now;
      if (holder && observedAt + current.record.leaseDurationSeconds * 1000 > now) return false;
    }
    const mine = holder === identity;
    const next = record(
      mine ? current.record.acquireTime : microTime(now),
      current.record.leaseTransitions + (mine ? 0 : 1),
    );
    const updated = await store.update(next, current.resourceVersion);
    if (updated === 'conflict') return false;
    this.held = updated;
    this.observe(updated);
    return true;
  }

  private observe(lease: StoredLease): void {
    const key = `${lease.resourceVersion}\u0000${lease.record.holderIdentity}\u0000${lease.record.renewTime}`;
    if (this.observed?.key !== key) this.observed = { key, at: this.now() };
  }
}

/** RFC 3339 with microseconds (Kubernetes' MicroTime). */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
