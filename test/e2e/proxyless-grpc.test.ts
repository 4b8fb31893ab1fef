// The spine, end to end: manifests on disk → `trellis serve` → a real @grpc/grpc-js-xds client whose
// calls reach real gRPC servers on 127.0.0.1, and follow the manifests when they change.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EchoServer, echoClient, startEchoServer } from './helpers/echo-server.js';
import { eventually, getJson, startTrellis, type TrellisProcess } from './helpers/trellis-process.js';
import { useTrellisForXds } from './helpers/xds-bootstrap.js';

const service = `apiVersion: v1
kind: Service
metadata: { name: echo, namespace: default }
spec:
  clusterIP: 10.96.0.50
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
    zone: zone-a
`;

// Writes through a temporary file and a rename, the way editors and kubectl-style tools save.
async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, text);
  await fs.rename(tmp, file);
}

describe('a proxyless gRPC client served by trellis', () => {
  let dir: string;
  let trellis: TrellisProcess;
  let first: EchoServer;
  let second: EchoServer;
  let client: ReturnType<typeof echoClient>;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trellis-e2e-'));
    first = await startEchoServer('first');
    second = await startEchoServer('second');
    await fs.writeFile(path.join(dir, 'service.yaml'), service);
    await fs.writeFile(path.join(dir, 'endpoints.yaml'), endpointSlice(first.port));
    trellis = await startTrellis(dir);
    // grpc-js-xds reads its bootstrap once per process, when the first xds: channel is made.
    await useTrellisForXds(
      trellis.xdsPort,
      'proxyless~127.0.0.1~e2e-client.default~default.svc.cluster.local',
    );
    client = echoClient('xds:///echo.default.svc.cluster.local:50051');
  });

  afterAll(async () => {
    client?.close();
    await trellis?.stop();
    await Promise.all([first?.stop(), second?.stop()]);
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('routes a unary call to the endpoint in the EndpointSlice', async () => {
    const reply = await client.call(20_000);
    expect(reply.from).toBe('first');
    expect(first.calls()).toBeGreaterThan(0);
  });

  it('moves calls to a new endpoint when the EndpointSlice file is edited, without a restart', async () => {
    await writeAtomically(path.join(dir, 'endpoints.yaml'), endpointSlice(second.port));
    await eventually(async () => (await client.call()).from === 'second', 'calls to reach the second server');
    const before = first.calls();
    for (let i = 0; i < 10; i++) expect((await client.call()).from).toBe('second');
    expect(first.calls()).toBe(before);
  });

  it('keeps serving when an invalid file appears, and names the file and field in /debug/config-errors', async () => {
    await fs.writeFile(
      path.join(dir, 'broken.yaml'),
      `apiVersion: v1
kind: Service
metadata: { name: broken, namespace: default }
spec:
  ports:
    - { name: http, port: "not-a-number" }
`,
    );
    await eventually(async () => {
      const errors = (await getJson(trellis.adminPort, '/debug/config-errors')) as {
        sources: { origin: string }[];
      };
      return errors.sources.some((i) => i.origin === 'broken.yaml');
    }, 'the broken file to be reported');
    const errors = (await getJson(trellis.adminPort, '/debug/config-errors')) as {
      sources: { origin: string; fieldPath: string; resource?: { kind: string; name?: string } }[];
    };
    const issue = errors.sources.find((i) => i.origin === 'broken.yaml');
    expect(issue).toMatchObject({
      fieldPath: 'spec.ports[0].port',
      resource: { kind: 'Service', name: 'broken' },
    });
    for (let i = 0; i < 10; i++) expect((await client.call()).from).toBe('second');
  });

  it('reports the connected client as ACKed in /debug/syncz', async () => {
    const syncz = (await getJson(trellis.adminPort, '/debug/syncz')) as {
      proxyId: string;
      types: Record<string, { lastSentVersion?: string; lastAckedVersion?: string }>;
    }[];
    const me = syncz.find((p) => p.proxyId.startsWith('proxyless~127.0.0.1~e2e-client'));
    expect(me).toBeDefined();
    const cds = me?.types['type.googleapis.com/envoy.config.cluster.v3.Cluster'];
    expect(cds?.lastAckedVersion).toBeDefined();
    expect(cds?.lastAckedVersion).toBe(cds?.lastSentVersion);
  });

  it('counts the connected client in /metrics', async () => {
    const res = await fetch(`http://127.0.0.1:${trellis.adminPort}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/trellis_xds_connected_proxies\{kind="proxyless",variant="sotw"\} 1/);
  });
});
