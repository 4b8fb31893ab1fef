// What makes a one-shot lowering after a small change cost less than the mesh, and what the
// DefinitionsIndex (definitions-index.ts) falls back on when its own part changed. The documents of
// what did not change are the very objects of last time, and every step below depends only on its
// inputs. So each step is memoised on the identity of its inputs:
// - a routing family's parse, on its documents (an EndpointSlice change re-parses no family);
// - a core array (services, slices, pods, namespaces) is the previous array object when it holds the
//   same elements, so everything keyed on it downstream (the merge step below, the content hashes of
//   mesh-fingerprint.ts) is found again;
// - the merge step (buildRouting), on every core array but the endpoint slices, and the fragments.
// Each memo holds a few recent entries, not one: `buildState` also lowers slices of the documents
// (its warm-up), and two servers may share the process.
import { type BuiltRouting, buildRouting, type MeshWithoutRouting } from '../../../model/build-routing.js';
import type { Issue } from '../../../model/issue.js';
import type { RoutingFragment } from '../../../model/routing-fragment.js';
import type { ManifestDocument } from '../manifest.js';
import type { FamilyContext, RoutingFamilyParser } from '../routing-family.js';

const KEPT = 4;

/** A few recent entries, newest first; found entries move to the front. */
class Recent<K, V> {
  private entries: { key: K; value: V }[] = [];

  constructor(private readonly same: (a: K, b: K) => boolean) {}

  get(key: K): V | undefined {
    const index = this.entries.findIndex((e) => this.same(e.key, key));
    if (index < 0) return undefined;
    const [entry] = this.entries.splice(index, 1);
    this.entries.unshift(entry as { key: K; value: V });
    return (entry as { key: K; value: V }).value;
  }

  set(key: K, value: V): void {
    this.entries.unshift({ key, value });
    if (this.entries.length > KEPT) this.entries.length = KEPT;
  }
}

function sameElements(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const arrays = new Map<string, Recent<readonly unknown[], readonly unknown[]>>();

/** `next`, or an earlier array of that name with the same elements in the same order. */
export function stableArray<T>(name: string, next: readonly T[]): readonly T[] {
  let recent = arrays.get(name);
  if (!recent) {
    recent = new Recent(sameElements);
    arrays.set(name, recent);
  }
  const known = recent.get(next);
  if (known) return known as readonly T[];
  recent.set(next, next);
  return next;
}

type FamilyResult = { readonly fragment: RoutingFragment; readonly issues: readonly Issue[] };
interface FamilyKey {
  readonly docs: readonly ManifestDocument[];
  readonly clusterDomain: string;
  readonly rootNamespace: string | undefined;
}
const families = new WeakMap<RoutingFamilyParser, Recent<FamilyKey, FamilyResult>>();
const sameFamilyKey = (a: FamilyKey, b: FamilyKey): boolean =>
  a.clusterDomain === b.clusterDomain && a.rootNamespace === b.rootNamespace && sameElements(a.docs, b.docs);

/** family.parse(docs, ctx), or its result for the same documents (the same objects) and context. */
export function parseFamily(
  family: RoutingFamilyParser,
  docs: readonly ManifestDocument[],
  ctx: FamilyContext,
): FamilyResult {
  let recent = families.get(family);
  if (!recent) {
    recent = new Recent(sameFamilyKey);
    families.set(family, recent);
  }
  const key = { docs, clusterDomain: ctx.clusterDomain, rootNamespace: ctx.rootNamespace };
  const known = recent.get(key);
  if (known) return known;
  const result = family.parse(docs, ctx);
  recent.set(key, result);
  return result;
}

// Every field of the mesh but the endpoint slices, which the merge step never reads: an endpoint
// change is the one that must find it again.
interface RoutingKey {
  readonly namespaces: MeshWithoutRouting['namespaces'];
  readonly services: MeshWithoutRouting['services'];
  readonly workloads: MeshWithoutRouting['workloads'];
  readonly fragments: readonly RoutingFragment[];
}
const routings = new Recent<RoutingKey, BuiltRouting>(
  (a, b) =>
    a.namespaces === b.namespaces &&
    a.services === b.services &&
    a.workloads === b.workloads &&
    sameElements(a.fragments, b.fragments),
);

/** buildRouting(core, fragments), or its result for the same core arrays (slices aside) and fragments. */
export function mergeRouting(core: MeshWithoutRouting, fragments: readonly RoutingFragment[]): BuiltRouting {
  const key = { namespaces: core.namespaces, services: core.services, workloads: core.workloads, fragments };
  const known = routings.get(key);
  if (known) return known;
  const built = buildRouting(core, fragments);
  routings.set(key, built);
  return built;
}
