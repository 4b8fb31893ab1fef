// The builder with the real translation and encoder: groups, the encode memo, visibility, debounce,
// and what an endpoint change leaves untouched.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RouteConfiguration } from '../generated/envoy/config/route/v3/RouteConfiguration.js';
import { silentLogger } from '../log.js';
import type { Mesh, Namespace } from '../model/mesh.js';
import { proxyFromNode } from '../model/proxy.js';
import { parseVisibleNamespaces, VISIBLE_NAMESPACES_ANNOTATION } from '../model/visibility.js';
import type { Snapshot } from './cache/snapshot.js';
import { SnapshotCache } from './cache/snapshot-cache.js';
import { ProxyCompiler } from './compile-proxy.js';
import { TYPE_URL } from './envoy/type-urls.js';
import { SnapshotBuilder } from './snapshot-builder.js';
import { endpoint, mesh, port, service, slice, workload } from './translate/test-fixtures.js';

const http = port({ name: 'http', port: 80, protocol: 'HTTP', targetPort: 8080 });
const byName = port({ name: 'http', port: 80, protocol: 'HTTP', targetPort: 'http' });
const podPort = { name: 'http', port: 8080, protocol: 'TCP' as const };

function shop(namespaces: readonly Namespace[] = [], apiAddress = '10.0.0.3'): Mesh {
  return mesh({
    namespaces,
    services: [
      service('default', 'api', [byName], { clusterIP: '10.96.0.2', selector: { app: 'api' } }),
      service('default', 'web', [http], { clusterIP: '10.96.0.1', selector: { app: 'web' } }),
      service('other', 'billing', [http], { clusterIP: '10.96.0.3', selector: { app: 'billing' } }),
    ],
    endpointSlices: [
      slice('default', 'api', [{ name: 'http', port: 9090 }], [endpoint([apiAddress])]),
      slice(
        'default',
        'web',
        [{ name: 'http', port: 8080 }],
        [endpoint(['10.0.0.1']), endpoint(['10.0.0.2'])],
      ),
      slice('other', 'billing', [{ name: 'http', port: 8080 }], [endpoint(['10.0.1.1'])]),
    ],
    workloads: [
      workload('default', 'api-0', {
        ip: '10.0.0.3',
        labels: { app: 'api' },
        ports: [{ ...podPort, port: 9090 }],
      }),
      workload('default', 'web-0', { ip: '10.0.0.1', labels: { app: 'web' }, ports: [podPort] }),
      workload('default', 'web-1', { ip: '10.0.0.2', labels: { app: 'web' }, ports: [podPort] }),
    ],
  });
}

const sidecar = (pod: string, ip: string) =>
  proxyFromNode({ id: `sidecar~${ip}~${pod}.default~default.svc.cluster.local` });
const web0 = sidecar('web-0', '10.0.0.1');
const web1 = sidecar('web-1', '10.0.0.2');
const api0 = sidecar('api-0', '10.0.0.3');

const names = (snapshot: Snapshot | undefined, typeUrl: string): string[] => [
  ...(snapshot?.resources.get(typeUrl)?.keys() ?? []),
];

function versions(snapshot: Snapshot | undefined): Set<string> {
  const all = new Set<string>();
  for (const ofType of snapshot?.resources.values() ?? [])
    for (const r of ofType.values()) all.add(r.version);
  return all;
}

function started(m: Mesh, compiler = new ProxyCompiler()) {
  const cache = new SnapshotCache();
  const builder = new SnapshotBuilder(cache, silentLogger(), compiler);
  builder.update(m, []);
  return { cache, builder };
}

