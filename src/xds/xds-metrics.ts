// What the xDS side reports: the interface the snapshot builder and the server (streams, ACKs,
// pushes) write their figures into. It is defined here, by the code that reports, so that the
// server needs nothing from whoever exposes the figures: src/admin/metrics.ts implements it
// (PrometheusMetrics, /metrics) and src/cli/serve.ts hands that implementation in.
import { performance } from 'node:perf_hooks';
import type { ProxyKind } from '../model/proxy.js';
import type { XdsVariant } from './server/status.js';

/**
 * Why a response was sent. A small fixed set, so a label made of it stays bounded:
 * - initial: the first response of this type on the stream (a connect or reconnect);
 * - subscription: the client changed the names it subscribes to;
 * - change: the proxy's snapshot changed.
 */
export type PushReason = 'initial' | 'subscription' | 'change';
export const PUSH_REASONS: readonly PushReason[] = ['initial', 'subscription', 'change'];

/**
 * When a source change was seen, in `performance.now()` milliseconds. The snapshot builder gets it
 * from `changeSeen()` and carries it with the snapshots it builds, so a stream can report
 * `converged(stamp)` once its proxy has ACKed them. Plain data: it crosses the cache unchanged.
 */
export type ChangeStamp = number;

export interface XdsMetrics {
  /** A stream identified its node: the server calls it once per stream, beside its onStreamOpened hook. */
  streamOpened(kind: ProxyKind, variant: XdsVariant): void;
  /** A stream that streamOpened was called for ended, however it ended. */
  streamClosed(kind: ProxyKind, variant: XdsVariant): void;
  /** A response was written; `seconds` from the stream receiving the snapshot (or request) to the write. */
  pushed(typeUrl: string, reason: PushReason, seconds: number): void;
  /** A proxy rejected a response of this type. */
  nacked(typeUrl: string): void;
  /** One (re)translation of the mesh for every connected proxy took `seconds`. */
  translated(seconds: number): void;
  /** The encoded-resource memo answered (hit) or had to encode (miss). */
  encodeCache(hit: boolean): void;
  /**
   * The number of distinct resources of this type in the cache now (a level, not an increment).
   * An implementation may instead read the levels itself when its figures are read.
   */
  resources(typeUrl: string, count: number): void;
  /** A source change arrived (before debouncing); returns the stamp to carry with what is built from it. */
  changeSeen(): ChangeStamp;
  /**
   * A proxy has ACKed every response it was sent for the change stamped `stamp` (see
   * server/stream-convergence.ts). When debouncing merged several changes, the stamp is the oldest
   * one's: the figure is then the worst case, change seen → last ACK.
   */
  converged(stamp: ChangeStamp): void;
}

/** Reports nowhere: for code paths and tests that do not care. Change stamps are still real times. */
export const noopMetrics: XdsMetrics = {
  streamOpened: () => {},
  streamClosed: () => {},
  pushed: () => {},
  nacked: () => {},
  translated: () => {},
  encodeCache: () => {},
  resources: () => {},
  changeSeen: () => performance.now(),
  converged: () => {},
};
