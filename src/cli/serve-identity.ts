// What `trellis serve` builds for identity: the CA (from --ca-dir, or generated and kept under
// --state-dir), each identity's secrets for SDS, the TLS port's credentials with a rotating
// certificate of our own, how streams authenticate (client certificates, ServiceAccount tokens by
// TokenReview) and the CSR API. Wiring only: each piece lives in src/ca or src/xds.
import { access } from 'node:fs/promises';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { KubeConfig } from '@kubernetes/client-node';
import type { PrometheusMetrics } from '../admin/metrics.js';
import { CertificateAuthority as Authority, type CertificateAuthority } from '../ca/authority.js';
import { bearerToken } from '../ca/bearer-token.js';
import type { CaStore } from '../ca/ca-store.js';
import { CACERTS_FILES } from '../ca/cacerts.js';
import { addCsrService, type CsrSigner } from '../ca/csr-service.js';
import { FileCaStore } from '../ca/file-store.js';
import { MemoryCaStore } from '../ca/memory-store.js';
import { RootRotation, type RootRotationOptions } from '../ca/root-rotation.js';
import { type CaExpiry, expiryWarnings } from '../ca/rotation.js';
import { ServingCertificate } from '../ca/serving-certificate.js';
import type { Logger } from '../log.js';
import type { WorkloadIdentity } from '../model/identity.js';
import { fail, ok, type Result } from '../model/result.js';
import { realScheduler, type Scheduler } from '../scheduler.js';
import { IdentitySecrets } from '../xds/identity-secrets.js';
import {
  authenticateCall,
  type BearerAuthenticator,
  type BearerFailure,
  type StreamAuthOptions,
  type Transport,
} from '../xds/server/stream-identity.js';
import type { IdentityOptions } from './identity-flags.js';

export interface IdentityRuntime {
  readonly authority: CertificateAuthority;
  readonly auth: StreamAuthOptions;
  readonly secrets: IdentitySecrets;
  /** The TLS port's credentials: our certificate, and client certificates checked against the roots. */
  readonly tlsCredentials: grpc.ServerCredentials;
  /** Trellis's own certificate (trellis.<ns>.svc), rotated: the TLS port's and the webhook's. */
  readonly serving: ServingCertificate;
  /** Adds the CSR API to the TLS port. */
  addServices(server: grpc.Server, transport: Transport): void;
  expiries(): readonly CaExpiry[];
  /**
   * Starts the root rotation of a generated root (root-rotation.ts), which waits on the proxies
   * the xDS server reports as running with an older trust bundle.
   */
  startRootRotation(outdated: RootRotationOptions['outdated']): RootRotation;
  /**
   * Takes what another replica saved in the CA store (a root rotation by the leader) and pushes the
   * new trust bundle when it changed.
   */
  reloadCa(): Promise<void>;
  /** Called whenever the trust bundle changes (rotation here, or a reload of another's). */
  onTrustBundleChange(listener: () => void): () => void;
  stop(): void;
}

// How often the CA's own expiry is looked at: warnings come at 90, 30 and 7 days, so twice a day
// is plenty.
const EXPIRY_CHECK_MS = 12 * 3_600_000;

export class IdentityStartError extends Error {}

/** What Kubernetes mode gives identity: the API for token reviews, and the Secret store of the CA. */
export interface IdentityCluster {
  readonly config: KubeConfig;
  readonly caStore: CaStore;
}

