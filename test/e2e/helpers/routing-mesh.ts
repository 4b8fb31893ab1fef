// A small mesh for routing e2e tests: real gRPC servers on 127.0.0.1 behind Services, a real
// `trellis serve` on the manifests, and a real @grpc/grpc-js-xds client. Each family's test writes
// its own routing manifest and measures where calls land.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { type EchoCaller, type EchoServer, echoClient, startEchoServer } from './echo-server.js';
import { eventually, getJson, startTrellis, type TrellisProcess } from './trellis-process.js';
import { useTrellisForXds } from './xds-bootstrap.js';

interface SyncStatus {
  readonly proxyId: string;
  readonly types: Record<string, { lastSentVersion?: string; lastAckedVersion?: string }>;
}

/** The versions the client has ACKed, per type; undefined until it has connected. */
async function ackedVersions(
  adminPort: number,
  proxyPrefix: string,
): Promise<Record<string, string> | undefined> {
  const all = (await getJson(adminPort, '/debug/syncz')) as SyncStatus[];
  const me = all.find((p) => p.proxyId.startsWith(proxyPrefix));
  if (!me) return undefined;
  const versions: Record<string, string> = {};
  for (const [type, t] of Object.entries(me.types)) {
    // A push not yet ACKed (or NACKed) is not applied yet.
    if (t.lastSentVersion !== t.lastAckedVersion) return undefined;
    versions[type] = t.lastAckedVersion ?? '';
  }
  return versions;
}

export const TARGET = 'xds:///echo.default.svc.cluster.local:50051';

export interface RoutingMesh {
  readonly dir: string;
  readonly trellis: TrellisProcess;
  readonly v1: EchoServer;
  readonly v2: EchoServer;
  readonly flaky: EchoServer;
  readonly client: EchoCaller;
  /** Replaces the routing manifest (written atomically, as editors and kubectl-like tools do). */
  writeRouting(yaml: string): Promise<void>;
  /** Replaces the routing manifest and waits until the client has ACKed the configuration it causes. */
  applyRouting(yaml: string): Promise<void>;
  stop(): Promise<void>;
}

export interface Tally {
  readonly byServer: Record<string, number>;
  readonly failures: Record<string, number>;
  readonly total: number;
}

function service(name: string, selector: Record<string, string>): string {
  return `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: default }
spec:
  clusterIP: 10.96.7.${name.length + 10}
  selector: ${JSON.stringify(selector)}
  ports: [{ name: grpc, port: 50051, targetPort: grpc, appProtocol: grpc }]
`;
}

function pod(name: string, labels: Record<string, string>, port: number): string {
  return `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: default, labels: ${JSON.stringify(labels)} }
spec:
  serviceAccountName: echo
  containers: [{ name: echo, image: echo, ports: [{ name: grpc, containerPort: ${port} }] }]
status: { podIP: 127.0.0.1 }
`;
}

function slice(service: string, name: string, podName: string, port: number): string {
  return `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${name}, namespace: default, labels: { kubernetes.io/service-name: ${service} } }
addressType: IPv4
ports: [{ name: grpc, port: ${port}, protocol: TCP }]
endpoints:
  - addresses: ["127.0.0.1"]
    conditions: { ready: true }
    zone: zone-a
    targetRef: { kind: Pod, namespace: default, name: ${podName} }
`;
}

/** echo (v1 + v2, subsets by label version), echo-v1, echo-v2, and echo-pair (v1 + a server that always fails). */
function meshManifests(v1: number, v2: number, flaky: number): string {
  return [
    service('echo', { app: 'echo' }),
    service('echo-v1', { app: 'echo', version: 'v1' }),
    service('echo-v2', { app: 'echo', version: 'v2' }),
    service('echo-pair', { pair: 'yes' }),
    pod('echo-v1-0', { app: 'echo', version: 'v1', pair: 'yes' }, v1),
    pod('echo-v2-0', { app: 'echo', version: 'v2' }, v2),
    pod('echo-flaky-0', { pair: 'yes', version: 'flaky' }, flaky),
    slice('echo', 'echo-v1', 'echo-v1-0', v1),
    slice('echo', 'echo-v2', 'echo-v2-0', v2),
    slice('echo-v1', 'echo-v1-a', 'echo-v1-0', v1),
    slice('echo-v2', 'echo-v2-a', 'echo-v2-0', v2),
    slice('echo-pair', 'echo-pair-v1', 'echo-v1-0', v1),
    slice('echo-pair', 'echo-pair-flaky', 'echo-flaky-0', flaky),
  ].join('---\n');
}

export async function startRoutingMesh(initialRouting: string, clientId: string): Promise<RoutingMesh> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trellis-routing-'));
  const v1 = await startEchoServer('v1');
  const v2 = await startEchoServer('v2');
  const flaky = await startEchoServer('flaky', { failWith: grpc.status.UNAVAILABLE });
  await fs.writeFile(path.join(dir, 'mesh.yaml'), meshManifests(v1.port, v2.port, flaky.port));
  await fs.writeFile(path.join(dir, 'routing.yaml'), initialRouting);
  const trellis = await startTrellis(dir);
  await useTrellisForXds(
    trellis.xdsPort,
    `proxyless~127.0.0.1~${clientId}.default~default.svc.cluster.local`,
  );
  const client = echoClient(TARGET);
  const proxyPrefix = `proxyless~127.0.0.1~${clientId}.`;
  const writeRouting = async (yaml: string) => {
    const file = path.join(dir, 'routing.yaml');
    await fs.writeFile(`${file}.tmp`, yaml);
    await fs.rename(`${file}.tmp`, file);
  };
  return {
    dir,
    trellis,
    v1,
    v2,
    flaky,
    client,
    writeRouting,
    applyRouting: async (yaml) => {
      let before: Record<string, string> | undefined;
      await eventually(async () => {
        before = await ackedVersions(trellis.adminPort, proxyPrefix);
        return before !== undefined;
      }, 'the client to be in sync before the change');
      await writeRouting(yaml);
      await eventually(async () => {
        const now = await ackedVersions(trellis.adminPort, proxyPrefix);
        return now !== undefined && JSON.stringify(now) !== JSON.stringify(before);
      }, 'the client to ACK the new routes');
    },
    stop: async () => {
      client.close();
      await trellis.stop();
      await Promise.all([v1.stop(), v2.stop(), flaky.stop()]);
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** Makes `n` calls one after another and counts where they landed and how they failed. */
export async function tally(
  client: EchoCaller,
  n: number,
  headers: Record<string, string> = {},
): Promise<Tally> {
  const byServer: Record<string, number> = {};
  const failures: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    try {
      const reply = await client.call(5_000, headers);
      byServer[reply.from] = (byServer[reply.from] ?? 0) + 1;
    } catch (err) {
      const code = String((err as { code?: number }).code ?? 'unknown');
      failures[code] = (failures[code] ?? 0) + 1;
    }
  }
  return { byServer, failures, total: n };
}

/** Waits until a probe call is answered the way `check` wants: the new configuration has arrived. */
export async function untilRouted(
  client: EchoCaller,
  check: (from: string | undefined, code: number | undefined) => boolean,
  headers: Record<string, string> = {},
  what = 'the new routes to apply',
): Promise<void> {
  await eventually(async () => {
    for (let i = 0; i < 20; i++) {
      try {
        if (check((await client.call(5_000, headers)).from, undefined)) return true;
      } catch (err) {
        if (check(undefined, (err as { code?: number }).code)) return true;
      }
    }
    return false;
  }, what);
}
