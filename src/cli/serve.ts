// `trellis serve`: sources → snapshot builder → cache → ADS server, plus the admin endpoints.

import type { KubeConfig } from '@kubernetes/client-node';
import { AdminServer } from '../admin/admin-server.js';
import { PrometheusMetrics } from '../admin/metrics.js';
import type { Logger } from '../log.js';
import type { Namespace } from '../model/mesh.js';
import type { Visibility } from '../model/visibility.js';
import { FileSource } from '../sources/files/file-source.js';
import type { ManifestLimits } from '../sources/files/limits.js';
import type { Source, SourceState } from '../sources/source.js';
import { SnapshotCache } from '../xds/cache/snapshot-cache.js';
import { ProxyCompiler } from '../xds/compile-proxy.js';
import { XdsServer } from '../xds/server/ads-server.js';
import type { XdsServerLimits } from '../xds/server/server-flags.js';
import type { StatusPage } from '../xds/server/status.js';
import { SnapshotBuilder } from '../xds/snapshot-builder.js';
import type { IdentityOptions } from './identity-flags.js';
import type { ClusterOptions, ClusterRole } from './serve-cluster.js';
import { type IdentityRuntime, startIdentity } from './serve-identity.js';
import { type InjectorOptions, webhookServer } from './serve-injector.js';

export interface ServeOptions {
  /** A directory of manifests; ignored when `kube` is given. */
  readonly manifests: string;
  /** Read the mesh from this cluster's API (informers) instead of a directory. */
  readonly kube?: KubeConfig;
  /**
   * With `kube`: Trellis's namespace and replica name, leader election and status write-back. The
   * CA then lives in a Secret of that namespace.
   */
  readonly cluster?: ClusterOptions;
  readonly xdsAddress: string;
  readonly adminAddress: string;
  readonly clusterDomain?: string;
  /** Where mesh-wide policies live (--root-namespace; default trellis-system). */
  readonly rootNamespace?: string;
  readonly logger: Logger;
  /** Source changes are merged until this long passes without one (default 100 ms)... */
  readonly debounceQuietMs?: number;
  /** ...or this long after the first (default 1 s). */
  readonly debounceMaxMs?: number;
  /** Bound of the memo of encoded resources (default 64 MiB; 0 turns it off). */
  readonly encodeCacheBytes?: number;
  /** What proxies see in namespaces without `trellis.dev/visible-namespaces` (default: all). */
  readonly defaultVisibility?: Visibility;
  /** Bounds on each manifest file (--max-file-bytes...; default DEFAULT_LIMITS). */
  readonly limits?: ManifestLimits;
  /** Follow links out of the manifest directory (--follow-external-links). */
  readonly followExternalLinks?: boolean;
  /** The xDS port's budgets and connection timeouts (--xds-max-*, --xds-idle-timeout...). */
  readonly xdsLimits?: Partial<XdsServerLimits>;
  /**
   * The CA, SDS, the TLS port and how streams authenticate (identity-flags.ts). Absent: no CA and
   * no TLS port; streams get configuration only (tests of routing that need no identity).
   */
  readonly identity?: IdentityOptions;
  /** The sidecar injector's webhook (needs `identity`: its certificate is the CA's). */
  readonly injector?: InjectorOptions;
}

export interface RunningServer {
  readonly xdsPort: number;
  readonly adminPort: number;
  /** The TLS port, when one was asked for. */
  readonly xdsTlsPort?: number;
  /** The injection webhook's port, when one was asked for. */
  readonly webhookPort?: number;
  close(): Promise<void>;
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const { logger } = opts;
  const cache = new SnapshotCache();
  const metrics = new PrometheusMetrics();
  // Counted when scraped: the cache's resources change on every build and are read far less often.
  metrics.countResources(() => cache.resourceCounts());
  const compiler = new ProxyCompiler(undefined, {
    ...(opts.defaultVisibility ? { defaultVisibility: opts.defaultVisibility } : {}),
    ...(opts.encodeCacheBytes !== undefined ? { encodeCacheBytes: opts.encodeCacheBytes } : {}),
    onEncode: (hit) => metrics.encodeCache(hit),
  });
  const builder = new SnapshotBuilder(cache, logger, compiler, {
    metrics,
    debounce: {
      ...(opts.debounceQuietMs !== undefined ? { quietMs: opts.debounceQuietMs } : {}),
      ...(opts.debounceMaxMs !== undefined ? { maxDelayMs: opts.debounceMaxMs } : {}),
    },
  });
  // The trust domain the CA issues in is the one the generated config names in SAN matchers.
  const meshConfig = {
    ...(opts.identity ? { trustDomain: opts.identity.trustDomain } : {}),
    ...(opts.rootNamespace ? { rootNamespace: opts.rootNamespace } : {}),
  };
  // What only a cluster needs is loaded only for one: with it comes the Kubernetes client library.
  const source: Source = opts.kube
    ? new (await import('../sources/kube/kube-source.js')).KubeSource(opts.kube, {
        logger,
        ...(opts.clusterDomain ? { clusterDomain: opts.clusterDomain } : {}),
        ...(opts.cluster ? { crdRetryMs: opts.cluster.crdRetryMs } : {}),
        meshConfig,
      })
    : new FileSource(opts.manifests, {
        logger,
        ...(opts.clusterDomain ? { clusterDomain: opts.clusterDomain } : {}),
        ...(opts.limits ? { limits: opts.limits } : {}),
        ...(opts.followExternalLinks ? { followExternalLinks: true } : {}),
        meshConfig,
      });
  // The injector reads namespace labels from here: what the source says now, never the request.
  let namespaces: ReadonlyMap<string, Namespace> = new Map();
  let cluster: ClusterRole | undefined;
  let latest: SourceState | undefined;
  const initial = await source.start((state) => {
    latest = state;
    namespaces = new Map(state.mesh.namespaces.map((n) => [n.name, n]));
    builder.update(state.mesh, state.issues, state.statuses);
    cluster?.update(state);
  });
  latest ??= initial;
  namespaces = new Map(initial.mesh.namespaces.map((n) => [n.name, n]));
  builder.update(initial.mesh, initial.issues, initial.statuses);
  logger.info(
    {
      ...(opts.kube ? { source: 'kubernetes' } : { manifests: opts.manifests }),
      services: initial.mesh.services.length,
      endpointSlices: initial.mesh.endpointSlices.length,
      pods: initial.mesh.workloads.length,
      errors: initial.issues.filter((i) => i.severity === 'error').length,
    },
    'manifests loaded',
  );

