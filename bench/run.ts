// `npm run bench`: the streaming benchmark of issue 6. For each size S×P it writes a mesh of S
// services (10 endpoints each), runs the real `trellis serve` against P simulated Envoys (half
// SotW, half delta, in separate client processes, real gRPC over loopback), then the same clients
// against a bare grpc-js server that only pushes prebuilt bytes (the floor): at cold start the
// bytes Trellis sent one real proxy, replayed to every stream; on an endpoint or route change the
// one changed ClusterLoadAssignment or RouteConfiguration, as Trellis encoded it. It prints both
// with their ratios. Figures are printed, never asserted.
//
// The default sizes are 100x200 and 1000x2000 (several minutes); 4000x4000 is run on request
// (`--sizes 4000x4000`), with timeouts that grow with --budget so it can complete (see below).
//
//   node dist/bench/run.js [--sizes 100x200,1000x2000,4000x4000] [--changes 20] [--quick]
//                          [--endpoints-per-service 10] [--workers N] [--budget SECONDS]
//                          [--cold-timeout SECONDS] [--change-timeout SECONDS] [--profile] [--json FILE]
//
// --budget bounds each change series (at least 3 changes are made) and sets the default timeouts:
// cold start max(120 s, 100 ms × P, 4 × budget), each change max(60 s, 100 ms × P, budget / 2),
// server start max(300 s, cold timeout); --cold-timeout and --change-timeout override them.
// --profile starts the server with --cpu-prof and prints where its time went; --json writes every
// figure to FILE. Each size reports whether it completed (both cold starts and every change in time).
//
//   node dist/bench/run.js --ca [--seconds 3] [--count 5000] [--json FILE] [--no-pin]
//
// runs the CA issuance benchmark (bench/ca-issue.ts) instead.
//
//   node dist/bench/run.js --kube [--services 1000] [--pods-per-service 10] [--fleets 200,2000] ...
//
// runs the Kubernetes-source benchmark (bench/kube-run.ts, under --expose-gc; `npm run bench:kube`).

import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { killAll, spawnTracked } from './child-processes.js';
import { formatProfile, summariseProfiles } from './cpu-profile-summary.js';
import { positiveInt } from './flag-values.js';
import { machine } from './proc-stats.js';
import { formatSize, formatSummary } from './report.js';
import { serverAllocator } from './server-env.js';
import { runSize, type SizeFigures } from './size-run.js';

const USAGE = `usage: node dist/bench/run.js [--sizes SxP,...] [--changes N] [--quick] [--endpoints-per-service N]
                            [--workers N] [--budget SECONDS] [--cold-timeout SECONDS]
                            [--change-timeout SECONDS] [--profile] [--json FILE]`;

interface Plan {
  readonly sizes: readonly { readonly services: number; readonly proxies: number }[];
  readonly changes: number;
  readonly endpointsPerService: number;
  readonly workers?: number;
  readonly budgetMs: number;
  readonly coldTimeoutS?: number;
  readonly changeTimeoutS?: number;
  readonly profile: boolean;
  readonly json?: string;
}

function plan(argv: string[]): Plan {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string' },
      changes: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'endpoints-per-service': { type: 'string', default: '10' },
      workers: { type: 'string' },
      budget: { type: 'string' },
      'cold-timeout': { type: 'string' },
      'change-timeout': { type: 'string' },
      profile: { type: 'boolean', default: false },
      json: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const sizesText = values.sizes ?? (values.quick ? '100x200' : '100x200,1000x2000');
  const sizes = sizesText.split(',').map((item) => {
    const match = /^(\d+)x(\d+)$/.exec(item.trim());
    if (!match) throw new Error(`--sizes takes SxP pairs like 1000x2000, got "${item}"`);
    return { services: positiveInt(match[1]!, '--sizes'), proxies: positiveInt(match[2]!, '--sizes') };
  });
  return {
    sizes,
    changes: positiveInt(values.changes ?? (values.quick ? '5' : '20'), '--changes'),
    endpointsPerService: positiveInt(values['endpoints-per-service'], '--endpoints-per-service'),
    ...(values.workers ? { workers: positiveInt(values.workers, '--workers') } : {}),
    // Per change series; a size whose changes are slow still ends, with fewer samples.
    budgetMs: positiveInt(values.budget ?? (values.quick ? '30' : '240'), '--budget') * 1000,
    ...(values['cold-timeout']
      ? { coldTimeoutS: positiveInt(values['cold-timeout'], '--cold-timeout') }
      : {}),
    ...(values['change-timeout']
      ? { changeTimeoutS: positiveInt(values['change-timeout'], '--change-timeout') }
      : {}),
    profile: values.profile,
    ...(values.json ? { json: values.json } : {}),
  };
}

