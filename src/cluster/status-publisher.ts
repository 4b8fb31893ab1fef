// Status write-back: keeps the `status` of routing resources in the API server equal to what the
// model says of them. Every replica computes the desired statuses from its own state; only the
// leader writes.
//
// - A resource is looked at only when what we want to say of it changed (or this replica just
//   became the leader): re-syncing unchanged resources costs no call at all.
// - Looking at it reads the live object, merges (status-documents.ts) and writes only when the
//   merged status differs, through the status subresource with the object's resourceVersion: a 409
//   means someone wrote since the read, so it is read again.
// - A status computed from an older generation than the live object's is not written: the newer
//   generation is on its way through the source, and its status will follow.
// - Calls to the API server are rate limited (a token bucket, `qps` with `burst`), and the queue
//   holds one entry per resource with the newest desired status, so a flood of edits coalesces.

import type { Logger } from '../log.js';
import type { Issue } from '../model/issue.js';
import type { ResourceStatus } from '../model/routing.js';
import type { Scheduler } from '../scheduler.js';
import {
  type DesiredStatus,
  desiredStatuses,
  mergedStatus,
  type StatusKey,
  statusKeyText,
} from './status-documents.js';

export interface LiveObject {
  readonly resourceVersion: string;
  readonly generation?: number;
  readonly status?: unknown;
}

/** The calls status write-back makes: kube-status-api.ts, or a fake in tests. */
export interface StatusApi {
  /** The object now, or undefined when it does not exist. */
  read(key: StatusKey): Promise<LiveObject | undefined>;
  /**
   * A merge patch of `status`, conditional on `resourceVersion`: through the status subresource, or
   * (`via: 'object'`) of the object itself, for a kind whose CRD has no status subresource.
   * 'conflict': written by someone since; 'absent': the object is gone; 'no-subresource': the
   * object exists but has no status subresource.
   */
  writeStatus(
    key: StatusKey,
    status: Record<string, unknown>,
    resourceVersion: string,
    via: 'subresource' | 'object',
  ): Promise<'written' | 'conflict' | 'absent' | 'no-subresource'>;
}

export type StatusOutcome =
  | 'written'
  | 'unchanged'
  | 'stale'
  | 'conflict'
  | 'absent'
  | 'no-subresource'
  | 'error';

export interface StatusPublisherOptions {
  readonly api: StatusApi;
  /** The kinds whose status we write. */
  readonly kinds: ReadonlySet<string>;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  /** API calls per second, sustained (default 10)... */
  readonly qps?: number;
  /** ...and in a burst (default 20). */
  readonly burst?: number;
  /** Each resource looked at, and what came of it (the metrics count these). */
  readonly onOutcome?: (outcome: StatusOutcome) => void;
}

interface Wanted {
  readonly desired: DesiredStatus;
  readonly generation?: number;
  /** The desired status and generation as text: equal text, nothing new to say. */
  readonly text: string;
}

// A resource whose write keeps failing is tried again after this long, doubling up to the cap.
const RETRY_MS = 1_000;
const RETRY_MAX_MS = 60_000;

export class StatusPublisher {
  private wanted = new Map<string, Wanted>();
  /** What the API server was last seen to say, as the text of the Wanted it matched. */
  private readonly settled = new Map<string, string>();
  private readonly queue = new Set<string>();
  private readonly failures = new Map<string, number>();
  /**
   * Kinds whose CRD has no status subresource (SMI's): their status is written on the object, which
   * bumps metadata.generation, so they get no observedGeneration.
   */
  private readonly statusOnObject = new Set<string>();
  private leading = false;
  private stopped = false;
  private working = false;
  private timer: unknown;
  private tokens: number;
  private refilledAt: number;
  private readonly qps: number;
  private readonly burst: number;

  constructor(private readonly opts: StatusPublisherOptions) {
    this.qps = opts.qps ?? 10;
    this.burst = opts.burst ?? 20;
    this.tokens = this.burst;
    this.refilledAt = opts.scheduler.now();
  }

