import { describe, expect, it } from 'vitest';
import { FakeScheduler } from '../../test/helpers/fake-scheduler.js';
import { silentLogger } from '../log.js';
import type { ResourceStatus } from '../model/routing.js';
import { type StatusKey, statusKeyText } from './status-documents.js';
import { type LiveObject, type StatusApi, StatusPublisher } from './status-publisher.js';

/** Objects by key, with resourceVersions, and every call made. */
class FakeStatusApi implements StatusApi {
  readonly objects = new Map<string, { resourceVersion: number; generation: number; status?: unknown }>();
  readonly calls: string[] = [];
  /** Writes that lose a race (the object changes just before them). */
  conflicts = 0;
  /** The kind's CRD has no status subresource. */
  objectOnly = false;

  add(key: StatusKey, generation = 1): void {
    this.objects.set(statusKeyText(key), { resourceVersion: 1, generation });
  }

  async read(key: StatusKey): Promise<LiveObject | undefined> {
    this.calls.push(`read ${statusKeyText(key)}`);
    const object = this.objects.get(statusKeyText(key));
    return object && { ...object, resourceVersion: String(object.resourceVersion) };
  }

  async writeStatus(key: StatusKey, status: Record<string, unknown>, resourceVersion: string, via: string) {
    if (this.objectOnly && via === 'subresource') return 'no-subresource' as const;
    if (!this.objectOnly && via !== 'subresource') throw new Error('status written on the object');
    this.calls.push(`write ${statusKeyText(key)}`);
    const object = this.objects.get(statusKeyText(key));
    if (!object) return 'absent' as const;
    if (this.conflicts > 0) {
      this.conflicts -= 1;
      object.resourceVersion += 1;
      return 'conflict' as const;
    }
    if (String(object.resourceVersion) !== resourceVersion) return 'conflict' as const;
    object.status = { ...((object.status as object) ?? {}), ...status };
    object.resourceVersion += 1;
    // A CRD without a status subresource: any change but metadata is a new generation.
    if (via === 'object') object.generation += 1;
    return 'written' as const;
  }

  count(prefix: 'read' | 'write'): number {
    return this.calls.filter((c) => c.startsWith(prefix)).length;
  }
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

function routes(count: number, message = 'attached'): ResourceStatus[] {
  return Array.from({ length: count }, (_, i) => ({
    resource: { kind: 'HTTPRoute', namespace: 'shop', name: `r${i}` },
    parent: { service: { namespace: 'shop', name: 'cart' } },
    conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message }],
  }));
}

function setup(count: number, opts: { qps?: number; burst?: number } = {}) {
  const api = new FakeStatusApi();
  for (let i = 0; i < count; i++) api.add({ kind: 'HTTPRoute', namespace: 'shop', name: `r${i}` });
  const scheduler = new FakeScheduler();
  const outcomes: string[] = [];
  const publisher = new StatusPublisher({
    api,
    kinds: new Set(['HTTPRoute']),
    scheduler,
    logger: silentLogger(),
    ...opts,
    onOutcome: (o) => outcomes.push(o),
  });
  return { api, scheduler, publisher, outcomes };
}

