// What lowering one Istio resource needs to know besides the resource itself.
import type { Issue } from '../../../model/issue.js';
import type { Origin } from '../../../model/routing.js';
import type { Report } from '../issues.js';

/** Service key (namespace/name) → the subset names DestinationRules define for it. */
export type SubsetIndex = ReadonlyMap<string, ReadonlySet<string>>;

export interface LoweringScope {
  readonly origin: Origin;
  /** The resource's namespace: short host names are read in it. */
  readonly namespace: string;
  readonly clusterDomain: string;
  readonly subsets: SubsetIndex;
  readonly report: Report;
  /** Where lowering functions put what they find; a caller may hand a fresh list to see a part's issues. */
  readonly issues: Issue[];
}

export function withIssues(scope: LoweringScope, issues: Issue[]): LoweringScope {
  return { ...scope, issues };
}
