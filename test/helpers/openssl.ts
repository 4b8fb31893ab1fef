// Keys, CSRs and certificates made by the `openssl` CLI (Debian's, which .ci/run installs): material
// Trellis did not make, for tests that must not grade our code with our code.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs openssl with a 10 s bound; rejects with its stderr on failure. */
export function openssl(args: readonly string[], cwd?: string): Promise<{ stdout: string; stderr: string }> {
  return run('openssl', [...args], { timeout: 10_000, ...(cwd ? { cwd } : {}) });
}

const NEW_P256_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** A new P-256 key and a CSR for it asking for `subjectAltName` (e.g. `URI:spiffe://…`), in `dir`. */
export async function keyAndCsr(
  dir: string,
  name: string,
  subjectAltName: string,
): Promise<{ keyFile: string; csrFile: string; key: string; csr: string }> {
  const keyFile = path.join(dir, `${name}-key.pem`);
  const csrFile = path.join(dir, `${name}.csr`);
  await openssl([
    'req',
    '-new',
    ...NEW_P256_KEY,
    '-keyout',
    keyFile,
    '-out',
    csrFile,
    '-subj',
    '/O=workload',
    '-addext',
    `subjectAltName=${subjectAltName}`,
  ]);
  return {
    keyFile,
    csrFile,
    key: await fs.readFile(keyFile, 'utf8'),
    csr: await fs.readFile(csrFile, 'utf8'),
  };
}

/** A self-signed P-256 certificate and its key, in `dir`, with `extensions` (-addext values). */
export async function selfSigned(
  dir: string,
  name: string,
  options: { readonly subject: string; readonly days?: number; readonly extensions?: readonly string[] },
): Promise<{ keyFile: string; certFile: string }> {
  const keyFile = path.join(dir, `${name}-key.pem`);
  const certFile = path.join(dir, `${name}.pem`);
  await openssl([
    'req',
    '-x509',
    ...NEW_P256_KEY,
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    String(options.days ?? 1),
    '-subj',
    options.subject,
    ...(options.extensions ?? []).flatMap((e) => ['-addext', e]),
  ]);
  return { keyFile, certFile };
}
