// Proxyless gRPC under mesh mTLS, end to end (gRFC A29 client side, A36 server side): the real
// `trellis serve`, a @grpc/grpc-js-xds client and an XdsServer, each with its own bootstrap and node,
// each with a certificate from the CSR API (its own ServiceAccount token, reviewed by a local API
// server) in files its `file_watcher` certificate providers read. Under a STRICT PeerAuthentication
// and a DestinationRule ISTIO_MUTUAL the calls go over mTLS (the server sees the client's SPIFFE ID;
// a plaintext client is refused); both rewritten to DISABLE, the same client and server go on in
// plaintext, without a restart.
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as xds from '@grpc/grpc-js-xds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeApiServer,
  fakeJwt,
  serviceAccountAnswer,
  startFakeApiServer,
} from '../kube-api/fake-api-server.js';
import { type CgrpcClient, startCgrpcClient } from './helpers/cgrpc-client.js';
import { echoService } from './helpers/echo-server.js';
import { eventually, startTrellis, type TrellisProcess } from './helpers/trellis-process.js';
import { issueWorkloadCerts, meshBootstrap } from './helpers/workload-certs.js';

const TD = 'cluster.local';
const CLIENT_ID = `spiffe://${TD}/ns/default/sa/client`;
const CCORE_ID = `spiffe://${TD}/ns/default/sa/cclient`;
const SERVER_ID = `spiffe://${TD}/ns/default/sa/greeter`;
const CLIENT_NODE = 'proxyless~127.0.0.1~client-0.default~default.svc.cluster.local';
const SERVER_NODE = 'proxyless~127.0.0.1~greeter-0.default~default.svc.cluster.local';
const TARGET = 'xds:///greeter.default.svc.cluster.local:50051';
const BOOTSTRAP_KEY = 'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config';

/** What the server saw of a call: how it was protected, and the client's URI SANs. */
interface Seen {
  readonly from: string;
  readonly security: string;
  readonly peer: string;
}

function mesh(port: number): string {
  return `apiVersion: v1
kind: Service
metadata: { name: greeter, namespace: default }
spec:
  clusterIP: 10.96.0.80
  selector: { app: greeter }
  ports: [{ name: grpc, port: 50051, targetPort: ${port}, appProtocol: grpc }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: greeter-1, namespace: default, labels: { kubernetes.io/service-name: greeter } }
addressType: IPv4
ports: [{ name: grpc, port: ${port}, protocol: TCP }]
endpoints:
  - addresses: ["127.0.0.1"]
    conditions: { ready: true }
    zone: zone-a
    targetRef: { kind: Pod, namespace: default, name: greeter-0 }
---
apiVersion: v1
kind: Pod
metadata: { name: greeter-0, namespace: default, labels: { app: greeter } }
spec:
  serviceAccountName: greeter
  containers: [{ name: app, ports: [{ name: grpc, containerPort: ${port} }] }]
status: { podIP: 127.0.0.1 }
---
apiVersion: v1
kind: Pod
metadata: { name: client-0, namespace: default, labels: { app: client } }
spec:
  serviceAccountName: client
  containers: [{ name: app }]
status: { podIP: 127.0.0.1 }
`;
}

// Mesh mTLS for proxyless gRPC is asked for on both sides, as in Istio: the server's
// PeerAuthentication, and the client's DestinationRule (auto mTLS is for sidecars).
const policy = (mode: 'STRICT' | 'DISABLE') => `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: default }
spec:
  mtls: { mode: ${mode} }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: greeter, namespace: default }
spec:
  host: greeter.default.svc.cluster.local
  trafficPolicy:
    tls: { mode: ${mode === 'STRICT' ? 'ISTIO_MUTUAL' : 'DISABLE'} }
`;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function writeAtomically(file: string, text: string): Promise<void> {
  await fs.writeFile(`${file}.tmp`, text);
  await fs.rename(`${file}.tmp`, file);
}

type SeenClient = grpc.Client & {
  call(
    req: unknown,
    metadata: grpc.Metadata,
    opts: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, res?: Seen) => void,
  ): void;
};

const EchoClient = grpc.makeGenericClientConstructor(echoService, 'Echo');

function callOnce(client: SeenClient, timeoutMs = 5_000): Promise<Seen> {
  return new Promise((resolve, reject) =>
    client.call({}, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) =>
      err || !res ? reject(err ?? new Error('no reply')) : resolve(res),
    ),
  );
}

