// The TLS transport sockets of mesh mTLS and of DestinationRule TLS. Sidecars get their own
// certificate and key as the SDS secret `default` and the mesh's trust bundle as `ROOTCA`, both
// over the ADS stream they already have; a peer is accepted when its certificate chains to the
// bundle and names a SPIFFE identity: any of the trust domain on the server side, exactly those of
// the pods behind the destination on the client side.
import type { TransportSocket } from '../../generated/envoy/config/core/v3/TransportSocket.js';
import type { CertificateValidationContext } from '../../generated/envoy/extensions/transport_sockets/tls/v3/CertificateValidationContext.js';
import type { DownstreamTlsContext } from '../../generated/envoy/extensions/transport_sockets/tls/v3/DownstreamTlsContext.js';
import type { SdsSecretConfig } from '../../generated/envoy/extensions/transport_sockets/tls/v3/SdsSecretConfig.js';
import type { SubjectAltNameMatcher } from '../../generated/envoy/extensions/transport_sockets/tls/v3/SubjectAltNameMatcher.js';
import type { UpstreamTlsContext } from '../../generated/envoy/extensions/transport_sockets/tls/v3/UpstreamTlsContext.js';
import type { UpstreamTls } from '../../model/mtls.js';
import { adsConfigSource, typed } from './filters.js';

export const TLS_TRANSPORT_SOCKET = 'envoy.transport_sockets.tls';
const TYPE_PREFIX = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.';
export const UPSTREAM_TLS_TYPE = `${TYPE_PREFIX}UpstreamTlsContext`;
export const DOWNSTREAM_TLS_TYPE = `${TYPE_PREFIX}DownstreamTlsContext`;

/** The SDS secret holding the proxy's own certificate chain and key. */
export const WORKLOAD_CERT_SECRET = 'default';
/** The SDS secret holding the mesh's trust bundle. */
export const ROOT_CA_SECRET = 'ROOTCA';

/**
 * What a mesh client offers as ALPN, and what tells mesh mTLS apart from an application's own TLS
 * on a PERMISSIVE port (Istio's values, so that the two can tell each other's mTLS too).
 */
export const MESH_ALPN: readonly string[] = ['istio-peer-exchange', 'istio'];

/** An SDS secret fetched over the proxy's ADS stream. */
export function adsSecret(name: string): SdsSecretConfig {
  return { name, sds_config: adsConfigSource() };
}

/** outbound_.<port>_.<subset>_.<fqdn>: Istio's SNI for ISTIO_MUTUAL ('' subset for the service). */
export const meshSni = (port: number, subset: string | undefined, hostname: string): string =>
  `outbound_.${port}_.${subset ?? ''}_.${hostname}`;

const uriPrefix = (trustDomain: string): SubjectAltNameMatcher => ({
  san_type: 'URI',
  matcher: { prefix: `spiffe://${trustDomain}/` },
});

/** A user's subject alternative names: spiffe:// (any URI) as URI SANs, the others as DNS SANs. */
function userSans(names: readonly string[]): SubjectAltNameMatcher[] {
  return names.map((name) => ({ san_type: name.includes('://') ? 'URI' : 'DNS', matcher: { exact: name } }));
}

function meshValidation(sans: readonly SubjectAltNameMatcher[]) {
  const context: CertificateValidationContext = { match_typed_subject_alt_names: [...sans] };
  return {
    default_validation_context: context,
    validation_context_sds_secret_config: adsSecret(ROOT_CA_SECRET),
  };
}

/** The server side of mesh mTLS: the proxy's certificate; a client certificate of the trust domain required. */
export function downstreamMtlsSocket(trustDomain: string): TransportSocket {
  const context: DownstreamTlsContext = {
    common_tls_context: {
      tls_certificate_sds_secret_configs: [adsSecret(WORKLOAD_CERT_SECRET)],
      combined_validation_context: meshValidation([uriPrefix(trustDomain)]),
    },
    require_client_certificate: true,
  };
  return { name: TLS_TRANSPORT_SOCKET, typed_config: typed(DOWNSTREAM_TLS_TYPE, context) };
}

/**
 * A cluster's transport socket for one decision (src/model/mtls.ts upstreamTls); undefined for
 * plaintext. `sni`: the mesh SNI of the destination, used by ISTIO_MUTUAL unless the rule sets one.
 */
export function upstreamTlsSocket(
  decision: UpstreamTls,
  sni: string,
  trustDomain: string,
  http2 = false,
): TransportSocket | undefined {
  if (decision.mode === 'DISABLE') return undefined;
  let context: UpstreamTlsContext;
  if (decision.mode === 'ISTIO_MUTUAL') {
    const sans = decision.subjectAltNames
      ? userSans(decision.subjectAltNames)
      : decision.identities.length > 0
        ? decision.identities.map(
            (id): SubjectAltNameMatcher => ({ san_type: 'URI', matcher: { exact: id } }),
          )
        : [uriPrefix(trustDomain)];
    context = {
      common_tls_context: {
        // h2 after the mesh ALPN on HTTP/2 ports, as Istio: a proxyless gRPC server behind the
        // port speaks only h2 and refuses a handshake offering nothing it knows.
        alpn_protocols: http2 ? [...MESH_ALPN, 'h2'] : [...MESH_ALPN],
        tls_certificate_sds_secret_configs: [adsSecret(WORKLOAD_CERT_SECRET)],
        combined_validation_context: meshValidation(sans),
      },
      sni: decision.sni ?? sni,
    };
  } else {
    const { settings } = decision;
    const validation: CertificateValidationContext | undefined =
      settings.caCertificates && !settings.insecureSkipVerify
        ? {
            trusted_ca: { filename: settings.caCertificates },
            ...(settings.subjectAltNames?.length
              ? { match_typed_subject_alt_names: userSans(settings.subjectAltNames) }
              : {}),
          }
        : undefined;
    const client =
      decision.mode === 'MUTUAL' && settings.clientCertificate && settings.privateKey
        ? [
            {
              certificate_chain: { filename: settings.clientCertificate },
              private_key: { filename: settings.privateKey },
            },
          ]
        : undefined;
    context = {
      common_tls_context: {
        ...(client ? { tls_certificates: client } : {}),
        ...(validation ? { validation_context: validation } : {}),
      },
      ...(settings.sni ? { sni: settings.sni } : {}),
    };
  }
  return { name: TLS_TRANSPORT_SOCKET, typed_config: typed(UPSTREAM_TLS_TYPE, context) };
}
