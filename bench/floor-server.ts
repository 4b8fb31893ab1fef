// The floor: a bare @grpc/grpc-js ADS server with no translation, no cache and no per-stream
// state machine. At cold start it answers each stream's first request of a type with the bytes
// Trellis sent one real proxy for it (captured by capture.ts, replayed verbatim; empty CDS and LDS
// responses when nothing was captured). On each push it writes one prebuilt response (encoded
// once, the same bytes to every stream): the one changed resource as Trellis encoded it, taken
// from the capture, and counts ACKs. Whatever Trellis spends beyond this is its own cost. Run by
// `fork`, never by hand.
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import {
  bidiMethod,
  DELTA_AGGREGATED_RESOURCES,
  type DeltaDiscoveryRequestObject,
  type DiscoveryRequestObject,
  discoveryCodecs,
  type MessageCodec,
  STREAM_AGGREGATED_RESOURCES,
} from '../src/xds/server/ads-service.js';
import type { Captured } from './capture.js';
import type { FloorShape, FromFloor, ToFloor } from './ipc-messages.js';
import { CDS, LDS, now, type Variant } from './simulated-proxy.js';

interface FloorStream {
  readonly variant: Variant;
  readonly call: grpc.ServerDuplexStream<unknown, Buffer>;
  ackedChange: number;
  /** The types whose captured responses this stream was sent. */
  readonly answered: Set<string>;
}

/** Requests are decoded (to read nonces); responses are written as the bytes given. */
const raw: MessageCodec<Buffer> = { serialize: (b) => b, deserialize: (b) => b };

const INITIAL_NONCE = 'init';
const pushNonce = (change: number) => `push-${change}`;

function send(message: FromFloor): void {
  process.send?.(message);
}

/** `count` filler values whose total is about `bytes` once framed in a response. */
function fillers(shape: FloorShape, perItemOverhead: number): Uint8Array[] {
  const count = Math.max(1, shape.resources);
  const size = Math.max(1, Math.floor(shape.bytes / count) - perItemOverhead);
  return Array.from({ length: count }, () => new Uint8Array(size).fill(0x2a));
}

class FloorServer {
  private readonly server = new grpc.Server({
    'grpc.max_receive_message_length': -1,
    'grpc.max_send_message_length': -1,
  });
  private readonly streams = new Set<FloorStream>();
  /** `${variant} ${typeUrl}` → the responses a stream's first request of that type gets. */
  private readonly initial = new Map<string, Buffer[]>();
  /** Captured resources by type and name (from the delta capture, which names them). */
  private readonly resources = new Map<string, Uint8Array>();
  private prepared: { change: number; sotw: Buffer; delta: Buffer } | undefined;
  private pushing: number | undefined;
  private acks = 0;

