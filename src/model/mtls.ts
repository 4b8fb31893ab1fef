// Mutual TLS between sidecars, decided on the model alone (pure; the translation of sidecars and of
// proxyless clients both ask here):
// - the server side: which mode (STRICT, PERMISSIVE, DISABLE) applies to a workload on a port, from
//   the PeerAuthentications, the way Istio composes them;
// - the client side: how a client connects to a service port or subset, from the DestinationRule's
//   tls, else auto mTLS (ISTIO_MUTUAL towards meshed workloads whose mode is not DISABLE).
import { spiffeId } from './identity.js';
import {
  type Labels,
  type Mesh,
  type MeshConfig,
  meshConfigOf,
  type Service,
  type ServicePort,
} from './mesh.js';
import type { ClientTls, MtlsMode, PeerAuthenticationPolicy, Routing } from './routing.js';
import { backendPolicyFor, effectivePolicy } from './traffic-policy.js';
import { hasLabels, type WorkloadPort, workloadsBehind } from './workload-selection.js';

/** What a workload gets when no PeerAuthentication says otherwise, as in Istio. */
export const DEFAULT_MTLS_MODE: MtlsMode = 'PERMISSIVE';

/** A pod's label saying whether it runs a sidecar that speaks mesh mTLS (Istio's own label). */
export const TLS_MODE_LABEL = 'security.istio.io/tlsMode';

/**
 * Whether a pod takes part in mesh mTLS. Trellis injects no sidecars, so every pod is taken to have
 * one, unless it carries `security.istio.io/tlsMode` with another value than "istio" (Istio's
 * injector writes "istio"; "disabled" marks a pod without a sidecar, or a proxyless gRPC server).
 */
export function isMeshed(workload: { readonly labels: Labels }): boolean {
  const value = workload.labels[TLS_MODE_LABEL];
  return value === undefined || value === 'istio';
}

