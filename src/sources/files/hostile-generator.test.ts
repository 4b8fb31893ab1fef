// Hostile and careless input, generated (issue 11): a seeded generator (hostile-cases.ts) mixes the
// classes of hostile-input.test.ts into at least 2,000 small manifest directories. Each goes through
// the file source (what `trellis serve` starts with) and through `trellis validate`: no throw escapes,
// the anchor Service is always served, both reach the same verdict, every file gets the fate its class
// demands, and every issue is precise (the file, the document, the field path, the measured value, the
// limit and its flag) and quotes nothing unbounded. Then a real server, in process, takes bursts of
// the same files in its watched directory while a well-behaved ADS client keeps getting its
// configuration. Reproduce a failure with HOSTILE_SEED=<seed> (and HOSTILE_CASES=<n>).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdsTestClient, resourceNames } from '../../../test/helpers/ads-test-client.js';
import { until } from '../../../test/helpers/xds-fixtures.js';
import { type RunningServer, startServer } from '../../cli/serve.js';
import { validateCommand } from '../../cli/validate.js';
import { silentLogger } from '../../log.js';
import { formatIssue, type Issue } from '../../model/issue.js';
import { envoyType } from '../../xds/envoy/proto-root.js';
import { TYPE_URL, typeNameFromUrl } from '../../xds/envoy/type-urls.js';
import type { DiscoveryResponseObject } from '../../xds/server/ads-service.js';
import type { SourceState } from '../source.js';
import { FileSource } from './file-source.js';
import {
  ANCHOR_FILE,
  ANCHOR_LISTENER,
  ANCHOR_NAMESPACE,
  ANCHOR_PORT,
  ANCHOR_SERVICE,
  anchorYaml,
  CLASSES,
  type ExpectedIssue,
  generateCase,
  HOSTILE_LIMITS,
  type HostileCase,
  type HostileFile,
} from './hostile-cases.js';
import { readManifestDir } from './read-dir.js';

const SEED = Number(process.env.HOSTILE_SEED ?? 20_251_111);
const CASES = Number(process.env.HOSTILE_CASES ?? 2_000);
/**
 * Heap growth allowed over all the cases. Measured 50 to 85 MiB at most (printed in the console line;
 * sampled every 100 cases without forcing a collection, so it varies with the collector).
 */
const HEAP_BOUND_BYTES = 200 * 1024 * 1024;
/** The longest issue line allowed: enough for any precise message, too short to echo a file. */
const MAX_LINE_CHARS = 600;
const AT = new Date('2030-01-02T03:04:05.000Z');

const NOTHING_SERVED = '; nothing of the file is served';

/** Problems found in one case, each naming the seed, the case and the file. */
type Failures = string[];

/** What the issue says is not precise, or quotes what it should not. */
function imprecision(issue: Issue): string | undefined {
  const line = formatIssue(issue);
  if (!issue.message.trim()) return 'has an empty message';
  if (line.length > MAX_LINE_CHARS) return `is ${line.length} characters long (at most ${MAX_LINE_CHARS})`;
  if (line.includes('[object Object]')) return 'says [object Object]';
  if (/\bundefined\b|\bNaN\b/.test(line)) return 'says undefined or NaN';
  if (/\n\s+at .+:\d+:\d+/.test(line) || /\bat (?:file|node):/.test(line)) return 'holds a stack trace';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for echoed control bytes
  if (/[\u0000-\u001f\u007f\ufffd]/.test(line)) return 'quotes control bytes or U+FFFD';
  if (!issue.origin) return 'names no file';
  return undefined;
}

function matches(issue: Issue, expected: ExpectedIssue): boolean {
  if (expected.reason !== 'any' && issue.reason !== expected.reason) return false;
  if (issue.documentIndex !== expected.documentIndex) return false;
  if (expected.fieldPath !== undefined && issue.fieldPath !== expected.fieldPath) return false;
  return expected.includes.every((words) => issue.message.includes(words));
}

