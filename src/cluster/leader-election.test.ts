import { describe, expect, it } from 'vitest';
import { FakeScheduler } from '../../test/helpers/fake-scheduler.js';
import { silentLogger } from '../log.js';
import {
  checkTimings,
  DEFAULT_LEADER_ELECTION,
  LeaderElector,
  type LeaseRecord,
  type LeaseStore,
  microTime,
  type StoredLease,
} from './leader-election.js';

/** One Lease shared by every elector of a test, with the API server's optimistic concurrency. */
class SharedLease {
  lease: StoredLease | undefined;
  private version = 0;
  writes = 0;

  store(failing: () => boolean = () => false): LeaseStore {
    return {
      description: 'lease trellis-system/trellis-leader',
      get: async () => {
        if (failing()) throw new Error('connection refused');
        return this.lease;
      },
      create: async (record) => {
        if (failing()) throw new Error('connection refused');
        if (this.lease) return 'conflict';
        return this.write(record);
      },
      update: async (record, resourceVersion) => {
        if (failing()) throw new Error('connection refused');
        if (!this.lease || this.lease.resourceVersion !== resourceVersion) return 'conflict';
        return this.write(record);
      },
    };
  }

  private write(record: LeaseRecord): StoredLease {
    this.version += 1;
    this.writes += 1;
    this.lease = { record, resourceVersion: String(this.version) };
    return this.lease;
  }
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

function elector(
  name: string,
  shared: SharedLease,
  scheduler: FakeScheduler,
  events: string[],
  failing?: () => boolean,
): LeaderElector {
  return new LeaderElector({
    store: shared.store(failing),
    identity: name,
    timings: DEFAULT_LEADER_ELECTION,
    scheduler,
    logger: silentLogger(),
    onStartedLeading: () => events.push(`${name} leads`),
    onStoppedLeading: () => events.push(`${name} stops`),
    random: () => 0.5,
  });
}

/** Moves the clock in steps of `step`, letting the store's promises settle between them. */
async function run(scheduler: FakeScheduler, ms: number, step = 500): Promise<void> {
  for (let done = 0; done < ms; done += step) {
    scheduler.advance(step);
    await settle();
  }
}

describe('LeaderElector', () => {
  it('makes exactly one of two replicas starting together the leader', async () => {
    const scheduler = new FakeScheduler();
    const shared = new SharedLease();
    const events: string[] = [];
    const a = elector('trellis-a', shared, scheduler, events);
    const b = elector('trellis-b', shared, scheduler, events);
    a.start();
    b.start();
    await settle();
    await run(scheduler, 30_000);
    expect(events).toEqual(['trellis-a leads']);
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    expect(b.leader()).toBe('trellis-a');
    expect(shared.lease?.record).toMatchObject({
      holderIdentity: 'trellis-a',
      leaseDurationSeconds: 15,
      leaseTransitions: 0,
    });
    await a.stop();
    await b.stop();
  });

  it('renews the lease every retry period while leading', async () => {
    const scheduler = new FakeScheduler();
    const shared = new SharedLease();
    const a = elector('trellis-a', shared, scheduler, []);
    a.start();
    await settle();
    const before = shared.writes;
    await run(scheduler, 20_000);
    expect(shared.writes - before).toBe(10);
    expect(shared.lease?.record.renewTime).toBe(microTime(scheduler.now()));
    await a.stop();
  });

  it('hands over within the retry period when the leader stops and releases the lease', async () => {
    const scheduler = new FakeScheduler();
    const shared = new SharedLease();
    const events: string[] = [];
    const a = elector('trellis-a', shared, scheduler, events);
    const b = elector('trellis-b', shared, scheduler, events);
    a.start();
    await settle();
    b.start();
    await run(scheduler, 5_000);
    await a.stop();
    expect(shared.lease?.record.holderIdentity).toBe('');
    await run(scheduler, 3_000);
    expect(events).toEqual(['trellis-a leads', 'trellis-a stops', 'trellis-b leads']);
    expect(shared.lease?.record).toMatchObject({ holderIdentity: 'trellis-b', leaseTransitions: 1 });
    await b.stop();
  });

  it('takes over from a leader that died only once the lease duration passed unrenewed', async () => {
    const scheduler = new FakeScheduler();
    const shared = new SharedLease();
    const events: string[] = [];
    let aDead = false;
    const a = elector('trellis-a', shared, scheduler, events, () => aDead);
    const b = elector('trellis-b', shared, scheduler, events);
    a.start();
    await settle();
    b.start();
    await run(scheduler, 4_000);
    aDead = true;
    const diedAt = scheduler.now();
    let tookOverAt: number | undefined;
    for (let i = 0; i < 100 && tookOverAt === undefined; i++) {
      await run(scheduler, 500);
      if (b.isLeader()) tookOverAt = scheduler.now();
    }
    expect(tookOverAt).toBeDefined();
    const waited = (tookOverAt ?? 0) - diedAt;
    expect(waited).toBeGreaterThanOrEqual(DEFAULT_LEADER_ELECTION.leaseDurationMs - 2_000);
    expect(waited).toBeLessThanOrEqual(
      DEFAULT_LEADER_ELECTION.leaseDurationMs + 2 * DEFAULT_LEADER_ELECTION.retryPeriodMs,
    );
    // The dead leader stepped down at its renew deadline, before b could take over.
    expect(events.indexOf('trellis-a stops')).toBeGreaterThan(-1);
    expect(events.indexOf('trellis-a stops')).toBeLessThan(events.indexOf('trellis-b leads'));
    await a.stop();
    await b.stop();
  });

  it('stops leading when another replica holds the lease it thought it had', async () => {
    const scheduler = new FakeScheduler();
    const shared = new SharedLease();
    const events: string[] = [];
    const a = elector('trellis-a', shared, scheduler, events);
    a.start();
    await settle();
    // Someone rewrote the Lease (an operator, a replica with a skewed view).
    const lease = shared.lease;
    if (!lease) throw new Error('no lease');
    await shared.store().update({ ...lease.record, holderIdentity: 'trellis-x' }, lease.resourceVersion);
    await run(scheduler, 2_500);
    expect(a.isLeader()).toBe(false);
    expect(events).toEqual(['trellis-a leads', 'trellis-a stops']);
    await a.stop();
  });

  it('refuses timings where a leader could outlive its lease', () => {
    expect(checkTimings(DEFAULT_LEADER_ELECTION)).toBeUndefined();
    expect(checkTimings({ leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 })).toMatch(
      /lease duration must be longer than the renew deadline/,
    );
    expect(checkTimings({ leaseDurationMs: 15_000, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 })).toMatch(
      /renew deadline/,
    );
  });

  it('writes MicroTime with six fractional digits', () => {
    expect(microTime(Date.UTC(2026, 11, 6, 5, 0, 0, 123))).toBe('2026-12-06T05:00:00.123000Z');
  });
});
