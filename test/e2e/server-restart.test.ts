// `trellis serve` stopped and started again on the same xDS port, with a real @grpc/grpc-js-xds
// client: calls keep flowing while the control plane is away, and the client reconnects on its own
// to the new process and ACKs the same versions it held.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EchoServer, echoClient, startEchoServer } from './helpers/echo-server.js';
import { eventually, getJson, startTrellis, type TrellisProcess } from './helpers/trellis-process.js';
import { useTrellisForXds } from './helpers/xds-bootstrap.js';

const NODE_ID = 'proxyless~127.0.0.1~restart-client.default~default.svc.cluster.local';

const service = `apiVersion: v1
kind: Service
metadata: { name: echo, namespace: default }
spec:
  clusterIP: 10.96.0.60
  selector: { app: echo }
  ports:
    - { name: grpc, port: 50051, targetPort: 50051, appProtocol: grpc }
`;

const endpointSlice = (port: number) => `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: echo-1
  namespace: default
  labels: { kubernetes.io/service-name: echo }
addressType: IPv4
ports: [{ name: grpc, port: ${port}, protocol: TCP }]
endpoints:
  - addresses: ["127.0.0.1"]
    conditions: { ready: true }
`;

interface SyncEntry {
  readonly proxyId: string;
  readonly types: Record<string, { lastSentVersion?: string; lastAckedVersion?: string }>;
}

/** The versions our client ACKed, per type, as the server's /debug/syncz shows them. */
async function ackedVersions(trellis: TrellisProcess): Promise<Record<string, string | undefined>> {
  const syncz = (await getJson(trellis.adminPort, '/debug/syncz')) as SyncEntry[];
  const me = syncz.find((p) => p.proxyId === NODE_ID);
  return Object.fromEntries(Object.entries(me?.types ?? {}).map(([t, s]) => [t, s.lastAckedVersion]));
}

const allAcked = (versions: Record<string, string | undefined>) =>
  Object.keys(versions).length >= 4 && Object.values(versions).every((v) => v !== undefined);

describe('a proxyless gRPC client across a trellis restart', () => {
  let dir: string;
  let trellis: TrellisProcess | undefined;
  let echo: EchoServer;
  let client: ReturnType<typeof echoClient>;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trellis-restart-'));
    echo = await startEchoServer('echo');
    await fs.writeFile(path.join(dir, 'service.yaml'), service);
    await fs.writeFile(path.join(dir, 'endpoints.yaml'), endpointSlice(echo.port));
    trellis = await startTrellis(dir);
    await useTrellisForXds(trellis.xdsPort, NODE_ID);
    client = echoClient('xds:///echo.default.svc.cluster.local:50051');
  });

  afterAll(async () => {
    client?.close();
    await trellis?.stop();
    await echo?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('reconnects to the restarted server and ACKs the same versions, calls flowing throughout', async () => {
    const first = trellis!;
    expect((await client.call(20_000)).from).toBe('echo');
    await eventually(async () => allAcked(await ackedVersions(first)), 'the client to ACK every type');
    const before = await ackedVersions(first);

    await first.stop();
    trellis = undefined;
    // The client keeps the configuration it has: calls do not need the control plane.
    for (let i = 0; i < 5; i++) expect((await client.call()).from).toBe('echo');

    const second = await startTrellis(dir, ['--xds-address', `127.0.0.1:${first.xdsPort}`]);
    trellis = second;
    expect(second.xdsPort).toBe(first.xdsPort);
    await eventually(
      async () => allAcked(await ackedVersions(second)),
      'the client to reconnect and ACK every type',
      45_000,
    );
    expect(await ackedVersions(second)).toEqual(before);
    expect((await client.call()).from).toBe('echo');
  });
});
