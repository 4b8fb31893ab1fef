// A state-of-the-world EDS push carries only the ClusterLoadAssignment that changed, and real
// clients keep the ones it leaves out. Two services behind one route (header x-to: b → B, else →
// A), served by the real `trellis serve` to @grpc/grpc-js-xds (in this process) and to gRPC C-core
// (Debian's python3-grpcio, cgrpc_client.py). Only B's EndpointSlice changes: the server's own
// debug lines show that the push was B's assignment alone, and the client still reaches A (whose
// assignment the push did not carry) and reaches B's new endpoint.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TYPE_URL } from '../../src/xds/envoy/type-urls.js';
import { cgrpcTally, startCgrpcClient } from './helpers/cgrpc-client.js';
import { nacksOf, untilFrom } from './helpers/cgrpc-mesh.js';
import { type EchoCaller, type EchoServer, echoClient, startEchoServer } from './helpers/echo-server.js';
import { tally } from './helpers/routing-mesh.js';
import { eventually, getJson, startTrellis, type TrellisProcess } from './helpers/trellis-process.js';
import { useTrellisForXds } from './helpers/xds-bootstrap.js';

const TARGET = 'xds:///front.default.svc.cluster.local:50051';
const TO_B = { 'x-to': 'b' };
const JS_NODE = 'proxyless~127.0.0.1~partial-js.default~default.svc.cluster.local';
const CORE_NODE = 'proxyless~127.0.0.1~partial-core.default~default.svc.cluster.local';

const service = (name: string, ip: string) => `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: default }
spec:
  clusterIP: ${ip}
  selector: { app: ${name} }
  ports: [{ name: grpc, port: 50051, targetPort: grpc, appProtocol: grpc }]
`;

const slice = (service: string, port: number) => `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${service}-1, namespace: default, labels: { kubernetes.io/service-name: ${service} } }
addressType: IPv4
ports: [{ name: grpc, port: ${port}, protocol: TCP }]
endpoints:
  - addresses: ["127.0.0.1"]
    conditions: { ready: true }
    zone: zone-a
`;

const route = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: front, namespace: default }
spec:
  parentRefs: [{ group: "", kind: Service, name: front, port: 50051 }]
  rules:
    - matches: [{ headers: [{ name: x-to, value: b }] }]
      backendRefs: [{ name: svc-b, port: 50051 }]
    - backendRefs: [{ name: svc-a, port: 50051 }]
