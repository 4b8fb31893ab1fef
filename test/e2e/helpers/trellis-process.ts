// Runs the real `trellis serve` (the built CLI) on port 0 and reads the bound ports from its log.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CLI = path.join(repo, 'dist/src/cli/main.js');

export interface TrellisProcess {
  readonly xdsPort: number;
  readonly adminPort: number;
  /** The TLS port (mTLS, SDS, the CSR API), bound on 127.0.0.1:0 unless extraArgs say otherwise. */
  readonly xdsTlsPort?: number;
  /** The injection webhook (HTTPS), bound on 127.0.0.1:0 unless extraArgs say otherwise. */
  readonly webhookPort?: number;
  /** Every log line the process wrote so far, parsed. */
  readonly logs: () => readonly Record<string, unknown>[];
  stop(): Promise<void>;
  /** Ends the process at once (SIGKILL): no cleanup, as when a node dies. */
  kill(): Promise<void>;
}

/** `manifests` null: no --manifests (the caller gives --kube). */
export async function startTrellis(
  manifests: string | null,
  extraArgs: readonly string[] = [],
  env: Readonly<Record<string, string>> = {},
): Promise<TrellisProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      ...(manifests === null ? [] : ['--manifests', manifests]),
      '--xds-address',
      '127.0.0.1:0',
      '--admin-address',
      '127.0.0.1:0',
      '--xds-tls-address',
      '127.0.0.1:0',
      '--webhook-address',
      '127.0.0.1:0',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } },
  );
  const logs: Record<string, unknown>[] = [];
  let buffer = '';
  const ready = new Promise<{ xdsPort: number; adminPort: number; xdsTlsPort?: number }>(
    (resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`trellis did not start in 20 s:\n${buffer}`)), 20_000);
      child.stderr?.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        let nl = buffer.indexOf('\n');
        while (nl >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          nl = buffer.indexOf('\n');
          try {
            const entry = JSON.parse(line) as Record<string, unknown>;
            logs.push(entry);
            if (entry.msg === 'trellis serving') {
              clearTimeout(timer);
              resolve({
                xdsPort: Number(entry.xdsPort),
                adminPort: Number(entry.adminPort),
                ...(entry.xdsTlsPort !== undefined ? { xdsTlsPort: Number(entry.xdsTlsPort) } : {}),
                ...(entry.webhookPort !== undefined ? { webhookPort: Number(entry.webhookPort) } : {}),
              });
            }
          } catch {
            logs.push({ raw: line });
          }
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(
          new Error(
            `trellis exited with ${code}:\n${logs.map((l) => JSON.stringify(l)).join('\n')}${buffer}`,
          ),
        );
      });
    },
  );
  const ports = await ready;
  return {
    ...ports,
    logs: () => logs,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Retries `check` until it returns true or the time is up; every wait in a test is bounded. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
  );
}

export async function getJson(port: number, urlPath: string): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${port}${urlPath}`);
  return res.json() as Promise<unknown>;
}
