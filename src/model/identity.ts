// A workload's identity: a Kubernetes service account in a trust domain, named by its SPIFFE ID
//   spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>
// the way Istio names it. The CA issues certificates for it, streams authenticate as it, and the
// generated config lists it in SAN matchers. Pure: parsing an ID that came over the wire returns a
// reason, never throws.
import { fail, ok, type Result } from './result.js';

export const DEFAULT_TRUST_DOMAIN = 'cluster.local';

export interface WorkloadIdentity {
  readonly trustDomain: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

// A SPIFFE ID is a URI; the spec caps it at 2,048 bytes, which bounds what we parse.
const MAX_SPIFFE_ID_BYTES = 2048;
// Trust domains: lower-case letters, digits, '.', '-', '_' (SPIFFE ID spec, "Trust Domain").
const TRUST_DOMAIN = /^[a-z0-9._-]{1,255}$/;
// Namespaces and service accounts are DNS-1123 names in Kubernetes (labels and subdomains).
const DNS_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export function spiffeId(identity: WorkloadIdentity): string {
  return `spiffe://${identity.trustDomain}/ns/${identity.namespace}/sa/${identity.serviceAccount}`;
}

/** `ns/sa`, the short form used in logs and messages. */
export function describeIdentity(identity: WorkloadIdentity): string {
  return `${identity.namespace}/${identity.serviceAccount}`;
}

export function sameIdentity(a: WorkloadIdentity, b: WorkloadIdentity): boolean {
  return (
    a.trustDomain === b.trustDomain && a.namespace === b.namespace && a.serviceAccount === b.serviceAccount
  );
}

/** Checks the parts of an identity one by one, naming the part that is wrong. */
export function checkIdentity(identity: WorkloadIdentity): Result<WorkloadIdentity, string> {
  if (!TRUST_DOMAIN.test(identity.trustDomain))
    return fail([`trust domain "${cut(identity.trustDomain)}" is not a valid SPIFFE trust domain`]);
  if (!DNS_NAME.test(identity.namespace))
    return fail([`namespace "${cut(identity.namespace)}" is not a Kubernetes name`]);
  if (!DNS_NAME.test(identity.serviceAccount))
    return fail([`service account "${cut(identity.serviceAccount)}" is not a Kubernetes name`]);
  return ok(identity);
}

/** Reads `spiffe://<td>/ns/<ns>/sa/<sa>`; any other shape is an error saying why. */
export function parseSpiffeId(uri: string): Result<WorkloadIdentity, string> {
  if (uri.length > MAX_SPIFFE_ID_BYTES)
    return fail([`SPIFFE ID is ${uri.length} characters, over the ${MAX_SPIFFE_ID_BYTES} allowed`]);
  const prefix = 'spiffe://';
  if (!uri.startsWith(prefix)) return fail([`"${cut(uri)}" is not a spiffe:// URI`]);
  const [trustDomain = '', ...path] = uri.slice(prefix.length).split('/');
  if (path.length !== 4 || path[0] !== 'ns' || path[2] !== 'sa')
    return fail([`"${cut(uri)}" is not of the form spiffe://<trust-domain>/ns/<namespace>/sa/<account>`]);
  return checkIdentity({ trustDomain, namespace: path[1] ?? '', serviceAccount: path[3] ?? '' });
}

function cut(text: string): string {
  return text.length > 256 ? `${text.slice(0, 256)}… (${text.length} characters)` : text;
}
