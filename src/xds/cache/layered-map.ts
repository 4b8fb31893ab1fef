// A read-only map made of a few disjoint maps, without copying them. A proxy's Clusters come from
// several parts (the shared outbound clusters, a few fixed ones, its own inbound ones); a copy of
// them all per group of proxies held a thousand entries per group, and a mesh of distinct workloads
// has as many groups as proxies. The layers are immutable snapshot maps, so the view is too.
import type { CachedResource } from './snapshot.js';

type Layer = ReadonlyMap<string, CachedResource>;

export class LayeredMap implements ReadonlyMap<string, CachedResource> {
  readonly size: number;

  /** `layers` must not share a name: a name two parts both produce is a bug, and throws here. */
  constructor(
    private readonly layers: readonly Layer[],
    typeUrl: string,
  ) {
    let size = 0;
    let largest = 0;
    layers.forEach((layer, i) => {
      size += layer.size;
      if (layer.size > (layers[largest]?.size ?? 0)) largest = i;
    });
    this.size = size;
    // Each name of the smaller layers against every other layer: a duplicate anywhere shows.
    layers.forEach((layer, i) => {
      if (i === largest) return;
      for (const name of layer.keys())
        layers.forEach((other, j) => {
          if (j !== i && other.has(name))
            throw new Error(`snapshot has two ${typeUrl} resources named "${name}"`);
        });
    });
  }

  /** The maps it is made of, for a walk that visits each shared map once (SnapshotCache.resourceCounts). */
  get parts(): readonly Layer[] {
    return this.layers;
  }

  get(name: string): CachedResource | undefined {
    for (const layer of this.layers) {
      const found = layer.get(name);
      if (found) return found;
    }
    return undefined;
  }

  has(name: string): boolean {
    return this.layers.some((layer) => layer.has(name));
  }

  forEach(
    callback: (value: CachedResource, key: string, map: ReadonlyMap<string, CachedResource>) => void,
    thisArg?: unknown,
  ): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  *entries(): MapIterator<[string, CachedResource]> {
    for (const layer of this.layers) yield* layer.entries();
  }

  *keys(): MapIterator<string> {
    for (const layer of this.layers) yield* layer.keys();
  }

  *values(): MapIterator<CachedResource> {
    for (const layer of this.layers) yield* layer.values();
  }

  [Symbol.iterator](): MapIterator<[string, CachedResource]> {
    return this.entries();
  }
}

// One view per list of layers: streams memoise their work on a map's identity (selections, diffs,
// versions), so proxies whose parts give the same maps must get the same view. Keyed on the last
// layer, the one most particular to a group (its own inbound part): the list under it stays short,
// and goes with it.
const views = new WeakMap<
  Layer,
  { readonly typeUrl: string; readonly layers: readonly Layer[]; readonly view: LayeredMap }[]
>();

/** The view of `layers` (the same object for the same layers in the same order). */
export function layeredMap(typeUrl: string, layers: readonly Layer[]): LayeredMap {
  const last = layers.at(-1);
  if (!last) return new LayeredMap([], typeUrl);
  let list = views.get(last);
  if (!list) {
    list = [];
    views.set(last, list);
  }
  const found = list.find(
    (v) =>
      v.typeUrl === typeUrl && v.layers.length === layers.length && v.layers.every((l, i) => l === layers[i]),
  );
  if (found) return found.view;
  const view = new LayeredMap(layers, typeUrl);
  list.push({ typeUrl, layers, view });
  // Bounded, in case one map ends the lists of many: old views go first, and are only made again.
  if (list.length > 64) list.splice(0, list.length - 64);
  return view;
}
