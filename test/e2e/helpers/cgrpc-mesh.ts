// The routing mesh of routing-mesh.ts (echo servers v1, v2 and flaky, the real `trellis serve`),
// served to gRPC C-core xDS clients (cgrpc_client.py). Each test gets a fresh client with a node id of
// its own, so /debug/syncz tells exactly which test's configuration a NACK answered; when the test
// is over the routing goes back to the family's baseline, so the next client starts from a
// configuration every client accepts.
import { expect } from 'vitest';
import { type CallResult, type CgrpcClient, startCgrpcClient, tallyOf } from './cgrpc-client.js';
import { type RoutingMesh, startRoutingMesh, TARGET, type Tally } from './routing-mesh.js';
import { getJson } from './trellis-process.js';

interface TypeSync {
  readonly lastSentVersion?: string;
  readonly lastAckedVersion?: string;
  readonly lastNack?: { readonly version: string; readonly nonce: string; readonly message: string };
}

interface Syncz {
  readonly proxyId: string;
  readonly client?: string;
  readonly types: Readonly<Record<string, TypeSync>>;
}

export interface NackSeen {
  readonly type: string;
  readonly version: string;
  readonly message: string;
}

async function syncOf(adminPort: number, nodeId: string): Promise<Syncz | undefined> {
  const all = (await getJson(adminPort, '/debug/syncz')) as Syncz[];
  return all.find((p) => p.proxyId === nodeId);
}

/** Every NACK the node sent (the last one per type: /debug/syncz keeps it after later ACKs). */
export async function nacksOf(adminPort: number, nodeId: string): Promise<NackSeen[]> {
  const me = await syncOf(adminPort, nodeId);
  return Object.entries(me?.types ?? {}).flatMap(([type, t]) =>
    t.lastNack ? [{ type, version: t.lastNack.version, message: t.lastNack.message }] : [],
  );
}

/** The ACKed version per type, or undefined while a push waits for its answer (or was NACKed). */
function ackedVersions(me: Syncz | undefined): Record<string, string> | undefined {
  if (!me || Object.keys(me.types).length === 0) return undefined;
  const versions: Record<string, string> = {};
  for (const [type, t] of Object.entries(me.types)) {
    if (t.lastSentVersion === undefined || t.lastSentVersion !== t.lastAckedVersion) return undefined;
    versions[type] = t.lastAckedVersion;
  }
  return versions;
}