export function peerAuthenticationsOf(routing: Routing): readonly PeerAuthenticationPolicy[] {
  return routing.peerAuthentications ?? [];
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Oldest first: creationTimestamp (none = newest), then namespace/name. */
export function comparePeerAuthentications(a: PeerAuthenticationPolicy, b: PeerAuthenticationPolicy): number {
  if (a.createdAt !== b.createdAt) {
    if (a.createdAt === undefined) return 1;
    if (b.createdAt === undefined) return -1;
    return compareText(a.createdAt, b.createdAt);
  }
  return compareText(a.origin.namespace, b.origin.namespace) || compareText(a.origin.name, b.origin.name);
}

/** A policy with a selector (non-empty matchLabels) is a workload policy; without, a namespace one. */
export const hasSelector = (policy: PeerAuthenticationPolicy): boolean =>
  Object.keys(policy.selector ?? {}).length > 0;

interface NamespacePolicies {
  /** The oldest policy without a selector. */
  readonly namespaceWide?: PeerAuthenticationPolicy;
  /** Policies with a selector, oldest first. */
  readonly selecting: readonly PeerAuthenticationPolicy[];
}

// Asked for every port of every workload a translation looks at: index once per (immutable) array.
const indexes = new WeakMap<readonly PeerAuthenticationPolicy[], ReadonlyMap<string, NamespacePolicies>>();

function indexOf(policies: readonly PeerAuthenticationPolicy[]): ReadonlyMap<string, NamespacePolicies> {
  const known = indexes.get(policies);
  if (known) return known;
  const index = new Map<
    string,
    { namespaceWide?: PeerAuthenticationPolicy; selecting: PeerAuthenticationPolicy[] }
  >();
  for (const policy of [...policies].sort(comparePeerAuthentications)) {
    const entry = index.get(policy.origin.namespace) ?? { selecting: [] };
    if (hasSelector(policy)) entry.selecting.push(policy);
    else entry.namespaceWide ??= policy;
    index.set(policy.origin.namespace, entry);
  }
  indexes.set(policies, index);
  return index;
}

/** The policies that decide a workload's mode, one per level; absent levels have none. */
export interface ApplicablePeerAuthentications {
  readonly workload?: PeerAuthenticationPolicy;
  readonly namespace?: PeerAuthenticationPolicy;
  readonly mesh?: PeerAuthenticationPolicy;
}

/**
 * The policies that apply to a workload: the oldest selecting it in its namespace, the oldest of its
 * namespace without a selector, and the oldest of the root namespace without a selector.
 */
export function applicablePeerAuthentications(
  policies: readonly PeerAuthenticationPolicy[],
  config: MeshConfig,
  workload: { readonly namespace: string; readonly labels: Labels },
): ApplicablePeerAuthentications {
  const index = indexOf(policies);
  const own = index.get(workload.namespace);
  const selecting = own?.selecting.find((p) => hasLabels(workload.labels, p.selector ?? {}));
  const namespaceWide = own?.namespaceWide;
  const meshWide = index.get(config.rootNamespace)?.namespaceWide;
  return {
    ...(selecting ? { workload: selecting } : {}),
    ...(namespaceWide ? { namespace: namespaceWide } : {}),
    ...(meshWide ? { mesh: meshWide } : {}),
  };
}

/**
 * The mTLS mode of `workload`'s inbound side on `port` (the port its container listens on, not a
 * service port): the workload policy's port-level mode, else the first set mode of the workload,
 * namespace and mesh-wide policies, else PERMISSIVE. An unset mode (UNSET) inherits from the level
 * above; a port-level UNSET inherits the workload's resolved mode. Port-level modes count only on
 * policies with a selector, as in Istio.
 */
export function peerAuthenticationMode(
  policies: readonly PeerAuthenticationPolicy[],
  config: MeshConfig,
  workload: { readonly namespace: string; readonly labels: Labels },
  port: number,
): MtlsMode {
  const applicable = applicablePeerAuthentications(policies, config, workload);
  const resolved =
    applicable.workload?.mode ?? applicable.namespace?.mode ?? applicable.mesh?.mode ?? DEFAULT_MTLS_MODE;
  const portLevel = applicable.workload?.portLevelMtls?.find((p) => p.port === port);
  return portLevel?.mode ?? resolved;
}

/** peerAuthenticationMode reading the mesh's policies and settings. */
export function workloadMtlsMode(
  mesh: Pick<Mesh, 'routing' | 'config'>,
  workload: { readonly namespace: string; readonly labels: Labels },
  port: number,
): MtlsMode {
  return peerAuthenticationMode(peerAuthenticationsOf(mesh.routing), meshConfigOf(mesh), workload, port);
}

/** How a client connects to one destination (a service port, or one subset of it). */
export type UpstreamTls =
  /** Plaintext. `auto`: no DestinationRule said so; auto mTLS found nothing to protect. */
  | { readonly mode: 'DISABLE'; readonly auto: boolean }
  /**
   * The mesh's certificates (SDS `default`, trust bundle `ROOTCA`). `identities`: the SPIFFE IDs of
   * the service accounts behind the destination, sorted; empty when none is known (a service without
   * a selector), in which case any identity of the trust domain is accepted.
   */
  | {
      readonly mode: 'ISTIO_MUTUAL';
      readonly auto: boolean;
      readonly identities: readonly string[];
      /** The DestinationRule's sni and subjectAltNames, when it set them. */
      readonly sni?: string;
      readonly subjectAltNames?: readonly string[];
    }
  /** User certificates, from files on the proxy (DestinationRule SIMPLE or MUTUAL). */
  | { readonly mode: 'SIMPLE' | 'MUTUAL'; readonly settings: ClientTls };

/** The SPIFFE IDs of the pods' service accounts, sorted, each once. */
export function identitiesOf(behind: readonly WorkloadPort[], config: MeshConfig): string[] {
  const ids = new Set(
    behind.map(({ workload }) =>
      spiffeId({
        trustDomain: config.trustDomain,
        namespace: workload.namespace,
        serviceAccount: workload.serviceAccount,
      }),
    ),
  );
  return [...ids].sort(compareText);
}

/**
 * How a client connects to `service` on `port`, or to one `subset` of it: the DestinationRule's tls
 * when it has one (subset over port over service), else auto mTLS: ISTIO_MUTUAL when the service's
 * selector selects pods serving the port, every one of them meshed (isMeshed) and none of them
 * DISABLE on the port it serves; plaintext otherwise. Reads the mesh's backend policies, pods,
 * PeerAuthentications and settings.
 */
export function upstreamTls(
  mesh: Pick<Mesh, 'routing' | 'workloads' | 'config'>,
  service: Service,
  port: ServicePort,
  subset?: string,
): UpstreamTls {
  const config = meshConfigOf(mesh);
  const labels =
    subset === undefined
      ? undefined
      : backendPolicyFor(mesh.routing.backendPolicies, service)?.subsets.find((s) => s.name === subset)
          ?.labels;
  const behind = workloadsBehind(mesh, service, port, labels);
  const tls = effectivePolicy(mesh.routing.backendPolicies, service, port.port, subset)?.tls;
  if (tls) {
    switch (tls.mode) {
      case 'DISABLE':
        return { mode: 'DISABLE', auto: false };
      case 'ISTIO_MUTUAL':
        return {
          mode: 'ISTIO_MUTUAL',
          auto: false,
          identities: identitiesOf(behind, config),
          ...(tls.sni ? { sni: tls.sni } : {}),
          ...(tls.subjectAltNames?.length ? { subjectAltNames: tls.subjectAltNames } : {}),
        };
      default:
        return { mode: tls.mode, settings: tls };
    }
  }
  const policies = peerAuthenticationsOf(mesh.routing);
  const protectable =
    behind.length > 0 &&
    behind.every(
      ({ workload, port: target }) =>
        isMeshed(workload) && peerAuthenticationMode(policies, config, workload, target) !== 'DISABLE',
    );
  return protectable
    ? { mode: 'ISTIO_MUTUAL', auto: true, identities: identitiesOf(behind, config) }
    : { mode: 'DISABLE', auto: true };
}
