// Where things are inside an injected pod: ports, mount paths, file, volume and secret names. The
// bootstrap, the credential step and the pod patch all read them from here, so the files Envoy's
// configuration names are the files the credential step writes.

/** Envoy's admin interface; loopback only (it can drain, dump config and quit the proxy). */
export const ADMIN_PORT = 15000;
/** Prometheus scrape port: only /stats/prometheus, routed to the admin interface. */
export const STATS_PORT = 15090;
/** Readiness port for the kubelet: /healthz/ready, answered from Envoy's own server state. */
export const READINESS_PORT = 15021;
export const STATS_PATH = '/stats/prometheus';
export const READINESS_PATH = '/healthz/ready';

/** Trellis's TLS port (xDS, SDS and the CSR API). */
export const TRELLIS_TLS_PORT = 15012;

/** The static cluster Envoy's ADS stream uses. */
export const XDS_CLUSTER = 'xds-grpc';
/** The static cluster the stats and readiness listeners forward to: Envoy's own admin interface. */
export const ADMIN_CLUSTER = 'envoy-admin';

/** Projected ServiceAccount token, audience `trellis`: read by the credential step only. */
export const TOKEN_AUDIENCE = 'trellis';
export const TOKEN_VOLUME = 'trellis-token';
export const TOKEN_DIR = '/var/run/secrets/trellis/tokens';
export const TOKEN_FILE = 'trellis-token';
/** Kubelet refreshes a projected token at 80 % of this; the minimum Kubernetes accepts is 600 s. */
export const TOKEN_EXPIRATION_SECONDS = 3600;

/** The mesh trust bundle, a ConfigMap in every injected namespace. */
export const CA_ROOT_CONFIGMAP = 'trellis-ca-root';
export const CA_ROOT_KEY = 'root-cert.pem';
export const CA_ROOT_VOLUME = 'trellis-ca-root';
export const CA_ROOT_DIR = '/etc/trellis/ca-root';

/** Written by the credential step, read by Envoy through file-based SDS (an in-memory emptyDir). */
export const CREDENTIALS_VOLUME = 'trellis-credentials';
export const CREDENTIALS_DIR = '/etc/trellis/credentials';
/** SDS file (a DiscoveryResponse) holding Secret `xds-client`: the ADS connection's chain and key. */
export const XDS_CLIENT_SECRET = 'xds-client';
export const XDS_CLIENT_FILE = 'xds-client.json';
/** SDS file holding Secret `xds-root`: the trust bundle the ADS connection checks Trellis against. */
export const XDS_ROOT_SECRET = 'xds-root';
export const XDS_ROOT_FILE = 'xds-root.json';

export const joinPath = (dir: string, file: string): string => `${dir}/${file}`;
