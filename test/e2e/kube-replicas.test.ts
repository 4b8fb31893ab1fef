// Two replicas of `trellis serve --kube` (the real CLI) against one test API server: exactly one
// leads, they share one CA root, only the leader writes status (once per change), publishes the
// trust bundle and sets the webhook's caBundle; when the leader dies the other takes over within
// the lease duration, with no status write lost and no proxy of the survivor disconnected.
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TYPE_URL } from '../../src/xds/envoy/type-urls.js';
import { AdsTestClient, ackUntilNamed } from '../helpers/ads-test-client.js';
import { type FakeApiServer, startFakeApiServer } from '../kube-api/fake-api-server.js';
import { ALL_FAKE_RESOURCES, fakeResource } from '../kube-api/resources.js';
import { eventually, startTrellis, type TrellisProcess } from './helpers/trellis-process.js';

const NS = 'trellis-system';
const LEASE_DURATION_MS = 3_000;
const RETRY_MS = 250;
const ARGS = [
  '--kube',
  '--leader-elect-lease-duration',
  `${LEASE_DURATION_MS}ms`,
  '--leader-elect-renew-deadline',
  '2s',
  '--leader-elect-retry-period',
  `${RETRY_MS}ms`,
  '--status-qps',
  '100',
  '--debounce-quiet',
  '20ms',
];
const NODE = { id: 'sidecar~10.1.0.10~client-0.shop~shop.svc.cluster.local' };
const CONTROLLER = 'trellis.dev/mesh-controller';

const objects = {
  namespace: {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'shop', labels: { 'trellis.dev/inject': 'enabled' } },
  },
  service: (name: string) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'shop' },
    spec: {
      clusterIP: name === 'cart' ? '10.96.0.10' : '10.96.0.11',
      selector: { app: name },
      ports: [{ name: 'http', port: 80 }],
    },
  }),
  route: (generation: number, port: number) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'cart-route', namespace: 'shop', generation },
    spec: {
      parentRefs: [{ group: '', kind: 'Service', name: 'cart', port: 80 }],
      rules: [{ backendRefs: [{ name: 'cart', port }] }],
    },
  }),
  virtualService: {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'cart-vs', namespace: 'shop', generation: 1 },
    spec: {
      hosts: ['cart.shop.svc.cluster.local'],
      http: [{ timeout: '5s', route: [{ destination: { host: 'cart.shop.svc.cluster.local' } }] }],
    },
  },
  badSplit: {
    apiVersion: 'split.smi-spec.io/v1alpha4',
    kind: 'TrafficSplit',
    metadata: { name: 'bad-split', namespace: 'shop', generation: 1 },
    spec: { service: 'cart', backends: [{ service: 'cart', weight: 'heavy' }] },
  },
  webhook: {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: 'trellis-sidecar-injector' },
    webhooks: [
      {
        name: 'sidecar-injector.trellis.dev',
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        clientConfig: {
          service: { name: 'trellis', namespace: NS, path: '/inject', port: 443 },
          caBundle: '',
        },
      },
    ],
  },
};

type Obj = Record<string, unknown> & { metadata?: Record<string, unknown>; status?: Record<string, unknown> };

