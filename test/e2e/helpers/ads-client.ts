// A raw ADS (state of the world) client over @grpc/grpc-js: it sends exactly the DiscoveryRequests a
// test tells it to, so tests can ACK, NACK or stall the way a real proxy might.
import * as grpc from '@grpc/grpc-js';
import { envoyType } from '../../../src/xds/envoy/proto-root.js';

export interface DiscoveryResponse {
  readonly version_info: string;
  readonly type_url: string;
  readonly nonce: string;
  readonly resources: readonly { type_url: string; value: Uint8Array }[];
}

export interface DiscoveryRequest {
  readonly type_url: string;
  readonly version_info?: string;
  readonly response_nonce?: string;
  readonly resource_names?: readonly string[];
  readonly error_detail?: { code: number; message: string };
  readonly node?: { id: string; user_agent_name?: string; locality?: { zone?: string } };
}

export interface AdsClient {
  send(request: DiscoveryRequest): void;
  /** The next response of a type, waiting up to timeoutMs. */
  next(typeUrl: string, timeoutMs?: number): Promise<DiscoveryResponse>;
  close(): void;
}

export function connectAds(address: string): AdsClient {
  const requestType = envoyType('envoy.service.discovery.v3.DiscoveryRequest');
  const responseType = envoyType('envoy.service.discovery.v3.DiscoveryResponse');
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const call = client.makeBidiStreamRequest(
    '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources',
    (req: DiscoveryRequest) => Buffer.from(requestType.encode(requestType.fromObject(req)).finish()),
    (bytes: Buffer) =>
      responseType.toObject(responseType.decode(bytes), { defaults: true }) as DiscoveryResponse,
  );
  const queued: DiscoveryResponse[] = [];
  const waiters: { typeUrl: string; resolve: (r: DiscoveryResponse) => void }[] = [];
  call.on('data', (res: DiscoveryResponse) => {
    const i = waiters.findIndex((w) => w.typeUrl === res.type_url);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(res);
    else queued.push(res);
  });
  call.on('error', () => {});
  return {
    send: (request) => call.write(request),
    next: (typeUrl, timeoutMs = 10_000) => {
      const i = queued.findIndex((r) => r.type_url === typeUrl);
      if (i >= 0) return Promise.resolve(queued.splice(i, 1)[0]!);
      return new Promise((resolve, reject) => {
        const waiter = {
          typeUrl,
          resolve: (r: DiscoveryResponse) => {
            clearTimeout(timer);
            resolve(r);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no ${typeUrl} response within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    close: () => {
      call.cancel();
      client.close();
    },
  };
}
