// `trellis serve --kube`: the real CLI reads the mesh from a Kubernetes API (the fake in
// test/kube-api/, speaking the real list and watch wire format) instead of a directory, turns ready
// once every informer has synced, serves it over xDS, and a change in the cluster reaches a
// connected proxy.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifestFiles } from '../../src/sources/files/read-file.js';
import { listManifestFiles } from '../../src/sources/files/walk.js';
import { TYPE_URL } from '../../src/xds/envoy/type-urls.js';
import { AdsTestClient, ackUntilNamed, resourceNames } from '../helpers/ads-test-client.js';
import { type FakeApiServer, startFakeApiServer } from '../kube-api/fake-api-server.js';
import { FAKE_RESOURCES } from '../kube-api/object-store.js';
import { fakeResource } from '../kube-api/resources.js';
import { startTrellis, type TrellisProcess } from './helpers/trellis-process.js';

const examples = path.resolve(import.meta.dirname, '../../examples');
const NODE = { id: 'sidecar~10.1.0.10~frontend-0.shop~shop.svc.cluster.local' };

describe('trellis serve --kube', () => {
  let dir: string;
  let fake: FakeApiServer;
  let trellis: TrellisProcess;
  const clients: AdsTestClient[] = [];

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trellis-kube-'));
    // The routing kinds of FAKE_RESOURCES only (the others' CRDs are not installed), and what
    // Trellis writes in a cluster: its CA Secret, its Lease, trust-bundle ConfigMaps.
    fake = await startFakeApiServer({
      resources: [...FAKE_RESOURCES, ...['Secret', 'ConfigMap', 'Lease'].map((kind) => fakeResource(kind))],
    });
    const { files } = await listManifestFiles(examples);
    for (const text of await readManifestFiles(examples, files))
      for (const doc of text.documents) fake.store.apply(doc.value);
    const kubeconfig = path.join(dir, 'kubeconfig');
    await fs.writeFile(kubeconfig, fake.kubeConfig().exportConfig());
    trellis = await startTrellis(null, ['--kube', '--kubeconfig', kubeconfig]);
  }, 30_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await trellis?.stop();
    await fake?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('turns ready once synced and serves the cluster’s services, then a new one as it appears', async () => {
    const ready = await fetch(`http://127.0.0.1:${trellis.adminPort}/readyz`);
    expect(ready.status).toBe(200);
    const client = new AdsTestClient(trellis.xdsPort);
    clients.push(client);
    client.send({ node: NODE, type_url: TYPE_URL.cluster });
    const first = await client.next(10_000);
    // Exactly what the same manifests give from a directory (trellis config-dump --manifests examples).
    expect(resourceNames(first)).toContain('outbound|9090||catalog.shop.svc.cluster.local');
    expect(resourceNames(first)).toContain('outbound|5432||ledger.payments.svc.cluster.local');
    expect(resourceNames(first)).not.toContain('outbound|80||reviews.shop.svc.cluster.local');
    client.send({
      type_url: TYPE_URL.cluster,
      version_info: first.version_info,
      response_nonce: first.nonce,
    });

    fake.store.apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'reviews', namespace: 'shop' },
      spec: { clusterIP: '10.96.0.99', selector: { app: 'reviews' }, ports: [{ name: 'http', port: 80 }] },
    });
    // Each push is ACKed; the one that names the new cluster ends the wait (bounded in count and time).
    const names = await ackUntilNamed(
      client,
      TYPE_URL.cluster,
      'outbound|80||reviews.shop.svc.cluster.local',
    );
    expect(names).toContain('outbound|80||reviews.shop.svc.cluster.local');
  });
});