  async listen(): Promise<number> {
    const codecs = discoveryCodecs();
    for (const typeUrl of [CDS, LDS]) {
      this.initial.set(`sotw ${typeUrl}`, [
        codecs.response.serialize({
          version_info: '0',
          type_url: typeUrl,
          nonce: INITIAL_NONCE,
          resources: [],
        }),
      ]);
      this.initial.set(`delta ${typeUrl}`, [
        codecs.deltaResponse.serialize({
          system_version_info: '0',
          type_url: typeUrl,
          nonce: INITIAL_NONCE,
          resources: [],
          removed_resources: [],
        }),
      ]);
    }
    this.server.addService(
      {
        StreamAggregatedResources: bidiMethod(STREAM_AGGREGATED_RESOURCES, codecs.request, raw),
        DeltaAggregatedResources: bidiMethod(DELTA_AGGREGATED_RESOURCES, codecs.deltaRequest, raw),
      },
      {
        StreamAggregatedResources: (call: grpc.ServerDuplexStream<DiscoveryRequestObject, Buffer>) =>
          this.serve('sotw', call),
        DeltaAggregatedResources: (call: grpc.ServerDuplexStream<DeltaDiscoveryRequestObject, Buffer>) =>
          this.serve('delta', call),
      },
    );
    return new Promise((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
  }

  /** Replaces the empty first responses by the captured ones. */
  replay(file: string): void {
    const captured = JSON.parse(readFileSync(file, 'utf8')) as Captured;
    const { deltaResponse } = discoveryCodecs();
    let responses = 0;
    for (const variant of ['sotw', 'delta'] as const) {
      for (const [typeUrl, list] of Object.entries(captured[variant])) {
        const buffers = list.map((b) => Buffer.from(b, 'base64'));
        responses += buffers.length;
        this.initial.set(`${variant} ${typeUrl}`, buffers);
        if (variant !== 'delta') continue;
        for (const b of buffers)
          for (const r of deltaResponse.deserialize(b).resources)
            this.resources.set(`${typeUrl} ${r.name}`, r.resource.value);
      }
    }
    send({ type: 'replaying', responses });
  }

  prepare(message: Extract<ToFloor, { type: 'prepare' }>): void {
    const { response, deltaResponse } = discoveryCodecs();
    const { change, typeUrl, name } = message;
    const nonce = pushNonce(change);
    const real = this.resources.get(`${typeUrl} ${name}`);
    if (real) {
      const any = { type_url: typeUrl, value: real };
      const sotw = response.serialize({
        version_info: `floor-${change}`,
        type_url: typeUrl,
        nonce,
        resources: [any],
      });
      const delta = deltaResponse.serialize({
        system_version_info: `floor-${change}`,
        type_url: typeUrl,
        nonce,
        resources: [{ name, version: `v${change}`, resource: any }],
        removed_resources: [],
      });
      this.prepared = { change, sotw, delta };
      send({ type: 'prepared', change, sotwBytes: sotw.length, deltaBytes: delta.length, real: true });
      return;
    }
    const sotw = response.serialize({
      version_info: `floor-${change}`,
      type_url: typeUrl,
      nonce,
      resources: fillers(message.sotw, typeUrl.length + 8).map((value) => ({ type_url: typeUrl, value })),
    });
    const delta = deltaResponse.serialize({
      system_version_info: `floor-${change}`,
      type_url: typeUrl,
      nonce,
      resources: fillers(message.delta, typeUrl.length + name.length + 30).map((value, i) => ({
        name: i === 0 ? name : `${name}#${i}`,
        version: `v${change}`,
        resource: { type_url: typeUrl, value },
      })),
      removed_resources: [],
    });
    this.prepared = { change, sotw, delta };
    send({ type: 'prepared', change, sotwBytes: sotw.length, deltaBytes: delta.length, real: false });
  }

  push(change: number): void {
    const prepared = this.prepared;
    if (prepared?.change !== change) throw new Error(`push ${change} was not prepared`);
    this.pushing = change;
    this.acks = 0;
    for (const stream of this.streams)
      stream.call.write(stream.variant === 'sotw' ? prepared.sotw : prepared.delta);
  }

  stop(): void {
    this.server.forceShutdown();
    process.exit(0);
  }

  private serve(variant: Variant, call: grpc.ServerDuplexStream<unknown, Buffer>): void {
    const stream: FloorStream = { variant, call, ackedChange: -1, answered: new Set() };
    this.streams.add(stream);
    const forget = () => this.streams.delete(stream);
    call.on('end', () => {
      forget();
      call.end();
    });
    call.on('error', forget);
    call.on('cancelled', forget);
    call.on('data', (request: { type_url?: string; response_nonce?: string }) => {
      const nonce = request.response_nonce ?? '';
      if (nonce === '') {
        const typeUrl = request.type_url ?? '';
        if (stream.answered.has(typeUrl)) return;
        stream.answered.add(typeUrl);
        for (const first of this.initial.get(`${variant} ${typeUrl}`) ?? []) call.write(first);
        return;
      }
      if (this.pushing === undefined || nonce !== pushNonce(this.pushing)) return;
      if (stream.ackedChange === this.pushing) return;
      stream.ackedChange = this.pushing;
      this.acks++;
      if (this.acks === this.streams.size)
        send({ type: 'pushed', change: this.pushing, streams: this.acks, allAckedAt: now() });
    });
  }
}

const floor = new FloorServer();
process.on('message', (message: ToFloor) => {
  switch (message.type) {
    case 'prepare':
      floor.prepare(message);
      break;
    case 'push':
      floor.push(message.change);
      break;
    case 'replay':
      floor.replay(message.file);
      break;
    case 'memory': {
      const m = process.memoryUsage();
      send({ type: 'memory', rssBytes: m.rss, heapUsedBytes: m.heapUsed, externalBytes: m.external });
      break;
    }
    case 'stop':
      floor.stop();
      break;
  }
});
process.on('disconnect', () => floor.stop());
floor.listen().then(
  (port) => send({ type: 'listening', port }),
  (err: unknown) => {
    process.stderr.write(`floor server: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
