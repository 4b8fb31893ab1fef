// The `trellis serve --kube` flags of running as replicas: leader election (Kubernetes' usual
// defaults) and how fast the leader may write status. Who this replica is comes from the pod
// (POD_NAMESPACE, POD_NAME by the downward API). Each error names its flag.
import { hostname } from 'node:os';
import { checkTimings } from '../cluster/leader-election.js';
import { fail, ok, type Result } from '../model/result.js';
import { parseDurationMs } from '../xds/tuning-flags.js';
import type { ClusterOptions } from './serve-cluster.js';

/** Where Trellis runs when the pod does not say (deploy/ installs it there). */
const DEFAULT_NAMESPACE = 'trellis-system';

// A staged root waits for every proxy's ACK, and a root rotates once in years: reading the CA
// Secret twice a minute is plenty.
const CA_FOLLOW_MS = 30_000;

export const CLUSTER_FLAGS = {
  'leader-elect-lease-duration': { type: 'string', default: '15s' },
  'leader-elect-renew-deadline': { type: 'string', default: '10s' },
  'leader-elect-retry-period': { type: 'string', default: '2s' },
  'status-qps': { type: 'string', default: '10' },
  'crd-retry-interval': { type: 'string', default: '60s' },
} as const;

export function clusterUsage(indent: string): string {
  return `${indent}[--leader-elect-lease-duration 15s] [--leader-elect-renew-deadline 10s] [--leader-elect-retry-period 2s] [--status-qps 10]\n${indent}[--crd-retry-interval 60s]`;
}

export function readClusterFlags(
  values: Readonly<Record<string, string | boolean | undefined>>,
  env: NodeJS.ProcessEnv = process.env,
): Result<ClusterOptions, string> {
  const text = (name: keyof typeof CLUSTER_FLAGS): string => {
    const v = values[name];
    return typeof v === 'string' ? v : CLUSTER_FLAGS[name].default;
  };
  const errors: string[] = [];
  const duration = (name: keyof typeof CLUSTER_FLAGS): number => {
    const parsed = parseDurationMs(text(name));
    if (!parsed.ok) errors.push(`--${name}: ${parsed.errors.join('; ')}`);
    return parsed.ok ? parsed.value : 0;
  };
  const timings = {
    leaseDurationMs: duration('leader-elect-lease-duration'),
    renewDeadlineMs: duration('leader-elect-renew-deadline'),
    retryPeriodMs: duration('leader-elect-retry-period'),
  };
  if (errors.length === 0) {
    const problem = checkTimings(timings);
    if (problem) errors.push(`--leader-elect-*: ${problem}`);
  }
  const crdRetryMs = duration('crd-retry-interval');
  if (errors.length === 0 && crdRetryMs < 1_000)
    errors.push('--crd-retry-interval: at least 1s (each try lists the missing kind)');
  const qps = Number(text('status-qps'));
  if (!(Number.isFinite(qps) && qps > 0 && qps <= 1000))
    errors.push(`--status-qps: "${text('status-qps')}" is not a number of calls per second in (0, 1000]`);
  if (errors.length > 0) return fail(errors);
  return ok({
    namespace: env.POD_NAMESPACE || DEFAULT_NAMESPACE,
    podName: env.POD_NAME || hostname(),
    leaderElection: timings,
    statusQps: qps,
    caFollowMs: CA_FOLLOW_MS,
    crdRetryMs,
  });
}
