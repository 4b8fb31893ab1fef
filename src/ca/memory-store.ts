// A CA store that forgets at exit: `trellis serve` without --state-dir (a demo, a test). Every start
// then makes a new root, and the log says so.
import type { CaStore, StoredCa } from './ca-store.js';

export class MemoryCaStore implements CaStore {
  readonly description = 'memory (not persisted: pass --state-dir to keep the root)';
  private saved: { readonly rootCertsPem: string; readonly rootKeyPem: string } | undefined;

  async load(): Promise<{ ok: true; value: StoredCa | undefined }> {
    const saved = this.saved;
    if (!saved) return { ok: true, value: undefined };
    return {
      ok: true,
      value: {
        rootCerts: { source: this.description, text: saved.rootCertsPem },
        rootKey: { source: this.description, text: saved.rootKeyPem },
      },
    };
  }

  async save(ca: { readonly rootCertsPem: string; readonly rootKeyPem: string }): Promise<void> {
    this.saved = { ...ca };
  }
}