/** Every check of one case on the state serve starts with; validate's agreement is checked apart. */
function checkCase(c: HostileCase, state: SourceState, failures: Failures): void {
  const where = `seed ${SEED} case ${c.index}`;
  const fail = (what: string) => failures.push(`${where}: ${what}`);
  const services = new Set(state.mesh.services.map((s) => s.name));
  const anchor = state.mesh.services.find(
    (s) => s.name === ANCHOR_SERVICE && s.namespace === ANCHOR_NAMESPACE,
  );
  if (anchor?.ports[0]?.port !== ANCHOR_PORT)
    fail(`the anchor Service is not served as written: ${JSON.stringify(anchor)}`);
  if (!state.mesh.endpointSlices.some((e) => e.name === `${ANCHOR_SERVICE}-1`))
    fail('the anchor EndpointSlice is not served');
  const origins = new Set([ANCHOR_FILE, ...c.files.map((f) => f.name)]);
  for (const issue of state.issues) {
    const bad = imprecision(issue);
    if (bad) fail(`an issue ${bad}: ${formatIssue(issue).slice(0, 300)}`);
    if (!origins.has(issue.origin))
      fail(`an issue names no file of the case: ${formatIssue(issue).slice(0, 300)}`);
    if (issue.origin === ANCHOR_FILE) fail(`an issue about the anchor file: ${formatIssue(issue)}`);
  }
  const known = new Set([ANCHOR_SERVICE]);
  for (const file of c.files) {
    for (const name of file.services) known.add(name);
    checkFile(file, state, services, (what) => fail(`${file.name} (${file.kind}, ${file.fate}): ${what}`));
  }
  // Nothing is served that no file defines validly; a truncated file may serve what it still holds.
  const unknownPrefixes = c.files
    .filter((f) => f.fate === 'unknown')
    .map((f) => `${f.name.split('-').slice(0, 2).join('-')}-`);
  for (const name of services) {
    if (!known.has(name) && !unknownPrefixes.some((prefix) => name.startsWith(prefix)))
      fail(`serves ${name.slice(0, 100)}, which no file defines validly`);
  }
}

function checkFile(
  file: HostileFile,
  state: SourceState,
  services: Set<string>,
  fail: (what: string) => void,
): void {
  const issues = state.issues.filter((i) => i.origin === file.name);
  const shown = () => issues.map(formatIssue).join(' | ').slice(0, 1000);
  const { expected } = file;
  switch (file.fate) {
    case 'rejected': {
      if (issues.length === 0) {
        fail('is rejected with no issue');
        return;
      }
      if (issues.some((i) => i.severity !== 'error' || !i.message.endsWith(NOTHING_SERVED)))
        fail(`not every issue is an error that says nothing is served: ${shown()}`);
      const served = file.services.filter((s) => services.has(s));
      if (served.length > 0) fail(`serves ${served.join(', ')} of a rejected file`);
      if (expected && !issues.some((i) => matches(i, expected)))
        fail(`no issue matches ${JSON.stringify(expected)}: ${shown()}`);
      return;
    }
    case 'partial': {
      const missing = file.services.filter((s) => !services.has(s));
      if (missing.length > 0) fail(`does not serve its valid ${missing.join(', ')}: ${shown()}`);
      if (issues.some((i) => i.message.endsWith(NOTHING_SERVED))) fail(`is rejected as a whole: ${shown()}`);
      if (!expected) return;
      const errors = issues.filter((i) => i.severity === 'error');
      if (errors.length === 0 && !expected.optional) fail(`has no error: ${shown()}`);
      if (errors.length > 0 && !errors.some((i) => matches(i, expected)))
        fail(`no error matches ${JSON.stringify(expected)}: ${shown()}`);
      const elsewhere = issues.filter((i) => i.documentIndex !== expected.documentIndex);
      if (elsewhere.length > 0)
        fail(`issues on its valid documents: ${elsewhere.map(formatIssue).join(' | ')}`);
      return;
    }
    case 'served': {
      if (issues.length > 0) fail(`has issues: ${shown()}`);
      const missing = file.services.filter((s) => !services.has(s));
      if (missing.length > 0) fail(`does not serve ${missing.join(', ')}`);
      return;
    }
    case 'unknown': {
      // Any verdict, as long as it is one: a file-level failure says so in every issue about it.
      const wholesale = issues.filter((i) => i.message.endsWith(NOTHING_SERVED));
      if (wholesale.length > 0 && wholesale.length !== issues.length)
        fail(`is both rejected as a whole and not: ${shown()}`);
      return;
    }
  }
}

