// The `trellis serve` flags of identity and mTLS: the TLS port, where the CA's material comes from
// and is kept, what workload certificates look like, how tokens are reviewed, and the one insecure
// switch for local demos. Each error names its flag.
import { formatHostPort, parseHostPort } from '../address.js';
import { checkIdentity, DEFAULT_TRUST_DOMAIN } from '../model/identity.js';
import { fail, ok, type Result } from '../model/result.js';
import { parseDurationMs } from '../xds/tuning-flags.js';

export type WorkloadKeyType = 'ecdsa' | 'rsa';

export interface IdentityOptions {
  /** host:port of the TLS port, or undefined when turned off (`--xds-tls-address off`). */
  readonly tlsAddress?: string;
  /** Istio's cacerts layout: ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem. */
  readonly caDir?: string;
  /** Where a generated root is kept (0600); absent: a new root every start, said in the log. */
  readonly stateDir?: string;
  readonly trustDomain: string;
  readonly workloadTtlMs: number;
  readonly workloadKeyType: WorkloadKeyType;
  /** DNS names in the TLS port's certificate. */
  readonly serverNames: readonly string[];
  /** A kubeconfig whose cluster reviews ServiceAccount tokens (TokenReview). */
  readonly kubeconfig?: string;
  readonly insecureLocalIdentity: boolean;
}

/** The namespace Trellis runs in: from the downward API in a pod, else the install's default. */
const TRELLIS_NAMESPACE = process.env.POD_NAMESPACE || 'trellis-system';

export const IDENTITY_FLAGS = {
  'xds-tls-address': { type: 'string', default: '0.0.0.0:15012' },
  'trust-domain': { type: 'string' },
  'ca-dir': { type: 'string' },
  'state-dir': { type: 'string' },
  'workload-cert-ttl': { type: 'string', default: '24h' },
  'workload-key-type': { type: 'string', default: 'ecdsa' },
  'tls-server-names': { type: 'string' },
  kubeconfig: { type: 'string' },
  'insecure-local-identity': { type: 'boolean', default: false },
} as const;

export function identityUsage(indent: string): string {
  return [
    '[--xds-tls-address 0.0.0.0:15012|off] [--ca-dir DIR] [--state-dir DIR] [--trust-domain cluster.local]',
    '[--workload-cert-ttl 24h] [--workload-key-type ecdsa|rsa] [--tls-server-names N,N] [--kubeconfig FILE]',
    '[--insecure-local-identity]',
  ]
    .map((line) => indent + line)
    .join('\n');
}

// A workload certificate must live long enough to be rotated (at half its life) with room for a
// retry, and no longer than a CA would sign for a workload.
const MIN_TTL_MS = 10 * 60_000;
const MAX_TTL_MS = 90 * 24 * 3_600_000;

export function defaultServerNames(namespace = TRELLIS_NAMESPACE): string[] {
  return [`trellis.${namespace}.svc`, `trellis.${namespace}.svc.cluster.local`, 'trellis', 'localhost'];
}

export function readIdentityFlags(
  values: Readonly<Record<string, string | boolean | undefined>>,
): Result<IdentityOptions, string> {
  const errors: string[] = [];
  const text = (name: string): string | undefined => {
    const v = values[name];
    return typeof v === 'string' ? v : undefined;
  };
  let tlsAddress: string | undefined;
  const tls = text('xds-tls-address') ?? '0.0.0.0:15012';
  if (tls !== 'off') {
    const parsed = parseHostPort(tls);
    if (parsed.ok) tlsAddress = formatHostPort(parsed.value);
    else errors.push(`--xds-tls-address: ${parsed.errors.join('; ')}`);
  }
  const trustDomain = text('trust-domain') ?? DEFAULT_TRUST_DOMAIN;
  const checked = checkIdentity({ trustDomain, namespace: 'a', serviceAccount: 'a' });
  if (!checked.ok) errors.push(`--trust-domain: ${checked.errors.join('; ')}`);
  let workloadTtlMs = 24 * 3_600_000;
  const ttl = parseDurationMs(text('workload-cert-ttl') ?? '24h');
  if (!ttl.ok) errors.push(`--workload-cert-ttl: ${ttl.errors.join('; ')}`);
  else if (ttl.value < MIN_TTL_MS || ttl.value > MAX_TTL_MS)
    errors.push('--workload-cert-ttl: must be between 10m and 2160h (90 days)');
  else workloadTtlMs = ttl.value;
  const keyType = text('workload-key-type') ?? 'ecdsa';
  if (keyType !== 'ecdsa' && keyType !== 'rsa')
    errors.push('--workload-key-type: must be ecdsa (P-256) or rsa (2048)');
  const names = text('tls-server-names');
  const serverNames = names === undefined ? defaultServerNames() : names.split(',').map((n) => n.trim());
  if (serverNames.some((n) => !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/i.test(n) || n.length > 253))
    errors.push('--tls-server-names: a comma-separated list of DNS names');
  if (errors.length > 0) return fail(errors);
  const caDir = text('ca-dir');
  const stateDir = text('state-dir');
  const kubeconfig = text('kubeconfig');
  return ok({
    ...(tlsAddress !== undefined ? { tlsAddress } : {}),
    ...(caDir !== undefined ? { caDir } : {}),
    ...(stateDir !== undefined ? { stateDir } : {}),
    trustDomain,
    workloadTtlMs,
    workloadKeyType: keyType as WorkloadKeyType,
    serverNames,
    ...(kubeconfig !== undefined ? { kubeconfig } : {}),
    insecureLocalIdentity: values['insecure-local-identity'] === true,
  });
}