  /** The source's newest statuses and issues, with the generation each resource was read at. */
  update(
    statuses: readonly ResourceStatus[],
    issues: readonly Issue[],
    generationOf: (key: StatusKey) => number | undefined = () => undefined,
  ): void {
    const next = new Map<string, Wanted>();
    for (const [text, desired] of desiredStatuses(statuses, issues, this.opts.kinds)) {
      const generation = generationOf(desired.key);
      next.set(text, {
        desired,
        ...(generation !== undefined ? { generation } : {}),
        text: JSON.stringify([desired.entries, generation ?? null]),
      });
    }
    for (const key of this.settled.keys()) if (!next.has(key)) this.settled.delete(key);
    this.wanted = next;
    if (!this.leading) return;
    for (const [key, wanted] of next) if (this.settled.get(key) !== wanted.text) this.queue.add(key);
    this.kick();
  }

  /** Leadership changed: a new leader checks every resource once; a former one stops at once. */
  setLeader(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.settled.clear();
    this.queue.clear();
    this.failures.clear();
    if (!leading) {
      this.opts.scheduler.clearTimeout(this.timer);
      this.timer = undefined;
      return;
    }
    for (const key of this.wanted.keys()) this.queue.add(key);
    this.kick();
  }

  /** Resources waiting to be looked at. */
  pending(): number {
    return this.queue.size;
  }

  stop(): void {
    this.stopped = true;
    this.queue.clear();
    this.opts.scheduler.clearTimeout(this.timer);
  }

  private kick(): void {
    if (this.working || this.stopped || !this.leading || this.timer !== undefined) return;
    void this.work();
  }

  private take(): boolean {
    const now = this.opts.scheduler.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.qps);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private wait(): void {
    const ms = Math.ceil(((1 - this.tokens) / this.qps) * 1000);
    this.timer = this.opts.scheduler.setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, ms);
  }

  private async work(): Promise<void> {
    this.working = true;
    try {
      while (this.leading && !this.stopped) {
        const key = this.queue.values().next().value as string | undefined;
        if (key === undefined) return;
        if (!this.take()) return this.wait();
        this.queue.delete(key);
        const wanted = this.wanted.get(key);
        if (!wanted) continue;
        const outcome = await this.publish(wanted);
        this.opts.onOutcome?.(outcome);
        if (!this.leading || this.wanted.get(key)?.text !== wanted.text) continue;
        if (outcome === 'written' || outcome === 'unchanged') {
          this.settled.set(key, wanted.text);
          this.failures.delete(key);
        } else if (outcome === 'conflict' || outcome === 'no-subresource') this.queue.add(key);
        else if (outcome === 'error') this.retryLater(key);
      }
    } finally {
      this.working = false;
    }
  }

  private retryLater(key: string): void {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    const delay = Math.min(RETRY_MAX_MS, RETRY_MS * 2 ** Math.min(failures - 1, 10));
    this.opts.scheduler.setTimeout(() => {
      if (!this.leading || this.stopped || !this.wanted.has(key)) return;
      this.queue.add(key);
      this.kick();
    }, delay);
  }

  private async publish(wanted: Wanted): Promise<StatusOutcome> {
    const { key } = wanted.desired;
    try {
      const live = await this.opts.api.read(key);
      if (!live) return 'absent';
      const onObject = this.statusOnObject.has(key.kind);
      const generation = onObject ? undefined : wanted.generation;
      if (generation !== undefined && live.generation !== undefined && live.generation !== generation)
        return 'stale';
      const now = new Date(this.opts.scheduler.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const status = mergedStatus(
        wanted.desired,
        {
          status: live.status,
          ...(generation !== undefined ? { generation } : {}),
        },
        now,
      );
      if (!status) return 'unchanged';
      if (!this.take()) {
        // Out of tokens between the read and the write: the write waits its turn like any call.
        await new Promise<void>((resolve) => {
          const ms = Math.ceil(((1 - this.tokens) / this.qps) * 1000);
          this.opts.scheduler.setTimeout(resolve, ms);
        });
        this.take();
      }
      if (!this.leading) return 'error';
      const written = await this.opts.api.writeStatus(
        key,
        status,
        live.resourceVersion,
        onObject ? 'object' : 'subresource',
      );
      if (written === 'no-subresource') {
        this.statusOnObject.add(key.kind);
        this.opts.logger.info(
          { kind: key.kind },
          `${key.kind} has no status subresource in this cluster: its status is written on the object, without observedGeneration`,
        );
      }
      return written;
    } catch (err) {
      this.opts.logger.warn(
        { resource: statusKeyText(key), err: err instanceof Error ? err.message : String(err) },
        'writing the status of a resource failed; trying again later',
      );
      return 'error';
    }
  }
}
