// `npm run bench:kube`: the Kubernetes source of issue 14 at the target size. A fake API server
// (test/kube-api/, the real list and watch wire format, in its own process: bench/kube-api-process.ts)
// holds S Services, S × K Pods of a few kB each and one EndpointSlice per Service
// (bench/kube-objects.ts). This process then measures, with `--expose-gc` and gc() before each
// memory reading:
//
// 1. the objects themselves: the heap of the Pods as parsed from the wire, and as trimmed;
// 2. the source alone: a KubeSource's start() until it resolves (every informer listed, the first
//    state built), and the heap it holds once synced (informers' trimmed objects, which are also the
//    builder's documents, and the model), per Pod;
// 3. the real server, in this process: `startServer({ kube, cluster })` (leader election against the
//    fake's Lease, status write-back) until the source's start() resolved (its "manifests loaded"
//    log line), startServer resolved, and /readyz answered 200; heap, RSS and external once ready;
// 4. for each fleet size F: F simulated Envoys (bench/worker-pool.ts: half SotW, half delta, in
//    client processes) connect, then each endpoint change applies one modified EndpointSlice in the
//    fake (one endpoint turns not ready) and is timed from the moment it is sent to the fake to the
//    last ACK of every stream. Changes are bounded in count and time.
//
//   node --expose-gc dist/bench/kube-run.js [--services 1000] [--pods-per-service 10]
//        [--fleets 200,2000] [--changes 20] [--budget SECONDS] [--workers N] [--json FILE]
//
// (`node dist/bench/run.js --kube ...` starts it with --expose-gc.) Figures are printed, never asserted.

import { writeFile } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { readClusterFlags } from '../src/cli/cluster-flags.js';
import { type RunningServer, startServer } from '../src/cli/serve.js';
import { createLogger, silentLogger } from '../src/log.js';
import { KUBE_KINDS } from '../src/sources/kube/kube-kinds.js';
import { KubeSource } from '../src/sources/kube/kube-source.js';
import { trimObject } from '../src/sources/kube/trim.js';
import { type ChangeSample, runChanges } from './change-phase.js';
import { exited, forkTracked, Inbox, killAll } from './child-processes.js';
import { positiveInt } from './flag-values.js';
import type { FromKubeApi, ObjectSizes, ToKubeApi } from './kube-api-process.js';
import { KubeCluster } from './kube-objects.js';
import { machine } from './proc-stats.js';
import { bytes, ms, summarise } from './report.js';
import { serverAllocator } from './server-env.js';
import { EDS, now } from './simulated-proxy.js';
import { type MetricsSample, parseMetrics } from './trellis-process.js';
import { WorkerPool } from './worker-pool.js';

const USAGE = `usage: node --expose-gc dist/bench/kube-run.js [--services N] [--pods-per-service N] [--fleets F,F]
                            [--changes N] [--budget SECONDS] [--workers N] [--json FILE]`;

const FAKE = fileURLToPath(new URL('./kube-api-process.js', import.meta.url));

interface Plan {
  readonly services: number;
  readonly podsPerService: number;
  readonly fleets: readonly number[];
  readonly changes: number;
  readonly budgetMs: number;
  readonly workers?: number;
  readonly json?: string;
}