export async function startIdentity(
  options: IdentityOptions,
  logger: Logger,
  metrics?: PrometheusMetrics,
  scheduler: Scheduler = realScheduler,
  cluster?: IdentityCluster,
): Promise<IdentityRuntime> {
  const authority = await openAuthority(options, logger, scheduler, cluster?.caStore);
  metrics?.readCaExpiry(() =>
    authority
      .expiries()
      .map((e) => ({ which: e.which, fingerprint: e.fingerprintSha256.slice(0, 16), notAfter: e.notAfter })),
  );
  const keyAlgorithm = options.workloadKeyType === 'rsa' ? 'rsa-2048' : 'ecdsa-p256';
  const secrets = new IdentitySecrets({
    issuer: {
      // RSA keys are made on the thread pool: 100-350 ms each would stall every stream.
      issueWorkload: (identity) =>
        keyAlgorithm === 'rsa-2048'
          ? authority.issueWorkloadAsync(identity, { keyAlgorithm })
          : authority.issueWorkload(identity, { keyAlgorithm }),
      trustBundlePem: () => authority.trustBundlePem(),
    },
    logger,
    scheduler,
    onIssued: (reason) => metrics?.certificateIssued(reason),
  });
  const serving = new ServingCertificate(
    {
      issueServing: (names) => authority.issueServing(names),
      trustBundlePem: () => authority.trustBundlePem(),
    },
    options.serverNames,
    logger,
    scheduler,
  );
  // Client certificates are asked for but not required: a stream may prove itself with a token
  // instead. grpc-js hands a certificate to us only when it chains to the roots given here.
  const tlsCredentials = grpc.experimental.createCertificateProviderServerCredentials(
    serving,
    serving,
    false,
  );
  const bearer = await tokenReviewer(options, logger, cluster?.config);
  if (options.insecureLocalIdentity)
    logger.warn(
      'INSECURE: --insecure-local-identity is set. The plaintext xDS port hands each proxy the certificate and private key of whatever namespace and service account its node claims, without proof. For local demos only; never use it where another user can reach the port.',
    );
  const auth: StreamAuthOptions = {
    trustDomain: options.trustDomain,
    ...(bearer ? { bearer } : {}),
    insecureLocalIdentity: options.insecureLocalIdentity,
  };
  const signer: CsrSigner = {
    sign: (csrPem, identity, validityMs) => {
      const signed = authority.signCsr(csrPem, identity, validityMs);
      if (!signed.ok) return signed;
      metrics?.certificateIssued('csr');
      return ok({
        certChainPem: pemBlocks(signed.value.certChainPem),
        trustBundlePem: authority.trustBundlePem(),
        notes: signed.value.notes,
      });
    },
  };
  let rotation: RootRotation | undefined;
  const bundleListeners = new Set<() => void>();
  const bundleChanged = () => {
    secrets.trustBundleChanged();
    serving.trustBundleChanged();
    for (const listener of [...bundleListeners]) listener();
  };
  const warned = new Set<string>();
  const checkExpiry = () => {
    for (const warning of expiryWarnings(authority.expiries(), scheduler.now())) {
      const key = `${warning.which}:${warning.notAfter.toISOString()}:${warning.thresholdDays}`;
      if (warned.has(key)) continue;
      warned.add(key);
      logger.warn(
        {
          which: warning.which,
          subject: warning.subject,
          notAfter: warning.notAfter.toISOString(),
          daysLeft: warning.daysLeft,
        },
        warning.message,
      );
    }
  };
  checkExpiry();
  let expiryTimer = scheduler.setTimeout(function again() {
    checkExpiry();
    expiryTimer = scheduler.setTimeout(again, EXPIRY_CHECK_MS);
  }, EXPIRY_CHECK_MS);
  return {
    authority,
    auth,
    secrets,
    serving,
    tlsCredentials,
    addServices: (server, transport) => {
      if (transport !== 'tls') return;
      addCsrService(server, {
        signer,
        logger,
        authenticate: async (call) => {
          const credential = await authenticateCall('tls', call, auth);
          if (!credential.ok) return credential;
          const { value } = credential;
          return value.kind === 'certificate' || value.kind === 'token'
            ? ok(value.identity)
            : fail([{ code: grpc.status.UNAUTHENTICATED, details: 'the CSR API needs a proved identity' }]);
        },
      });
    },
    expiries: () => authority.expiries(),
    reloadCa: async () => {
      const reloaded = await authority.reloadFromStore();
      if (!reloaded.ok) {
        logger.warn({ reasons: reloaded.errors }, 'reading the CA store again failed; keeping the CA in use');
        return;
      }
      if (!reloaded.value) return;
      logger.info(
        { roots: authority.roots().map((r) => r.fingerprintSha256) },
        'the CA store changed (a root rotation by another replica): trust bundle updated',
      );
      bundleChanged();
    },
    onTrustBundleChange: (listener) => {
      bundleListeners.add(listener);
      return () => bundleListeners.delete(listener);
    },
    startRootRotation: (outdated) => {
      rotation?.stop();
      rotation = new RootRotation({
        authority,
        // Proxies get the new bundle over SDS; the TLS port checks client certificates against it.
        bundleChanged,
        outdated,
        leafTtlMs: options.workloadTtlMs,
        scheduler,
        logger,
      });
      rotation.start();
      return rotation;
    },
    stop: () => {
      rotation?.stop();
      serving.stop();
      scheduler.clearTimeout(expiryTimer);
    },
  };
}