async function writeCase(dir: string, c: HostileCase): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, ANCHOR_FILE), anchorYaml());
  for (const file of c.files) await writeFile(path.join(dir, file.name), file.content);
}

function collect(): { out: Writable; text: () => string } {
  let text = '';
  const out = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { out, text: () => text };
}

/** Runs one case through serve's and validate's code paths; returns what went wrong. */
async function runCase(root: string, c: HostileCase): Promise<Failures> {
  const failures: Failures = [];
  const where = `seed ${SEED} case ${c.index}`;
  const dir = path.join(root, `case-${c.index}`);
  await writeCase(dir, c);
  try {
    const source = new FileSource(dir, { logger: silentLogger(), limits: HOSTILE_LIMITS, now: () => AT });
    let served: SourceState;
    try {
      served = await source.start(() => {});
    } finally {
      await source.stop();
    }
    const validated = await readManifestDir(dir, { limits: HOSTILE_LIMITS });
    if (JSON.stringify(served) !== JSON.stringify(validated))
      failures.push(`${where}: serve and validate disagree`);
    const { out, text } = collect();
    const exitCode = await validateCommand(dir, out, { limits: HOSTILE_LIMITS });
    const lines = served.issues.map((i) => `${i.severity}: ${formatIssue(i)}`);
    if (text().split('\n').slice(0, lines.length).join('\n') !== lines.join('\n'))
      failures.push(`${where}: validate prints other issues than serve reports`);
    const errors = served.issues.some((i) => i.severity === 'error');
    if (exitCode !== (errors ? 1 : 0))
      failures.push(`${where}: validate exits ${exitCode} with errors=${errors}`);
    checkCase(c, served, failures);
  } catch (err) {
    failures.push(`${where}: threw ${err instanceof Error ? err.stack : String(err)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return failures;
}

describe(`${CASES} generated hostile directories (seed ${SEED})`, () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'trellis-hostile-gen-'));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('the generator is deterministic and covers every class', () => {
    expect(JSON.stringify(generateCase(SEED, 7))).toBe(JSON.stringify(generateCase(SEED, 7)));
    const seen = new Set<string>();
    for (let i = 0; i < CASES; i++) for (const file of generateCase(SEED, i).files) seen.add(file.kind);
    expect([...seen].sort(), `seed ${SEED}`).toEqual([...CLASSES].sort());
  });

  it('serve and validate agree on every case; the anchor is served; every issue is precise; memory is bounded', async () => {
    const failures: Failures = [];
    const started = performance.now();
    const heapBefore = process.memoryUsage().heapUsed;
    let peak = heapBefore;
    const perClass = new Map<string, number>();
    for (let i = 0; i < CASES; i++) {
      const c = generateCase(SEED, i);
      for (const file of c.files) perClass.set(file.kind, (perClass.get(file.kind) ?? 0) + 1);
      failures.push(...(await runCase(root, c)));
      if (i % 100 === 99) peak = Math.max(peak, process.memoryUsage().heapUsed);
      if (failures.length >= 40) break;
    }
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    const peakGrowth = Math.max(peak, process.memoryUsage().heapUsed) - heapBefore;
    console.log(
      `hostile generator: seed ${SEED}, ${CASES} cases, ${[...perClass.values()].reduce((a, b) => a + b, 0)} hostile files in ${perClass.size} classes, ${((performance.now() - started) / 1000).toFixed(1)} s; heap growth ${(heapGrowth / 2 ** 20).toFixed(1)} MiB at the end, ${(peakGrowth / 2 ** 20).toFixed(1)} MiB at most (bound ${HEAP_BOUND_BYTES / 2 ** 20} MiB)`,
    );
    expect(failures, `seed ${SEED}: reproduce with HOSTILE_SEED=${SEED}`).toEqual([]);
    expect(peakGrowth, `seed ${SEED}: heap growth`).toBeLessThan(HEAP_BOUND_BYTES);
  });
});

const CLUSTER = `outbound|${ANCHOR_PORT}||${ANCHOR_SERVICE}.${ANCHOR_NAMESPACE}.svc.cluster.local`;
const BURSTS = 4;
const FILES_PER_BURST = 50;

/** A second EndpointSlice of the anchor Service, moved at each burst: the change the client must get. */
const probeYaml = (burst: number) => `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ${ANCHOR_SERVICE}-probe
  namespace: ${ANCHOR_NAMESPACE}
  labels: { kubernetes.io/service-name: ${ANCHOR_SERVICE} }
addressType: IPv4
ports: [{ name: grpc, port: 9000 }]
endpoints: [{ addresses: [127.0.1.${burst + 1}], conditions: { ready: true } }]
`;

/** The addresses (ip:port) of a ClusterLoadAssignment response for the anchor's cluster. */
function addressesOf(response: DiscoveryResponseObject): string[] {
  const out: string[] = [];
  for (const any of response.resources) {
    const cla = envoyType(typeNameFromUrl(any.type_url)).decode(any.value) as unknown as {
      endpoints?: {
        lb_endpoints?: {
          endpoint?: { address?: { socket_address?: { address: string; port_value: number } } };
        }[];
      }[];
    };
    for (const locality of cla.endpoints ?? [])
      for (const lb of locality.lb_endpoints ?? []) {
        const socket = lb.endpoint?.address?.socket_address;
        if (socket) out.push(`${socket.address}:${socket.port_value}`);
      }
  }
  return out.sort();
}

/**
 * A well-behaved proxyless client: it asks for the anchor's listener and cluster endpoints, ACKs every
 * response, and remembers what it was last sent. Every response is read; none may withdraw the anchor.
 */
class WellBehavedClient {
  readonly ads: AdsTestClient;
  listeners: string[] = [];
  addresses: string[] = [];
  /** Responses that did not carry the anchor: a withdrawal the hostile files must never cause. */
  readonly withdrawals: string[] = [];
  private stopped = false;
  private readonly pump: Promise<void>;
  private readonly node = {
    id: 'proxyless~127.0.0.1~client-0.shop~shop.svc.cluster.local',
    user_agent_name: 'grpc-node-js',
  };

  constructor(port: number) {
    this.ads = new AdsTestClient(port);
    this.ads.send({ node: this.node, type_url: TYPE_URL.listener, resource_names: [ANCHOR_LISTENER] });
    this.ads.send({ node: this.node, type_url: TYPE_URL.endpoint, resource_names: [CLUSTER] });
    this.pump = this.run();
  }

  private async run(): Promise<void> {
    // Bounded by close(): each receive waits at most 100 ms.
    while (!this.stopped) {
      const response = await this.ads.receive(100);
      if (!response) continue;
      const names = response.type_url === TYPE_URL.listener ? [ANCHOR_LISTENER] : [CLUSTER];
      this.ads.send({
        node: this.node,
        type_url: response.type_url,
        version_info: response.version_info,
        response_nonce: response.nonce,
        resource_names: names,
      });
      if (response.type_url === TYPE_URL.listener) {
        this.listeners = resourceNames(response);
        if (!this.listeners.includes(ANCHOR_LISTENER))
          this.withdrawals.push(`LDS ${response.version_info}: ${this.listeners.join()}`);
      } else if (response.type_url === TYPE_URL.endpoint) {
        this.addresses = addressesOf(response);
        if (!this.addresses.includes('127.0.0.1:9000'))
          this.withdrawals.push(`EDS ${response.version_info}: ${this.addresses.join()}`);
      }
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.pump;
    this.ads.close();
  }
}

describe(`a real server takes bursts of generated hostile files (seed ${SEED})`, () => {
  let dir: string;
  let server: RunningServer | undefined;
  let client: WellBehavedClient | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'trellis-hostile-live-'));
    await writeFile(path.join(dir, ANCHOR_FILE), anchorYaml());
    await writeFile(path.join(dir, 'probe.yaml'), probeYaml(0));
    server = await startServer({
      manifests: dir,
      xdsAddress: '127.0.0.1:0',
      adminAddress: '127.0.0.1:0',
      logger: silentLogger(),
      limits: HOSTILE_LIMITS,
    });
  });

  afterAll(async () => {
    await client?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('stays ready, and a well-behaved client keeps getting the anchor and each change to it', async () => {
    const { xdsPort, adminPort } = server!;
    const where = `seed ${SEED}`;
    client = new WellBehavedClient(xdsPort);
    const live = client;
    await until(
      () => live.addresses.includes('127.0.1.1:9000') && live.listeners.includes(ANCHOR_LISTENER),
      `${where}: the initial configuration`,
      30_000,
    );
    // Hostile files from cases the directory test does not run, and file-level failures for the anchor.
    const hostile: HostileFile[] = [];
    const rejected: HostileFile[] = [];
    for (let i = 0; hostile.length < BURSTS * FILES_PER_BURST && i < 10_000; i++)
      for (const file of generateCase(SEED, 1_000_000 + i).files) {
        hostile.push(file);
        if (file.fate === 'rejected' && file.kind !== 'file-too-big') rejected.push(file);
      }
    const latencies: number[] = [];
    for (let burst = 1; burst <= BURSTS; burst++) {
      const files = hostile.slice((burst - 1) * FILES_PER_BURST, burst * FILES_PER_BURST);
      const writes = files.map((file) => writeFile(path.join(dir, `b${burst}-${file.name}`), file.content));
      // Every other burst also breaks the anchor file itself: its last good version must keep serving.
      const breaksAnchor = burst % 2 === 0;
      if (breaksAnchor) writes.push(writeFile(path.join(dir, ANCHOR_FILE), rejected[burst]!.content));
      writes.push(writeFile(path.join(dir, 'probe.yaml'), probeYaml(burst)));
      await Promise.all(writes);
      const written = performance.now();
      const moved = `127.0.1.${burst + 1}:9000`;
      await until(
        () => live.addresses.includes(moved),
        `${where} burst ${burst}: the client to get the moved endpoint`,
        30_000,
      );
      latencies.push(performance.now() - written);
      expect(live.addresses, `${where} burst ${burst}`).toEqual(['127.0.0.1:9000', moved]);
      expect(live.listeners, `${where} burst ${burst}`).toEqual([ANCHOR_LISTENER]);
      const ready = await fetch(`http://127.0.0.1:${adminPort}/readyz`);
      expect(ready.status, `${where} burst ${burst}: /readyz`).toBe(200);
      // A client that connects now gets the anchor's listener too.
      const fresh = new AdsTestClient(xdsPort);
      try {
        fresh.send({
          node: {
            id: `proxyless~127.0.0.1~fresh-${burst}.shop~shop.svc.cluster.local`,
            user_agent_name: 'grpc-node-js',
          },
          type_url: TYPE_URL.listener,
          resource_names: [ANCHOR_LISTENER],
        });
        expect(resourceNames(await fresh.next(10_000)), `${where} burst ${burst}: a fresh client`).toEqual([
          ANCHOR_LISTENER,
        ]);
      } finally {
        fresh.close();
      }
      if (breaksAnchor) {
        // The anchor's broken text may be read in a later reload than the probe's.
        const said = `serving the last good version of ${ANCHOR_FILE} from`;
        let errors = '';
        for (let i = 0; i < 300 && !errors.includes(said); i++) {
          if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
          const page = await fetch(`http://127.0.0.1:${adminPort}/debug/config-errors?limit=1000`);
          errors = JSON.stringify(await page.json());
        }
        expect(errors, `${where} burst ${burst}`).toContain(said);
        // Still served meanwhile, from its last good version.
        expect(live.addresses, `${where} burst ${burst}`).toContain('127.0.0.1:9000');
        // The anchor file is good again for the next burst.
        await writeFile(path.join(dir, ANCHOR_FILE), anchorYaml());
      }
    }
    expect(live.withdrawals, `${where}: responses without the anchor`).toEqual([]);
    console.log(
      `hostile generator, live: ${BURSTS} bursts of ${FILES_PER_BURST} files; the client got each change ${latencies.map((ms) => `${Math.round(ms)} ms`).join(', ')} after the burst was written`,
    );
  });
});
