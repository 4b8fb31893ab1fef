// A throwaway serving certificate for the fake API server: P-256, for 127.0.0.1 and localhost, made
// by the openssl CLI (which .ci/run installs) in a temporary directory that is removed at once.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ServingCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

let made: Promise<ServingCertificate> | undefined;

/** One certificate per test process: making one takes tens of milliseconds, reusing it nothing. */
export function servingCertificate(): Promise<ServingCertificate> {
  made ??= makeCertificate().catch((error: unknown) => {
    made = undefined;
    throw error;
  });
  return made;
}

async function makeCertificate(): Promise<ServingCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'trellis-fake-kube-api-'));
  try {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      key,
      '-out',
      cert,
    ]);
    return { certPem: await readFile(cert, 'utf8'), keyPem: await readFile(key, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