describe('SnapshotBuilder with shared snapshots', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  // A sidecar's configuration is four parts (translation-parts.ts): outbound clusters, routes and
  // listeners, shared by every proxy that sees the same services, and its workload's inbound part.
  it('gives the replicas of one workload one translation of each part and one snapshot', () => {
    const { cache, builder } = started(shop());
    builder.connect(web0);
    builder.connect(web1);
    expect(cache.getSnapshot(web1.id)).toBe(cache.getSnapshot(web0.id));
    expect(names(cache.getSnapshot(web0.id), TYPE_URL.cluster)).toContain('inbound|8080||');
    expect(builder.stats()).toMatchObject({ translations: 4, groups: 1 });
  });

  it('shares only the outbound parts with a proxy whose pod has other labels', () => {
    const { cache, builder } = started(shop());
    builder.connect(web0);
    builder.connect(api0);
    expect(cache.getSnapshot(api0.id)).not.toBe(cache.getSnapshot(web0.id));
    expect(builder.stats()).toMatchObject({ translations: 3 + 2, groups: 2 });
    // Not copied either: the routes and endpoints of both are the same maps.
    for (const typeUrl of [TYPE_URL.route, TYPE_URL.endpoint]) {
      expect(cache.getSnapshot(api0.id)?.resources.get(typeUrl)).toBe(
        cache.getSnapshot(web0.id)?.resources.get(typeUrl),
      );
    }
  });

  it('retranslates on an endpoint change only the parts that read endpoints, once for all proxies', () => {
    const { builder } = started(shop());
    for (const p of [web0, web1, api0]) builder.connect(p);
    expect(builder.stats().translations).toBe(3 + 2);
    builder.update(shop([], '10.0.0.9'), []);
    builder.flush();
    // Only the outbound clusters (with their assignments) read these endpoints: the routes, the
    // inbound parts and the outbound listener (no headless service here) do not.
    expect(builder.stats().translations).toBe(3 + 2 + 1);
  });

  it('encodes each distinct resource once, however many proxies and groups hold it', () => {
    const { cache, builder } = started(shop());
    builder.connect(web0);
    const web = cache.getSnapshot(web0.id);
    expect(builder.stats()).toMatchObject({ encodeHits: 0, encodeMisses: versions(web).size });

    builder.connect(web1);
    expect(builder.stats()).toMatchObject({ encodeHits: 0, encodeMisses: versions(web).size });

    builder.connect(api0);
    const onlyApi = [...versions(cache.getSnapshot(api0.id))].filter((v) => !versions(web).has(v));
    expect(onlyApi.length).toBeGreaterThan(0);
    expect(builder.stats().encodeMisses).toBe(versions(web).size + onlyApi.length);
  });

  it('sends only the changed ClusterLoadAssignment when only an endpoint changes', () => {
    const { cache, builder } = started(shop());
    builder.connect(web0);
    const before = cache.getSnapshot(web0.id);
    builder.update(shop([], '10.0.0.9'), []);
    builder.flush();
    const after = cache.getSnapshot(web0.id);
    expect(after).not.toBe(before);
    const changed: string[] = [];
    for (const [typeUrl, ofType] of after?.resources ?? []) {
      const was = before?.resources.get(typeUrl);
      expect([...ofType.keys()]).toEqual([...(was?.keys() ?? [])]);
      for (const [name, resource] of ofType)
        if (was?.get(name) !== resource) changed.push(`${typeUrl} ${name}`);
    }
    expect(changed).toEqual([`${TYPE_URL.endpoint} outbound|80||api.default.svc.cluster.local`]);
  });

  it('leaves the cache alone when a change does not alter a group’s resources', () => {
    const { cache, builder } = started(shop());
    builder.connect(web0);
    const set = vi.spyOn(cache, 'setSnapshot');
    builder.update(shop(), []);
    builder.flush();
    expect(set).not.toHaveBeenCalled();
  });

  it('waits for the quiet period before rebuilding on a source change', () => {
    vi.useFakeTimers();
    const { cache, builder } = started(shop());
    builder.connect(web0);
    const before = cache.getSnapshot(web0.id);
    builder.update(shop([], '10.0.0.8'), []);
    builder.update(shop([], '10.0.0.9'), []);
    vi.advanceTimersByTime(99);
    expect(cache.getSnapshot(web0.id)).toBe(before);
    vi.advanceTimersByTime(1);
    expect(cache.getSnapshot(web0.id)).not.toBe(before);
    // One rebuild for both changes: the one part that reads these endpoints, once.
    expect(builder.stats().translations).toBe(4 + 1);
  });

  it('serves a proxy that connects at once, even while a rebuild waits', () => {
    vi.useFakeTimers();
    const { cache, builder } = started(shop());
    builder.update(shop([], '10.0.0.9'), []);
    builder.connect(web0);
    expect(names(cache.getSnapshot(web0.id), TYPE_URL.listener).sort()).toEqual([
      'virtualInbound',
      'virtualOutbound',
    ]);
  });

  it('moves a proxy to another group when its pod changes', () => {
    const { cache, builder } = started(shop());
    builder.connect(web0);
    builder.connect(api0);
    const relabelled = shop();
    const api = relabelled.workloads.find((w) => w.name === 'api-0')!;
    const workloads = relabelled.workloads.map((w) =>
      w.name === 'web-0' ? { ...w, labels: api.labels, ports: api.ports } : w,
    );
    builder.update({ ...relabelled, workloads }, []);
    builder.flush();
    expect(cache.getSnapshot(web0.id)).toBe(cache.getSnapshot(api0.id));
    expect(builder.stats().groups).toBe(1);
  });
});

