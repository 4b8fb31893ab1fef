// The SPIFFE ID in a verified peer certificate, as Node's TLS reports its subjectAltName:
// "URI:spiffe://cluster.local/ns/a/sa/b, DNS:example" (values with a comma or quote come quoted).
// A workload certificate has exactly one URI SAN (X.509-SVID); anything else does not authenticate.
import { parseSpiffeId, type WorkloadIdentity } from '../../model/identity.js';
import { fail, type Result } from '../../model/result.js';

// Node lists every SAN; bound what we split so a certificate with thousands of names costs little.
const MAX_SAN_TEXT = 64 * 1024;

export function peerSpiffeId(
  subjectAltName: string | undefined,
  trustDomain: string,
): Result<WorkloadIdentity, string> {
  if (!subjectAltName) return fail(['it has no subjectAltName, so no SPIFFE ID']);
  if (subjectAltName.length > MAX_SAN_TEXT)
    return fail([`its subjectAltName is ${subjectAltName.length} characters, over ${MAX_SAN_TEXT}`]);
  const uris = subjectAltName
    .split(', ')
    .filter((entry) => entry.startsWith('URI:'))
    .map((entry) => unquote(entry.slice('URI:'.length)));
  if (uris.length !== 1)
    return fail([`it has ${uris.length} URI SANs; a workload certificate has exactly one`]);
  const identity = parseSpiffeId(uris[0]!);
  if (!identity.ok) return identity;
  if (identity.value.trustDomain !== trustDomain)
    return fail([`its SPIFFE ID is in trust domain "${identity.value.trustDomain}", not "${trustDomain}"`]);
  return identity;
}

function unquote(value: string): string {
  return value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}
