// One mesh size, start to end: write the mesh, time translation, run Trellis (cold start, endpoint
// changes, route changes, memory), capture one real proxy's responses from it, then the floor
// server with the same clients, replaying those bytes at cold start and pushing the one changed
// resource as Trellis encoded it on each change. Every process it starts is stopped before it
// returns, error or not.
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { captureProxy } from './capture.js';
import { type ChangeSample, type ChangeTrigger, runChanges } from './change-phase.js';
import { FloorProcess } from './floor-process.js';
import type { FloorShape, StreamSpec } from './ipc-messages.js';
import { type MeshSize, MeshWriter } from './mesh-generator.js';
import { peakRssBytes } from './proc-stats.js';
import { EDS, now, RDS, type Variant } from './simulated-proxy.js';
import { type TranslationTiming, timeTranslation } from './translation-timing.js';
import { type MetricsSample, TrellisProcess } from './trellis-process.js';
import { WorkerPool } from './worker-pool.js';

/**
 * How often the peaks of heap and external memory are read. Reading Trellis's means a /metrics
 * scrape, and one a second allocated enough (about 1 MB/s) that V8 never saw the server idle and
 * never ran its idle collection: the reading changed what it read. The RSS peak is the kernel's
 * high-water mark and misses nothing.
 */
const PEAK_SAMPLE_MS = 5_000;
/**
 * When after the cold start the steady memory is read: the buffers of the cold start are garbage
 * by then, and both servers have had time to collect them (V8's idle collection starts about 8 s
 * after a process goes quiet; Trellis's memory return looks every 5 s).
 */
export const STEADY_AFTER_MS = 30_000;

export interface SizeOptions {
  readonly size: MeshSize;
  readonly changes: number;
  readonly workers: number;
  readonly budgetMs: number;
  readonly changeTimeoutMs: number;
  /** For all P streams to become current. */
  readonly coldTimeoutMs: number;
  readonly quietMs: number;
  /** For Trellis to be ready (manifests read) after it starts. */
  readonly startTimeoutMs: number;
  readonly profileDir?: string;
}

export interface Memory {
  readonly rssBytes: number;
  /** VmHWM at the time of the reading; only used for the peak. */
  readonly peakRssBytes?: number;
  readonly heapUsedBytes?: number;
  readonly externalBytes?: number;
  /** Distinct encoded resources in the server's cache (Trellis only). */
  readonly distinctResources?: number;
}

export interface ServerFigures {
  readonly coldStartMs?: number;
  /** Set when not every stream was current within the cold-start deadline. */
  readonly coldTimeout?: { readonly ready: number; readonly total: number };
  readonly coldCpuSeconds?: number;
  readonly failedStreams: number;
  /** Why the first failed stream ended, as its client saw it. */
  readonly firstFailure?: string;
  readonly endpoint: readonly ChangeSample[];
  readonly route: readonly ChangeSample[];
  /** Ready, before any stream connected: what the streams and their proxies' parts add is the rest. */
  readonly beforeStreams?: Memory | undefined;
  /** 2 s after the cold start: what the burst still holds. */
  readonly afterColdStart?: Memory | undefined;
  /** STEADY_AFTER_MS after the cold start, nothing having changed. Undefined when the server was no longer running. */
  readonly steady?: Memory | undefined;
  readonly afterChanges?: Memory | undefined;
  /** RSS: the kernel's high-water mark (VmHWM); heap and external: the most sampled (every second). */
  readonly peak?: Memory | undefined;
}

export interface SizeFigures {
  readonly size: MeshSize;
  readonly workers: number;
  readonly files: number;
  readonly translation?: TranslationTiming;
  /** Start of `trellis serve` to /readyz 200 (manifests read and parsed). */
  readonly readyMs?: number;
  /** Mean of the server's own translation histogram over the changes, when /metrics has one. */
  readonly serverTranslationMs?: number;
  /**
   * Mean of the server's convergence histogram over the changes: per proxy and change, from the
   * server seeing the change (after the file source read it) to that proxy's last ACK.
   */
  readonly serverConvergenceMs?: number;
  readonly trellis?: ServerFigures;
  readonly floor?: ServerFigures;
  /** What the floor pushed; `estimated` when Trellis's own responses could not be measured. */
  readonly floorShapes?: {
    readonly endpoint: Shapes;
    readonly route: Shapes;
    readonly estimated: boolean;
    /** The floor pushed the changed resource itself, as Trellis encoded it (from the capture). */
    readonly real?: boolean;
  };
  /** Bytes per type Trellis sent one proxy at cold start, per variant; what the floor replays. */
  readonly coldBytes?: Record<Variant, Record<string, number>>;
  /** Why the floor's cold start replays nothing (empty CDS and LDS instead), if it does not. */
  readonly captureError?: string;
  /** Whether every phase finished: both cold starts (no stream failed) and every change in time. */
  readonly completed: boolean;
  /** 1-minute load average before and after the size: other work on the machine skews the figures. */
  readonly load?: { readonly before: number; readonly after: number };
  readonly errors: readonly string[];
  readonly elapsedMs: number;
}

