// The server under test: the real CLI, `trellis serve`, in its own process, bound to loopback.
// Its CPU and RSS come from /proc; its heap and any translation timings from /metrics when the
// server exposes them (prom-client's default metrics), else RSS alone.
import type { ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { exited, spawnTracked } from './child-processes.js';
import { cpuSeconds, rssBytes } from './proc-stats.js';
import { serverEnv } from './server-env.js';
import { now } from './simulated-proxy.js';

export interface TrellisOptions {
  readonly manifests: string;
  /** Directory for a V8 CPU profile (`--cpu-prof`), written when the server exits. */
  readonly profileDir?: string;
  readonly startTimeoutMs: number;
}

export interface MetricsSample {
  readonly heapUsedBytes?: number;
  /** Memory outside the V8 heap: Buffers (encoded resources, gRPC write queues). */
  readonly externalBytes?: number;
  /** Every `*translat*_seconds` histogram's sum and count, over all label sets. */
  readonly translationSeconds?: { readonly sum: number; readonly count: number };
  /** trellis_xds_resources summed over types: the distinct encoded resources the cache holds. */
  readonly distinctResources?: number;
  /** trellis_xds_convergence_seconds: per proxy and change, change seen → the proxy's last ACK. */
  readonly convergenceSeconds?: { readonly sum: number; readonly count: number };
}

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** A port free right now on 127.0.0.1 (the server binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function httpGet(port: number, path: string, ms: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, timeout: ms }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
  });
}

/** Prometheus text format: `name{labels} value` lines, summed per metric name (labels dropped). */
export function parseMetrics(text: string): MetricsSample {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const value = Number(match[3]);
    if (Number.isFinite(value)) values.set(match[1]!, (values.get(match[1]!) ?? 0) + value);
  }
  const metric = (suffix: string) => [...values].find(([name]) => name.endsWith(suffix))?.[1];
  const heap = metric('nodejs_heap_size_used_bytes');
  const external = metric('nodejs_external_memory_bytes');
  const resources = values.get('trellis_xds_resources');
  let sum = 0;
  let count = 0;
  for (const [name, value] of values) {
    if (!/translat/i.test(name)) continue;
    if (name.endsWith('_seconds_sum')) sum += value;
    if (name.endsWith('_seconds_count')) count += value;
  }
  const convergenceSum = metric('convergence_seconds_sum');
  const convergenceCount = metric('convergence_seconds_count');
  return {
    ...(heap !== undefined ? { heapUsedBytes: heap } : {}),
    ...(external !== undefined ? { externalBytes: external } : {}),
    ...(resources !== undefined ? { distinctResources: resources } : {}),
    ...(count > 0 ? { translationSeconds: { sum, count } } : {}),
    ...(convergenceSum !== undefined && convergenceCount
      ? { convergenceSeconds: { sum: convergenceSum, count: convergenceCount } }
      : {}),
  };
}

export class TrellisProcess {
  private readonly logTail: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly xdsPort: number,
    readonly adminPort: number,
  ) {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.trim() !== '') this.logTail.push(line);
      if (this.logTail.length > 40) this.logTail.splice(0, this.logTail.length - 40);
    });
    child.stdout?.resume();
  }

  /** Starts `trellis serve` and resolves once /readyz answers 200; `readyMs` is how long that took. */
  static async start(opts: TrellisOptions): Promise<{ server: TrellisProcess; readyMs: number }> {
    // Ports are chosen here rather than read back from the log, because at --log-level warn the
    // server does not print its "trellis serving" line.
    const [xdsPort, adminPort] = [await freePort(), await freePort()];
    const nodeArgs = opts.profileDir ? ['--cpu-prof', '--cpu-prof-dir', opts.profileDir] : [];
    const started = now();
    const child = spawnTracked(
      process.execPath,
      [
        ...nodeArgs,
        CLI,
        'serve',
        '--manifests',
        opts.manifests,
        '--xds-address',
        `127.0.0.1:${xdsPort}`,
        '--admin-address',
        `127.0.0.1:${adminPort}`,
        '--xds-tls-address',
        '127.0.0.1:0',
        '--webhook-address',
        'off',
        '--log-level',
        'warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: serverEnv() },
    );
    const server = new TrellisProcess(child, xdsPort, adminPort);
    const deadline = started + opts.startTimeoutMs;
    while (now() < deadline) {
      if (child.exitCode !== null) throw new Error(`trellis exited (${child.exitCode}):\n${server.log()}`);
      const ready = await httpGet(adminPort, '/readyz', 2_000).catch(() => undefined);
      if (ready?.status === 200) return { server, readyMs: now() - started };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`trellis not ready within ${opts.startTimeoutMs / 1000} s:\n${server.log()}`);
  }

  /** How the server ended, if it has (a crash mid-run, e.g. out of memory); undefined while it runs. */
  exitStatus(): string | undefined {
    const { exitCode, signalCode } = this.child;
    if (exitCode === null && signalCode === null) return undefined;
    return signalCode ? `killed by ${signalCode}` : `exit code ${exitCode}`;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  cpuSeconds(): number {
    return cpuSeconds(this.pid);
  }

  rssBytes(): number {
    return rssBytes(this.pid);
  }

  async metrics(): Promise<MetricsSample | undefined> {
    const res = await httpGet(this.adminPort, '/metrics', 10_000).catch(() => undefined);
    return res?.status === 200 ? parseMetrics(res.body) : undefined;
  }

  /** The server's last log lines (warnings and errors only at the level we run it with). */
  log(): string {
    return this.logTail.join('\n');
  }

  /** SIGTERM, so a CPU profile gets written; SIGKILL if it has not exited in `ms`. */
  async stop(ms = 20_000): Promise<void> {
    this.child.kill('SIGTERM');
    await exited(this.child, ms);
  }
}
