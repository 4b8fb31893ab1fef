// What one stream, SotW or delta, reports into XdsMetrics about its responses: each one written
// (with why it was sent and how long it took to go out), each NACK, and through StreamConvergence
// when the proxy has ACKed a change. Constant work per response; no timers.
import { performance } from 'node:perf_hooks';
import type { ChangeStamp, PushReason, XdsMetrics } from '../xds-metrics.js';
import { StreamConvergence } from './stream-convergence.js';

/** The part of XdsMetrics a stream reports into. */
export type ResponseMetrics = Pick<XdsMetrics, 'pushed' | 'nacked' | 'converged'>;

/** Monotonic milliseconds, as performance.now(). */
export type Clock = () => number;

export const monotonicClock: Clock = () => performance.now();

/**
 * Why a response goes out: the first of its type on the stream, the client's subscription changed
 * since the last one, or else the snapshot did.
 */
export function pushReason(firstOfType: boolean, subscriptionChanged: boolean): PushReason {
  if (firstOfType) return 'initial';
  return subscriptionChanged ? 'subscription' : 'change';
}

export class StreamMetrics {
  readonly clock: Clock;
  private readonly metrics: ResponseMetrics;
  private readonly convergence: StreamConvergence;

  constructor(metrics: ResponseMetrics, clock: Clock = monotonicClock) {
    this.metrics = metrics;
    this.clock = clock;
    this.convergence = new StreamConvergence(metrics);
  }

  /**
   * A response was just written. `since` is when the stream had what the response answers (see the
   * streams); `stamp` is its snapshot's changeStamp. Only a response the snapshot's change caused
   * is timed for convergence: an initial or subscription answer carries the stamp of a change the
   * proxy may have missed entirely (it connected later), which would read as a long convergence.
   */
  sent(typeUrl: string, nonce: string, reason: PushReason, since: number, stamp?: ChangeStamp): void {
    this.metrics.pushed(typeUrl, reason, Math.max(0, this.clock() - since) / 1000);
    this.convergence.sent(typeUrl, nonce, reason === 'change' ? stamp : undefined);
  }

  /** The client ACKed (accepted) or NACKed the response sent with `nonce`. */
  answered(typeUrl: string, nonce: string, accepted: boolean): void {
    if (!accepted) this.metrics.nacked(typeUrl);
    this.convergence.settled(typeUrl, nonce, accepted);
  }
}
