// Mesh mTLS for proxyless gRPC (gRFC A29). A gRPC library reads its certificates from the
// certificate provider instances of its bootstrap, never over SDS: the mesh's are named as the SDS
// secrets of sidecars, `default` (the workload's chain and key) and `ROOTCA` (the trust bundle),
// and a bootstrap names them to its own plugin (file_watcher: files the workload keeps fresh).
//
// Only the forms every A29 release reads (C-core and Java 1.41, grpc/grpc#27264 and
// grpc/grpc-java#8498; @grpc/grpc-js-xds 1.14, xds-resource-type/cluster-resource-type.js):
// - CommonTlsContext.tls_certificate_provider_instance, and
//   CertificateValidationContext.ca_certificate_provider_instance in `validation_context`;
// - subject alternative names as `match_subject_alt_names` (StringMatcher): neither grpc-js-xds
//   nor C-core reads `match_typed_subject_alt_names`, so the typed list (what sidecars get) would
//   leave the server's identity unchecked. gRPC compares an exact matcher with every SAN of the
//   peer, URI SANs included. No SANs on the server side: C-core NACKs them there.
// - no alpn_protocols and no sni: gRPC negotiates h2 itself and reads neither.
// Each release NACKs a resource naming an instance its bootstrap does not define, so a proxyless
// workload calling a destination under mesh mTLS must define both instances (docs/proxyless.md).
import type { TransportSocket } from '../../generated/envoy/config/core/v3/TransportSocket.js';
import type { CertificateValidationContext } from '../../generated/envoy/extensions/transport_sockets/tls/v3/CertificateValidationContext.js';
import type { CommonTlsContext } from '../../generated/envoy/extensions/transport_sockets/tls/v3/CommonTlsContext.js';
import type { DownstreamTlsContext } from '../../generated/envoy/extensions/transport_sockets/tls/v3/DownstreamTlsContext.js';
import type { UpstreamTlsContext } from '../../generated/envoy/extensions/transport_sockets/tls/v3/UpstreamTlsContext.js';
import type { StringMatcher } from '../../generated/envoy/type/matcher/v3/StringMatcher.js';
import type { UpstreamTls } from '../../model/mtls.js';
import { typed } from './filters.js';
import {
  DOWNSTREAM_TLS_TYPE,
  ROOT_CA_SECRET,
  TLS_TRANSPORT_SOCKET,
  UPSTREAM_TLS_TYPE,
  upstreamTlsSocket,
  WORKLOAD_CERT_SECRET,
} from './mesh-tls-sockets.js';

/** The bootstrap's certificate provider instance holding the workload's chain and key. */
export const WORKLOAD_CERT_INSTANCE = WORKLOAD_CERT_SECRET;
/** The bootstrap's certificate provider instance holding the mesh's trust bundle. */
export const ROOT_CA_INSTANCE = ROOT_CA_SECRET;

/** The workload's own certificate, and peers checked against the trust bundle (and `sans`, if any). */
function meshCommonContext(sans: readonly StringMatcher[]): CommonTlsContext {
  const validation: CertificateValidationContext = {
    ca_certificate_provider_instance: { instance_name: ROOT_CA_INSTANCE },
    ...(sans.length > 0 ? { match_subject_alt_names: [...sans] } : {}),
  };
  return {
    tls_certificate_provider_instance: { instance_name: WORKLOAD_CERT_INSTANCE },
    validation_context: validation,
  };
}

/**
 * The server's identities a proxyless client accepts: the DestinationRule's subjectAltNames when it
 * set them, else the SPIFFE IDs of the pods behind the destination, else (no pod known: a service
 * without a selector) any identity of the trust domain.
 */
export function proxylessSans(
  decision: Extract<UpstreamTls, { mode: 'ISTIO_MUTUAL' }>,
  trustDomain: string,
): StringMatcher[] {
  const names = decision.subjectAltNames ?? decision.identities;
  if (names.length > 0) return names.map((exact) => ({ exact }));
  return [{ prefix: `spiffe://${trustDomain}/` }];
}

/**
 * A proxyless client's transport socket for one decision (src/model/mtls.ts upstreamTls), or
 * undefined for plaintext. SIMPLE and MUTUAL name files on the client, which gRPC cannot read from
 * xDS (only from its bootstrap's providers): they get the sidecars' socket, which every gRPC client
 * refuses (NACK naming the field), so those calls fail rather than go out in plaintext.
 */
export function proxylessUpstreamTlsSocket(
  decision: UpstreamTls,
  sni: string,
  trustDomain: string,
): TransportSocket | undefined {
  if (decision.mode === 'DISABLE') return undefined;
  // Auto mTLS is for sidecars. A proxyless client uses mTLS only when a DestinationRule asks for it,
  // as in Istio: its bootstrap must name the certificate providers (every release NACKs a cluster
  // that names one it lacks), and a sidecar's PERMISSIVE port tells mesh mTLS by the mesh ALPN,
  // which gRPC does not send, so plaintext is what reaches a sidecar by default.
  if (decision.mode === 'ISTIO_MUTUAL' && decision.auto) return undefined;
  if (decision.mode !== 'ISTIO_MUTUAL') return upstreamTlsSocket(decision, sni, trustDomain);
  const context: UpstreamTlsContext = {
    common_tls_context: meshCommonContext(proxylessSans(decision, trustDomain)),
  };
  return { name: TLS_TRANSPORT_SOCKET, typed_config: typed(UPSTREAM_TLS_TYPE, context) };
}

/**
 * The server side (gRFC A36 with A29): the workload's certificate, a client certificate that chains
 * to the trust bundle required.
 */
export function proxylessDownstreamMtlsSocket(): TransportSocket {
  const context: DownstreamTlsContext = {
    common_tls_context: meshCommonContext([]),
    require_client_certificate: true,
  };
  return { name: TLS_TRANSPORT_SOCKET, typed_config: typed(DOWNSTREAM_TLS_TYPE, context) };
}
