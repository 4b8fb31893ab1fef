// A real gRPC server on 127.0.0.1 that answers with its own name, so a test can see where a call went.
// JSON messages: no .proto needed, still real gRPC (HTTP/2, grpc framing) on the wire.
import * as grpc from '@grpc/grpc-js';

export interface EchoReply {
  readonly from: string;
}

const json = {
  serialize: (value: unknown) => Buffer.from(JSON.stringify(value)),
  deserialize: (bytes: Buffer) => JSON.parse(bytes.toString()) as unknown,
};

export const echoService: grpc.ServiceDefinition = {
  call: {
    path: '/trellis.test.Echo/Call',
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
};

export interface EchoServer {
  readonly name: string;
  readonly port: number;
  readonly calls: () => number;
  stop(): Promise<void>;
}

export interface EchoOptions {
  /** Answer every call with this gRPC status instead of a reply (a sick backend). */
  readonly failWith?: grpc.status;
}

export async function startEchoServer(name: string, opts: EchoOptions = {}): Promise<EchoServer> {
  const server = new grpc.Server();
  let calls = 0;
  server.addService(echoService, {
    call: (_call: grpc.ServerUnaryCall<unknown, EchoReply>, reply: grpc.sendUnaryData<EchoReply>) => {
      calls++;
      if (opts.failWith !== undefined) reply({ code: opts.failWith, details: `${name} fails on purpose` });
      else reply(null, { from: name });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    name,
    port,
    calls: () => calls,
    stop: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2_000).unref();
      }),
  };
}

type EchoClient = grpc.Client & {
  call(
    req: unknown,
    metadata: grpc.Metadata,
    opts: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, res?: EchoReply) => void,
  ): void;
};

export interface EchoCaller {
  call(timeoutMs?: number, headers?: Readonly<Record<string, string>>): Promise<EchoReply>;
  close(): void;
}

/** A client for the echo service on any target, e.g. xds:///echo.default.svc.cluster.local:50051. */
export function echoClient(target: string): EchoCaller {
  const Ctor = grpc.makeGenericClientConstructor(echoService, 'Echo');
  const client = new Ctor(target, grpc.credentials.createInsecure()) as unknown as EchoClient;
  return {
    call: (timeoutMs = 10_000, headers = {}) =>
      new Promise<EchoReply>((resolve, reject) => {
        const metadata = new grpc.Metadata();
        for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
        client.call({}, metadata, { deadline: Date.now() + timeoutMs }, (err, res) =>
          err || !res ? reject(err) : resolve(res),
        );
      }),
    close: () => client.close(),
  };
}
