// One real proxy's configuration as Trellis sends it: a SotW and a delta stream, each walking CDS
// and LDS (wildcard), then EDS and RDS for what those name, like the simulated proxies, and each
// keeping the bytes of every response as they came off the wire. The floor replays these bytes to
// every one of its streams at cold start, and pushes single resources taken from them on changes,
// so it sends what Trellis sends, prebuilt. Bounded by a deadline; the streams are always closed.
import { writeFile } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import {
  DELTA_AGGREGATED_RESOURCES,
  discoveryCodecs,
  STREAM_AGGREGATED_RESOURCES,
} from '../src/xds/server/ads-service.js';
import { clusterEdsName, listenerRouteNames } from './resource-refs.js';
import type { Variant } from './simulated-proxy.js';
import { CDS, EDS, LDS, now, RDS } from './simulated-proxy.js';

/** Per variant, per type URL, the responses in the order they came (base64, for JSON). */
export type Captured = Record<Variant, Record<string, string[]>>;

const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.use_local_subchannel_pool': 1,
  'grpc.max_receive_message_length': -1,
  'grpc.max_send_message_length': -1,
};
const identity = (b: Buffer) => b;
const QUIET_MS = 500;

/** One stream's walk; resolves with its responses once it is current and `QUIET_MS` passed. */
function captureOne(
  port: number,
  nodeId: string,
  variant: Variant,
  deadline: number,
): Promise<Record<string, string[]>> {
  const codecs = discoveryCodecs();
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  const serialize = (variant === 'sotw' ? codecs.request.serialize : codecs.deltaRequest.serialize) as (
    v: object,
  ) => Buffer;
  const call = client.makeBidiStreamRequest(
    variant === 'sotw' ? STREAM_AGGREGATED_RESOURCES : DELTA_AGGREGATED_RESOURCES,
    serialize,
    identity,
    new grpc.Metadata({ waitForReady: true }),
  );
  const responses: Record<string, string[]> = {};
  // Named types asked for, and whether an answer came for them.
  const asked = new Map<string, boolean>();
  const names = new Map<string, readonly string[]>();
  let lastResponse = now();
  const current = () =>
    responses[CDS] !== undefined && responses[LDS] !== undefined && [...asked.values()].every(Boolean);
  return new Promise((resolve, reject) => {
    const finish = (err?: Error) => {
      clearInterval(timer);
      call.cancel();
      client.close();
      if (err) reject(err);
      else resolve(responses);
    };
    const timer = setInterval(() => {
      if (current() && now() - lastResponse >= QUIET_MS) finish();
      else if (now() > deadline) finish(new Error(`capture (${variant}) not current in time`));
    }, 100);
    call.on('error', (err: Error) => {
      if (!current()) finish(err);
    });
    call.on('data', (bytes: Buffer) => {
      lastResponse = now();
      const follow = (typeUrl: string, wanted: Set<string>) => {
        if (wanted.size === 0 || asked.has(typeUrl)) return;
        asked.set(typeUrl, false);
        const sorted = [...wanted].sort();
        names.set(typeUrl, sorted);
        call.write(
          variant === 'sotw'
            ? { type_url: typeUrl, resource_names: sorted }
            : { type_url: typeUrl, resource_names_subscribe: sorted },
        );
      };
      let typeUrl: string;
      let values: Uint8Array[];
      let nonce: string;
      if (variant === 'sotw') {
        const res = codecs.response.deserialize(bytes);
        typeUrl = res.type_url;
        nonce = res.nonce;
        values = res.resources.map((r) => r.value);
        call.write({
          version_info: res.version_info,
          response_nonce: nonce,
          type_url: typeUrl,
          resource_names: [...(names.get(typeUrl) ?? [])],
        });
      } else {
        const res = codecs.deltaResponse.deserialize(bytes);
        typeUrl = res.type_url;
        nonce = res.nonce;
        values = res.resources.map((r) => r.resource.value);
        call.write({ type_url: typeUrl, response_nonce: nonce });
      }
      const list = responses[typeUrl] ?? [];
      list.push(bytes.toString('base64'));
      responses[typeUrl] = list;
      if (asked.has(typeUrl)) asked.set(typeUrl, true);
      if (typeUrl === CDS) {
        const eds = new Set<string>();
        for (const v of values) {
          const name = clusterEdsName(v);
          if (name) eds.add(name);
        }
        follow(EDS, eds);
      } else if (typeUrl === LDS) {
        const rds = new Set<string>();
        for (const v of values) for (const name of listenerRouteNames(v)) rds.add(name);
        follow(RDS, rds);
      }
    });
    const first = { id: nodeId, user_agent_name: 'envoy' };
    if (variant === 'sotw') {
      call.write({ node: first, type_url: CDS, resource_names: [] });
      call.write({ type_url: LDS, resource_names: [] });
    } else {
      call.write({ node: first, type_url: CDS, resource_names_subscribe: [] });
      call.write({ type_url: LDS, resource_names_subscribe: [] });
    }
  });
}

/** Both variants' responses for `nodeId`, written to `file` as JSON; the per-type byte totals. */
export async function captureProxy(
  port: number,
  nodeId: string,
  timeoutMs: number,
  file: string,
): Promise<Record<Variant, Record<string, number>>> {
  const deadline = now() + timeoutMs;
  const captured: Captured = {
    sotw: await captureOne(port, nodeId, 'sotw', deadline),
    delta: await captureOne(port, nodeId, 'delta', deadline),
  };
  await writeFile(file, JSON.stringify(captured));
  const totals = (r: Record<string, string[]>) =>
    Object.fromEntries(
      Object.entries(r).map(([t, list]) => [
        t,
        list.reduce((n, b) => n + Buffer.from(b, 'base64').length, 0),
      ]),
    );
  return { sotw: totals(captured.sotw), delta: totals(captured.delta) };
}
