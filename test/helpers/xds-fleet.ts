// Clients that behave like proxies, for tests with many streams: each subscribes to what it is told,
// answers every response the way its mode says (ACK, NACK, or not at all), keeps what it holds per
// type, and can reconnect when the server goes away, resubscribing with what it holds (delta:
// initial_resource_versions, SotW: version_info), as Envoy does.
import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { resourcesOfType, type Snapshot, sotwVersion } from '../../src/xds/cache/snapshot.js';
import {
  DELTA_AGGREGATED_RESOURCES,
  type DeltaDiscoveryRequestObject,
  type DeltaDiscoveryResponseObject,
  type DiscoveryRequestObject,
  type DiscoveryResponseObject,
  discoveryCodecs,
  STREAM_AGGREGATED_RESOURCES,
} from '../../src/xds/server/ads-service.js';
import { inPushOrder } from '../../src/xds/server/resource-types.js';

export type Variant = 'sotw' | 'delta';
/** How a client answers responses: like a healthy proxy, by rejecting them, or never. */
export type AnswerMode = 'ack' | 'nack' | 'silent';
/** Per type URL: '*' for every resource, or the names wanted. */
export type Subscriptions = Readonly<Record<string, '*' | readonly string[]>>;

export interface FleetClientOptions {
  readonly port: number;
  readonly variant: Variant;
  readonly nodeId: string;
  readonly subscriptions: Subscriptions;
  readonly mode?: AnswerMode;
  /** Open a new stream when this one ends, as long as the client is not closed. */
  readonly reconnect?: boolean;
}

type AnyResponse = DiscoveryResponseObject | DeltaDiscoveryResponseObject;
type AnyCall = grpc.ClientDuplexStream<object, object>;

const RECONNECT_DELAY_MS = 50;

export class FleetClient {
  readonly options: FleetClientOptions;
  /** Responses received per type URL, over every stream this client opened. */
  readonly received = new Map<string, number>();
  /** Streams opened, the first included. */
  streams = 0;
  private readonly client: grpc.Client;
  private call: AnyCall | undefined;
  private closed = false;
  /** The last response per type on the current stream, answered or not. */
  private readonly last = new Map<string, AnyResponse>();
  /** SotW: the last ACKed version_info per type. */
  private readonly acked = new Map<string, string>();
  /** Delta: name → version per type, as applied (an ACKed response is applied). */
  private readonly held = new Map<string, Map<string, string>>();

  constructor(options: FleetClientOptions) {
    this.options = options;
    this.client = new grpc.Client(`127.0.0.1:${options.port}`, grpc.credentials.createInsecure(), {
      // Its own connection, as every proxy has, and quick retries once a restarted server is back.
      'grpc.use_local_subchannel_pool': 1,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 500,
    });
    this.open();
  }

  /** What the client holds of a type, as the state-of-the-world version of those resources. */
  version(typeUrl: string): string | undefined {
    if (this.options.variant === 'sotw') return this.acked.get(typeUrl);
    const held = this.held.get(typeUrl);
    if (!held) return undefined;
    return sotwVersion([...held].map(([name, version]) => ({ name, version, value: new Uint8Array() })));
  }

  /** The version or system version of the last response of the type on this stream. */
  lastReceived(typeUrl: string): string | undefined {
    const last = this.last.get(typeUrl);
    if (!last) return undefined;
    return 'version_info' in last ? last.version_info : last.system_version_info;
  }

  /** Holds, for every subscribed type, what `snapshot` selects for it. */
  holds(snapshot: Snapshot): boolean {
    return Object.keys(this.options.subscriptions).every(
      (typeUrl) => this.version(typeUrl) === expectedVersion(snapshot, typeUrl, this.options.subscriptions),
    );
  }

  /** ACKs the last response of every type (for a silent client that finally answers). */
  ackAll(): void {
    for (const typeUrl of inPushOrder(this.last.keys())) this.answer(typeUrl, 'ack');
  }

  close(): void {
    this.closed = true;
    this.call?.cancel();
    this.client.close();
  }

