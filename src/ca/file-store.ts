// The CA kept in one file under a state directory. One file, so that a rotation (new key and new
// root list) is replaced in a single rename: two files could be caught half-written by a crash,
// leaving a key that does not match its root. The directory is 0700 and the file 0600, written
// to a temporary file in the same directory and renamed over the old one.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  type CaLoadError,
  type CaState,
  type CaStore,
  initBySaving,
  loadError,
  type StoredCa,
} from './ca-store.js';

export const CA_STATE_FILE = 'ca.json';
/** Far above two roots and a key in PEM (~2 KiB); a bigger file is not ours. */
const MAX_STATE_BYTES = 1 << 20;

interface StateFileV1 {
  readonly version: 1;
  readonly rootCertsPem: string;
  readonly rootKeyPem: string;
  /** During a root rotation: the root that is trusted but does not sign yet. */
  readonly stagedRootCertPem?: string;
  readonly stagedRootKeyPem?: string;
}

export class FileCaStore implements CaStore {
  readonly file: string;

  constructor(readonly stateDir: string) {
    this.file = path.join(stateDir, CA_STATE_FILE);
  }

  get description(): string {
    return this.file;
  }

  async load(): Promise<{ ok: true; value: StoredCa | undefined } | { ok: false; errors: CaLoadError[] }> {
    let text: string;
    try {
      const handle = await open(this.file, 'r');
      try {
        const { size } = await handle.stat();
        if (size > MAX_STATE_BYTES)
          return refuse(this.file, `${size} bytes, over the ${MAX_STATE_BYTES} a CA state file can be`);
        text = await handle.readFile('utf8');
      } finally {
        await handle.close();
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, value: undefined };
      return refuse(this.file, `unreadable: ${(err as Error).message}`);
    }
    let state: unknown;
    try {
      state = JSON.parse(text);
    } catch (err) {
      return refuse(this.file, `not JSON: ${(err as Error).message}`);
    }
    const s = state as Partial<StateFileV1> | null;
    if (typeof s !== 'object' || s === null || s.version !== 1)
      return refuse(this.file, 'not a Trellis CA state file of version 1');
    if (typeof s.rootCertsPem !== 'string' || typeof s.rootKeyPem !== 'string')
      return refuse(this.file, 'rootCertsPem and rootKeyPem must both be strings');
    const stagedCert = s.stagedRootCertPem;
    const stagedKey = s.stagedRootKeyPem;
    if ((stagedCert === undefined) !== (stagedKey === undefined))
      return refuse(this.file, 'stagedRootCertPem and stagedRootKeyPem must be both present or both absent');
    if (
      (stagedCert !== undefined && typeof stagedCert !== 'string') ||
      (stagedKey !== undefined && typeof stagedKey !== 'string')
    )
      return refuse(this.file, 'stagedRootCertPem and stagedRootKeyPem must be strings');
    return {
      ok: true,
      value: {
        rootCerts: { source: `${this.file} (rootCertsPem)`, text: s.rootCertsPem },
        rootKey: { source: `${this.file} (rootKeyPem)`, text: s.rootKeyPem },
        ...(stagedCert !== undefined && stagedKey !== undefined
          ? {
              staged: {
                cert: { source: `${this.file} (stagedRootCertPem)`, text: stagedCert },
                key: { source: `${this.file} (stagedRootKeyPem)`, text: stagedKey },
              },
            }
          : {}),
      },
    };
  }

  init(ca: CaState) {
    return initBySaving(this, ca);
  }

  async save(ca: CaState): Promise<void> {
    await mkdir(this.stateDir, { recursive: true, mode: 0o700 });
    await chmod(this.stateDir, 0o700); // mkdir's mode does not apply to an existing directory
    const state: StateFileV1 = {
      version: 1,
      rootCertsPem: ca.rootCertsPem,
      rootKeyPem: ca.rootKeyPem,
      ...(ca.stagedRoot
        ? { stagedRootCertPem: ca.stagedRoot.certPem, stagedRootKeyPem: ca.stagedRoot.keyPem }
        : {}),
    };
    await writeAtomically(this.file, `${JSON.stringify(state, null, 2)}\n`);
  }
}

/** Temp file (0600, flushed) in the same directory, then rename: readers never see half a file. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  // Make the rename itself durable: fsync the directory.
  const dir = await open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

function refuse(file: string, reason: string): { ok: false; errors: CaLoadError[] } {
  return { ok: false, errors: [loadError(file, reason)] };
}
