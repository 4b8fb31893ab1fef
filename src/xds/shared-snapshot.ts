// The snapshot of a group of proxies, made of the encode memo's CachedResource objects as they are:
// a resource that did not change keeps its object and version, so every stream sees at once that
// there is nothing to send for it, and N groups holding one resource hold one object.
import type { CachedResource, Snapshot } from './cache/snapshot.js';
import type { CompiledResource } from './compile-proxy.js';

/** Throws on a name given twice within a type: that is a bug in whatever produced the list. */
export function snapshotOf(resources: readonly CompiledResource[]): Snapshot {
  const byType = new Map<string, Map<string, CachedResource>>();
  for (const { typeUrl, name, cached } of resources) {
    let ofType = byType.get(typeUrl);
    if (!ofType) {
      ofType = new Map();
      byType.set(typeUrl, ofType);
    }
    if (ofType.has(name)) throw new Error(`snapshot has two ${typeUrl} resources named "${name}"`);
    ofType.set(name, cached);
  }
  return { resources: byType };
}

/** True when both hold the same names with the same versions, type by type. */
export function sameSnapshot(a: Snapshot, b: Snapshot): boolean {
  if (a === b) return true;
  const nonEmpty = (s: Snapshot) => [...s.resources].filter(([, ofType]) => ofType.size > 0);
  const typesA = nonEmpty(a);
  if (typesA.length !== nonEmpty(b).length) return false;
  for (const [typeUrl, ofTypeA] of typesA) {
    const ofTypeB = b.resources.get(typeUrl);
    if (!ofTypeB || ofTypeB.size !== ofTypeA.size) return false;
    for (const [name, resource] of ofTypeA) {
      if (ofTypeB.get(name)?.version !== resource.version) return false;
    }
  }
  return true;
}
