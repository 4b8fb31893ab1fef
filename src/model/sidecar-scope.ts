// Which Istio Sidecar applies to a proxy, and the merge step for Sidecars. As in Istio: a Sidecar of
// the proxy's namespace whose workloadSelector selects its pod, else the namespace's Sidecar without
// a selector, else the one without a selector in the mesh's root namespace. At each level the oldest
// applies (creationTimestamp, then namespace/name); the others are told so with Conflicted=True.
// What an applicable Sidecar lets the proxy see is visibility.ts's business.
import type { Labels, Workload } from './mesh.js';
import type { SidecarPolicy } from './routing.js';
import { accepted, conflicted, reportPodConflicts } from './selector-conflicts.js';
import type { StatusBook } from './status-book.js';
import { hasLabels } from './workload-selection.js';

export const SIDECAR = 'Sidecar';

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Oldest first: creationTimestamp (none = newest), then namespace/name. */
export function compareSidecars(a: SidecarPolicy, b: SidecarPolicy): number {
  if (a.createdAt !== b.createdAt) {
    if (a.createdAt === undefined) return 1;
    if (b.createdAt === undefined) return -1;
    return compareText(a.createdAt, b.createdAt);
  }
  return compareText(a.origin.namespace, b.origin.namespace) || compareText(a.origin.name, b.origin.name);
}

/** A Sidecar with a workloadSelector (non-empty labels) is a workload's; without, a namespace's. */
export const selectsWorkloads = (sidecar: SidecarPolicy): boolean =>
  Object.keys(sidecar.selector ?? {}).length > 0;

const originText = (s: SidecarPolicy): string => `Sidecar ${s.origin.namespace}/${s.origin.name}`;

/**
 * The Sidecars without a selector that lose their namespace to an older one, each with its winner.
 * The family reports them as issues and the merge step as conditions: one rule, said twice.
 */
export function namespaceDefaultLosers(
  sidecars: readonly SidecarPolicy[],
): { readonly loser: SidecarPolicy; readonly winner: SidecarPolicy }[] {
  const winners = new Map<string, SidecarPolicy>();
  const losers: { loser: SidecarPolicy; winner: SidecarPolicy }[] = [];
  for (const sidecar of [...sidecars].sort(compareSidecars)) {
    if (selectsWorkloads(sidecar)) continue;
    const winner = winners.get(sidecar.origin.namespace);
    if (winner) losers.push({ loser: sidecar, winner });
    else winners.set(sidecar.origin.namespace, sidecar);
  }
  return losers;
}

export const namespaceDefaultConflict = (winner: SidecarPolicy, namespace: string): string =>
  `${originText(winner)} is the default of namespace ${namespace}: of the Sidecars without a workloadSelector, the oldest (then the first by namespace/name) applies`;

/**
 * The Sidecars kept, sorted by namespace/name; conditions go to `book`. A namespace default that
 * loses never applies and is dropped; a selecting Sidecar that loses on one pod stays, since it may
 * be the oldest for another.
 */
export function settleSidecars(
  sidecars: readonly SidecarPolicy[],
  workloads: readonly Workload[],
  book: StatusBook,
): SidecarPolicy[] {
  const dropped = new Set<SidecarPolicy>();
  for (const { loser, winner } of namespaceDefaultLosers(sidecars)) {
    dropped.add(loser);
    book.set(loser.origin, undefined, conflicted(namespaceDefaultConflict(winner, loser.origin.namespace)));
  }
  const selecting = [...sidecars].sort(compareSidecars).filter(selectsWorkloads);
  reportPodConflicts(selecting, workloads, book, originText);
  const kept = sidecars.filter((s) => !dropped.has(s));
  for (const sidecar of kept) book.setDefault(sidecar.origin, undefined, accepted);
  return kept.sort(
    (a, b) =>
      compareText(a.origin.namespace, b.origin.namespace) || compareText(a.origin.name, b.origin.name),
  );
}

interface NamespaceSidecars {
  /** The oldest Sidecar without a selector. */
  readonly namespaceDefault?: SidecarPolicy;
  /** Sidecars with a selector, oldest first. */
  readonly selecting: readonly SidecarPolicy[];
}

// Asked for every proxy on every rebuild: index once per (immutable) array.
const indexes = new WeakMap<readonly SidecarPolicy[], ReadonlyMap<string, NamespaceSidecars>>();

function indexOf(sidecars: readonly SidecarPolicy[]): ReadonlyMap<string, NamespaceSidecars> {
  const known = indexes.get(sidecars);
  if (known) return known;
  const index = new Map<string, { namespaceDefault?: SidecarPolicy; selecting: SidecarPolicy[] }>();
  for (const sidecar of [...sidecars].sort(compareSidecars)) {
    const entry = index.get(sidecar.origin.namespace) ?? { selecting: [] };
    if (selectsWorkloads(sidecar)) entry.selecting.push(sidecar);
    else entry.namespaceDefault ??= sidecar;
    index.set(sidecar.origin.namespace, entry);
  }
  indexes.set(sidecars, index);
  return index;
}

/** The proxy a Sidecar is chosen for: its namespace, and its pod's labels when the pod is known. */
export interface SidecarViewer {
  readonly namespace: string;
  readonly labels?: Labels | undefined;
}

export type SidecarLevel = 'workload' | 'namespace' | 'mesh';

/** The Sidecars that may apply to a proxy, one per level; absent levels have none. */
export interface ApplicableSidecars {
  readonly workload?: SidecarPolicy;
  readonly namespace?: SidecarPolicy;
  readonly mesh?: SidecarPolicy;
}

/**
 * The oldest Sidecar of the proxy's namespace selecting its pod (none when the pod is not known: a
 * proxy that cannot show its labels is not selected), the oldest of its namespace without a selector,
 * and the oldest of the root namespace without a selector.
 */
export function applicableSidecars(
  sidecars: readonly SidecarPolicy[],
  rootNamespace: string,
  viewer: SidecarViewer,
): ApplicableSidecars {
  if (sidecars.length === 0) return {};
  const index = indexOf(sidecars);
  const own = index.get(viewer.namespace);
  const labels = viewer.labels;
  const selecting = labels ? own?.selecting.find((s) => hasLabels(labels, s.selector ?? {})) : undefined;
  const namespaceDefault = own?.namespaceDefault;
  const meshDefault = index.get(rootNamespace)?.namespaceDefault;
  return {
    ...(selecting ? { workload: selecting } : {}),
    ...(namespaceDefault ? { namespace: namespaceDefault } : {}),
    ...(meshDefault ? { mesh: meshDefault } : {}),
  };
}
