import { describe, expect, it } from 'vitest';
import { TYPE_URL } from '../envoy/type-urls.js';
import { StreamConvergence } from './stream-convergence.js';

function tracker() {
  const observed: number[] = [];
  return { observed, convergence: new StreamConvergence({ converged: (stamp) => observed.push(stamp) }) };
}

describe('per-stream convergence', () => {
  it('converges once the newest response of every type sent for the change is ACKed', () => {
    const { observed, convergence } = tracker();
    convergence.sent(TYPE_URL.cluster, '1', 100);
    convergence.sent(TYPE_URL.endpoint, '2', 100);
    convergence.settled(TYPE_URL.cluster, '1', true);
    expect(observed).toEqual([]);
    convergence.settled(TYPE_URL.endpoint, '2', true);
    expect(observed).toEqual([100]);
  });

  it('ignores an ACK of an older response while a newer one of that type is on its way', () => {
    const { observed, convergence } = tracker();
    convergence.sent(TYPE_URL.endpoint, '1', 100);
    convergence.sent(TYPE_URL.endpoint, '2', 200);
    convergence.settled(TYPE_URL.endpoint, '1', true);
    expect(observed).toEqual([]);
    convergence.settled(TYPE_URL.endpoint, '2', true);
    expect(observed).toEqual([100]);
  });

  it('reports the oldest change merged into the round, so the figure is the worst case', () => {
    const { observed, convergence } = tracker();
    convergence.sent(TYPE_URL.cluster, '1', 300);
    convergence.sent(TYPE_URL.listener, '2', 100);
    convergence.settled(TYPE_URL.cluster, '1', true);
    convergence.settled(TYPE_URL.listener, '2', true);
    expect(observed).toEqual([100]);
  });

  it('does not count a round the proxy NACKed as converged, and starts the next round afresh', () => {
    const { observed, convergence } = tracker();
    convergence.sent(TYPE_URL.cluster, '1', 100);
    convergence.settled(TYPE_URL.cluster, '1', false);
    expect(observed).toEqual([]);
    convergence.sent(TYPE_URL.cluster, '2', 400);
    convergence.settled(TYPE_URL.cluster, '2', true);
    expect(observed).toEqual([400]);
  });

  it('waits for a response no change caused but does not time it', () => {
    const { observed, convergence } = tracker();
    convergence.sent(TYPE_URL.route, '1', undefined);
    convergence.settled(TYPE_URL.route, '1', true);
    expect(observed).toEqual([]);
    convergence.sent(TYPE_URL.cluster, '2', 100);
    convergence.sent(TYPE_URL.route, '3', undefined);
    convergence.settled(TYPE_URL.cluster, '2', true);
    expect(observed).toEqual([]);
    convergence.settled(TYPE_URL.route, '3', true);
    expect(observed).toEqual([100]);
  });
});