export interface Shapes {
  readonly sotw: FloorShape;
  readonly delta: FloorShape;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** What the floor pushes: one response per stream the mean size (and resource count) Trellis sent. */
function shapesOf(samples: readonly ChangeSample[]): Shapes | undefined {
  if (samples.length === 0) return undefined;
  const shape = (pick: (s: ChangeSample) => { bytes: number; resources: number }): FloorShape => ({
    bytes: Math.max(64, Math.round(mean(samples.map((s) => pick(s).bytes)))),
    resources: Math.max(1, Math.round(mean(samples.map((s) => pick(s).resources)))),
  });
  return { sotw: shape((s) => s.sotw), delta: shape((s) => s.delta) };
}

// Framing of a response around its resources (type URL, version, nonce), roughly.
const RESPONSE_OVERHEAD = 120;

/**
 * When Trellis sent nothing to measure (it never got its streams current), the floor pushes what a
 * correct server would: SotW every assignment, delta the one that changed; the route configuration
 * for a route change. Sizes from the bench's own translation of one proxy.
 */
function shapesFromTranslation(t: TranslationTiming | undefined): { endpoint: Shapes; route: Shapes } {
  const count = Math.max(1, t?.assignments.count ?? 1);
  const all = t?.assignments.bytes ?? 0;
  const route: FloorShape = { bytes: (t?.largestRouteBytes ?? 0) + RESPONSE_OVERHEAD, resources: 1 };
  return {
    endpoint: {
      sotw: { bytes: all + count * 60 + RESPONSE_OVERHEAD, resources: count },
      delta: { bytes: Math.round(all / count) + 150 + RESPONSE_OVERHEAD, resources: 1 },
    },
    route: { sotw: route, delta: route },
  };
}

interface Phases {
  /** The server's CPU seconds so far. */
  readonly cpu: () => number;
  readonly endpoint: ChangeTrigger;
  readonly route: ChangeTrigger;
}

/** Cold start and the two change series against one server; with fresh client processes. */
async function measure(
  opts: SizeOptions,
  port: number,
  streams: readonly StreamSpec[],
  phases: Phases,
  memory: () => Promise<Memory | undefined>,
  label: string,
): Promise<ServerFigures> {
  const pool = await WorkerPool.start(opts.workers, 60_000);
  const peak = { rss: 0, heap: 0, external: 0 };
  let sampling = false;
  const sample = async () => {
    if (sampling) return;
    sampling = true;
    try {
      const m = await memory();
      if (m) {
        peak.rss = Math.max(peak.rss, m.peakRssBytes ?? m.rssBytes);
        peak.heap = Math.max(peak.heap, m.heapUsedBytes ?? 0);
        peak.external = Math.max(peak.external, m.externalBytes ?? 0);
      }
    } finally {
      sampling = false;
    }
  };
  const sampler = setInterval(() => void sample().catch(() => undefined), PEAK_SAMPLE_MS);
  const peakMemory = (): Memory | undefined =>
    peak.rss === 0
      ? undefined
      : {
          rssBytes: peak.rss,
          ...(peak.heap > 0 ? { heapUsedBytes: peak.heap } : {}),
          ...(peak.external > 0 ? { externalBytes: peak.external } : {}),
        };
  try {
    const beforeStreams = await memory();
    const cpu0 = phases.cpu();
    const t0 = now();
    const connected = await pool.connect(port, streams, opts.coldTimeoutMs);
    const coldCpuSeconds = phases.cpu() - cpu0;
    if (connected.kind === 'timeout') {
      const what = `${connected.ready} of ${connected.total} streams current after ${opts.coldTimeoutMs / 1000} s`;
      process.stderr.write(`  ${label}: cold start timed out, ${what}; no changes measured\n`);
      return {
        coldTimeout: { ready: connected.ready, total: connected.total },
        coldCpuSeconds,
        failedStreams: connected.failed,
        ...(connected.firstFailure ? { firstFailure: connected.firstFailure } : {}),
        endpoint: [],
        route: [],
        beforeStreams,
        steady: await memory(),
        peak: peakMemory(),
      };
    }
    const coldStartMs = connected.at - t0;
    // Why the first failed stream ended, for the report.
    const firstFailure = connected.failed > 0 ? (await pool.progress()).firstFailure : undefined;
    process.stderr.write(
      `  ${label}: ${connected.ready} streams current after ${(coldStartMs / 1000).toFixed(1)} s` +
        (connected.failed > 0 ? `, ${connected.failed} failed` : '') +
        '\n',
    );
    await sleep(2_000);
    const afterColdStart = await memory();
    await sleep(STEADY_AFTER_MS - 2_000);
    const steady = await memory();
    const common = {
      budgetMs: opts.budgetMs,
      timeoutMs: opts.changeTimeoutMs,
      quietMs: opts.quietMs,
      pool,
      serverCpuSeconds: phases.cpu,
      count: opts.changes,
    };
    const endpoint = await runChanges({
      ...common,
      label: `${label} endpoint change`,
      trigger: phases.endpoint,
    });
    const route = await runChanges({ ...common, label: `${label} route change`, trigger: phases.route });
    await sleep(1_000);
    const afterChanges = await memory();
    await sample().catch(() => undefined);
    return {
      coldStartMs,
      coldCpuSeconds,
      failedStreams: connected.failed,
      ...(firstFailure ? { firstFailure } : {}),
      endpoint,
      route,
      beforeStreams,
      afterColdStart,
      steady,
      afterChanges,
      peak: peakMemory(),
    };
  } finally {
    clearInterval(sampler);
    await pool.stop();
  }
}

export async function runSize(opts: SizeOptions): Promise<SizeFigures> {
  const started = now();
  const { size } = opts;
  const errors: string[] = [];
  const dir = await mkdtemp(path.join(tmpdir(), `trellis-bench-${size.services}x${size.proxies}-`));
  const figures: { -readonly [K in keyof SizeFigures]?: SizeFigures[K] } = { size, workers: opts.workers };
  const captureFile = path.join(dir, 'captured-proxy.json');
  let captured = false;
  const loadBefore = loadavg()[0] ?? 0;
  try {
    const writer = await MeshWriter.write(dir, size);
    figures.files = writer.mesh.files;
    const { nodeIds } = writer.mesh;
    // Half the proxies speak state of the world, half delta, interleaved.
    const streams: StreamSpec[] = nodeIds.map((nodeId, i) => ({
      nodeId,
      variant: i % 2 === 0 ? 'sotw' : 'delta',
    }));
    figures.translation = await timeTranslation(dir, nodeIds, 20);

    process.stderr.write(`S=${size.services} P=${size.proxies}: trellis\n`);
    const { server, readyMs } = await TrellisProcess.start({
      manifests: dir,
      startTimeoutMs: opts.startTimeoutMs,
      ...(opts.profileDir ? { profileDir: opts.profileDir } : {}),
    });
    figures.readyMs = readyMs;
    let metricsBefore: MetricsSample | undefined;
    try {
      figures.trellis = await measure(
        opts,
        server.xdsPort,
        streams,
        {
          cpu: () => server.cpuSeconds(),
          endpoint: {
            watch: async (n) => {
              metricsBefore ??= await server.metrics();
              return { change: n, typeUrl: EDS, name: writer.endpointTarget(n).edsName, expectAll: false };
            },
            fire: (n) => writer.changeEndpoint(n),
          },
          route: {
            watch: async (n) => ({
              change: 10_000 + n,
              typeUrl: RDS,
              name: String(writer.routeTarget(n).service.port),
              expectAll: false,
            }),
            fire: (n) => writer.changeRoute(n),
          },
        },
        async () => {
          if (server.exitStatus()) return undefined;
          const metrics = await server.metrics();
          return {
            rssBytes: server.rssBytes(),
            peakRssBytes: peakRssBytes(server.pid),
            ...(metrics?.heapUsedBytes !== undefined ? { heapUsedBytes: metrics.heapUsedBytes } : {}),
            ...(metrics?.externalBytes !== undefined ? { externalBytes: metrics.externalBytes } : {}),
            ...(metrics?.distinctResources !== undefined
              ? { distinctResources: metrics.distinctResources }
              : {}),
          };
        },
        'trellis',
      );
      const metricsAfter = await server.metrics();
      const before = metricsBefore?.translationSeconds;
      const after = metricsAfter?.translationSeconds;
      if (before && after && after.count > before.count)
        figures.serverTranslationMs = ((after.sum - before.sum) / (after.count - before.count)) * 1000;
      const convergedBefore = metricsBefore?.convergenceSeconds ?? { sum: 0, count: 0 };
      const convergedAfter = metricsAfter?.convergenceSeconds;
      if (convergedAfter && convergedAfter.count > convergedBefore.count) {
        figures.serverConvergenceMs =
          ((convergedAfter.sum - convergedBefore.sum) / (convergedAfter.count - convergedBefore.count)) *
          1000;
      }
      // One real proxy's responses (the first, a SotW one; its delta twin too), for the floor; after
      // the metrics are read, so this extra stream is not in them.
      try {
        figures.coldBytes = await captureProxy(
          server.xdsPort,
          nodeIds[0]!,
          Math.max(60_000, opts.changeTimeoutMs),
          captureFile,
        );
        captured = true;
      } catch (err) {
        figures.captureError = message(err);
        process.stderr.write(`  capture of one proxy's responses failed: ${message(err)}\n`);
      }
    } catch (err) {
      errors.push(`trellis: ${message(err)}`);
    } finally {
      const ended = server.exitStatus();
      if (ended) errors.push(`trellis ended during the run (${ended}); last log lines:\n${server.log()}`);
      // A profiled server must get to write its profile, even if it is busy rebuilding.
      await server.stop(opts.profileDir ? 600_000 : 20_000);
    }

    const estimated = shapesFromTranslation(figures.translation);
    const measured = {
      endpoint: shapesOf(figures.trellis?.endpoint ?? []),
      route: shapesOf(figures.trellis?.route ?? []),
    };
    const shapes = {
      endpoint: measured.endpoint ?? estimated.endpoint,
      route: measured.route ?? estimated.route,
      estimated: !measured.endpoint || !measured.route,
    };
    process.stderr.write(`S=${size.services} P=${size.proxies}: floor\n`);
    const floor = await FloorProcess.start(30_000);
    const pushed = { endpoint: shapes.endpoint, route: shapes.route, real: captured };
    try {
      if (captured) await floor.replay(captureFile, 60_000);
      const floorTrigger = (
        kind: 'endpoint' | 'route',
        typeUrl: string,
        name: string,
        shape: Shapes,
        offset: number,
      ): ChangeTrigger => ({
        watch: async (n) => {
          const p = await floor.prepare(offset + n, typeUrl, name, shape.sotw, shape.delta, 30_000);
          pushed[kind] = {
            sotw: { bytes: p.sotwBytes, resources: p.real ? 1 : shape.sotw.resources },
            delta: { bytes: p.deltaBytes, resources: p.real ? 1 : shape.delta.resources },
          };
          pushed.real &&= p.real;
          return { change: offset + n, typeUrl, name, expectAll: true };
        },
        fire: async (n) => floor.push(offset + n),
      });
      figures.floor = await measure(
        opts,
        floor.port,
        streams,
        {
          cpu: () => floor.cpuSeconds(),
          endpoint: floorTrigger('endpoint', EDS, writer.endpointTarget(0).edsName, shapes.endpoint, 20_000),
          route: floorTrigger('route', RDS, '80', shapes.route, 30_000),
        },
        async () => {
          const m = await floor.memory(10_000).catch(() => undefined);
          return {
            rssBytes: floor.rssBytes(),
            peakRssBytes: peakRssBytes(floor.pid),
            ...(m ? { heapUsedBytes: m.heapUsedBytes, externalBytes: m.externalBytes } : {}),
          };
        },
        'floor',
      );
    } catch (err) {
      errors.push(`floor: ${message(err)}`);
    } finally {
      figures.floorShapes = { ...pushed, estimated: shapes.estimated && !pushed.real };
      await floor.stop();
    }
  } catch (err) {
    errors.push(message(err));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const finished = (s: ServerFigures | undefined) =>
    s !== undefined &&
    s.coldStartMs !== undefined &&
    s.failedStreams === 0 &&
    s.endpoint.length > 0 &&
    s.route.length > 0 &&
    [...s.endpoint, ...s.route].every((c) => !c.timeout);
  return {
    ...figures,
    completed: errors.length === 0 && finished(figures.trellis) && finished(figures.floor),
    files: figures.files ?? 0,
    workers: opts.workers,
    size,
    errors,
    elapsedMs: now() - started,
    load: { before: loadBefore, after: loadavg()[0] ?? 0 },
  };
}