describe('two replicas of trellis serve --kube', () => {
  let dir: string;
  let fake: FakeApiServer;
  let kubeconfig: string;
  const replicas = new Map<string, TrellisProcess>();
  const clients: AdsTestClient[] = [];

  const get = (kind: string, namespace: string, name: string): Obj | undefined =>
    fake.store.get(fakeResource(kind), namespace, name) as Obj | undefined;
  const holder = (): string | undefined =>
    (get('Lease', NS, 'trellis-leader')?.spec as { holderIdentity?: string })?.holderIdentity || undefined;
  // Status goes by merge patch: of the status subresource, or of the object when its CRD has none.
  const statusWrites = () => fake.writes({ method: 'PATCH' }).filter((w) => w.code >= 200 && w.code < 300);
  const rootPem = (): string => {
    const secret = get('Secret', NS, 'trellis-ca');
    const data = secret?.data as Record<string, string> | undefined;
    return Buffer.from(data?.['root-certs.pem'] ?? '', 'base64').toString('utf8');
  };

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trellis-replicas-'));
    fake = await startFakeApiServer({ resources: ALL_FAKE_RESOURCES });
    for (const o of [
      objects.namespace,
      objects.service('cart'),
      objects.route(1, 80),
      objects.virtualService,
      objects.badSplit,
      objects.webhook,
    ])
      fake.store.apply(o);
    kubeconfig = path.join(dir, 'kubeconfig');
    await fs.writeFile(kubeconfig, fake.kubeConfig().exportConfig());
    const started = await Promise.all(
      ['trellis-a', 'trellis-b'].map((name) =>
        startTrellis(null, [...ARGS, '--kubeconfig', kubeconfig], { POD_NAME: name, POD_NAMESPACE: NS }),
      ),
    );
    replicas.set('trellis-a', started[0] as TrellisProcess);
    replicas.set('trellis-b', started[1] as TrellisProcess);
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all([...replicas.values()].map((r) => r.stop()));
    await fake?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('elects exactly one leader, and both replicas serve with one CA root', async () => {
    await eventually(() => holder() !== undefined, 'a leader');
    expect(['trellis-a', 'trellis-b']).toContain(holder());
    const created = fake.writes({ method: 'POST', pathIncludes: '/secrets' }).filter((w) => w.code === 201);
    expect(created).toHaveLength(1);
    const root = rootPem();
    expect(root).toContain('BEGIN CERTIFICATE');
    // Each replica's TLS port presents a certificate that chains to that one root.
    for (const replica of replicas.values()) {
      const peer = await new Promise<tls.PeerCertificate>((resolve, reject) => {
        const socket = tls.connect({
          host: '127.0.0.1',
          port: replica.xdsTlsPort ?? 0,
          ca: root,
          ALPNProtocols: ['h2'],
          checkServerIdentity: () => undefined,
        });
        socket.once('secureConnect', () => {
          resolve(socket.getPeerCertificate());
          socket.end();
        });
        socket.once('error', reject);
      });
      expect(new X509Certificate(peer.raw).checkIssued(new X509Certificate(root))).toBe(true);
    }
    const metrics = await Promise.all(
      [...replicas.values()].map(async (r) =>
        (await fetch(`http://127.0.0.1:${r.adminPort}/metrics`)).text(),
      ),
    );
    expect(metrics.map((m) => /^trellis_leader (\d)/m.exec(m)?.[1]).sort()).toEqual(['0', '1']);
  });

  it('writes each resource’s status once, and nothing more when unchanged resources are synced again', async () => {
    await eventually(() => statusWrites().length >= 3, 'three status writes');
    const route = get('HTTPRoute', 'shop', 'cart-route');
    const parents = route?.status?.parents as {
      controllerName: string;
      conditions: { type: string; status: string; observedGeneration?: number }[];
    }[];
    expect(parents).toHaveLength(1);
    expect(parents[0]?.controllerName).toBe(CONTROLLER);
    expect(parents[0]?.conditions.find((c) => c.type === 'Accepted')).toMatchObject({
      status: 'True',
      observedGeneration: 1,
    });
    const vs = get('VirtualService', 'shop', 'cart-vs');
    expect(
      (vs?.status?.conditions as { type: string; status: string }[] | undefined)?.find(
        (c) => c.type === 'Accepted',
      )?.status,
    ).toBe('True');
    const split = get('TrafficSplit', 'shop', 'bad-split');
    const accepted = (split?.status?.conditions as { type: string; status: string; message: string }[])?.find(
      (c) => c.type === 'Accepted',
    );
    expect(accepted?.status).toBe('False');
    expect(accepted?.message).toMatch(/spec\.backends\[0\]\.weight/);

    // Every watch is cut with 410 Gone: both replicas relist the same objects.
    const before = statusWrites().length;
    expect(before).toBe(3);
    fake.store.expireWatches();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(statusWrites().length).toBe(before);
  });

  it('publishes the trust bundle in meshed namespaces and sets the webhook caBundle', async () => {
    const root = rootPem();
    await eventually(
      () =>
        (get('ConfigMap', 'shop', 'trellis-ca-root')?.data as Record<string, string> | undefined)?.[
          'root-cert.pem'
        ] === root,
      'the trust bundle ConfigMap in shop',
    );
    await eventually(() => {
      const webhook = get('MutatingWebhookConfiguration', '', 'trellis-sidecar-injector');
      const bundle = (webhook?.webhooks as { clientConfig: { caBundle?: string } }[] | undefined)?.[0]
        ?.clientConfig.caBundle;
      return bundle === Buffer.from(root).toString('base64');
    }, 'the webhook caBundle');
    expect(fake.writes({ pathIncludes: '/configmaps' }).filter((w) => w.code < 300)).toHaveLength(1);
  });

  it('hands over to the survivor within the lease duration when the leader dies, losing no status write and no proxy', async () => {
    const leaderName = holder() as string;
    const survivorName = leaderName === 'trellis-a' ? 'trellis-b' : 'trellis-a';
    const survivor = replicas.get(survivorName) as TrellisProcess;
    const client = new AdsTestClient(survivor.xdsPort);
    clients.push(client);
    client.send({ node: NODE, type_url: TYPE_URL.cluster });
    const first = await client.next(10_000);
    client.send({
      type_url: TYPE_URL.cluster,
      version_info: first.version_info,
      response_nonce: first.nonce,
    });

    const killedAt = Date.now();
    await replicas.get(leaderName)?.kill();
    // An edit while nobody leads: its status is written by the next leader.
    fake.store.apply(objects.route(2, 8080));
    await eventually(() => holder() === survivorName, 'the survivor to take the lease', 15_000);
    const tookMs = Date.now() - killedAt;
    expect(tookMs).toBeLessThanOrEqual(LEASE_DURATION_MS + 4 * RETRY_MS + 1_000);
    await eventually(() => {
      const route = get('HTTPRoute', 'shop', 'cart-route');
      const parents = route?.status?.parents as
        | { conditions: { observedGeneration?: number }[] }[]
        | undefined;
      return parents?.[0]?.conditions[0]?.observedGeneration === 2;
    }, 'the route status of generation 2');

    // The survivor's proxy stayed connected: the next change reaches it on the same stream.
    fake.store.apply(objects.service('orders'));
    const names = await ackUntilNamed(client, TYPE_URL.cluster, 'outbound|80||orders.shop.svc.cluster.local');
    expect(names).toContain('outbound|80||orders.shop.svc.cluster.local');
  });
});
