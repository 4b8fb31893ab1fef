// Who a stream proved to be, apart from what its node claims. On the TLS port a client certificate
// that chains to the mesh roots names a SPIFFE ID; without one, a ServiceAccount token in the
// `authorization` metadata is reviewed by whoever the server was given (TokenReview in practice).
// The plaintext port proves nothing: its streams get configuration but never a private key, unless
// the operator asked for --insecure-local-identity, which trusts the node's claim (local demos).
import * as grpc from '@grpc/grpc-js';
import { checkIdentity, spiffeId, type WorkloadIdentity } from '../../model/identity.js';
import { type MeshProxy, type NodeInfo, nodeClaims, withIdentity } from '../../model/proxy.js';
import { fail, ok, type Result } from '../../model/result.js';
import { peerSpiffeId } from './peer-certificate.js';

export type Transport = 'plaintext' | 'tls';

/**
 * Why a bearer credential was not accepted. `transient`: no verdict was reached (the API server
 * that reviews tokens could not be reached); the stream is told to come back (UNAVAILABLE).
 */
export interface BearerFailure {
  readonly reason: string;
  readonly transient?: boolean;
}

/** Checks the values of a call's `authorization` metadata: a bearer token, in practice. */
export interface BearerAuthenticator {
  authenticate(authorization: readonly string[]): Promise<Result<WorkloadIdentity, BearerFailure>>;
}

export interface StreamAuthOptions {
  readonly trustDomain: string;
  /** Absent: no way to review tokens (no cluster), so only certificates authenticate. */
  readonly bearer?: BearerAuthenticator;
  /** The plaintext port trusts the node's claim (local demos only). */
  readonly insecureLocalIdentity?: boolean;
}

export type StreamCredential =
  | { readonly kind: 'certificate' | 'token'; readonly identity: WorkloadIdentity }
  /** Plaintext with --insecure-local-identity: the node's claim, taken on trust. */
  | { readonly kind: 'node-claim' }
  /** Plaintext: configuration only, no private key. */
  | { readonly kind: 'none' };

export interface AuthRefusal {
  readonly code: grpc.status;
  readonly details: string;
}

/** The parts of a call authentication reads. */
export interface AuthenticatingCall {
  readonly metadata: grpc.Metadata;
  getAuthContext(): { readonly sslPeerCertificate?: { readonly subjectaltname?: string } } | null;
}

const NO_CREDENTIAL =
  'the TLS port serves only authenticated streams: present a client certificate issued by the mesh CA, ' +
  'or a Kubernetes ServiceAccount token (audience trellis) as "authorization: Bearer <token>"';

export async function authenticateCall(
  transport: Transport,
  call: AuthenticatingCall,
  options: StreamAuthOptions,
): Promise<Result<StreamCredential, AuthRefusal>> {
  if (transport === 'plaintext') return ok({ kind: options.insecureLocalIdentity ? 'node-claim' : 'none' });
  // grpc-js hands over the peer certificate only when it verified against the roots we trust.
  const certificate = call.getAuthContext()?.sslPeerCertificate;
  if (certificate) {
    const identity = peerSpiffeId(certificate.subjectaltname, options.trustDomain);
    if (!identity.ok) return fail([unauthenticated(`client certificate: ${identity.errors.join('; ')}`)]);
    return ok({ kind: 'certificate', identity: identity.value });
  }
  const authorization = call.metadata.get('authorization').filter((v): v is string => typeof v === 'string');
  if (authorization.length === 0) return fail([unauthenticated(NO_CREDENTIAL)]);
  if (!options.bearer)
    return fail([
      unauthenticated(
        'this server cannot review ServiceAccount tokens (it has no Kubernetes API): present a client certificate issued by the mesh CA',
      ),
    ]);
  const identity = await options.bearer.authenticate(authorization);
  if (!identity.ok) {
    const details = `ServiceAccount token: ${identity.errors.map((e) => e.reason).join('; ')}`;
    return fail([
      identity.errors.some((e) => e.transient)
        ? { code: grpc.status.UNAVAILABLE, details }
        : unauthenticated(details),
    ]);
  }
  if (identity.value.trustDomain !== options.trustDomain)
    return fail([unauthenticated(`token identity is in trust domain "${identity.value.trustDomain}"`)]);
  return ok({ kind: 'token', identity: identity.value });
}

/**
 * The proxy with the identity its stream proved, once the node's claims agree with it: a node that
 * claims another namespace or service account than its credential proves is refused, whatever it
 * asks for. A node that claims nothing takes the proved identity's namespace.
 */
export function proveProxy(
  proxy: MeshProxy,
  node: NodeInfo,
  credential: StreamCredential,
  trustDomain: string,
): Result<MeshProxy, AuthRefusal> {
  if (credential.kind === 'none') return ok(proxy);
  const claims = nodeClaims(node);
  if (credential.kind === 'node-claim') {
    const claimed = {
      trustDomain,
      namespace: claims.namespace ?? proxy.namespace,
      serviceAccount: claims.serviceAccount ?? 'default',
    };
    const checked = checkIdentity(claimed);
    if (!checked.ok)
      return fail([{ code: grpc.status.INVALID_ARGUMENT, details: checked.errors.join('; ') }]);
    return ok(withIdentity(proxy, node, checked.value));
  }
  const { identity } = credential;
  const proved = `${credential.kind === 'certificate' ? 'its client certificate' : 'its token'} proves ${spiffeId(identity)}`;
  if (claims.namespace !== undefined && claims.namespace !== identity.namespace)
    return fail([denied(`the node claims namespace "${claims.namespace}" but ${proved}`)]);
  if (claims.serviceAccount !== undefined && claims.serviceAccount !== identity.serviceAccount)
    return fail([denied(`the node claims service account "${claims.serviceAccount}" but ${proved}`)]);
  return ok(withIdentity(proxy, node, identity));
}

function unauthenticated(details: string): AuthRefusal {
  return { code: grpc.status.UNAUTHENTICATED, details };
}

function denied(details: string): AuthRefusal {
  return { code: grpc.status.PERMISSION_DENIED, details };
}
