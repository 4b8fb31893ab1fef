// A CA store that forgets at exit: `trellis serve` without --state-dir (a demo, a test). Every start
// then makes a new root, and the log says so.
import { type CaState, type CaStore, initBySaving, type StoredCa } from './ca-store.js';

export class MemoryCaStore implements CaStore {
  readonly description = 'memory (not persisted: pass --state-dir to keep the root)';
  private saved: CaState | undefined;

  async load(): Promise<{ ok: true; value: StoredCa | undefined }> {
    const saved = this.saved;
    if (!saved) return { ok: true, value: undefined };
    return {
      ok: true,
      value: {
        rootCerts: { source: this.description, text: saved.rootCertsPem },
        rootKey: { source: this.description, text: saved.rootKeyPem },
        ...(saved.stagedRoot
          ? {
              staged: {
                cert: { source: this.description, text: saved.stagedRoot.certPem },
                key: { source: this.description, text: saved.stagedRoot.keyPem },
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
    this.saved = { ...ca };
  }
}