  private open(): void {
    this.streams += 1;
    this.last.clear();
    const { variant } = this.options;
    const codecs = discoveryCodecs();
    const call =
      variant === 'sotw'
        ? this.client.makeBidiStreamRequest(
            STREAM_AGGREGATED_RESOURCES,
            codecs.request.serialize,
            codecs.response.deserialize,
          )
        : this.client.makeBidiStreamRequest(
            DELTA_AGGREGATED_RESOURCES,
            codecs.deltaRequest.serialize,
            codecs.deltaResponse.deserialize,
          );
    this.call = call as unknown as AnyCall;
    call.on('data', (response: AnyResponse) => this.onResponse(response));
    // Every ending also arrives as 'status'; reconnect from there.
    call.on('error', () => {});
    call.on('status', () => {
      if (this.call !== (call as unknown as AnyCall) || this.closed || !this.options.reconnect) return;
      setTimeout(() => {
        if (!this.closed) this.open();
      }, RECONNECT_DELAY_MS);
    });
    let first = true;
    for (const [typeUrl, wanted] of Object.entries(this.options.subscriptions)) {
      const node = first ? { node: { id: this.options.nodeId } } : {};
      first = false;
      this.write(
        variant === 'sotw' ? this.sotwSubscribe(typeUrl, wanted) : this.deltaSubscribe(typeUrl, wanted),
        node,
      );
    }
  }

  private sotwSubscribe(typeUrl: string, wanted: '*' | readonly string[]): DiscoveryRequestObject {
    return {
      type_url: typeUrl,
      version_info: this.acked.get(typeUrl) ?? '',
      resource_names: wanted === '*' ? [] : [...wanted],
    };
  }

  private deltaSubscribe(typeUrl: string, wanted: '*' | readonly string[]): DeltaDiscoveryRequestObject {
    const held = this.held.get(typeUrl);
    return {
      type_url: typeUrl,
      resource_names_subscribe: wanted === '*' ? [] : [...wanted],
      ...(held ? { initial_resource_versions: Object.fromEntries(held) } : {}),
    };
  }

  private onResponse(response: AnyResponse): void {
    const typeUrl = response.type_url;
    this.received.set(typeUrl, (this.received.get(typeUrl) ?? 0) + 1);
    this.last.set(typeUrl, response);
    const mode = this.options.mode ?? 'ack';
    if (mode !== 'silent') this.answer(typeUrl, mode);
  }

  private answer(typeUrl: string, how: 'ack' | 'nack'): void {
    const last = this.last.get(typeUrl);
    if (!last) return;
    const wanted = this.options.subscriptions[typeUrl] ?? '*';
    const error =
      how === 'nack' ? { error_detail: { code: 3, message: `rejected by ${this.options.nodeId}` } } : {};
    if ('version_info' in last) {
      if (how === 'ack') this.acked.set(typeUrl, last.version_info);
      this.write({
        type_url: typeUrl,
        version_info: this.acked.get(typeUrl) ?? '',
        response_nonce: last.nonce,
        resource_names: wanted === '*' ? [] : [...wanted],
        ...error,
      });
      return;
    }
    if (how === 'ack') this.apply(last);
    this.write({ type_url: typeUrl, response_nonce: last.nonce, ...error });
  }

  private apply(response: DeltaDiscoveryResponseObject): void {
    let held = this.held.get(response.type_url);
    if (!held) {
      held = new Map();
      this.held.set(response.type_url, held);
    }
    for (const r of response.resources) held.set(r.name, r.version);
    for (const name of response.removed_resources) held.delete(name);
  }

  private write(message: object, extra: object = {}): void {
    this.call?.write({ ...message, ...extra });
  }
}

/** The state-of-the-world version of what `subscriptions` selects of a type in `snapshot`. */
export function expectedVersion(snapshot: Snapshot, typeUrl: string, subscriptions: Subscriptions): string {
  const wanted = subscriptions[typeUrl] ?? '*';
  const all = [...resourcesOfType(snapshot, typeUrl).values()];
  return sotwVersion(wanted === '*' ? all : all.filter((r) => wanted.includes(r.name)));
}

/**
 * An ADS stream over raw HTTP/2 whose client sends its requests and then never reads: once the
 * flow-control window is full, the server can write nothing more to it.
 */
export function stalledStream(port: number, node: string, typeUrls: readonly string[]): { close(): void } {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  const stream = session.request({
    ':method': 'POST',
    ':path': STREAM_AGGREGATED_RESOURCES,
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  stream.on('error', () => {});
  stream.pause();
  const { request } = discoveryCodecs();
  typeUrls.forEach((type_url, i) => {
    const body = request.serialize({ type_url, ...(i === 0 ? { node: { id: node } } : {}) });
    const frame = Buffer.alloc(5 + body.length);
    frame.writeUInt32BE(body.length, 1);
    body.copy(frame, 5);
    stream.write(frame);
  });
  return {
    close: () => {
      stream.close(http2.constants.NGHTTP2_CANCEL);
      session.destroy();
    },
  };
}
