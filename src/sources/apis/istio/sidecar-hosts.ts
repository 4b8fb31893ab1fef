// One host of an Istio Sidecar's egress listener, `namespace/dnsName`, read the way Istio validates
// it: the namespace is a name, `*` (every namespace), `.` (the namespace of the workload the Sidecar
// applies to) or `~` (none); the dnsName is `*`, a wildcard `*.<domain>` or a DNS name. Hosts are
// matched against services' fully qualified names, so a well-formed host that can match no service
// of the cluster is told with a warning.
import type { EgressHost } from '../../../model/routing.js';
import { isDns1123Label } from '../core/fields.js';
import { describeValue } from '../issues.js';

export type ReadEgressHost =
  /** `host` absent: a `~` host, which selects nothing. */
  | { readonly ok: true; readonly host?: EgressHost; readonly warning?: string }
  | { readonly ok: false; readonly message: string };

const EXAMPLES = 'e.g. "./*", "shop/*" or "*/reviews.shop.svc.cluster.local"';

// Istio accepts upper-case letters in a DNS name; names are compared lower-cased (DNS is not
// case-sensitive, and Kubernetes names are lower-case).
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Why `name` is not `*`, `*.<domain>` or a DNS name, or undefined when it is one. */
function dnsNameProblem(name: string): string | undefined {
  if (name === '*') return undefined;
  const domain = name.startsWith('*.') ? name.slice(2) : name;
  const labels = domain.split('.');
  const ok =
    domain.length <= 253 &&
    labels.every((label) => label.length <= 63 && DNS_LABEL.test(label)) &&
    !domain.includes('*');
  if (ok) return undefined;
  return 'must be *, *.<domain> or a DNS name (dot-separated labels of letters, digits and "-"), with a wildcard only as the whole first label';
}

/**
 * `text` as an egress host. `ownNamespace`: what `.` stands for when it is one namespace (a Sidecar
 * outside the root namespace), for the warning about a service name of another namespace.
 */
export function readEgressHost(
  text: string,
  clusterDomain: string,
  ownNamespace: string | undefined,
): ReadEgressHost {
  const shown = describeValue(text);
  const slash = text.indexOf('/');
  if (slash < 0) return { ok: false, message: `${shown} is not namespace/dnsName (${EXAMPLES})` };
  const namespace = text.slice(0, slash);
  const dnsName = text.slice(slash + 1).toLowerCase();
  if (namespace === '')
    return { ok: false, message: `${shown}: the namespace before "/" is empty (${EXAMPLES})` };
  if (dnsName === '') return { ok: false, message: `${shown}: the dnsName after "/" is empty (${EXAMPLES})` };
  if (namespace !== '*' && namespace !== '.' && namespace !== '~' && !isDns1123Label(namespace)) {
    return {
      ok: false,
      message: `${shown}: namespace ${describeValue(namespace)} must be *, ., ~ or a namespace name (a DNS-1123 label)`,
    };
  }
  const problem = dnsNameProblem(dnsName);
  if (problem) return { ok: false, message: `${shown}: dnsName ${describeValue(dnsName)} ${problem}` };
  if (namespace === '~') return { ok: true };
  const host: EgressHost = { namespace, host: dnsName };
  const warning = unmatchable(host, clusterDomain, namespace === '.' ? ownNamespace : namespace);
  return { ok: true, host, ...(warning ? { warning: `${shown}: ${warning}` } : {}) };
}

/** Why a well-formed host matches no service of the cluster, if it cannot. */
function unmatchable(
  host: EgressHost,
  clusterDomain: string,
  namespace: string | undefined,
): string | undefined {
  const name = host.host;
  if (name === '*' || name.startsWith('*.')) return undefined;
  if (!name.includes('.')) {
    return `${describeValue(name)} is a short name, and hosts are matched against fully qualified service names (<name>.<namespace>.svc.${clusterDomain}): it matches no service`;
  }
  const suffix = `.svc.${clusterDomain}`;
  if (namespace === undefined || namespace === '*' || !name.endsWith(suffix)) return undefined;
  const labels = name.slice(0, -suffix.length).split('.');
  const serviceNamespace = labels.length === 2 ? labels[1] : undefined;
  if (serviceNamespace === undefined || serviceNamespace === namespace) return undefined;
  return `names a service of namespace ${JSON.stringify(serviceNamespace)}, which is not namespace ${JSON.stringify(namespace)}: it matches no service (write ${serviceNamespace}/${name} or */${name})`;
}
