// The API server of the Kubernetes-source benchmark: the fake of test/kube-api/ (the real list and
// watch wire format, HTTPS on 127.0.0.1), in its own process so that its store of full objects and
// its JSON encoding of lists and events are neither in the heap nor on the core of the Trellis under
// test. Run by `fork` from bench/kube-run.ts, never by hand; it exits when its parent goes.
//
// It seeds the store with the cluster of bench/kube-objects.ts, says where it listens (a kubeconfig,
// and the sizes of what it holds), then applies one modified EndpointSlice per `change` message.

import { KUBE_KINDS } from '../src/sources/kube/kube-kinds.js';
import { trimObject } from '../src/sources/kube/trim.js';
import { startFakeApiServer } from '../test/kube-api/fake-api-server.js';
import { ALL_FAKE_RESOURCES } from '../test/kube-api/object-store.js';
import { type ClusterSize, KubeCluster } from './kube-objects.js';
import { now } from './simulated-proxy.js';

export interface ObjectSizes {
  readonly count: number;
  /** Mean JSON size of one object as listed (full) and as the source keeps it (trimmed). */
  readonly wireBytes: number;
  readonly trimmedBytes: number;
}

export type ToKubeApi =
  | { readonly type: 'seed'; readonly size: ClusterSize }
  /**
   * Endpoint change `n`: the slice of `changeTarget(n)` with one endpoint not ready, the last one the
   * first time a service is touched, the one before it the next time (so each change is one).
   */
  | { readonly type: 'change'; readonly n: number }
  | { readonly type: 'stop' };

export type FromKubeApi =
  | { readonly type: 'loaded' }
  | {
      readonly type: 'seeded';
      /** `KubeConfig.exportConfig()` of a config that trusts the fake's certificate. */
      readonly kubeconfig: string;
      readonly objects: number;
      readonly pods: ObjectSizes;
      readonly slices: ObjectSizes;
      readonly seedMs: number;
    }
  /** `at`: wall-clock ms (`now()`) right after store.apply, i.e. when the watch event went out. */
  | { readonly type: 'changed'; readonly n: number; readonly at: number }
  | { readonly type: 'error'; readonly message: string };

function send(message: FromKubeApi): void {
  process.send?.(message);
}

function sizes(kind: string, objects: readonly Record<string, unknown>[]): ObjectSizes {
  const kubeKind = KUBE_KINDS.find((k) => k.kind === kind)!;
  let wire = 0;
  let trimmed = 0;
  for (const object of objects) {
    wire += JSON.stringify(object).length;
    trimmed += JSON.stringify(trimObject(kubeKind, object)).length;
  }
  const count = objects.length;
  return { count, wireBytes: count ? wire / count : 0, trimmedBytes: count ? trimmed / count : 0 };
}

const fake = await startFakeApiServer({ resources: ALL_FAKE_RESOURCES });
let cluster: KubeCluster | undefined;
/** Changes made so far per service index. */
const touched = new Map<number, number>();

process.on('message', (message: ToKubeApi) => {
  try {
    switch (message.type) {
      case 'seed': {
        const t0 = now();
        cluster = new KubeCluster(message.size);
        const pods: Record<string, unknown>[] = [];
        const slices: Record<string, unknown>[] = [];
        let objects = 0;
        for (const object of cluster.objects()) {
          fake.store.apply(object);
          objects++;
          if (object.kind === 'Pod') pods.push(object);
          else if (object.kind === 'EndpointSlice') slices.push(object);
        }
        send({
          type: 'seeded',
          kubeconfig: fake.kubeConfig().exportConfig(),
          objects,
          pods: sizes('Pod', pods),
          slices: sizes('EndpointSlice', slices),
          seedMs: now() - t0,
        });
        break;
      }
      case 'change': {
        if (!cluster) throw new Error('change before seed');
        const target = cluster.changeTarget(message.n);
        const times = touched.get(target.index) ?? 0;
        touched.set(target.index, times + 1);
        const { podsPerService } = cluster.size;
        const slice = cluster.endpointSlice(target, {
          notReady: podsPerService - 1 - (times % podsPerService),
          at: new Date().toISOString(),
        });
        fake.store.apply(slice);
        send({ type: 'changed', n: message.n, at: now() });
        break;
      }
      case 'stop':
        void fake.stop().then(() => process.exit(0));
        break;
    }
  } catch (err) {
    send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
});
// The benchmark going away must not leave the API server behind.
process.on('disconnect', () => {
  void fake.stop().finally(() => process.exit(0));
});
send({ type: 'loaded' });