/** Generous, and growing with --budget: at P=4,000 the cold start needs many minutes. */
function timeouts(p: Plan, proxies: number) {
  const coldTimeoutMs = p.coldTimeoutS
    ? p.coldTimeoutS * 1000
    : Math.max(120_000, 100 * proxies, 4 * p.budgetMs);
  return {
    coldTimeoutMs,
    changeTimeoutMs: p.changeTimeoutS
      ? p.changeTimeoutS * 1000
      : Math.max(60_000, 100 * proxies, Math.round(p.budgetMs / 2)),
    startTimeoutMs: Math.max(300_000, coldTimeoutMs),
  };
}

async function main(): Promise<void> {
  const p = plan(process.argv.slice(2));
  const allocator = serverAllocator().description;
  process.stdout.write(`${machine()}\nservers' allocator: ${allocator}\n\n`);
  const results: SizeFigures[] = [];
  for (const { services, proxies } of p.sizes) {
    const profileDir = p.profile
      ? await mkdtemp(path.join(os.tmpdir(), `trellis-bench-profile-${services}x${proxies}-`))
      : undefined;
    const figures = await runSize({
      size: { services, endpoints: services * p.endpointsPerService, proxies },
      changes: p.changes,
      // One process per thousand streams: the clients' decoding stays off the server's core.
      workers: p.workers ?? Math.min(4, Math.max(2, Math.ceil(proxies / 1000))),
      budgetMs: p.budgetMs,
      ...timeouts(p, proxies),
      quietMs: 300,
      ...(profileDir ? { profileDir } : {}),
    });
    results.push(figures);
    process.stdout.write(`${formatSize(figures)}\n\n`);
    if (profileDir) {
      for (const summary of await summariseProfiles(profileDir))
        process.stdout.write(`${formatProfile(summary)}\n\n`);
    }
  }
  process.stdout.write(`summary\n${formatSummary(results)}\n`);
  if (p.json)
    await writeFile(p.json, `${JSON.stringify({ machine: machine(), allocator, results }, null, 2)}\n`);
}

process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}
const caArgs = process.argv.slice(2);
const run =
  caArgs[0] === '--ca'
    ? caBenchmark(caArgs.slice(1))
    : caArgs[0] === '--kube'
      ? kubeBenchmark(caArgs.slice(1))
      : main();

/** bench/kube-run.ts in a child with --expose-gc: its memory readings are taken after a full GC. */
async function kubeBenchmark(argv: string[]): Promise<void> {
  const script = fileURLToPath(new URL('./kube-run.js', import.meta.url));
  const child = spawnTracked(process.execPath, ['--expose-gc', script, ...argv], { stdio: 'inherit' });
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  if (code !== 0) throw new Error(`the Kubernetes-source benchmark exited with ${code}`);
}

async function caBenchmark(argv: string[]): Promise<void> {
  const ca = await import('./ca-issue.js');
  const status = ca.runCaBenchmarkPinned(argv);
  if (status < 0) await ca.runCaBenchmark(argv);
  else if (status !== 0) throw new Error(`the pinned CA benchmark exited with ${status}`);
}

run.then(
  () => {
    killAll();
  },
  (err: unknown) => {
    killAll();
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    process.exitCode = 1;
  },
);