`;

interface TypeSync {
  readonly subscribed?: readonly string[] | '*';
  readonly lastSentVersion?: string;
  readonly lastAckedVersion?: string;
}

async function typesOf(adminPort: number, node: string): Promise<Record<string, TypeSync> | undefined> {
  const all = (await getJson(adminPort, '/debug/syncz')) as {
    proxyId: string;
    types: Record<string, TypeSync>;
  }[];
  return all.find((p) => p.proxyId === node)?.types;
}

/** The node's EDS state once every type it asked for is ACKed at the version last sent. */
async function untilInSync(adminPort: number, node: string, changedFrom?: string): Promise<TypeSync> {
  let eds: TypeSync | undefined;
  await eventually(async () => {
    const types = await typesOf(adminPort, node);
    if (!types) return false;
    if (Object.values(types).some((t) => !t.lastSentVersion || t.lastSentVersion !== t.lastAckedVersion))
      return false;
    eds = types[TYPE_URL.endpoint];
    return eds !== undefined && eds.lastAckedVersion !== changedFrom;
  }, `${node} to ACK everything it was sent`);
  return eds!;
}

interface Sending {
  readonly node?: string;
  readonly typeUrl?: string;
  readonly resources?: number;
  readonly names?: readonly string[];
}

/** The server's state-of-the-world 'sending' lines from the index `from` of its log on. */
function sotwPushes(trellis: TrellisProcess, from: number): Sending[] {
  return trellis
    .logs()
    .slice(from)
    .filter((l) => l.msg === 'sending' && l.variant === undefined) as Sending[];
}

async function writeAtomically(file: string, text: string): Promise<void> {
  await fs.writeFile(`${file}.tmp`, text);
  await fs.rename(`${file}.tmp`, file);
}

describe('a state-of-the-world EDS push carries only what changed', () => {
  let dir: string;
  let trellis: TrellisProcess;
  let a: EchoServer;
  let b1: EchoServer;
  let b2: EchoServer;
  let b3: EchoServer;
  let jsClient: EchoCaller | undefined;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trellis-partial-'));
    [a, b1, b2, b3] = await Promise.all([
      startEchoServer('A'),
      startEchoServer('B1'),
      startEchoServer('B2'),
      startEchoServer('B3'),
    ]);
    await fs.writeFile(
      path.join(dir, 'mesh.yaml'),
      [
        service('front', '10.96.9.10'),
        service('svc-a', '10.96.9.11'),
        service('svc-b', '10.96.9.12'),
        slice('front', a.port),
        slice('svc-a', a.port),
        route,
      ].join('---\n'),
    );
    await fs.writeFile(path.join(dir, 'b.yaml'), slice('svc-b', b1.port));
    // Debug lines: each response the server sends, with its type, size and names.
    trellis = await startTrellis(dir, ['--log-level', 'debug']);
    await useTrellisForXds(trellis.xdsPort, JS_NODE);
  });

  afterAll(async () => {
    jsClient?.close();
    await trellis?.stop();
    await Promise.all([a, b1, b2, b3].map((s) => s?.stop()));
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  /**
   * Moves B's only endpoint to `to` once `node` is in sync, and returns what the server sent every
   * state-of-the-world stream from then until `node` ACKed B's new endpoint.
   */
  async function moveB(node: string, to: EchoServer, reached: () => Promise<boolean>): Promise<Sending[]> {
    const before = await untilInSync(trellis.adminPort, node);
    // Both clusters' assignments are asked for on the one stream: a complete response would carry two.
    const subscribed = before.subscribed as readonly string[];
    expect(subscribed).toHaveLength(2);
    expect(subscribed.some((n) => n.includes('svc-a.default'))).toBe(true);
    const mark = trellis.logs().length;
    await writeAtomically(path.join(dir, 'b.yaml'), slice('svc-b', to.port));
    await eventually(reached, `${node} to reach ${to.name}`);
    await untilInSync(trellis.adminPort, node, before.lastAckedVersion);
    const pushes = sotwPushes(trellis, mark);
    // One push, or more if the file watcher saw the edit as more than one change: each is checked.
    expect(pushes.filter((p) => p.node === node).length).toBeGreaterThanOrEqual(1);
    return pushes;
  }

  const bCluster = (pushes: readonly Sending[]) => pushes[0]?.names?.[0] ?? '';

  it('@grpc/grpc-js-xds is sent only B’s ClusterLoadAssignment, still reaches A, and reaches B’s new endpoint', async () => {
    const client = echoClient(TARGET);
    jsClient = client;
    await eventually(async () => (await client.call(5_000)).from === 'A', 'calls to reach A');
    await eventually(async () => (await client.call(5_000, TO_B)).from === 'B1', 'calls to reach B1');

    const pushes = await moveB(JS_NODE, b2, async () => (await client.call(5_000, TO_B)).from === 'B2');
    // Every response, to every stream: EDS, one assignment, B's.
    expect(bCluster(pushes)).toMatch(/svc-b\.default/);
    expect(pushes.map((p) => [p.typeUrl, p.resources, p.names])).toEqual(
      pushes.map(() => [TYPE_URL.endpoint, 1, [bCluster(pushes)]]),
    );

    const toA = await tally(client, 20);
    expect(toA.byServer).toEqual({ A: 20 });
    expect((await tally(client, 20, TO_B)).byServer).toEqual({ B2: 20 });
  });

  it('gRPC C-core is sent only B’s ClusterLoadAssignment, still reaches A, and reaches B’s new endpoint', async () => {
    const client = startCgrpcClient({ target: TARGET, xdsPort: trellis.xdsPort, nodeId: CORE_NODE });
    try {
      await untilFrom(client, 'A', {}, 20);
      await untilFrom(client, 'B2', TO_B, 20);

      const pushes = await moveB(CORE_NODE, b3, async () => {
        const [last] = await client.run({ calls: 1, headers: TO_B, deadlineMs: 2_000 });
        return last?.from === 'B3';
      });
      expect(bCluster(pushes)).toMatch(/svc-b\.default/);
      expect(pushes.map((p) => [p.typeUrl, p.resources, p.names])).toEqual(
        pushes.map(() => [TYPE_URL.endpoint, 1, [bCluster(pushes)]]),
      );

      expect((await cgrpcTally(client, 20)).byServer).toEqual({ A: 20 });
      expect((await cgrpcTally(client, 20, TO_B)).byServer).toEqual({ B3: 20 });
      expect(await nacksOf(trellis.adminPort, CORE_NODE)).toEqual([]);
    } finally {
      await client.stop();
    }
  });
});