  let identity: IdentityRuntime | undefined;
  try {
    const inCluster =
      opts.kube && opts.cluster
        ? {
            config: opts.kube,
            caStore: new (await import('../cluster/secret-ca-store.js')).SecretCaStore(
              opts.kube,
              opts.cluster.namespace,
            ),
          }
        : undefined;
    identity = opts.identity
      ? await startIdentity(opts.identity, logger, metrics, undefined, inCluster)
      : undefined;
  } catch (err) {
    builder.close();
    await source.stop();
    throw err;
  }
  const xds = new XdsServer({
    cache,
    logger,
    metrics,
    ...opts.xdsLimits,
    ...(identity ? { auth: identity.auth, secrets: identity.secrets } : {}),
    hooks: {
      onStreamOpened: (proxy) => builder.connect(proxy),
      onStreamClosed: (proxy) => builder.disconnect(proxy),
    },
  });
  // Read from the streams when scraped, as the resources are from the cache.
  metrics.countNackedProxies(() => xds.nackedProxies());
  // A root rotation advances as proxies ACK the new trust bundle. In a cluster only the leader
  // rotates: the root is one Secret for every replica.
  const startRootRotation = identity
    ? () => {
        const rotation = identity?.startRootRotation(() => xds.trustBundleHolders());
        return () => rotation?.stop();
      }
    : undefined;
  if (opts.kube && opts.cluster) {
    const { startClusterRole } = await import('./serve-cluster.js');
    cluster = startClusterRole(opts.kube, opts.cluster, {
      logger,
      metrics,
      ...(identity ? { identity } : {}),
      ...(startRootRotation ? { startRootRotation } : {}),
    });
    cluster.update(latest);
  } else startRootRotation?.();
  const admin = new AdminServer({
    metrics,
    logger,
    ready: () => builder.ready,
    // What we generated and could not, then what proxies rejected of what we sent.
    configErrors: () => ({ ...builder.configErrors(), ...xds.nacks() }),
    // A page of the streams (?offset=&limit=, read by the admin server), bounded in size.
    syncz: (page?: StatusPage) => xds.statusPage(page),
  });
  let stopWebhook: () => Promise<void> | undefined = () => undefined;
  try {
    const xdsBound = await xds.listen(opts.xdsAddress);
    const tlsAddress = opts.identity?.tlsAddress;
    const tlsBound =
      identity && tlsAddress
        ? await xds.listen(tlsAddress, { tls: identity.tlsCredentials }, identity.addServices)
        : undefined;
    const webhook =
      identity && opts.injector?.address
        ? await webhookServer(opts.injector, identity.serving, () => namespaces, logger)
        : undefined;
    stopWebhook = () => webhook?.close();
    const webhookBound =
      webhook && opts.injector?.address ? await webhook.listen(opts.injector.address) : undefined;
    const adminBound = await admin.listen(opts.adminAddress);
    // One line with the bound ports: what operators and tests (which pass port 0) read back.
    logger.info(
      {
        xdsPort: xdsBound.port,
        ...(tlsBound ? { xdsTlsPort: tlsBound.port } : {}),
        ...(webhookBound ? { webhookPort: webhookBound.port } : {}),
        adminPort: adminBound.port,
        ...(opts.kube ? { source: 'kubernetes' } : { manifests: opts.manifests }),
      },
      'trellis serving',
    );
    return {
      xdsPort: xdsBound.port,
      adminPort: adminBound.port,
      ...(tlsBound ? { xdsTlsPort: tlsBound.port } : {}),
      ...(webhookBound ? { webhookPort: webhookBound.port } : {}),
      close: async () => {
        // Released first: another replica takes over while this one drains.
        await cluster?.stop();
        builder.close();
        identity?.stop();
        await Promise.allSettled([xds.close(), admin.close(), source.stop(), webhook?.close()]);
      },
    };
  } catch (err) {
    await cluster?.stop();
    builder.close();
    identity?.stop();
    await Promise.allSettled([xds.close(), admin.close(), source.stop(), stopWebhook()]);
    throw err;
  }
}
