// A raw bidirectional-stream client for tests: it sends exactly the messages a test writes (so a
// test can ACK, NACK, send stale nonces or no node at all) and queues every response in arrival
// order. The ADS (SotW) and delta test clients are this with their method and codecs.
import * as grpc from '@grpc/grpc-js';
import type { MessageCodec } from '../../src/xds/server/ads-service.js';

/** How to reach the server: plaintext by default; TLS (mTLS with a client key pair) and call metadata. */
export interface TestConnection {
  readonly credentials?: grpc.ChannelCredentials;
  /** The name the server's certificate must carry (the target is always 127.0.0.1). */
  readonly serverName?: string;
  readonly metadata?: grpc.Metadata;
}

/** TLS to a Trellis TLS port: the mesh roots, optionally a client chain and key (PEM). */
export function tlsConnection(
  rootsPem: string,
  client?: { readonly certChainPem: string; readonly privateKeyPem: string },
  metadata?: grpc.Metadata,
): TestConnection {
  return {
    credentials: grpc.credentials.createSsl(
      Buffer.from(rootsPem),
      client ? Buffer.from(client.privateKeyPem) : null,
      client ? Buffer.from(client.certChainPem) : null,
    ),
    serverName: 'localhost',
    ...(metadata ? { metadata } : {}),
  };
}

export class BidiTestClient<Req, Res> {
  private readonly client: grpc.Client;
  private readonly call: grpc.ClientDuplexStream<Req, Res>;
  private readonly queued: Res[] = [];
  private readonly waiters: ((response: Res) => void)[] = [];
  private readonly status: Promise<grpc.StatusObject>;

  constructor(
    port: number,
    method: string,
    request: MessageCodec<Req>,
    response: MessageCodec<Res>,
    connection: TestConnection = {},
  ) {
    this.client = new grpc.Client(
      `127.0.0.1:${port}`,
      connection.credentials ?? grpc.credentials.createInsecure(),
      connection.serverName ? { 'grpc.ssl_target_name_override': connection.serverName } : {},
    );
    this.call = this.client.makeBidiStreamRequest(
      method,
      request.serialize,
      response.deserialize,
      connection.metadata ?? new grpc.Metadata(),
    );
    this.call.on('data', (res: Res) => {
      const waiter = this.waiters.shift();
      if (waiter) waiter(res);
      else this.queued.push(res);
    });
    // A non-OK status arrives both as 'error' and as 'status'; tests read it from ended().
    this.call.on('error', () => {});
    this.status = new Promise((resolve) => this.call.on('status', resolve));
  }

  send(request: Req): void {
    this.call.write(request);
  }

  /** The next response, or undefined if none arrives within `ms`. */
  receive(ms: number): Promise<Res | undefined> {
    if (this.queued.length > 0) return Promise.resolve(this.queued.shift());
    return new Promise((resolve) => {
      const waiter = (res: Res) => {
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
  async next(ms = 5_000): Promise<Res> {
    const res = await this.receive(ms);
    if (!res) throw new Error(`no response within ${ms} ms`);
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