/** The version last sent per type, once every push has its answer (an ACK or a NACK); else undefined. */
function answeredVersions(me: Syncz | undefined): Record<string, string> | undefined {
  if (!me || Object.keys(me.types).length === 0) return undefined;
  const versions: Record<string, string> = {};
  for (const [type, t] of Object.entries(me.types)) {
    const sent = t.lastSentVersion;
    if (sent === undefined || (sent !== t.lastAckedVersion && sent !== t.lastNack?.version)) return undefined;
    versions[type] = sent;
  }
  return versions;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls the node's /debug/syncz entry (at most `timeoutMs`) until `pick` returns something. With
 * `failOnNack`, a NACK that was not there when the wait began ends it at once, with C-core's words.
 */
async function untilSync<T>(
  adminPort: number,
  nodeId: string,
  pick: (me: Syncz | undefined) => T | undefined,
  what: string,
  failOnNack: boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const known = new Set((await nacksOf(adminPort, nodeId)).map((n) => `${n.type} ${n.version}`));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const me = await syncOf(adminPort, nodeId);
    for (const [type, t] of Object.entries(me?.types ?? {})) {
      if (failOnNack && t.lastNack && !known.has(`${type} ${t.lastNack.version}`)) {
        throw new Error(`C-core NACKed ${type} version ${t.lastNack.version}: ${t.lastNack.message}`);
      }
    }
    const picked = pick(me);
    if (picked !== undefined) return picked;
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export interface CgrpcMesh {
  readonly mesh: RoutingMesh;
  /**
   * Starts a C-core client with its own node id (`cgrpc-<family>-<name>`), waits until it is served
   * and in sync, runs `body`, then checks the client sent no NACK at all; afterwards the routing goes
   * back to the baseline and the client is stopped, whatever happened.
   */
  withClient(name: string, body: (client: CgrpcClient) => Promise<void>): Promise<void>;
  /** Replaces the routing manifest and waits until the client has ACKed what it causes. */
  apply(client: CgrpcClient, yaml: string): Promise<void>;
  /**
   * Calls in a loop while the routing manifest is replaced, until `until.calls` calls reached
   * `until.server` (at most 20,000 calls and 20 s), and counts where every call went.
   */
  callsDuringEdit(
    client: CgrpcClient,
    yaml: string,
    until: { readonly server: string; readonly calls: number },
  ): Promise<Tally>;
  stop(): Promise<void>;
}

export async function startCgrpcMesh(family: string, baseline: string): Promise<CgrpcMesh> {
  // startRoutingMesh also makes a @grpc/grpc-js-xds channel; these tests never call it, and an idle
  // channel does not connect, so only the C-core clients talk to Trellis.
  const mesh = await startRoutingMesh(baseline, `unused-grpc-js-${family}`);
  const adminPort = mesh.trellis.adminPort;
  let current = baseline;

  const write = async (yaml: string) => {
    current = yaml;
    await mesh.writeRouting(yaml);
  };

  const apply = async (client: CgrpcClient, yaml: string) => {
    if (yaml === current) return;
    const { nodeId } = client;
    // What the client was last sent, once it has answered it; after a NACK, the version it refused.
    const before = JSON.stringify(
      await untilSync(adminPort, nodeId, answeredVersions, 'the client to answer every push', false),
    );
    await write(yaml);
    await untilSync(
      adminPort,
      nodeId,
      (me) => {
        const now = ackedVersions(me);
        return now && JSON.stringify(now) !== before ? now : undefined;
      },
      'the C-core client to ACK the new routes',
      true,
    );
  };

  const withClient = async (name: string, body: (client: CgrpcClient) => Promise<void>) => {
    const client = startCgrpcClient({
      target: TARGET,
      xdsPort: mesh.trellis.xdsPort,
      nodeId: `proxyless~127.0.0.1~cgrpc-${family}-${name}.default~default.svc.cluster.local`,
    });
    let failure: { readonly error: unknown } | undefined;
    try {
      await untilFrom(client, '*', {}, 20);
      await untilSync(adminPort, client.nodeId, ackedVersions, 'the client to ACK its first routes', true);
      // Read from its node: what decides the older header matchers and total_weight it is sent.
      expect((await syncOf(adminPort, client.nodeId))?.client).toMatch(/^gRPC c-core 1\.51\.\d+$/);
      await body(client);
      expect(await nacksOf(adminPort, client.nodeId), 'NACKs sent by the C-core client').toEqual([]);
    } catch (error) {
      failure = { error };
    }
    // Back to the baseline, waiting until this client has ACKed it, so the next test's client starts
    // from routes every client accepts; the test's own failure comes first, it says more.
    try {
      await apply(client, baseline);
    } catch (error) {
      if (current !== baseline) await write(baseline);
      failure ??= { error };
    } finally {
      await client.stop();
    }
    if (failure) throw failure.error;
  };

  return {
    mesh,
    withClient,
    apply,
    callsDuringEdit: async (client, yaml, until) => {
      const running = client.run({
        calls: 20_000,
        untilFrom: until.server,
        untilCount: until.calls,
        maxSeconds: 20,
      });
      await sleep(200);
      await write(yaml);
      return tallyOf(await running);
    },
    stop: () => mesh.stop(),
  };
}

/**
 * Calls until one is answered by `server` ('*': by any server, i.e. the client has its listener,
 * routes, clusters and endpoints), showing the new routes are in use; fails after `maxSeconds`.
 */
export async function untilFrom(
  client: CgrpcClient,
  server: string,
  headers: Readonly<Record<string, string>> = {},
  maxSeconds = 15,
): Promise<void> {
  const results = await client.run({ calls: 10_000, headers, untilFrom: server, untilCount: 1, maxSeconds });
  const last: CallResult | undefined = results.at(-1);
  if (last?.from === undefined || (server !== '*' && last.from !== server)) {
    throw new Error(
      `no call reached ${server} in ${results.length} calls; the last: ${JSON.stringify(last)}\n${client.stderr()}`,
    );
  }
}
