// The messages between the benchmark's orchestrator and its child processes (client workers and
// the floor server), sent over Node's IPC channel. Times are wall-clock milliseconds (`now()`).
import type { ChangeWatch, Variant } from './simulated-proxy.js';

export interface StreamSpec {
  readonly nodeId: string;
  readonly variant: Variant;
}

export interface VariantTotals {
  readonly streams: number;
  readonly bytes: number;
  readonly responses: number;
  readonly resources: number;
  /** Sum over streams that received it of the watched resource's size, and how many did. */
  readonly watchedBytes: number;
  readonly watchedCount: number;
}

export type ToWorker =
  | { readonly type: 'connect'; readonly port: number; readonly streams: readonly StreamSpec[] }
  | { readonly type: 'mark'; readonly watch: ChangeWatch }
  | { readonly type: 'collect'; readonly change: number }
  | { readonly type: 'progress' }
  | { readonly type: 'stop' };

export type FromWorker =
  | { readonly type: 'loaded' }
  /** Every stream is ready (or failed); `at` is when the last became ready. */
  | { readonly type: 'connected'; readonly at: number; readonly ready: number; readonly failed: number }
  | { readonly type: 'marked'; readonly change: number }
  /** Every stream ACKed change `change` (or was not concerned); lastAck undefined if none was. */
  | {
      readonly type: 'changed';
      readonly change: number;
      readonly lastAck: number | undefined;
      readonly acked: number;
    }
  | {
      readonly type: 'collected';
      readonly change: number;
      readonly sotw: VariantTotals;
      readonly delta: VariantTotals;
      /** The worker's own CPU since the mark, ms: tells whether the clients were the bottleneck. */
      readonly cpuMs: number;
    }
  | {
      readonly type: 'progress';
      readonly ready: number;
      readonly changed: number;
      readonly failed: number;
      readonly total: number;
      readonly firstFailure?: string;
    };

/** A floor response: `resources` Anys of `type_url` whose encoded size adds up to about `bytes`. */
export interface FloorShape {
  readonly bytes: number;
  readonly resources: number;
}

export type ToFloor =
  | {
      readonly type: 'prepare';
      readonly change: number;
      readonly typeUrl: string;
      readonly name: string;
      /** The shape of filler responses, when no captured resource of that name can be pushed. */
      readonly sotw: FloorShape;
      readonly delta: FloorShape;
    }
  /** Replay the responses captured from Trellis (capture.ts), read from `file`, at cold start. */
  | { readonly type: 'replay'; readonly file: string }
  | { readonly type: 'memory' }
  | { readonly type: 'push'; readonly change: number }
  | { readonly type: 'stop' };

export type FromFloor =
  | { readonly type: 'listening'; readonly port: number }
  | {
      readonly type: 'prepared';
      readonly change: number;
      readonly sotwBytes: number;
      readonly deltaBytes: number;
      /** The captured resource itself was pushed (else fillers of the shape given). */
      readonly real: boolean;
    }
  | { readonly type: 'replaying'; readonly responses: number }
  | {
      readonly type: 'memory';
      readonly rssBytes: number;
      readonly heapUsedBytes: number;
      readonly externalBytes: number;
    }
  /** Server side: every stream ACKed the push's nonce. */
  | {
      readonly type: 'pushed';
      readonly change: number;
      readonly streams: number;
      readonly allAckedAt: number;
    };