describe('StatusPublisher', () => {
  it('writes nothing while it is not the leader', async () => {
    const { api, publisher } = setup(3);
    publisher.update(routes(3), []);
    await settle();
    expect(api.calls).toEqual([]);
  });

  it('writes each changed status once, and nothing when unchanged statuses are synced again', async () => {
    const { api, publisher, scheduler } = setup(3);
    publisher.update(routes(3), []);
    publisher.setLeader(true);
    await settle();
    expect(api.count('write')).toBe(3);
    for (let i = 0; i < 5; i++) {
      publisher.update(routes(3), []);
      scheduler.advance(1_000);
      await settle();
    }
    expect(api.count('write')).toBe(3);
    expect(api.count('read')).toBe(3);
    const changed = routes(3);
    changed[1] = {
      ...(changed[1] as ResourceStatus),
      conditions: [{ type: 'Accepted', status: 'False', reason: 'X', message: 'm' }],
    };
    publisher.update(changed, []);
    await settle();
    expect(api.calls.slice(6)).toEqual(['read HTTPRoute/shop/r1', 'write HTTPRoute/shop/r1']);
  });

  it('a new leader reads every resource once and writes only those whose status differs', async () => {
    const first = setup(4);
    first.publisher.update(routes(4), []);
    first.publisher.setLeader(true);
    await settle();
    first.publisher.setLeader(false);
    // The same API server, a second replica taking over.
    const second = new StatusPublisher({
      api: first.api,
      kinds: new Set(['HTTPRoute']),
      scheduler: first.scheduler,
      logger: silentLogger(),
    });
    const before = first.api.count('write');
    second.update(routes(4), []);
    second.setLeader(true);
    await settle();
    expect(first.api.count('write')).toBe(before);
    expect(first.api.count('read')).toBe(8);
  });

  it('keeps to the rate limit: a burst, then qps', async () => {
    const { api, publisher, scheduler } = setup(100, { qps: 10, burst: 20 });
    publisher.update(routes(100), []);
    publisher.setLeader(true);
    await settle();
    // Each resource costs a read and a write.
    expect(api.calls.length).toBe(20);
    scheduler.advance(1_000);
    await settle();
    expect(api.calls.length).toBe(30);
    for (let i = 0; i < 30; i++) {
      scheduler.advance(1_000);
      await settle();
    }
    expect(api.count('write')).toBe(100);
    expect(publisher.pending()).toBe(0);
  });

  it('coalesces a flood of edits of one resource into the newest status', async () => {
    const { api, publisher, scheduler } = setup(1, { qps: 1, burst: 2 });
    publisher.update(routes(1, 'v0'), []);
    publisher.setLeader(true);
    await settle();
    for (let i = 1; i <= 50; i++) publisher.update(routes(1, `v${i}`), []);
    for (let i = 0; i < 10; i++) {
      scheduler.advance(1_000);
      await settle();
    }
    expect(api.count('write')).toBe(2);
    const status = api.objects.get('HTTPRoute/shop/r0')?.status as {
      parents: { conditions: { message: string }[] }[];
    };
    expect(status.parents[0]?.conditions[0]?.message).toBe('v50');
  });

  it('reads again and retries after a 409', async () => {
    const { api, publisher, outcomes } = setup(1);
    api.conflicts = 1;
    publisher.update(routes(1), []);
    publisher.setLeader(true);
    await settle();
    expect(api.calls).toEqual([
      'read HTTPRoute/shop/r0',
      'write HTTPRoute/shop/r0',
      'read HTTPRoute/shop/r0',
      'write HTTPRoute/shop/r0',
    ]);
    expect(outcomes).toEqual(['conflict', 'written']);
  });

  it('does not write a status computed from an older generation than the live object', async () => {
    const { api, publisher, outcomes } = setup(0);
    api.add({ kind: 'HTTPRoute', namespace: 'shop', name: 'r0' }, 5);
    publisher.update(routes(1), [], () => 4);
    publisher.setLeader(true);
    await settle();
    expect(outcomes).toEqual(['stale']);
    publisher.update(routes(1), [], () => 5);
    await settle();
    expect(outcomes).toEqual(['stale', 'written']);
  });

  it('writes the status on the object, without observedGeneration, when the CRD has no status subresource', async () => {
    const { api, publisher, outcomes } = setup(1);
    api.objectOnly = true;
    publisher.update(routes(1), [], () => 1);
    publisher.setLeader(true);
    await settle();
    expect(outcomes).toEqual(['no-subresource', 'written']);
    const status = api.objects.get('HTTPRoute/shop/r0')?.status as {
      parents: { conditions: Record<string, unknown>[] }[];
    };
    expect(status.parents[0]?.conditions[0]).not.toHaveProperty('observedGeneration');
    // Our own write made generation 2: seen again, it asks for nothing more.
    publisher.update(routes(1), [], () => 2);
    await settle();
    expect(outcomes).toEqual(['no-subresource', 'written', 'unchanged']);
  });

  it('stops writing the moment it loses the lease', async () => {
    const { api, publisher, scheduler } = setup(50, { qps: 10, burst: 10 });
    publisher.update(routes(50), []);
    publisher.setLeader(true);
    await settle();
    publisher.setLeader(false);
    const calls = api.calls.length;
    for (let i = 0; i < 10; i++) {
      scheduler.advance(1_000);
      await settle();
    }
    expect(api.calls.length).toBe(calls);
  });
});