export interface MemoryReading {
  readonly heapUsed: number;
  readonly rss: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

interface FleetFigures {
  readonly streams: number;
  readonly workers: number;
  readonly coldStartMs?: number;
  readonly coldTimeout?: { readonly ready: number; readonly total: number };
  readonly failedStreams: number;
  readonly firstFailure?: string;
  /** This process (the server, and the orchestrator's small share) during cold start. */
  readonly coldCpuSeconds: number;
  readonly connected?: MemoryReading;
  readonly endpoint: readonly ChangeSample[];
  readonly serverTranslationMs?: number;
  readonly serverConvergenceMs?: number;
  /** This process's event-loop delay (the server's), p50 / p99 / max ms, during cold start and the changes. */
  readonly loopDelay: { readonly cold?: LoopDelay; readonly changes?: LoopDelay };
}

interface LoopDelay {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Samples the event loop's delay until the returned function is called. */
function watchLoop(): () => LoopDelay {
  const h = monitorEventLoopDelay({ resolution: 20 });
  h.enable();
  return () => {
    h.disable();
    const msOf = (ns: number) => ns / 1e6;
    return { p50: msOf(h.percentile(50)), p99: msOf(h.percentile(99)), max: msOf(h.max) };
  };
}

interface Figures {
  machine: string;
  plan: Plan;
  objects?: number;
  pods?: ObjectSizes;
  slices?: ObjectSizes;
  seedMs?: number;
  /** Heap of the Pods parsed from their JSON, full and trimmed, per Pod. */
  objectHeap?: { readonly fullPerPod: number; readonly trimmedPerPod: number };
  source?: {
    readonly startMs: number;
    readonly before: MemoryReading;
    readonly after: MemoryReading;
    readonly services: number;
    readonly workloads: number;
    readonly endpointSlices: number;
  };
  server?: {
    readonly sourceStartedMs?: number;
    readonly startServerMs: number;
    readonly readyMs?: number;
    readonly before: MemoryReading;
    readonly ready: MemoryReading;
    readonly leader: boolean;
  };
  fleets: FleetFigures[];
  /** Leader election over the whole run, from the server's log. */
  lease?: { readonly acquired: number; readonly lost: number };
  /** The server's warnings and errors, tagged with what the benchmark was doing. */
  serverWarnings: string[];
  errors: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

function plan(argv: string[]): Plan {
  const { values } = parseArgs({
    args: argv,
    options: {
      services: { type: 'string', default: '1000' },
      'pods-per-service': { type: 'string', default: '10' },
      fleets: { type: 'string', default: '200,2000' },
      changes: { type: 'string', default: '20' },
      budget: { type: 'string', default: '90' },
      workers: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const services = positiveInt(values.services, '--services');
  const podsPerService = positiveInt(values['pods-per-service'], '--pods-per-service');
  // A change turns one endpoint not ready: a second one is needed for a service touched again.
  if (podsPerService < 2) throw new Error('--pods-per-service must be at least 2');
  const fleets = values.fleets.split(',').map((f) => positiveInt(f.trim(), '--fleets'));
  const most = services * podsPerService;
  if (fleets.some((f) => f > most)) throw new Error(`--fleets: at most ${most} streams (one per Pod)`);
  return {
    services,
    podsPerService,
    fleets,
    changes: positiveInt(values.changes, '--changes'),
    budgetMs: positiveInt(values.budget, '--budget') * 1000,
    ...(values.workers ? { workers: positiveInt(values.workers, '--workers') } : {}),
    ...(values.json ? { json: values.json } : {}),
  };
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Memory after two full collections (the second frees what the first's finalisers let go). */
async function settledMemory(): Promise<MemoryReading> {
  for (let i = 0; i < 2; i++) {
    gc?.();
    await sleep(50);
  }
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers };
}

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** The fake API server's process. */
class FakeApi {
  private constructor(private readonly inbox: Inbox<FromKubeApi>) {}

  static async start(): Promise<FakeApi> {
    const inbox = new Inbox<FromKubeApi>(forkTracked(FAKE), 'kube API server');
    await inbox.next('loaded', 30_000);
    return new FakeApi(inbox);
  }

  private send(m: ToKubeApi): void {
    this.inbox.send(m);
  }

  async seed(services: number, podsPerService: number): Promise<Extract<FromKubeApi, { type: 'seeded' }>> {
    this.send({ type: 'seed', size: { services, podsPerService } });
    return this.inbox.next('seeded', 180_000);
  }

  async change(n: number): Promise<void> {
    this.send({ type: 'change', n });
    await this.inbox.next('changed', 10_000, (m) => m.n === n);
  }

  async stop(): Promise<void> {
    this.send({ type: 'stop' });
    await exited(this.inbox.child, 5_000);
  }
}

/** The Pods as one list body, as the API server sends it. */
function podList(cluster: KubeCluster): string {
  const parts: string[] = [];
  for (const s of cluster.services)
    for (let k = 0; k < cluster.size.podsPerService; k++) parts.push(JSON.stringify(cluster.pod(s, k)));
  return `{"items":[${parts.join(',')}]}`;
}

/** The heap of the Pods as the source's list parses them, then as it keeps them (trimmed). */
async function objectHeap(cluster: KubeCluster): Promise<{ fullPerPod: number; trimmedPerPod: number }> {
  const podKind = KUBE_KINDS.find((k) => k.kind === 'Pod')!;
  const before = await settledMemory();
  // The body is dropped as soon as it is parsed: only the objects are in the readings.
  let full: unknown[] | undefined = (JSON.parse(podList(cluster)) as { items: unknown[] }).items;
  const parsed = await settledMemory();
  const trimmed = full.map((pod) => trimObject(podKind, pod));
  full = undefined;
  const kept = await settledMemory();
  const count = trimmed.length;
  return {
    fullPerPod: (parsed.heapUsed - before.heapUsed) / count,
    trimmedPerPod: (kept.heapUsed - before.heapUsed) / count,
  };
}

/**
 * A KubeSource alone, from start() to synced. In a function of its own, so nothing of it is left
 * in a suspended frame when the server is measured after it.
 */
async function measureSource(kube: KubeConfig): Promise<NonNullable<Figures['source']>> {
  const before = await settledMemory();
  const t0 = now();
  const source = new KubeSource(kube, { logger: silentLogger() });
  const state = await source.start(() => undefined);
  const startMs = now() - t0;
  const after = await settledMemory();
  await source.stop();
  return {
    startMs,
    before,
    after,
    services: state.mesh.services.length,
    workloads: state.mesh.workloads.length,
    endpointSlices: state.mesh.endpointSlices.length,
  };
}

/** A log destination that notes when lines with given messages were written, and keeps warnings. */
class LogWatch extends Writable {
  readonly seen = new Map<string, number>();
  readonly counts = new Map<string, number>();
  readonly warnings: string[] = [];
  /** What the benchmark is doing now; each warning is tagged with it. */
  phase = 'start';

  override _write(chunk: Buffer | string, _encoding: string, done: () => void): void {
    for (const line of String(chunk).split('\n')) {
      if (line === '') continue;
      try {
        const entry = JSON.parse(line) as { msg?: string; level?: number };
        if (entry.msg && !this.seen.has(entry.msg)) this.seen.set(entry.msg, now());
        if (entry.msg) this.counts.set(entry.msg, (this.counts.get(entry.msg) ?? 0) + 1);
        if ((entry.level ?? 0) >= 40 && this.warnings.length < 20)
          this.warnings.push(`[${this.phase}] ${entry.msg ?? ''}: ${line.slice(0, 300)}`);
      } catch {
        // not JSON: ignore
      }
    }
    done();
  }
}

async function readyz(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

async function metrics(port: number): Promise<MetricsSample | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(10_000) });
    return res.status === 200 ? parseMetrics(await res.text()) : undefined;
  } catch {
    return undefined;
  }
}

const histogramMean = (
  before: { sum: number; count: number } | undefined,
  after: { sum: number; count: number } | undefined,
) => {
  const b = before ?? { sum: 0, count: 0 };
  return after && after.count > b.count ? ((after.sum - b.sum) / (after.count - b.count)) * 1000 : undefined;
};

async function runFleet(
  p: Plan,
  streams: number,
  cluster: KubeCluster,
  fake: FakeApi,
  server: RunningServer,
  firstChange: number,
  logs: LogWatch,
): Promise<FleetFigures> {
  const workers = p.workers ?? Math.min(4, Math.max(2, Math.ceil(streams / 1000)));
  const specs = Array.from({ length: streams }, (_, i) => ({
    nodeId: cluster.nodeId(i),
    variant: i % 2 === 0 ? ('sotw' as const) : ('delta' as const),
  }));
  process.stderr.write(`kube: ${streams} streams (${workers} client processes)\n`);
  const pool = await WorkerPool.start(workers, 60_000);
  try {
    logs.phase = `${streams} streams: cold start`;
    const coldLoop = watchLoop();
    const cpu0 = cpuSeconds();
    const t0 = now();
    const coldTimeoutMs = Math.max(60_000, 60 * streams);
    const connected = await pool.connect(server.xdsPort, specs, coldTimeoutMs);
    const coldCpuSeconds = cpuSeconds() - cpu0;
    const cold = coldLoop();
    if (connected.kind === 'timeout') {
      process.stderr.write(
        `  cold start timed out: ${connected.ready} of ${connected.total} current after ${coldTimeoutMs / 1000} s\n`,
      );
      return {
        streams,
        workers,
        coldTimeout: { ready: connected.ready, total: connected.total },
        failedStreams: connected.failed,
        ...(connected.firstFailure ? { firstFailure: connected.firstFailure } : {}),
        coldCpuSeconds,
        endpoint: [],
        loopDelay: { cold },
      };
    }
    const coldStartMs = connected.at - t0;
    process.stderr.write(`  ${connected.ready} streams current after ${ms(coldStartMs)}\n`);
    await sleep(1_000);
    const memory = await settledMemory();
    const before = await metrics(server.adminPort);
    logs.phase = `${streams} streams: changes`;
    const changesLoop = watchLoop();
    const endpoint = await runChanges({
      label: `kube ${streams} streams endpoint change`,
      count: p.changes,
      budgetMs: p.budgetMs,
      timeoutMs: 60_000,
      quietMs: 300,
      pool,
      serverCpuSeconds: cpuSeconds,
      trigger: {
        watch: async (n) => ({
          change: firstChange + n,
          typeUrl: EDS,
          name: cluster.changeTarget(firstChange + n).edsName,
          expectAll: false,
        }),
        fire: (n) => fake.change(firstChange + n),
      },
    });
    const changes = changesLoop();
    logs.phase = `${streams} streams: done`;
    const after = await metrics(server.adminPort);
    const translation = histogramMean(before?.translationSeconds, after?.translationSeconds);
    const convergence = histogramMean(before?.convergenceSeconds, after?.convergenceSeconds);
    return {
      streams,
      workers,
      coldStartMs,
      failedStreams: connected.failed,
      coldCpuSeconds,
      connected: memory,
      endpoint,
      loopDelay: { cold, changes },
      ...(translation !== undefined ? { serverTranslationMs: translation } : {}),
      ...(convergence !== undefined ? { serverConvergenceMs: convergence } : {}),
    };
  } finally {
    await pool.stop();
  }
}

const MB = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const memoryLine = (m: MemoryReading | undefined) =>
  m ? `heap ${MB(m.heapUsed)}, RSS ${MB(m.rss)}, external ${MB(m.external)}` : '-';
const growth = (a: MemoryReading, b: MemoryReading) =>
  `heap +${MB(b.heapUsed - a.heapUsed)}, RSS +${MB(b.rss - a.rss)}, external +${MB(b.external - a.external)}`;

function format(f: Figures): string {
  const lines: string[] = [];
  const { plan: p } = f;
  const pods = p.services * p.podsPerService;
  lines.push(
    `== Kubernetes source: ${p.services.toLocaleString('en-US')} Services, ${pods.toLocaleString('en-US')} Pods, ` +
      `${p.services.toLocaleString('en-US')} EndpointSlices (${p.podsPerService} endpoints each); ${f.objects ?? '-'} objects ==`,
  );
  if (f.pods && f.slices)
    lines.push(
      `objects as listed (JSON) / as trimmed: Pod ${bytes(f.pods.wireBytes)} / ${bytes(f.pods.trimmedBytes)}, ` +
        `EndpointSlice ${bytes(f.slices.wireBytes)} / ${bytes(f.slices.trimmedBytes)}; seeding the fake took ${ms(f.seedMs)}`,
    );
  if (f.objectHeap)
    lines.push(
      `heap per Pod parsed from the wire ${bytes(f.objectHeap.fullPerPod)}, trimmed ${bytes(f.objectHeap.trimmedPerPod)}`,
    );
  if (f.source) {
    const s = f.source;
    lines.push(
      `source alone: start() resolved after ${ms(s.startMs)} (${s.services} services, ${s.workloads} workloads, ${s.endpointSlices} slices)`,
    );
    lines.push(`  before: ${memoryLine(s.before)}`);
    lines.push(`  synced: ${memoryLine(s.after)}`);
    lines.push(
      `  held by the source (informers' trimmed objects = the builder's documents, and the model): ${growth(s.before, s.after)}; ` +
        `${bytes((s.after.heapUsed - s.before.heapUsed) / pods)} of heap per Pod (all objects counted against the Pods)`,
    );
  }
  if (f.server) {
    const s = f.server;
    lines.push(
      `server (startServer with kube and cluster, in process): source start() resolved ${ms(s.sourceStartedMs)}, ` +
        `startServer resolved ${ms(s.startServerMs)}, /readyz 200 ${ms(s.readyMs)} after the call; leader: ${s.leader}`,
    );
    lines.push(`  before: ${memoryLine(s.before)}`);
    lines.push(`  ready:  ${memoryLine(s.ready)} (${growth(s.before, s.ready)})`);
  }
  for (const fleet of f.fleets) {
    const e = summarise(fleet.endpoint);
    const sotw = Math.ceil(fleet.streams / 2);
    lines.push(
      `-- ${fleet.streams} streams (${sotw} SotW + ${fleet.streams - sotw} delta, ${fleet.workers} client processes) --`,
    );
    lines.push(
      fleet.coldTimeout
        ? `  cold start TIMED OUT: ${fleet.coldTimeout.ready} of ${fleet.coldTimeout.total} current`
        : `  cold start (all connected and ACKed) ${ms(fleet.coldStartMs)}, process CPU ${fleet.coldCpuSeconds.toFixed(1)} s, failed ${fleet.failedStreams}`,
    );
    lines.push(`  connected: ${memoryLine(fleet.connected)}`);
    const loop = (d: LoopDelay | undefined) => (d ? `${ms(d.p50)} / ${ms(d.p99)} / ${ms(d.max)}` : '-');
    lines.push(
      `  server event-loop delay p50 / p99 / max: cold start ${loop(fleet.loopDelay.cold)}, changes ${loop(fleet.loopDelay.changes)}`,
    );
    lines.push(
      `  EndpointSlice event → last ACK, p50 / p99 / max over ${e.n} changes: ${ms(e.p50)} / ${ms(e.p99)} / ${ms(e.max)}` +
        (e.timeouts > 0 ? ` (${e.timeouts} timed out)` : ''),
    );
    lines.push(
      `  process CPU per change ${e.cpu === undefined ? '-' : `${e.cpu.toFixed(2)} s`}; bytes per stream SotW ${bytes(e.sotwBytes)}, delta ${bytes(e.deltaBytes)}`,
    );
    if (fleet.serverTranslationMs !== undefined || fleet.serverConvergenceMs !== undefined)
      lines.push(
        `  server-reported translation ${ms(fleet.serverTranslationMs)} per rebuild, convergence (change seen → each proxy's last ACK, mean) ${ms(fleet.serverConvergenceMs)}`,
      );
    if (fleet.firstFailure) lines.push(`  first failed stream: ${fleet.firstFailure}`);
  }
  if (f.lease)
    lines.push(
      `leader election over the run: became the leader ${f.lease.acquired} time(s), lost the lease ${f.lease.lost} time(s)`,
    );
  for (const w of f.serverWarnings) lines.push(`server warning ${w}`);
  for (const e of f.errors) lines.push(`ERROR ${e}`);
  return lines.join('\n');
}

export async function runKubeBenchmark(argv: string[]): Promise<void> {
  const p = plan(argv);
  if (!gc) throw new Error('run with node --expose-gc (npm run bench:kube does)');
  const started = now();
  const figures: Figures = { machine: machine(), plan: p, fleets: [], serverWarnings: [], errors: [] };
  process.stdout.write(`${figures.machine}\nserver's allocator: ${serverAllocator().description}\n\n`);
  const cluster = new KubeCluster({ services: p.services, podsPerService: p.podsPerService });
  const fake = await FakeApi.start();
  let server: RunningServer | undefined;
  const logs = new LogWatch();
  try {
    process.stderr.write('kube: seeding the fake API server\n');
    const seeded = await fake.seed(p.services, p.podsPerService);
    figures.objects = seeded.objects;
    figures.pods = seeded.pods;
    figures.slices = seeded.slices;
    figures.seedMs = seeded.seedMs;
    const kube = new KubeConfig();
    kube.loadFromString(seeded.kubeconfig);

    figures.objectHeap = await objectHeap(cluster);

    process.stderr.write('kube: the source alone\n');
    figures.source = await measureSource(kube);

    process.stderr.write('kube: the server\n');
    const clusterFlags = readClusterFlags(
      {},
      { POD_NAMESPACE: 'trellis-system', POD_NAME: 'trellis-bench-0' },
    );
    if (!clusterFlags.ok) throw new Error(clusterFlags.errors.join('; '));
    const before = await settledMemory();
    const t0 = now();
    server = await startServer({
      manifests: '',
      kube,
      cluster: clusterFlags.value,
      xdsAddress: '127.0.0.1:0',
      adminAddress: '127.0.0.1:0',
      logger: createLogger('info', logs),
    });
    const startServerMs = now() - t0;
    let readyMs: number | undefined;
    for (let i = 0; i < 3_000 && readyMs === undefined; i++) {
      if (await readyz(server.adminPort)) readyMs = now() - t0;
      else await sleep(10);
    }
    logs.phase = 'ready';
    const loaded = logs.seen.get('manifests loaded');
    // Leader election's first attempt runs at once; give it a moment so the figure says whether it led.
    await sleep(500);
    const ready = await settledMemory();
    figures.server = {
      ...(loaded !== undefined ? { sourceStartedMs: loaded - t0 } : {}),
      startServerMs,
      ...(readyMs !== undefined ? { readyMs } : {}),
      before,
      ready,
      leader: logs.seen.has('became the leader'),
    };
    if (readyMs === undefined) throw new Error('/readyz did not answer 200 within 30 s');

    for (const [i, streams] of p.fleets.entries()) {
      try {
        // Change ids go on from fleet to fleet: the changes touch distinct services while they last.
        figures.fleets.push(await runFleet(p, streams, cluster, fake, server, i * p.changes, logs));
      } catch (err) {
        figures.errors.push(`${streams} streams: ${message(err)}`);
      }
    }
  } catch (err) {
    figures.errors.push(message(err));
  } finally {
    await server?.close().catch((err: unknown) => figures.errors.push(`close: ${message(err)}`));
    await fake.stop();
    figures.serverWarnings.push(...logs.warnings);
    figures.lease = {
      acquired: logs.counts.get('became the leader') ?? 0,
      lost: logs.counts.get('lost the leader lease: not renewed within the renew deadline') ?? 0,
    };
  }
  process.stdout.write(`${format(figures)}\n(the run took ${ms(now() - started)})\n`);
  if (p.json) await writeFile(p.json, `${JSON.stringify(figures, null, 2)}\n`);
}

// Run directly (node --expose-gc dist/bench/kube-run.js); run.ts imports it for --kube.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
  runKubeBenchmark(process.argv.slice(2)).then(
    () => {
      killAll();
      // The server's sockets and timers are closed; anything the client library left is not ours to wait for.
      process.exit(process.exitCode ?? 0);
    },
    (err: unknown) => {
      killAll();
      process.stderr.write(`bench:kube: ${message(err)}\n${USAGE}\n`);
      process.exit(1);
    },
  );
}