describe('proxyless gRPC under mesh mTLS', () => {
  let dir: string;
  let manifests: string;
  let fake: FakeApiServer;
  let trellis: TrellisProcess;
  let server: xds.XdsServer;
  let client: SeenClient;
  let port: number;
  let ccoreCerts: string;
  let ccore: CgrpcClient | undefined;
  const others: grpc.Client[] = [];
  /** The client identity of every call the server answered, in order ('' without mTLS). */
  const peers: string[] = [];

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trellis-proxyless-mtls-'));
    manifests = path.join(dir, 'manifests');
    await fs.mkdir(manifests);
    port = await freePort();
    await fs.writeFile(path.join(manifests, 'mesh.yaml'), mesh(port));
    await fs.writeFile(path.join(manifests, 'policy.yaml'), policy('STRICT'));

    const tokens = {
      client: fakeJwt({ exp: Math.floor(Date.now() / 1000) + 3600 }),
      server: fakeJwt({ exp: Math.floor(Date.now() / 1000) + 3600 }),
      ccore: fakeJwt({ exp: Math.floor(Date.now() / 1000) + 3600 }),
    };
    fake = await startFakeApiServer();
    fake.tokens.set(tokens.client, serviceAccountAnswer('default', 'client'));
    fake.tokens.set(tokens.server, serviceAccountAnswer('default', 'greeter'));
    fake.tokens.set(tokens.ccore, serviceAccountAnswer('default', 'cclient'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    await fs.writeFile(kubeconfig, fake.kubeConfig().exportConfig());
    trellis = await startTrellis(manifests, [
      '--kubeconfig',
      kubeconfig,
      '--state-dir',
      path.join(dir, 'state'),
    ]);
    // The trust bundle as a workload gets it mounted: here, from the CA's state.
    const roots = (
      JSON.parse(await fs.readFile(path.join(dir, 'state', 'ca.json'), 'utf8')) as { rootCertsPem: string }
    ).rootCertsPem;
    const issue = (token: string, spiffeId: string, name: string) =>
      issueWorkloadCerts({ tlsPort: trellis.xdsTlsPort!, roots, token, spiffeId, dir: path.join(dir, name) });
    const [clientCerts, serverCerts] = await Promise.all([
      issue(tokens.client, CLIENT_ID, 'client'),
      issue(tokens.server, SERVER_ID, 'server'),
      issue(tokens.ccore, CCORE_ID, 'cclient'),
    ]);
    ccoreCerts = path.join(dir, 'cclient');

    xds.register();
    server = new xds.XdsServer({
      [BOOTSTRAP_KEY]: JSON.stringify(meshBootstrap(trellis.xdsPort, SERVER_NODE, serverCerts)),
      drainGraceTimeMs: 1_000,
    } as grpc.ServerOptions);
    server.addService(echoService, {
      call: (call: grpc.ServerUnaryCall<unknown, Seen>, reply: grpc.sendUnaryData<Seen>) => {
        const auth = call.getAuthContext();
        peers.push(auth.sslPeerCertificate?.subjectaltname ?? '');
        reply(null, {
          from: 'greeter',
          security: auth.transportSecurityType ?? 'none',
          peer: auth.sslPeerCertificate?.subjectaltname ?? '',
        });
      },
    });
    // XdsServer calls back once Trellis's Listener for 127.0.0.1:<port> is in force.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the XdsServer did not start serving in 20 s')),
        20_000,
      );
      server.bindAsync(
        `127.0.0.1:${port}`,
        new xds.XdsServerCredentials(grpc.ServerCredentials.createInsecure()),
        (err) => {
          clearTimeout(timer);
          if (err) reject(err);
          else resolve();
        },
      );
    });
    client = new EchoClient(TARGET, new xds.XdsChannelCredentials(grpc.credentials.createInsecure()), {
      [BOOTSTRAP_KEY]: JSON.stringify(meshBootstrap(trellis.xdsPort, CLIENT_NODE, clientCerts)),
    }) as unknown as SeenClient;
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await ccore?.stop();
    for (const other of others) other.close();
    server?.forceShutdown();
    await trellis?.stop();
    await fake?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  /** A client outside the mesh: plaintext, straight to the server's port. */
  function plaintextCall(): Promise<Seen> {
    const direct = new EchoClient(
      `127.0.0.1:${port}`,
      grpc.credentials.createInsecure(),
    ) as unknown as SeenClient;
    others.push(direct);
    return callOnce(direct, 3_000).finally(() => direct.close());
  }

  it('calls over mTLS under STRICT: the server sees the client’s SPIFFE ID', async () => {
    let seen: Seen | undefined;
    await eventually(async () => {
      seen = await callOnce(client);
      return true;
    }, 'a first call over mTLS');
    expect(seen).toEqual({ from: 'greeter', security: 'ssl', peer: `URI:${CLIENT_ID}` });
    for (let i = 0; i < 5; i++) expect((await callOnce(client)).peer).toBe(`URI:${CLIENT_ID}`);
  });

  it('refuses a plaintext client under STRICT', async () => {
    await expect(plaintextCall()).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });

  it('serves a gRPC C-core 1.51 client (Python) over mTLS with its own certificate', async () => {
    ccore = startCgrpcClient({
      target: TARGET,
      xdsPort: trellis.xdsPort,
      nodeId: 'proxyless~127.0.0.1~cclient-0.default~default.svc.cluster.local',
      certs: ccoreCerts,
      maxSeconds: 60,
    });
    const before = peers.length;
    const results = await ccore.run({ calls: 200, untilFrom: 'greeter', untilCount: 5, maxSeconds: 20 });
    expect(results.filter((r) => r.from === 'greeter').length, ccore.stderr()).toBe(5);
    // Every call the server answered for it came over mTLS from its identity.
    const answered = peers.slice(before);
    expect(answered.length).toBeGreaterThanOrEqual(5);
    expect(new Set(answered)).toEqual(new Set([`URI:${CCORE_ID}`]));
    await ccore.stop();
    ccore = undefined;
  });

  it('goes over to plaintext when both policies are rewritten to DISABLE, live', async () => {
    await writeAtomically(path.join(manifests, 'policy.yaml'), policy('DISABLE'));
    await eventually(
      async () => (await callOnce(client, 2_000)).security === 'none',
      'calls to go over plaintext',
      30_000,
    );
    for (let i = 0; i < 5; i++) {
      expect(await callOnce(client)).toEqual({ from: 'greeter', security: 'none', peer: '' });
    }
    // And now a client outside the mesh gets in too.
    await eventually(async () => (await plaintextCall()).security === 'none', 'a plaintext client to get in');
  });
});
