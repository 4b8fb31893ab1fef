// A raw ADS client for tests: it sends exactly the DiscoveryRequests a test writes (so a test can
// ACK, NACK, send stale nonces or no node at all) and queues every response in arrival order.
import * as grpc from '@grpc/grpc-js';
import { envoyType } from '../../src/xds/envoy/proto-root.js';
import { typeNameFromUrl } from '../../src/xds/envoy/type-urls.js';
import {
  type DiscoveryRequestObject,
  type DiscoveryResponseObject,
  discoveryCodecs,
  STREAM_AGGREGATED_RESOURCES,
} from '../../src/xds/server/ads-service.js';

export class AdsTestClient {
  private readonly client: grpc.Client;
  private readonly call: grpc.ClientDuplexStream<DiscoveryRequestObject, DiscoveryResponseObject>;
  private readonly queued: DiscoveryResponseObject[] = [];
  private readonly waiters: ((response: DiscoveryResponseObject) => void)[] = [];
  private readonly status: Promise<grpc.StatusObject>;

  constructor(port: number) {
    const { request, response } = discoveryCodecs();
    this.client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    this.call = this.client.makeBidiStreamRequest(
      STREAM_AGGREGATED_RESOURCES,
      request.serialize,
      response.deserialize,
    );
    this.call.on('data', (res: DiscoveryResponseObject) => {
      const waiter = this.waiters.shift();
      if (waiter) waiter(res);
      else this.queued.push(res);
    });
    // A non-OK status arrives both as 'error' and as 'status'; tests read it from ended().
    this.call.on('error', () => {});
    this.status = new Promise((resolve) => this.call.on('status', resolve));
  }

  send(request: DiscoveryRequestObject): void {
    this.call.write(request);
  }

  /** The next response, or undefined if none arrives within `ms`. */
  receive(ms: number): Promise<DiscoveryResponseObject | undefined> {
    const queued = this.queued.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const waiter = (res: DiscoveryResponseObject) => {
        clearTimeout(timer);
        resolve(res);
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        resolve(undefined);
      }, ms);
      this.waiters.push(waiter);
    });
  }

  /** The next response; fails the test if none arrives within `ms`. */
  async next(ms = 5_000): Promise<DiscoveryResponseObject> {
    const res = await this.receive(ms);
    if (!res) throw new Error(`no DiscoveryResponse within ${ms} ms`);
    return res;
  }

  /** The status the stream ended with; fails the test if it has not ended within `ms`. */
  async ended(ms = 5_000): Promise<grpc.StatusObject> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`stream still open after ${ms} ms`)), ms);
    });
    try {
      return await Promise.race([this.status, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Says the client will send nothing more, leaving the stream open for the server to end. */
  halfClose(): void {
    this.call.end();
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}

/** The names of the resources in a response, read from the decoded resources themselves. */
export function resourceNames(response: DiscoveryResponseObject): string[] {
  return response.resources.map((any) => {
    const decoded = envoyType(typeNameFromUrl(any.type_url)).decode(any.value) as unknown as {
      name?: string;
      cluster_name?: string;
    };
    return decoded.name || decoded.cluster_name || '';
  });
}
