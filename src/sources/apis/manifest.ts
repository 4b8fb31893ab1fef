// One Kubernetes object as a source read it, before any validation. Every source (files today, the
// API server later) produces these, so the kind parsers never know where a document came from.

export interface ManifestDocument {
  /** Where the document came from: a file path relative to the manifest directory ('/'-separated). */
  readonly origin: string;
  /** Index of the YAML document within its file (0-based, empty documents counted). */
  readonly documentIndex: number;
  /**
   * Set when the object is an item of a `kind: List` document, e.g. "items[3]". Items keep the
   * document index of their List, and every issue about an item has a field path starting with this
   * prefix (items[3].spec.ports[0].port), so a person can find it in the file.
   */
  readonly pathPrefix?: string;
  /** The decoded document: plain JSON-shaped data, not yet validated. */
  readonly value: unknown;
}
