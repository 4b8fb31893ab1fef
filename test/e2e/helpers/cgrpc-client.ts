// Drives cgrpc_client.py, a gRPC C-core xDS client (Debian's python3-grpcio, through /usr/bin/python3),
// from a test: one long-lived Python process per client, one channel, batches of calls sent as JSON
// lines on its stdin and answered with one JSON line per call on its stdout.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Tally } from './routing-mesh.js';

/** The system Python, where python3-grpcio lives (the first python3 on PATH may be another one). */
export const SYSTEM_PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cgrpc_client.py');

/** One call's outcome: the server that answered, or the gRPC status it failed with. */
export interface CallResult {
  readonly from?: string;
  readonly code?: number;
  readonly status?: string;
  readonly details?: string;
}

export interface Batch {
  readonly calls: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Deadline of each call. */
  readonly deadlineMs?: number;
  /** Stop early once `untilCount` calls were answered by this server. */
  readonly untilFrom?: string;
  readonly untilCount?: number;
  /** Time limit of the whole batch, enforced by the client. */
  readonly maxSeconds?: number;
}

export interface CgrpcClient {
  readonly nodeId: string;
  /** Makes the batch's calls one after another and resolves with every outcome, in order. */
  run(batch: Batch): Promise<CallResult[]>;
  /** What the client wrote on stderr, for failure messages (the last 64 KiB). */
  stderr(): string;
  stop(): Promise<void>;
}

export interface CgrpcOptions {
  readonly target: string;
  readonly xdsPort: number;
  readonly nodeId: string;
  /** The Python process exits by itself after this long, whatever it is doing. */
  readonly maxSeconds?: number;
  /** Mesh mTLS: a directory with cert-chain.pem, key.pem and roots.pem (cgrpc_client.py --certs). */
  readonly certs?: string;
}

export function startCgrpcClient(opts: CgrpcOptions): CgrpcClient {
  const child: ChildProcess = spawn(
    SYSTEM_PYTHON,
    [
      SCRIPT,
      '--session',
      '--target',
      opts.target,
      '--xds-port',
      String(opts.xdsPort),
      '--node-id',
      opts.nodeId,
      '--max-seconds',
      String(opts.maxSeconds ?? 120),
      ...(opts.certs ? ['--certs', opts.certs] : []),
    ],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
      // GRPC_TRACE=xds_client GRPC_VERBOSITY=debug in the test's environment shows why C-core NACKs.
      env: { ...process.env, GRPC_VERBOSITY: process.env.GRPC_VERBOSITY ?? 'error' },
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-65_536);
  });

  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });

  // One batch at a time: the client makes its calls one after another anyway.
  let pending:
    | { id: number; results: CallResult[]; resolve: (r: CallResult[]) => void; reject: (e: Error) => void }
    | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  let nextId = 1;
  const failPending = (why: string) => {
    pending?.reject(new Error(`cgrpc_client.py ${why}; stderr:\n${stderr}`));
    pending = undefined;
  };
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    let record: CallResult & { id?: number; done?: number; error?: string };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      return;
    }
    if (!pending || record.id !== pending.id) return;
    if (record.done !== undefined) {
      pending.resolve(pending.results);
      pending = undefined;
    } else {
      const { id: _id, ...result } = record;
      pending.results.push(result);
    }
  });
  child.once('exit', (code, signal) => failPending(`exited (${code ?? signal}) during a batch`));
  child.once('error', (err) => {
    // No /usr/bin/python3 at all: .ci/run installs python3-grpcio (and with it python3).
    exited ??= { code: null, signal: null };
    stderr += `\n${SYSTEM_PYTHON}: ${err.message}`;
    failPending('could not run');
  });
  child.stdin?.on('error', () => {}); // EPIPE after an early exit is reported through the batch.

  const runNow = (batch: Batch) =>
    new Promise<CallResult[]>((resolve, reject) => {
      if (exited) {
        reject(new Error(`cgrpc_client.py has exited (${exited.code ?? exited.signal}); stderr:\n${stderr}`));
        return;
      }
      const id = nextId++;
      pending = { id, results: [], resolve, reject };
      child.stdin?.write(
        `${JSON.stringify({
          id,
          calls: batch.calls,
          headers: batch.headers ?? {},
          deadline_ms: batch.deadlineMs ?? 5_000,
          max_seconds: batch.maxSeconds ?? 30,
          ...(batch.untilFrom !== undefined
            ? { until_from: batch.untilFrom, until_count: batch.untilCount ?? 1 }
            : {}),
        })}\n`,
      );
    });

  return {
    nodeId: opts.nodeId,
    run: (batch) => {
      const result = queue.then(() => runNow(batch));
      queue = result.catch(() => undefined);
      return result;
    },
    stderr: () => stderr,
    stop: async () => {
      if (exited) return;
      child.stdin?.end(); // the session ends at the end of stdin
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** Counts where a batch of calls landed and how the others failed (by gRPC status code). */
export function tallyOf(results: readonly CallResult[]): Tally {
  const byServer: Record<string, number> = {};
  const failures: Record<string, number> = {};
  for (const r of results) {
    if (r.from !== undefined) byServer[r.from] = (byServer[r.from] ?? 0) + 1;
    else failures[String(r.code)] = (failures[String(r.code)] ?? 0) + 1;
  }
  return { byServer, failures, total: results.length };
}

export async function cgrpcTally(
  client: CgrpcClient,
  calls: number,
  headers: Readonly<Record<string, string>> = {},
): Promise<Tally> {
  return tallyOf(await client.run({ calls, headers }));
}
