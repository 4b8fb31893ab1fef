// Discovery, read by client-node's own clients: only the resources installed are listed, with their
// scope, kind, verbs and status subresources; a resource installed after the start (a CRD applied
// later) appears in discovery and is served from then on, and before that its paths answer 404.
import {
  AdmissionregistrationApi,
  ApiException,
  ApisApi,
  CoreApi,
  CoreV1Api,
  CustomObjectsApi,
  type KubernetesObject,
  KubernetesObjectApi,
} from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeApiServer, startFakeApiServer } from './fake-api-server.js';
import { FAKE_RESOURCES, fakeResource } from './object-store.js';

const servers: FakeApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function start(): Promise<FakeApiServer> {
  const server = await startFakeApiServer({ resources: FAKE_RESOURCES });
  servers.push(server);
  return server;
}

describe('fake API server: discovery', () => {
  it('lists the core resources and the groups installed, with status subresources', async () => {
    const server = await start();
    const config = server.kubeConfig();
    expect((await config.makeApiClient(CoreApi).getAPIVersions()).versions).toEqual(['v1']);

    const core = await config.makeApiClient(CoreV1Api).getAPIResources();
    expect(core.groupVersion).toBe('v1');
    const byName = new Map(core.resources.map((r) => [r.name, r]));
    expect(byName.get('namespaces')).toMatchObject({ kind: 'Namespace', namespaced: false });
    expect(byName.get('pods')).toMatchObject({
      kind: 'Pod',
      namespaced: true,
      singularName: 'pod',
      verbs: expect.arrayContaining(['create', 'get', 'list', 'watch', 'update', 'patch', 'delete']),
    });
    expect(byName.get('pods/status')).toMatchObject({ kind: 'Pod', verbs: ['get', 'patch', 'update'] });
    expect(byName.has('secrets')).toBe(false);

    const groups = await config.makeApiClient(ApisApi).getAPIVersions();
    const names = groups.groups.map((g) => g.name);
    expect(names).toEqual(
      expect.arrayContaining(['discovery.k8s.io', 'gateway.networking.k8s.io', 'networking.istio.io']),
    );
    expect(names).not.toContain('split.smi-spec.io');
    expect(names).not.toContain('admissionregistration.k8s.io');
    const gateway = groups.groups.find((g) => g.name === 'gateway.networking.k8s.io');
    expect(gateway?.preferredVersion?.groupVersion).toBe('gateway.networking.k8s.io/v1');

    expect(await codeOf(config.makeApiClient(AdmissionregistrationApi).getAPIGroup())).toBe(404);
  });

  it('serves a resource installed after the start, which answered 404 before', async () => {
    const server = await start();
    const config = server.kubeConfig();
    const custom = config.makeApiClient(CustomObjectsApi);
    const list = () =>
      custom.listNamespacedCustomObject({
        group: 'split.smi-spec.io',
        version: 'v1alpha4',
        namespace: 'shop',
        plural: 'trafficsplits',
      });
    expect(await codeOf(list())).toBe(404);
    const objects = KubernetesObjectApi.makeApiClient(config);
    const split = {
      apiVersion: 'split.smi-spec.io/v1alpha4',
      kind: 'TrafficSplit',
      metadata: { name: 'cart', namespace: 'shop' },
      spec: { service: 'cart', backends: [{ service: 'cart-v1', weight: 100 }] },
    };
    await expect(objects.create(split)).rejects.toThrow(/split.smi-spec.io\/v1alpha4/);

    expect(server.store.install(fakeResource('TrafficSplit'))).toBe(true);
    expect(server.store.install(fakeResource('TrafficSplit'))).toBe(false);
    expect(((await list()) as { items: unknown[] }).items).toEqual([]);
    const groups = await config.makeApiClient(ApisApi).getAPIVersions();
    expect(groups.groups.map((g) => g.name)).toContain('split.smi-spec.io');
    const resources = await custom.getAPIResources({ group: 'split.smi-spec.io', version: 'v1alpha4' });
    expect(resources.resources).toEqual([
      expect.objectContaining({ name: 'trafficsplits', namespaced: true, kind: 'TrafficSplit' }),
    ]);
    const created = await objects.create<KubernetesObject>(split);
    expect(created.metadata?.uid).toBeDefined();
    expect(
      ((await list()) as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name),
    ).toEqual(['cart']);
  });
});

async function codeOf(call: Promise<unknown>): Promise<number> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiException);
  return (error as ApiException<string>).code;
}
