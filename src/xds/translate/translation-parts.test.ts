import { describe, expect, it } from 'vitest';
import type { Mesh } from '../../model/mesh.js';
import type { MeshProxy } from '../../model/proxy.js';
import type { HttpRoute, RouteTable } from '../../model/routing.js';
import { meshFingerprint } from '../mesh-fingerprint.js';
import { findWorkload } from './own-workload.js';
import { mesh, port, service, slice, workload } from './test-fixtures.js';
import { headlessEndpointSlices, translationParts } from './translation-parts.js';

/** All of a proxy's part keys: equal keys, equal configuration. */
function proxyGroupKey(m: Mesh, proxy: MeshProxy): string {
  return translationParts(m, proxy)
    .map((p) => p.key)
    .join('\n');
}

function partKey(m: Mesh, proxy: MeshProxy, part: string): string | undefined {
  return translationParts(m, proxy).find((p) => (JSON.parse(p.key) as { part: string }).part === part)?.key;
}

const pods = mesh({
  workloads: [
    workload('default', 'web-0', { ip: '10.0.0.1', labels: { app: 'web', v: '1' }, ports: [] }),
    // The same labels in another order: labels are a set.
    workload('default', 'web-1', { ip: '10.0.0.2', labels: { v: '1', app: 'web' }, ports: [] }),
    workload('default', 'api-0', { ip: '10.0.0.3', labels: { app: 'api' }, ports: [] }),
    workload('default', 'web-2', {
      ip: '10.0.0.4',
      labels: { app: 'web', v: '1' },
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    }),
  ],
});

function sidecarOf(pod: string, ip: string, extra: Partial<MeshProxy> = {}): MeshProxy {
  return {
    id: `sidecar~${ip}~${pod}.default~default.svc.cluster.local`,
    kind: 'sidecar',
    namespace: 'default',
    ip,
    podName: pod,
    ...extra,
  };
}

describe('translationParts', () => {
  it('puts the replicas of one workload in one group, whatever their names and addresses', () => {
    expect(proxyGroupKey(pods, sidecarOf('web-0', '10.0.0.1'))).toBe(
      proxyGroupKey(pods, sidecarOf('web-1', '10.0.0.2')),
    );
  });

  it('tells apart pods with other labels or other container ports', () => {
    const web = proxyGroupKey(pods, sidecarOf('web-0', '10.0.0.1'));
    expect(proxyGroupKey(pods, sidecarOf('api-0', '10.0.0.3'))).not.toBe(web);
    expect(proxyGroupKey(pods, sidecarOf('web-2', '10.0.0.4'))).not.toBe(web);
  });

  it('tells apart proxies of another kind or namespace', () => {
    const web = proxyGroupKey(pods, sidecarOf('web-0', '10.0.0.1'));
    expect(proxyGroupKey(pods, sidecarOf('web-0', '10.0.0.1', { kind: 'proxyless' }))).not.toBe(web);
    expect(proxyGroupKey(pods, sidecarOf('web-0', '10.0.0.1', { namespace: 'shop' }))).not.toBe(web);
  });

  it('shares the outbound parts between pods of different workloads', () => {
    const web = sidecarOf('web-0', '10.0.0.1');
    const api = sidecarOf('api-0', '10.0.0.3');
    for (const part of ['clusters', 'routes', 'listeners']) {
      expect(partKey(pods, api, part), part).toBe(partKey(pods, web, part));
    }
    expect(partKey(pods, api, 'inbound')).not.toBe(partKey(pods, web, 'inbound'));
  });

  it('tells zones apart only when a locality failover policy exists', () => {
    const z1 = sidecarOf('web-0', '10.0.0.1', { locality: { zone: 'z1' } });
    const z2 = sidecarOf('web-1', '10.0.0.2', { locality: { zone: 'z2' } });
    expect(proxyGroupKey(pods, z1)).toBe(proxyGroupKey(pods, z2));
    const web = service('default', 'web', [port({ name: 'http', port: 80, protocol: 'HTTP' })]);
    const failover: Mesh = {
      ...pods,
      services: [web],
      routing: {
        ...pods.routing,
        backendPolicies: [
          {
            service: { namespace: 'default', name: 'web' },
            origin: { kind: 'DestinationRule', namespace: 'default', name: 'web' },
            policy: {
              outlierDetection: { consecutive5xxErrors: 1 },
              localityFailover: [{ from: 'z1', to: 'z2' }],
            },
            subsets: [],
          },
        ],
      },
    };
    expect(partKey(failover, z1, 'clusters')).not.toBe(partKey(failover, z2, 'clusters'));
    expect(partKey(failover, z1, 'routes')).toBe(partKey(failover, z2, 'routes'));
  });

  it('tells pods apart in their routes only by the labels some sourceLabels names', () => {
    const route: HttpRoute = {
      name: 'vs/default/web/0',
      origin: { kind: 'VirtualService', namespace: 'default', name: 'web' },
      match: { sourceLabels: { app: 'api' } },
      action: { kind: 'direct', status: 503 },
    };
    const table: RouteTable = {
      service: { namespace: 'default', name: 'web' },
      http: [route],
      tcp: [],
      origins: [route.origin],
    };
    const routed: Mesh = { ...pods, routing: { ...pods.routing, routeTables: [table] } };
    const web = sidecarOf('web-0', '10.0.0.1');
    const web2 = sidecarOf('web-2', '10.0.0.4');
    const api = sidecarOf('api-0', '10.0.0.3');
    expect(partKey(routed, web2, 'routes')).toBe(partKey(routed, web, 'routes'));
    expect(partKey(routed, api, 'routes')).not.toBe(partKey(routed, web, 'routes'));
  });

  it('ignores the parts of the locality translation does not read', () => {
    expect(
      proxyGroupKey(pods, sidecarOf('web-0', '10.0.0.1', { locality: { region: 'r1', zone: 'z1' } })),
    ).toBe(proxyGroupKey(pods, sidecarOf('web-1', '10.0.0.2', { locality: { region: 'r2', zone: 'z1' } })));
  });

  it('groups the proxies whose pod is unknown by namespace and kind alone', () => {
    expect(proxyGroupKey(pods, sidecarOf('gone-0', '10.9.9.1'))).toBe(
      proxyGroupKey(pods, { id: 'plain', kind: 'sidecar', namespace: 'default' }),
    );
  });
});

