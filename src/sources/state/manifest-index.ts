// The documents a source serves now, by origin (a file path, or `kube:<group>/<Kind>/<ns>/<name>` for
// one Kubernetes object), kept up to date by batches of changes. Applying a batch costs work in
// proportion to the batch, not to the mesh: per origin a map update and a binary search in the list
// of versions in origin order, and a splice there for an origin that comes or goes.
import type { Logger } from '../../log.js';
import type { Issue } from '../../model/issue.js';
import { sameItems } from '../../same-items.js';
import { compareStrings } from '../apis/issues.js';
import type { ManifestDocument } from '../apis/manifest.js';
import type { OriginVersion } from './build-state.js';

/**
 * What a source reports: an origin's documents added or updated (all of them, as the origin serves
 * them now, with the issues about the origin as a whole), or the origin deleted.
 */
export type ManifestChange =
  | {
      readonly type: 'added' | 'updated';
      readonly origin: string;
      readonly documents: readonly ManifestDocument[];
      /** Issues about the origin as a whole (a file that does not read); none for a Kubernetes object. */
      readonly issues?: readonly Issue[];
    }
  | { readonly type: 'deleted'; readonly origin: string };

const NO_ISSUES: readonly Issue[] = [];

export class ManifestIndex {
  private readonly byOrigin = new Map<string, OriginVersion>();
  /** Every origin's version, in origin order: the order a fresh read gives, so builds do not depend on history. */
  private readonly ordered: OriginVersion[] = [];

  constructor(private readonly logger?: Logger) {}

  get size(): number {
    return this.byOrigin.size;
  }

  get(origin: string): OriginVersion | undefined {
    return this.byOrigin.get(origin);
  }

  /**
   * Applies a batch, in order, and returns the origins whose version changed. An add of a known
   * origin is an update and an update of an unknown one an add: the index, not the reporter, knows
   * what is there. A delete of an origin the index does not hold is ignored, with a debug line. An
   * update that hands over the very documents and issues already held changes nothing.
   */
  apply(changes: readonly ManifestChange[]): Set<string> {
    const changed = new Set<string>();
    for (const change of changes) {
      const known = this.byOrigin.get(change.origin);
      if (change.type === 'deleted') {
        if (!known) {
          this.logger?.debug({ origin: change.origin }, 'a delete of an origin not served: ignored');
          continue;
        }
        this.byOrigin.delete(change.origin);
        this.ordered.splice(this.position(change.origin), 1);
        changed.add(change.origin);
        continue;
      }
      const next: OriginVersion = {
        origin: change.origin,
        documents: change.documents,
        issues: change.issues ?? NO_ISSUES,
      };
      if (known && sameItems(known.documents, next.documents) && sameItems(known.issues, next.issues))
        continue;
      if (known) this.ordered[this.position(change.origin)] = next;
      else this.ordered.splice(this.position(change.origin), 0, next);
      this.byOrigin.set(change.origin, next);
      changed.add(change.origin);
    }
    return changed;
  }

  /** Every origin's version, in origin order. */
  versions(): OriginVersion[] {
    return this.ordered.slice();
  }

  /** The versions of these origins that are held, in origin order. */
  versionsOf(origins: Iterable<string>): OriginVersion[] {
    const versions: OriginVersion[] = [];
    for (const origin of [...origins].sort(compareStrings)) {
      const version = this.byOrigin.get(origin);
      if (version) versions.push(version);
    }
    return versions;
  }

  /** Where `origin` is, or would go, in `ordered`. */
  private position(origin: string): number {
    let low = 0;
    let high = this.ordered.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareStrings(this.ordered[middle]!.origin, origin) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
