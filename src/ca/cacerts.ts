// A root and intermediate supplied by the user, in Istio's `cacerts` layout (the files of the
// `cacerts` Secret, mounted as a directory):
//   ca-cert.pem     the certificate that signs workload certificates (an intermediate)
//   ca-key.pem      its private key
//   root-cert.pem   the root(s) the mesh trusts
//   cert-chain.pem  ca-cert.pem, then any intermediates, up to the root (which may be included)
// Trellis only reads them: the user owns them, rotates them and keeps their key.
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { CaMaterialText } from './ca-material.js';
import { type CaLoadError, loadError, type Sourced } from './ca-store.js';

export const CACERTS_FILES = {
  signingCert: 'ca-cert.pem',
  signingKey: 'ca-key.pem',
  roots: 'root-cert.pem',
  certChain: 'cert-chain.pem',
} as const;

/** A chain of a few certificates is a few KiB; a bigger file is a mistake (a log, a tarball). */
const MAX_FILE_BYTES = 256 * 1024;

export async function readCacertsDir(
  dir: string,
): Promise<{ ok: true; value: CaMaterialText } | { ok: false; errors: CaLoadError[] }> {
  const entries = Object.entries(CACERTS_FILES) as [keyof typeof CACERTS_FILES, string][];
  const read = await Promise.all(entries.map(([, name]) => readBounded(path.join(dir, name))));
  const errors = read.flatMap((r) => ('error' in r ? [r.error] : []));
  if (errors.length > 0) return { ok: false, errors };
  const pieces = Object.fromEntries(entries.map(([key], i) => [key, read[i] as Sourced])) as Record<
    keyof typeof CACERTS_FILES,
    Sourced
  >;
  return { ok: true, value: pieces };
}

async function readBounded(file: string): Promise<Sourced | { error: CaLoadError }> {
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      if (size > MAX_FILE_BYTES)
        return { error: loadError(file, `unreadable: ${size} bytes, over the ${MAX_FILE_BYTES} allowed`) };
      return { source: file, text: await handle.readFile('utf8') };
    } finally {
      await handle.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'missing' : (err as Error).message;
    return { error: loadError(file, `unreadable: ${reason}`) };
  }
}
