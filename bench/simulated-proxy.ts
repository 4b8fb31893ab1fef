// What the SotW and delta simulated proxies share: the Envoy-like subscription walk (CDS and LDS
// wildcard first, then EDS for the EDS clusters and RDS for the route names the listeners use),
// the bytes they received, and the watch for one change: the time the proxy ACKed the response
// that carried it.
import { performance } from 'node:perf_hooks';
import type * as grpc from '@grpc/grpc-js';
import { TYPE_URL } from '../src/xds/envoy/type-urls.js';
import type { MessageCodec } from '../src/xds/server/ads-service.js';
import { closeCall, type OpenedCall, openCall } from './grpc-channel.js';

export type Variant = 'sotw' | 'delta';

/** A change a proxy waits for: a response of `typeUrl` carrying `name` (any response of it when expectAll). */
export interface ChangeWatch {
  readonly change: number;
  readonly typeUrl: string;
  readonly name: string;
  /** The floor server pushes to every stream, whatever it subscribed to. */
  readonly expectAll: boolean;
}

export interface ProxyEvents {
  /** Every subscribed resource arrived and every response was ACKed (once per proxy). */
  onReady(proxy: SimulatedProxy): void;
  /** The watched change was ACKed, or turned out not to concern this proxy. */
  onChanged(proxy: SimulatedProxy): void;
  /** The stream ended; it is not reopened. */
  onFailed(proxy: SimulatedProxy, reason: string): void;
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export const now = (): number => performance.timeOrigin + performance.now();

export const CDS = TYPE_URL.cluster;
export const EDS = TYPE_URL.endpoint;
export const LDS = TYPE_URL.listener;
export const RDS = TYPE_URL.route;

export interface Received {
  bytes: number;
  responses: number;
  resources: number;
}

export abstract class SimulatedProxy {
  abstract readonly variant: Variant;
  ready = false;
  failed = false;
  /** Since the last mark. */
  readonly received: Received = { bytes: 0, responses: 0, resources: 0 };
  /** Size of the watched resource itself, as last received (delta only: SotW Anys carry no name). */
  watchedResourceBytes = 0;
  watch: ChangeWatch | undefined;
  /** When the watched change was ACKed; undefined while waiting or when it did not concern us. */
  changedAt: number | undefined;
  changeSettled = false;
  private opened: OpenedCall<unknown, unknown> | undefined;
  private closing = false;

  constructor(
    readonly nodeId: string,
    protected readonly events: ProxyEvents,
  ) {}

  /** Opens the stream and sends the first CDS and LDS requests. */
  abstract start(): void;

  close(): void {
    this.closing = true;
    closeCall(this.opened);
  }

  /** Opens the proxy's call; the server ending it while the proxy is not closing fails the proxy. */
  protected openStream<Req, Res>(
    port: number,
    method: string,
    request: MessageCodec<Req>,
    response: MessageCodec<Res>,
    onResponse: (res: Res) => void,
  ): grpc.ClientDuplexStream<Req, Res> {
    const opened = openCall(port, method, request, response, (bytes) => this.countResponse(bytes));
    this.opened = opened as OpenedCall<unknown, unknown>;
    opened.call.on('data', onResponse);
    opened.call.on('error', (err: Error) => {
      if (!this.closing) this.fail(err.message);
    });
    opened.call.on('end', () => {
      if (!this.closing) this.fail('stream ended by the server');
    });
    return opened.call;
  }
  /** Whether the proxy holds (or asked for) the resource, i.e. whether a change to it must reach it. */
  protected abstract subscribes(typeUrl: string, name: string): boolean;
  /** Called at mark time so SotW can remember the version it held. */
  protected abstract rememberBaseline(typeUrl: string): void;

  mark(watch: ChangeWatch): void {
    this.watch = watch;
    this.changedAt = undefined;
    this.changeSettled = false;
    this.received.bytes = 0;
    this.received.responses = 0;
    this.received.resources = 0;
    this.watchedResourceBytes = 0;
    this.rememberBaseline(watch.typeUrl);
    if (this.failed) return;
    if (!watch.expectAll && !this.subscribes(watch.typeUrl, watch.name)) {
      this.changeSettled = true;
      this.events.onChanged(this);
    }
  }

  protected countResponse(bytes: number): void {
    this.received.bytes += bytes;
    this.received.responses++;
  }

  /** Call right after ACKing a response of `typeUrl` that carries the watched change. */
  protected changeAcked(): void {
    if (this.changeSettled) return;
    this.changedAt = now();
    this.changeSettled = true;
    this.events.onChanged(this);
  }

  protected becomeReadyIf(ready: boolean): void {
    if (this.ready || !ready) return;
    this.ready = true;
    this.events.onReady(this);
  }

  protected fail(reason: string): void {
    if (this.failed) return;
    this.failed = true;
    this.events.onFailed(this, reason);
  }
}

export const sameNames = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((name, i) => name === b[i]);
