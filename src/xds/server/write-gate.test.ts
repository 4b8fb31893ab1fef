import { describe, expect, it } from 'vitest';
import { WriteGate, type WriteSlot } from './write-gate.js';

function fakeTimers() {
  const pending = new Set<{ at: number; callback: () => void }>();
  let now = 0;
  return {
    setTimer: (callback: () => void, ms: number) => {
      const timer = { at: now + ms, callback };
      pending.add(timer);
      return { cancel: () => pending.delete(timer) };
    },
    advance(ms: number) {
      now += ms;
      for (const timer of [...pending]) {
        if (timer.at > now) continue;
        pending.delete(timer);
        timer.callback();
      }
    },
    get armed() {
      return pending.size;
    },
  };
}

describe('the write gate', () => {
  it('starts writes while their bytes fit the budget and the rest in order as bytes are taken', () => {
    const timers = fakeTimers();
    const gate = new WriteGate({ budgetBytes: 200, leaseMs: 1000, setTimer: timers.setTimer });
    const started: string[] = [];
    const slots = new Map<string, WriteSlot>();
    for (const name of ['a', 'b', 'c', 'd']) {
      gate.enter(100, (slot) => {
        started.push(name);
        slots.set(name, slot);
      });
    }
    expect(started).toEqual(['a', 'b']);
    expect(gate.waiting).toBe(2);
    slots.get('b')!.done();
    slots.get('b')!.done(); // twice is once
    expect(started).toEqual(['a', 'b', 'c']);
    slots.get('a')!.done();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    slots.get('c')!.done();
    slots.get('d')!.done();
    expect(timers.armed).toBe(0);
  });

  it('lets a write larger than the budget go when it is alone, and keeps later ones in order', () => {
    const gate = new WriteGate({ budgetBytes: 100, leaseMs: 1000, setTimer: fakeTimers().setTimer });
    const started: string[] = [];
    let big: WriteSlot | undefined;
    gate.enter(500, (slot) => {
      started.push('big');
      big = slot;
    });
    gate.enter(10, () => started.push('small'));
    expect(started).toEqual(['big']);
    big!.done();
    expect(started).toEqual(['big', 'small']);
  });

  it('takes the budget back from a write that outlives its lease, so a stalled client holds none', () => {
    const timers = fakeTimers();
    const gate = new WriteGate({ budgetBytes: 100, leaseMs: 1000, setTimer: timers.setTimer });
    const started: string[] = [];
    let stalled: WriteSlot | undefined;
    gate.enter(100, (slot) => {
      started.push('stalled');
      stalled = slot;
    });
    gate.enter(100, () => started.push('next'));
    timers.advance(999);
    expect(started).toEqual(['stalled']);
    timers.advance(1);
    expect(started).toEqual(['stalled', 'next']);
    stalled!.done(); // late completion frees nothing more
    expect(gate.waiting).toBe(0);
  });

  it('skips a waiting write whose call ended', () => {
    const gate = new WriteGate({ budgetBytes: 100, leaseMs: 1000, setTimer: fakeTimers().setTimer });
    const started: string[] = [];
    let first: WriteSlot | undefined;
    gate.enter(100, (slot) => {
      first = slot;
    });
    const withdraw = gate.enter(100, () => started.push('gone'));
    gate.enter(100, () => started.push('kept'));
    withdraw();
    first!.done();
    expect(started).toEqual(['kept']);
  });
});
