// What a replica does in a cluster beyond serving (`trellis serve --kube`): it takes part in leader
// election, and while it leads it writes the routing resources' status, the trust-bundle
// ConfigMaps and the webhook's caBundle, and runs the root rotation. Every replica serves xDS, SDS
// and the webhook whether it leads or not. Wiring only: each piece lives in src/cluster.
import type { KubeConfig } from '@kubernetes/client-node';
import type { PrometheusMetrics } from '../admin/metrics.js';
import { KubeLeaseStore } from '../cluster/kube-lease-store.js';
import { KubeStatusApi, statusKinds } from '../cluster/kube-status-api.js';
import { type LeaderElectionTimings, LeaderElector } from '../cluster/leader-election.js';
import { StatusPublisher } from '../cluster/status-publisher.js';
import {
  KubeConfigMapApi,
  meshedNamespaces,
  TrustBundlePublisher,
} from '../cluster/trust-bundle-publisher.js';
import { WebhookCaBundle } from '../cluster/webhook-ca-bundle.js';
import type { Logger } from '../log.js';
import { realScheduler, type Scheduler } from '../scheduler.js';
import type { SourceState } from '../sources/source.js';
import type { IdentityRuntime } from './serve-identity.js';

export const LEADER_LEASE_NAME = 'trellis-leader';
/** Every this many CA reads (30 s each), the leader checks what it published (5 minutes). */
const RECHECK_EVERY_BEATS = 10;

export interface ClusterOptions {
  /** Trellis's namespace (POD_NAMESPACE): the Lease and the CA Secret live there. */
  readonly namespace: string;
  /** This replica's name (POD_NAME): the Lease's holder while it leads. */
  readonly podName: string;
  readonly leaderElection: LeaderElectionTimings;
  /** API calls per second of status write-back (burst twice that). */
  readonly statusQps: number;
  /** How often every replica reads the CA Secret again (the leader's root rotation). */
  readonly caFollowMs: number;
  /** How often a kind whose CRD is not installed is listed again. */
  readonly crdRetryMs: number;
}

export interface ClusterRole {
  /** The source's newest state: statuses to write, namespaces to publish the trust bundle in. */
  update(state: SourceState): void;
  isLeader(): boolean;
  /** Stops leading (releasing the Lease) and every writer. */
  stop(): Promise<void>;
}

export interface ClusterDeps {
  readonly logger: Logger;
  readonly metrics?: PrometheusMetrics;
  readonly identity?: IdentityRuntime;
  /** Starts the root rotation (leader only); returns how to stop it. */
  readonly startRootRotation?: () => () => void;
  readonly scheduler?: Scheduler;
}

export function startClusterRole(
  config: KubeConfig,
  options: ClusterOptions,
  deps: ClusterDeps,
): ClusterRole {
  const { logger, metrics, identity } = deps;
  const scheduler = deps.scheduler ?? realScheduler;
  const kinds = statusKinds();
  const status = new StatusPublisher({
    api: new KubeStatusApi(config, kinds),
    kinds: new Set(kinds.keys()),
    scheduler,
    logger,
    qps: options.statusQps,
    burst: Math.max(1, options.statusQps * 2),
    onOutcome: (outcome) => metrics?.kubeWrite('status', outcome),
  });
  const bundle = new TrustBundlePublisher(new KubeConfigMapApi(config), logger, (result) =>
    metrics?.kubeWrite('trust_bundle', result),
  );
  const webhook = new WebhookCaBundle(config, logger);
  let namespaces: readonly string[] = [];
  let stopRotation: (() => void) | undefined;
  // The caBundle the webhook configuration was last seen to hold: a state change that leaves the
  // roots alone costs the API server nothing.
  let webhookBundle: string | undefined;
  const publishCa = () => {
    if (!identity || !elector.isLeader()) return;
    const pem = identity.authority.trustBundlePem();
    void bundle.update(namespaces, pem);
    if (pem === webhookBundle) return;
    webhookBundle = pem;
    void webhook.publish(pem).then((result) => {
      metrics?.kubeWrite('webhook_ca_bundle', result);
      // Not there yet, or lost a race: looked at again with the next change.
      if (result !== 'updated' && result !== 'unchanged' && webhookBundle === pem) webhookBundle = undefined;
    });
  };
  const elector = new LeaderElector({
    store: new KubeLeaseStore(config, options.namespace, LEADER_LEASE_NAME),
    identity: options.podName,
    timings: options.leaderElection,
    scheduler,
    logger,
    onStartedLeading: () => {
      metrics?.leading(true);
      webhookBundle = undefined;
      status.setLeader(true);
      void bundle.setLeader(true);
      publishCa();
      stopRotation = deps.startRootRotation?.();
    },
    onStoppedLeading: () => {
      metrics?.leading(false);
      status.setLeader(false);
      void bundle.setLeader(false);
      stopRotation?.();
      stopRotation = undefined;
    },
  });
  // The roots change with a root rotation (here, or by the leader as read back from the Secret).
  const unsubscribe = identity?.onTrustBundleChange(publishCa);
  const unsubscribeServing = identity?.serving.onRotate(publishCa);
  // Every replica reads the CA Secret again now and then: the leader's root rotation reaches the
  // followers' proxies and TLS ports this way.
  // The same beat makes the leader look at every ConfigMap and the webhook again now and then, so
  // one deleted or edited by hand is restored.
  let followTimer: unknown;
  let beats = 0;
  const follow = () => {
    followTimer = scheduler.setTimeout(() => {
      beats += 1;
      if (beats % RECHECK_EVERY_BEATS === 0) {
        webhookBundle = undefined;
        bundle.forgetPublished();
        publishCa();
      }
      void identity?.reloadCa().finally(follow);
    }, options.caFollowMs);
  };
  if (identity) follow();
  elector.start();
  return {
    update: (state) => {
      namespaces = meshedNamespaces(state.mesh);
      status.update(state.statuses, state.issues, state.generationOf);
      publishCa();
    },
    isLeader: () => elector.isLeader(),
    stop: async () => {
      unsubscribe?.();
      unsubscribeServing?.();
      scheduler.clearTimeout(followTimer);
      await elector.stop();
      status.stop();
      await bundle.setLeader(false);
    },
  };
}
