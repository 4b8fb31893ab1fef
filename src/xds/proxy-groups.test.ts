import { describe, expect, it } from 'vitest';
import type { MeshProxy } from '../model/proxy.js';
import { ownWorkload, proxyGroupKey } from './proxy-groups.js';
import { findWorkload } from './translate/inbound.js';
import { mesh, workload } from './translate/test-fixtures.js';

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

describe('proxyGroupKey', () => {
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

  it('tells apart proxies of another kind, namespace or zone', () => {
    const web = proxyGroupKey(pods, sidecarOf('web-0', '10.0.0.1'));
    expect(proxyGroupKey(pods, sidecarOf('web-0', '10.0.0.1', { kind: 'proxyless' }))).not.toBe(web);
    expect(proxyGroupKey(pods, sidecarOf('web-0', '10.0.0.1', { namespace: 'shop' }))).not.toBe(web);
    expect(proxyGroupKey(pods, sidecarOf('web-0', '10.0.0.1', { locality: { zone: 'z1' } }))).not.toBe(web);
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

describe('ownWorkload', () => {
  it('finds the pod translation finds: by name, else by address in the namespace, else by address', () => {
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
    for (const proxy of cases) expect(ownWorkload(m, proxy), proxy.id).toBe(findWorkload(m, proxy));
  });
});
