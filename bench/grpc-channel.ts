// One simulated proxy, one HTTP/2 connection, as each Envoy has its own: a private subchannel pool
// keeps grpc-js from sharing a connection between channels to the same address.
import * as grpc from '@grpc/grpc-js';
import type { MessageCodec } from '../src/xds/server/ads-service.js';

const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.use_local_subchannel_pool': 1,
  // A SotW response of every ClusterLoadAssignment outgrows grpc-js's 4 MB default at S=4,000.
  'grpc.max_receive_message_length': -1,
  'grpc.max_send_message_length': -1,
};

export interface OpenedCall<Req, Res> {
  readonly client: grpc.Client;
  readonly call: grpc.ClientDuplexStream<Req, Res>;
}

/** A bidi call on 127.0.0.1:port whose responses report their wire size before they are decoded. */
export function openCall<Req, Res>(
  port: number,
  method: string,
  request: MessageCodec<Req>,
  response: MessageCodec<Res>,
  onBytes: (bytes: number) => void,
): OpenedCall<Req, Res> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  // Wait for a connection rather than fail at once, as Envoy retries until it gets one: a server
  // busy for minutes at cold start must not turn slow connects into failed proxies.
  const metadata = new grpc.Metadata({ waitForReady: true });
  const call = client.makeBidiStreamRequest(
    method,
    request.serialize,
    (bytes: Buffer) => {
      onBytes(bytes.length);
      return response.deserialize(bytes);
    },
    metadata,
  );
  return { client, call };
}

/** Ends the call and its connection; safe to call twice. */
export function closeCall(opened: OpenedCall<unknown, unknown> | undefined): void {
  if (!opened) return;
  opened.call.cancel();
  opened.client.close();
}
