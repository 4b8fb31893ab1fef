// The leader Lease in the API server (coordination.k8s.io/v1), for leader-election.ts.
import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { withDeadline } from '../kube-call.js';
import { apiCode } from './api-errors.js';
import type { LeaseRecord, LeaseStore, StoredLease } from './leader-election.js';

export class KubeLeaseStore implements LeaseStore {
  readonly description: string;
  private readonly api: CoordinationV1Api;

  constructor(
    config: KubeConfig,
    private readonly namespace: string,
    private readonly name: string,
    private readonly timeoutMs = 5_000,
  ) {
    this.api = config.makeApiClient(CoordinationV1Api);
    this.description = `lease ${namespace}/${name}`;
  }

  async get(): Promise<StoredLease | undefined> {
    try {
      return stored(
        await withDeadline(`reading ${this.description}`, this.timeoutMs, (options) =>
          this.api.readNamespacedLease({ name: this.name, namespace: this.namespace }, options),
        ),
      );
    } catch (err) {
      if (apiCode(err) === 404) return undefined;
      throw err;
    }
  }

  async create(record: LeaseRecord): Promise<StoredLease | 'conflict'> {
    try {
      return stored(
        await withDeadline(`creating ${this.description}`, this.timeoutMs, (options) =>
          this.api.createNamespacedLease({ namespace: this.namespace, body: this.lease(record) }, options),
        ),
      );
    } catch (err) {
      if (apiCode(err) === 409) return 'conflict';
      throw err;
    }
  }

  async update(record: LeaseRecord, resourceVersion: string): Promise<StoredLease | 'conflict'> {
    try {
      return stored(
        await withDeadline(`updating ${this.description}`, this.timeoutMs, (options) =>
          this.api.replaceNamespacedLease(
            {
              name: this.name,
              namespace: this.namespace,
              body: this.lease(record, resourceVersion),
            },
            options,
          ),
        ),
      );
    } catch (err) {
      // 409: someone wrote since we read; 404: deleted since. Either way not ours this round.
      const code = apiCode(err);
      if (code === 409 || code === 404) return 'conflict';
      throw err;
    }
  }

  private lease(record: LeaseRecord, resourceVersion?: string): V1Lease {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        ...(resourceVersion ? { resourceVersion } : {}),
      },
      spec: {
        holderIdentity: record.holderIdentity,
        leaseDurationSeconds: record.leaseDurationSeconds,
        // MicroTime travels as its RFC 3339 text: client-node passes a type it does not know as is.
        acquireTime: record.acquireTime as unknown as Date,
        renewTime: record.renewTime as unknown as Date,
        leaseTransitions: record.leaseTransitions,
      },
    };
  }
}

function stored(lease: V1Lease): StoredLease {
  const spec = lease.spec ?? {};
  return {
    resourceVersion: lease.metadata?.resourceVersion ?? '',
    record: {
      holderIdentity: spec.holderIdentity ?? '',
      leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
      acquireTime: timeText(spec.acquireTime),
      renewTime: timeText(spec.renewTime),
      leaseTransitions: spec.leaseTransitions ?? 0,
    },
  };
}

function timeText(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'string' ? value : '';
}
