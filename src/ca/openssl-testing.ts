// For the CA's tests: the openssl CLI, run with a timeout, and temporary directories that are
// removed afterwards. Certificates made by our code are checked by a verifier that is not ours.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function openssl(args: readonly string[], cwd?: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      '/usr/bin/openssl',
      [...args],
      { cwd, timeout: 20_000, maxBuffer: 4 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export async function withTempDir<T>(task: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'trellis-ca-test-'));
  try {
    return await task(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `openssl verify` of a leaf and its chain against a bundle of roots; returns the run. */
export async function verifyChain(dir: string, rootsPem: string, certChainPem: string): Promise<Run> {
  const blocks = certChainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
  const leaf = blocks[0] ?? '';
  const untrusted = blocks.slice(1).join('');
  const name = `v${Math.random().toString(36).slice(2)}`;
  await writeFile(path.join(dir, `${name}-roots.pem`), rootsPem);
  await writeFile(path.join(dir, `${name}-leaf.pem`), leaf);
  const args = ['verify', '-CAfile', `${name}-roots.pem`];
  if (untrusted) {
    await writeFile(path.join(dir, `${name}-chain.pem`), untrusted);
    args.push('-untrusted', `${name}-chain.pem`);
  }
  return openssl([...args, `${name}-leaf.pem`], dir);
}
