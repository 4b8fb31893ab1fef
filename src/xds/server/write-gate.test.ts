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
  it('starts writes while slots are free and the rest in order as slots come back', () => {
    const timers = fakeTimers();
    const gate = new WriteGate({ slots: 2, leaseMs: 1000, setTimer: timers.setTimer });
    const started: string[] = [];
    const slots = new Map<string, WriteSlot>();
    for (const name of ['a', 'b', 'c', 'd']) {
      gate.enter((slot) => {
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

  it('takes the slot back from a write that outlives its lease, so a stalled client holds none', () => {
    const timers = fakeTimers();
    const gate = new WriteGate({ slots: 1, leaseMs: 1000, setTimer: timers.setTimer });
    const started: string[] = [];
    let stalled: WriteSlot | undefined;
    gate.enter((slot) => {
      started.push('stalled');
      stalled = slot;
    });
    gate.enter(() => started.push('next'));
    timers.advance(999);
    expect(started).toEqual(['stalled']);
    timers.advance(1);
    expect(started).toEqual(['stalled', 'next']);
    stalled!.done(); // late completion frees nothing more
    expect(gate.waiting).toBe(0);
  });

  it('skips a waiting write whose call ended', () => {
    const gate = new WriteGate({ slots: 1, leaseMs: 1000, setTimer: fakeTimers().setTimer });
    const started: string[] = [];
    let first: WriteSlot | undefined;
    gate.enter((slot) => {
      first = slot;
    });
    const withdraw = gate.enter(() => started.push('gone'));
    gate.enter(() => started.push('kept'));
    withdraw();
    first!.done();
    expect(started).toEqual(['kept']);
  });
});