async function openAuthority(
  options: IdentityOptions,
  logger: Logger,
  scheduler: Scheduler,
  clusterStore: CaStore | undefined,
) {
  // In a cluster --ca-dir is where the optional `cacerts` Secret is mounted, as in Istio: an empty
  // directory (no Secret) means the generated CA in the Secret store.
  const caDir =
    options.caDir && (!clusterStore || (await holdsCacerts(options.caDir))) ? options.caDir : undefined;
  const store = clusterStore ?? (options.stateDir ? new FileCaStore(options.stateDir) : new MemoryCaStore());
  const source = caDir ? { cacertsDir: caDir } : { store };
  const opened = await Authority.open({
    source,
    clock: scheduler,
    trustDomain: options.trustDomain,
    workloadTtlMs: options.workloadTtlMs,
    onWarning: (message) => logger.warn({ reason: message }, 'certificate validity cut'),
  });
  if (!opened.ok)
    throw new IdentityStartError(`the CA cannot start: ${opened.errors.map((e) => e.message).join('; ')}`);
  const authority = opened.value;
  const root = authority.roots()[0];
  logger.info(
    {
      source: caDir ? `cacerts ${caDir}` : store.description,
      trustDomain: options.trustDomain,
      root: root?.fingerprintSha256,
      rootNotAfter: root?.notAfter.toISOString(),
    },
    'CA ready',
  );
  if (!caDir && store instanceof MemoryCaStore)
    logger.warn(
      'the CA root lives in memory only: every restart makes a new one. Pass --state-dir DIR to keep it.',
    );
  return authority;
}

/**
 * Token review needs a Kubernetes API: --kubeconfig, or the pod's own service account in a cluster.
 * The client library is loaded only then.
 */
async function tokenReviewer(
  options: IdentityOptions,
  logger: Logger,
  cluster: KubeConfig | undefined,
): Promise<BearerAuthenticator | undefined> {
  // The cluster the mesh is read from (--kube), else --kubeconfig, else the pod's own account.
  const config = cluster ?? (await standaloneConfig(options));
  if (!config) {
    logger.info(
      'no Kubernetes API: ServiceAccount tokens cannot be reviewed; streams prove themselves with certificates',
    );
    return undefined;
  }
  const { TokenReviewAuthenticator } = await import('../ca/token-review.js');
  const reviewer = new TokenReviewAuthenticator(config, { trustDomain: options.trustDomain });
  return {
    authenticate: async (values): Promise<Result<WorkloadIdentity, BearerFailure>> => {
      const token = bearerToken(values);
      if (!token.ok) return fail(token.errors.map((reason) => ({ reason })));
      const reviewed = await reviewer.authenticate(token.value);
      return reviewed.ok ? ok(reviewed.value.identity) : reviewed;
    },
  };
}

function pemBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g) ?? [];
}

async function standaloneConfig(options: IdentityOptions): Promise<KubeConfig | undefined> {
  if (!options.kubeconfig && !process.env.KUBERNETES_SERVICE_HOST) return undefined;
  const { KubeConfig } = await import('@kubernetes/client-node');
  const config = new KubeConfig();
  if (options.kubeconfig) config.loadFromFile(options.kubeconfig);
  else config.loadFromCluster();
  return config;
}

/** Whether `dir` has the signing certificate of Istio's cacerts layout (a mounted `cacerts` Secret). */
async function holdsCacerts(dir: string): Promise<boolean> {
  try {
    await access(path.join(dir, CACERTS_FILES.signingCert));
    return true;
  } catch {
    return false;
  }
}