describe('SnapshotBuilder visibility', () => {
  const restricted: Namespace = {
    name: 'default',
    labels: {},
    annotations: { [VISIBLE_NAMESPACES_ANNOTATION]: '' },
  };
  const billing = 'outbound|80||billing.other.svc.cluster.local';

  function routeHosts(m: Mesh, compiler: ProxyCompiler): string[] {
    const routes = compiler.compile(m, web0).resources.filter((r) => r.typeUrl === TYPE_URL.route);
    return routes.flatMap(
      (r) => (r.json as RouteConfiguration).virtual_hosts?.map((h) => h.name ?? '') ?? [],
    );
  }

  it('gives every proxy every service by default', () => {
    const { cache, builder } = started(shop());
    builder.connect(web0);
    expect(names(cache.getSnapshot(web0.id), TYPE_URL.cluster)).toContain(billing);
    expect(routeHosts(shop(), new ProxyCompiler())).toContain('billing.other.svc.cluster.local:80');
  });

  it('keeps services of namespaces outside the annotation out of clusters, endpoints and routes', () => {
    const m = shop([restricted]);
    const { cache, builder } = started(m);
    builder.connect(web0);
    const snapshot = cache.getSnapshot(web0.id);
    expect(names(snapshot, TYPE_URL.cluster)).not.toContain(billing);
    expect(names(snapshot, TYPE_URL.endpoint)).not.toContain(billing);
    expect(names(snapshot, TYPE_URL.cluster)).toContain('outbound|80||api.default.svc.cluster.local');
    const hosts = routeHosts(m, new ProxyCompiler());
    expect(hosts).toContain('api.default.svc.cluster.local:80');
    expect(hosts).not.toContain('billing.other.svc.cluster.local:80');
  });

  it('applies the mesh-wide default to namespaces without the annotation, own namespace still visible', () => {
    const compiler = new ProxyCompiler(undefined, { defaultVisibility: parseVisibleNamespaces('') });
    const { cache, builder } = started(shop(), compiler);
    builder.connect(web0);
    expect(names(cache.getSnapshot(web0.id), TYPE_URL.cluster)).not.toContain(billing);
    expect(names(cache.getSnapshot(web0.id), TYPE_URL.cluster)).toContain(
      'outbound|80||web.default.svc.cluster.local',
    );
  });

  it('lets a namespace annotation widen the mesh-wide default', () => {
    const open: Namespace = { ...restricted, annotations: { [VISIBLE_NAMESPACES_ANNOTATION]: 'other' } };
    const compiler = new ProxyCompiler(undefined, { defaultVisibility: parseVisibleNamespaces('') });
    const { cache, builder } = started(shop([open]), compiler);
    builder.connect(web0);
    expect(names(cache.getSnapshot(web0.id), TYPE_URL.cluster)).toContain(billing);
  });
});
