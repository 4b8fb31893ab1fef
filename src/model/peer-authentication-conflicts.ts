// The merge step for PeerAuthentications. At each level (a namespace's policies without a selector,
// and each pod's selecting policies) the oldest applies, then the first by namespace/name, as in
// Istio; the others are told so with Conflicted=True. A namespace-wide loser never applies and is
// dropped; a selecting loser stays, since it may still be the oldest for another pod.
import type { Workload } from './mesh.js';
import { comparePeerAuthentications, hasSelector } from './mtls.js';
import type { PeerAuthenticationPolicy } from './routing.js';
import { accepted, conflicted, reportPodConflicts } from './selector-conflicts.js';
import type { StatusBook } from './status-book.js';

const originText = (p: PeerAuthenticationPolicy): string =>
  `PeerAuthentication ${p.origin.namespace}/${p.origin.name}`;

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The policies kept, sorted by namespace/name; conditions go to `book`. */
export function settlePeerAuthentications(
  policies: readonly PeerAuthenticationPolicy[],
  workloads: readonly Workload[],
  book: StatusBook,
): PeerAuthenticationPolicy[] {
  const byAge = [...policies].sort(comparePeerAuthentications);
  const kept: PeerAuthenticationPolicy[] = [];
  const namespaceWide = new Map<string, PeerAuthenticationPolicy>();
  for (const policy of byAge) {
    if (hasSelector(policy)) {
      kept.push(policy);
      continue;
    }
    const winner = namespaceWide.get(policy.origin.namespace);
    if (winner) {
      book.set(
        policy.origin,
        undefined,
        conflicted(
          `${originText(winner)} applies to namespace ${policy.origin.namespace}: of the policies without a selector, the oldest (then the first by namespace/name) applies`,
        ),
      );
      continue;
    }
    namespaceWide.set(policy.origin.namespace, policy);
    kept.push(policy);
  }
  // A selecting policy loses where an older one selects the same pod.
  const selecting = byAge.filter(hasSelector);
  reportPodConflicts(selecting, workloads, book, originText);
  for (const policy of kept) book.setDefault(policy.origin, undefined, accepted);
  return kept.sort(
    (a, b) =>
      compareText(a.origin.namespace, b.origin.namespace) || compareText(a.origin.name, b.origin.name),
  );
}
