// When a proxy has converged on a change: once it has ACKed the newest response of every type it
// was sent since, with no NACK in between. xDS protocol bookkeeping (nonces, ACKs per type), so it
// lives with the streams; what it finds goes to XdsMetrics.converged. One instance per stream; the
// stream calls sent() for each response and settled() for each ACK or NACK, and drops the
// instance when it ends (an unfinished change is then simply never reported).
import type { ChangeStamp, XdsMetrics } from '../xds-metrics.js';

interface Outstanding {
  readonly nonce: string;
  readonly stamp: ChangeStamp | undefined;
}

export class StreamConvergence {
  private readonly metrics: Pick<XdsMetrics, 'converged'>;
  /** Per type URL, the newest response not yet answered. */
  private readonly outstanding = new Map<string, Outstanding>();
  /** The oldest change among the responses sent since the stream last converged: the worst case. */
  private oldest: ChangeStamp | undefined;
  /** A NACK since the last convergence: the proxy kept older config, so it did not converge. */
  private rejected = false;

  constructor(metrics: Pick<XdsMetrics, 'converged'>) {
    this.metrics = metrics;
  }

  /**
   * A response was written. `stamp` is the change its snapshot was built from; undefined for a
   * response no change caused (e.g. the answer to a new subscription), which is then waited for
   * but not timed.
   */
  sent(typeUrl: string, nonce: string, stamp: ChangeStamp | undefined): void {
    this.outstanding.set(typeUrl, { nonce, stamp });
    if (stamp !== undefined && (this.oldest === undefined || stamp < this.oldest)) this.oldest = stamp;
  }

  /**
   * The proxy answered the response sent with `nonce`. An answer to an older nonce settles nothing
   * (a newer response of that type is still on its way), so callers may pass every ACK and NACK.
   */
  settled(typeUrl: string, nonce: string, accepted: boolean): void {
    const pending = this.outstanding.get(typeUrl);
    if (pending?.nonce !== nonce) return;
    this.outstanding.delete(typeUrl);
    if (!accepted) this.rejected = true;
    if (this.outstanding.size > 0) return;
    if (this.oldest !== undefined && !this.rejected) this.metrics.converged(this.oldest);
    this.oldest = undefined;
    this.rejected = false;
  }
}
