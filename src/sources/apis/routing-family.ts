// The interface every routing API family implements (Gateway API, SMI, Istio, Trellis). A family
// sees all of its documents at once, because its resources refer to each other (a TrafficSplit to
// HTTPRouteGroups); references to Services are resolved later, by the merge step.
import type { Issue } from '../../model/issue.js';
import type { RoutingFragment } from '../../model/routing-fragment.js';
import type { ManifestDocument } from './manifest.js';

export interface FamilyKind {
  /** API group, e.g. gateway.networking.k8s.io */
  readonly group: string;
  readonly kind: string;
  /** Versions read, e.g. ['v1', 'v1beta1']. */
  readonly versions: readonly string[];
}

export interface FamilyContext {
  readonly clusterDomain: string;
  /** The mesh's root namespace (mesh-wide policies); default DEFAULT_ROOT_NAMESPACE. */
  readonly rootNamespace?: string;
}

/** One row of the support table in docs/support.md: generated from the parsers, so it cannot drift. */
export interface SupportRow {
  readonly kind: string;
  /** Field path as users write it, e.g. spec.rules[].filters[].requestMirror. */
  readonly field: string;
  readonly supported: boolean;
  /** For unsupported fields: what users get instead. For supported ones: any caveat. */
  readonly note?: string;
}

export interface RoutingFamilyParser {
  readonly family: string;
  readonly kinds: readonly FamilyKind[];
  readonly support: readonly SupportRow[];
  /**
   * Lowers every document of the family (already checked for apiVersion/kind and duplicates by the
   * caller). Never throws on user input: problems come back as issues with field paths.
   */
  parse(
    docs: readonly ManifestDocument[],
    ctx: FamilyContext,
  ): { fragment: RoutingFragment; issues: readonly Issue[] };
}
