// Whether a pod gets a sidecar: opted in by its namespace's label, overridden by the pod's own
// annotation, never for a host-network pod (its iptables would be the node's), and never twice.
// The namespace's labels come from the source the server reads (Namespace manifests, later the
// informer), never from the admission request: a pod cannot opt its namespace in.
import type { PodView } from './pod-view.js';

export const INJECT_NAMESPACE_LABEL = 'trellis.dev/inject';
export const INJECT_ANNOTATION = 'trellis.dev/inject';
/** Set on an injected pod: what was injected (version and image), and proof it was. */
export const INJECTED_ANNOTATION = 'trellis.dev/injected';
export const PROXY_CONTAINER = 'trellis-proxy';
export const INIT_CONTAINER = 'trellis-init';
export const CREDENTIAL_CONTAINER = 'trellis-credential';

export type Decision = { readonly inject: true } | { readonly inject: false; readonly reason: string };

export function injectionDecision(
  pod: PodView,
  namespaceLabels: Readonly<Record<string, string>> | undefined,
): Decision {
  if (
    pod.annotations[INJECTED_ANNOTATION] !== undefined ||
    pod.containers.some((c) => c.name === PROXY_CONTAINER)
  )
    return { inject: false, reason: 'already injected' };
  if (pod.hostNetwork) return { inject: false, reason: 'hostNetwork pods are never injected' };
  const annotation = pod.annotations[INJECT_ANNOTATION];
  if (annotation === 'false') return { inject: false, reason: `annotation ${INJECT_ANNOTATION}: "false"` };
  if (annotation === 'true') return { inject: true };
  if (namespaceLabels?.[INJECT_NAMESPACE_LABEL] === 'enabled') return { inject: true };
  return {
    inject: false,
    reason: namespaceLabels
      ? `namespace ${pod.namespace} is not labelled ${INJECT_NAMESPACE_LABEL}=enabled`
      : `namespace ${pod.namespace} is not known to Trellis`,
  };
}
