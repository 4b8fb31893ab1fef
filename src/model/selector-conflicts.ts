// Istio's rule for policies that select pods (PeerAuthentication, Sidecar): where several select one
// pod, the oldest (then the first by namespace/name) applies to it, and each other one is told so.
import type { Labels, Workload } from './mesh.js';
import type { Origin } from './routing.js';
import type { StatusBook } from './status-book.js';
import { hasLabels } from './workload-selection.js';

export const accepted = {
  type: 'Accepted',
  status: 'True',
  reason: 'Accepted',
  message: 'accepted',
} as const;

export function conflicted(message: string) {
  return { type: 'Conflicted', status: 'True', reason: 'Overridden', message } as const;
}

/**
 * For each pod that several of `selecting` (oldest first, all with a selector) select in its
 * namespace, a Conflicted condition on every one but the first. `describe` names a policy.
 */
export function reportPodConflicts<P extends { readonly origin: Origin; readonly selector?: Labels }>(
  selecting: readonly P[],
  workloads: readonly Workload[],
  book: StatusBook,
  describe: (policy: P) => string,
): void {
  if (selecting.length < 2) return;
  for (const workload of workloads) {
    const [winner, ...losers] = selecting.filter(
      (p) => p.origin.namespace === workload.namespace && hasLabels(workload.labels, p.selector ?? {}),
    );
    for (const loser of losers)
      book.set(
        loser.origin,
        undefined,
        conflicted(
          `${describe(winner as P)} also selects pod ${workload.namespace}/${workload.name} and applies to it: the oldest (then the first by namespace/name) applies`,
        ),
      );
  }
}
