// Where a generated CA keeps its roots and key between restarts. The authority sees only this
// interface: the file store (file-store.ts) locally, the Secret store (src/cluster/secret-ca-store.ts)
// in a cluster. A store hands back text with the place it came from, so the authority's checks
// (ca-material.ts) name the file, or the Secret's key, in every refusal.

/** Text and where it came from: a path, or "secret ns/name key k". */
export interface Sourced {
  readonly source: string;
  readonly text: string;
}

/** One refusal at load: where, and why. `message` is both, for a log line. */
export interface CaLoadError {
  readonly source: string;
  readonly reason: string;
  readonly message: string;
}

export function loadError(source: string, reason: string): CaLoadError {
  return { source, reason, message: `${source}: ${reason}` };
}

/**
 * A generated CA as stored: every trusted root (PEM, current first) and the current root's key,
 * and during a root rotation the staged root: trusted already, signing only once activated.
 */
export interface StoredCa {
  readonly rootCerts: Sourced;
  readonly rootKey: Sourced;
  readonly staged?: { readonly cert: Sourced; readonly key: Sourced };
}

/** What a store saves, as one unit. */
export interface CaState {
  readonly rootCertsPem: string;
  readonly rootKeyPem: string;
  readonly stagedRoot?: { readonly certPem: string; readonly keyPem: string };
}

export interface CaStore {
  /** Where the store keeps the CA, for messages. */
  readonly description: string;
  /** The stored CA, `undefined` when none was ever saved, or why it cannot be read. */
  load(): Promise<{ ok: true; value: StoredCa | undefined } | { ok: false; errors: readonly CaLoadError[] }>;
  /** Replaces the stored CA as a whole: a reader sees the old one or the new one, never a mix. */
  save(ca: CaState): Promise<void>;
  /**
   * Saves `ca` only if the store holds none, and answers with what it holds afterwards: `ca`, or
   * the CA another writer saved first (two replicas starting at once end up with one root).
   */
  init(ca: CaState): Promise<{ ok: true; value: StoredCa } | { ok: false; errors: readonly CaLoadError[] }>;
}

/** init() for a store only this process writes: load, and save when empty. */
export async function initBySaving(
  store: Pick<CaStore, 'load' | 'save'>,
  ca: CaState,
): Promise<{ ok: true; value: StoredCa } | { ok: false; errors: readonly CaLoadError[] }> {
  const held = await store.load();
  if (!held.ok) return held;
  if (held.value) return { ok: true, value: held.value };
  await store.save(ca);
  const saved = await store.load();
  if (!saved.ok) return saved;
  if (!saved.value) throw new Error('a CA store lost what was just saved');
  return { ok: true, value: saved.value };
}
