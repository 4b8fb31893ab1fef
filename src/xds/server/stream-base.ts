// What a state-of-the-world and a delta stream share, free of gRPC: who the proxy is, where
// responses go, the newest snapshot and when it came, whether the transport takes more, and the
// per-type state. Each variant decides in push() what to send; this part only calls it when the
// snapshot changes or the transport drains.
import type { Logger } from '../../log.js';
import type { MeshProxy } from '../../model/proxy.js';
import type { Snapshot } from '../cache/snapshot.js';
import { noopMetrics } from '../xds-metrics.js';
import { boundedText, LogThrottle, type LogThrottleOptions } from './log-throttle.js';
import type { HeldNack } from './nack-report.js';
import type { NackStatus } from './status.js';
import { DEFAULT_BUDGETS, NameBudget, type XdsBudgets } from './stream-limits.js';
import { type Clock, type ResponseMetrics, StreamMetrics } from './stream-metrics.js';

export interface StreamOptions<Res> {
  readonly proxy: MeshProxy;
  readonly logger: Logger;
  /** Returns false when the transport is full: nothing more is sent until onWritable(). */
  readonly send: (response: Res) => boolean;
  readonly now?: () => Date;
  /** Where pushes, NACKs and convergence are reported (default: nowhere). */
  readonly metrics?: ResponseMetrics;
  /** Monotonic milliseconds for push times and the log throttle (default performance.now()). */
  readonly clock?: Clock;
  /** The stream reads nameBytesPerStream (default DEFAULT_BUDGETS). */
  readonly budgets?: XdsBudgets;
  /** How many NACK and stale-nonce lines the stream logs (default DEFAULT_LOG_THROTTLE). */
  readonly logThrottle?: LogThrottleOptions;
}

/** The part of a variant's per-type state this shell reads. */
export interface BaseTypeState {
  /** SotW: the version_info sent. Delta: the system_version_info, the same hash of the selected resources. */
  lastSentVersion?: string;
  /** The latest NACK until the proxy ACKs a later response of the type, and so still runs without it. */
  heldNack?: NackStatus;
}

export abstract class StreamBase<Res, TypeState extends BaseTypeState> {
  readonly proxy: MeshProxy;
  protected readonly send: (response: Res) => boolean;
  protected readonly now: () => Date;
  protected readonly connectedAt: Date;
  protected readonly types = new Map<string, TypeState>();
  protected readonly metrics: StreamMetrics;
  /** The bytes of names the stream holds: each variant sets a type's when its names change. */
  protected readonly nameBudget: NameBudget;
  private readonly parentLogger: Logger;
  private readonly logContext: Readonly<Record<string, string>>;
  private readonly logThrottle: LogThrottleOptions | undefined;
  private childLogger: Logger | undefined;
  private throttle: LogThrottle | undefined;
  protected snapshot: Snapshot | undefined;
  /** When `snapshot` arrived (clock milliseconds). */
  protected snapshotAt = 0;
  protected writable = true;

  /** `logContext`: what the stream's log lines carry besides the node id. */
  constructor(options: StreamOptions<Res>, logContext: Readonly<Record<string, string>> = {}) {
    this.proxy = options.proxy;
    this.parentLogger = options.logger;
    this.logContext = logContext;
    this.logThrottle = options.logThrottle;
    this.send = options.send;
    this.now = options.now ?? (() => new Date());
    this.connectedAt = this.now();
    this.metrics = new StreamMetrics(options.metrics ?? noopMetrics, options.clock);
    this.nameBudget = new NameBudget(options.budgets ?? DEFAULT_BUDGETS);
  }

  /**
   * The stream's logger, made on first use: most streams never log a line, and a pino child and
   * a throttle for each of 2,000 streams were 1.8 MB that every full collection marked.
   */
  protected get logger(): Logger {
    this.childLogger ??= this.parentLogger.child({ node: boundedText(this.proxy.id), ...this.logContext });
    return this.childLogger;
  }

  /** Whether debug lines are written: asked of the parent, so that no child is made to say no. */
  protected debugging(): boolean {
    return this.parentLogger.isLevelEnabled('debug');
  }

  /** A debug line (every push and ACK has one): the child logger is made only if it is written. */
  protected debug(fields: Record<string, unknown>, msg: string): void {
    if (this.debugging()) this.logger.debug(fields, msg);
  }

  /** For lines that carry client text and that a client can repeat at will. */
  protected get throttled(): LogThrottle {
    this.throttle ??= new LogThrottle(this.logger, this.logThrottle, () => this.metrics.clock());
    return this.throttle;
  }

  /** The stream ended: logs how many lines the throttle dropped and has not said yet. */
  onClosed(): void {
    this.throttle?.flush();
  }

  /**
   * The proxy's current snapshot: sends each requested type what changed for it, CDS → EDS → LDS →
   * RDS; a type whose last response is unanswered gets it once the client answers.
   */
  onSnapshot(snapshot: Snapshot): void {
    this.snapshot = snapshot;
    this.snapshotAt = this.metrics.clock();
    this.push();
  }

  /** The transport drained: sends what was held back while it was full. */
  onWritable(): void {
    this.writable = true;
    this.push();
  }

  /**
   * The names a request subscribes to, as the strings the snapshot already holds where it has them:
   * a thousand proxies subscribing to the same thousand assignments decode a million strings, and a
   * subscription kept them all (130 MB at 2,000 streams) where one copy is enough.
   */
  protected internNames(typeUrl: string, names: readonly string[]): readonly string[] {
    const available = this.snapshot?.resources.get(typeUrl);
    if (!available || names.length === 0) return names;
    return names.map((name) => available.get(name)?.name ?? name);
  }

  /** Per type, the NACK the proxy holds: it has ACKed nothing of that type since. */
  heldNacks(): HeldNack[] {
    const held: HeldNack[] = [];
    for (const [typeUrl, state] of this.types)
      if (state.heldNack) held.push({ typeUrl, nack: state.heldNack });
    return held;
  }

  /** The version of the type last sent, whether answered or not. */
  sentVersion(typeUrl: string): string | undefined {
    return this.types.get(typeUrl)?.lastSentVersion;
  }

  /** Sends every type that has something to send and may send it now, in push order. */
  protected abstract push(): void;
}
