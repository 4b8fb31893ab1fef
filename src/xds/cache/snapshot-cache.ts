// The current snapshot of every proxy, keyed by proxy id, and who wants to hear about new ones.
// It knows nothing of gRPC or of how snapshots are made: streams watch it, the snapshot builder
// sets it, and each stream decides for itself what changed for it.
import { LayeredMap } from './layered-map.js';
import type { CachedResource, Snapshot } from './snapshot.js';

export type SnapshotListener = (snapshot: Snapshot) => void;

/** The part of the cache a stream needs: the one seam between the server and the cache. */
export interface SnapshotWatcher {
  getSnapshot(proxyId: string): Snapshot | undefined;
  /** Calls `listener` on every later setSnapshot for the proxy; returns the function that stops it. */
  watch(proxyId: string, listener: SnapshotListener): () => void;
}

export class SnapshotCache implements SnapshotWatcher {
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly listeners = new Map<string, Set<SnapshotListener>>();

  setSnapshot(proxyId: string, snapshot: Snapshot): void {
    this.snapshots.set(proxyId, snapshot);
    const listeners = this.listeners.get(proxyId);
    if (!listeners) return;
    // A copy: a listener may stop watching (its stream closed) while we iterate.
    for (const listener of [...listeners]) listener(snapshot);
  }

  getSnapshot(proxyId: string): Snapshot | undefined {
    return this.snapshots.get(proxyId);
  }

  /** Forgets the proxy's snapshot; watchers stay, and hear of the next setSnapshot. */
  clear(proxyId: string): void {
    this.snapshots.delete(proxyId);
  }

  /**
   * How many distinct resources of each type the cache holds, by type URL. A snapshot shared by a
   * group of proxies, and a resource object shared by several snapshots (the encode memo's), count
   * once. It visits each distinct map once: a group's map of a type is a view over its parts'
   * maps (layered-map.ts), most of them shared by every group, so a scrape costs what is distinct,
   * not proxies × resources (which, at 2,000 groups of 2,000 resources, was 0.2 s a scrape).
   */
  resourceCounts(): Map<string, number> {
    const walked = new Set<ReadonlyMap<string, CachedResource>>();
    const byType = new Map<string, Set<CachedResource>>();
    const walk = (typeUrl: string, map: ReadonlyMap<string, CachedResource>): void => {
      if (walked.has(map)) return;
      walked.add(map);
      if (map instanceof LayeredMap) {
        for (const part of map.parts) walk(typeUrl, part);
        return;
      }
      let distinct = byType.get(typeUrl);
      if (!distinct) {
        distinct = new Set();
        byType.set(typeUrl, distinct);
      }
      for (const resource of map.values()) distinct.add(resource);
    };
    for (const snapshot of this.snapshots.values())
      for (const [typeUrl, ofType] of snapshot.resources) walk(typeUrl, ofType);
    return new Map([...byType].map(([typeUrl, distinct]) => [typeUrl, distinct.size]));
  }

  watch(proxyId: string, listener: SnapshotListener): () => void {
    let listeners = this.listeners.get(proxyId);
    if (!listeners) {
      listeners = new Set();
      this.listeners.set(proxyId, listeners);
    }
    listeners.add(listener);
    return () => {
      const current = this.listeners.get(proxyId);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) this.listeners.delete(proxyId);
    };
  }
}
