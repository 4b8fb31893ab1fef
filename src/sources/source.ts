// The one interface every source implements: it emits the whole parsed state, never a partial one,
// so goldens, `trellis validate`, `trellis config-dump` and the server all see the same thing.
import type { Issue } from '../model/issue.js';
import type { Mesh } from '../model/mesh.js';
import type { ResourceStatus } from '../model/routing.js';

export interface SourceState {
  readonly mesh: Mesh;
  /** Every problem found in the input, sorted by origin, document and field. */
  readonly issues: readonly Issue[];
  /** Status conditions of routing resources (Accepted, ResolvedRefs, conflicts), sorted by resource. */
  readonly statuses: readonly ResourceStatus[];
  /**
   * metadata.generation of a resource as it was read for this state, when the source knows it (the
   * Kubernetes source): the observedGeneration its status is written with.
   */
  readonly generationOf?: (resource: {
    readonly kind: string;
    readonly namespace: string;
    readonly name: string;
  }) => number | undefined;
}

export interface Source {
  /** Reads everything once and resolves with the first complete state. */
  start(onChange: (state: SourceState) => void): Promise<SourceState>;
  stop(): Promise<void>;
}
