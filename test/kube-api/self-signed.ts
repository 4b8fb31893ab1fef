// A throwaway serving certificate for the fake API server: P-256, for 127.0.0.1 and localhost, made
// by the openssl CLI (which .ci/run installs) in a temporary directory that is removed at once.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSigned } from '../helpers/openssl.js';

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
    const { certFile, keyFile } = await selfSigned(dir, 'serving', {
      subject: '/CN=localhost',
      extensions: ['subjectAltName=IP:127.0.0.1,DNS:localhost'],
    });
    return { certPem: await readFile(certFile, 'utf8'), keyPem: await readFile(keyFile, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