describe('findWorkload', () => {
  it('finds the pod by name, else by address in the namespace, else by address, first match first', () => {
    const m = mesh({
      workloads: [
        workload('a', 'dup', { ip: '10.0.0.1' }),
        workload('b', 'other', { ip: '10.0.0.1' }),
        workload('b', 'pod', { ip: '10.0.0.2' }),
        workload('b', 'pod-too', { ip: '10.0.0.2' }),
        workload('c', 'no-ip'),
      ],
    });
    const cases: MeshProxy[] = [
      { id: '1', kind: 'sidecar', namespace: 'b', podName: 'pod', ip: '10.0.0.1' },
      { id: '2', kind: 'sidecar', namespace: 'b', podName: 'gone', ip: '10.0.0.1' },
      { id: '3', kind: 'sidecar', namespace: 'b', ip: '10.0.0.2' },
      { id: '4', kind: 'sidecar', namespace: 'z', ip: '10.0.0.1' },
      { id: '5', kind: 'sidecar', namespace: 'c', podName: 'no-ip' },
      { id: '6', kind: 'sidecar', namespace: 'c', podName: 'gone' },
      { id: '7', kind: 'sidecar', namespace: 'c', ip: '10.9.9.9' },
    ];
    const scan = (proxy: MeshProxy) =>
      (proxy.podName &&
        m.workloads.find((w) => w.namespace === proxy.namespace && w.name === proxy.podName)) ||
      (proxy.ip
        ? (m.workloads.find((w) => w.namespace === proxy.namespace && w.ip === proxy.ip) ??
          m.workloads.find((w) => w.ip === proxy.ip))
        : undefined);
    for (const proxy of cases) expect(findWorkload(m, proxy), proxy.id).toBe(scan(proxy));
  });
});

describe('the outbound listener part and endpoints', () => {
  const ports = [port({ port: 80, name: 'http', protocol: 'HTTP' })];
  const endpoint = (address: string) => ({ addresses: [address], ready: true }) as never;
  const meshWith = (apiAddress: string, dbAddress: string): Mesh =>
    mesh({
      services: [
        service('default', 'api', ports, { clusterIP: '10.96.0.1' }),
        // Headless: one chain per endpoint address.
        service('default', 'db', ports),
      ],
      endpointSlices: [
        slice('default', 'api', [{ name: 'http', port: 8080 }], [endpoint(apiAddress)]),
        slice('default', 'db', [{ name: 'http', port: 5432 }], [endpoint(dbAddress)]),
      ],
    });
  const listenerReads = (m: Mesh): string => {
    const listeners = translationParts(m, sidecarOf('web-0', '10.0.0.1')).find(
      (p) => (JSON.parse(p.key) as { part: string }).part === 'listeners',
    );
    if (!listeners?.reads) throw new Error('no listener part');
    return meshFingerprint(m, listeners.reads);
  };

  it('reads no endpoint of a ClusterIP service, so an endpoint change there keeps the listener', () => {
    const before = meshWith('10.1.0.1', '10.2.0.1');
    expect(listenerReads(meshWith('10.1.0.9', '10.2.0.1'))).toBe(listenerReads(before));
  });

  it('reads the endpoints of a headless service, whose chains match them', () => {
    const before = meshWith('10.1.0.1', '10.2.0.1');
    expect(listenerReads(meshWith('10.1.0.1', '10.2.0.9'))).not.toBe(listenerReads(before));
    expect(headlessEndpointSlices(before).map((s) => s.serviceName)).toEqual(['db']);
  });
});
