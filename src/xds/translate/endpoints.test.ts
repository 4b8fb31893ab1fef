import { describe, expect, it } from 'vitest';
import { loadAssignment, servicePortEndpoints } from './endpoints.js';
import { endpoint, mesh, port, service, slice } from './test-fixtures.js';

const http = port({ name: 'http', port: 80, protocol: 'HTTP' });
const web = service('shop', 'web', [http], { clusterIP: '10.96.0.1' });

describe('servicePortEndpoints', () => {
  it('takes ready endpoints of slices naming the port, at the slice port number', () => {
    const m = mesh({
      services: [web],
      endpointSlices: [
        slice(
          'shop',
          'web',
          [{ name: 'http', port: 8080 }],
          [endpoint(['10.1.0.2']), endpoint(['10.1.0.1'])],
        ),
        slice('shop', 'web', [{ name: 'metrics', port: 9090 }], [endpoint(['10.1.0.3'])], {
          name: 'web-metrics',
        }),
        slice('other', 'web', [{ name: 'http', port: 8080 }], [endpoint(['10.9.0.1'])]),
      ],
    });
    expect(servicePortEndpoints(m, web, http)).toEqual([
      { address: '10.1.0.1', port: 8080, zone: '' },
      { address: '10.1.0.2', port: 8080, zone: '' },
    ]);
  });

  it('excludes endpoints that are not ready or are terminating (draining)', () => {
    const m = mesh({
      endpointSlices: [
        slice(
          'shop',
          'web',
          [{ name: 'http', port: 8080 }],
          [
            endpoint(['10.1.0.1']),
            endpoint(['10.1.0.2'], { ready: false }),
            endpoint(['10.1.0.3'], { ready: false, serving: true, terminating: true }),
            endpoint(['10.1.0.4'], { terminating: true }),
          ],
        ),
      ],
    });
    expect(servicePortEndpoints(m, web, http).map((e) => e.address)).toEqual(['10.1.0.1']);
  });

  it('matches an unnamed service port to an unnamed slice port', () => {
    const unnamed = port({ port: 80 });
    const s = service('shop', 'web', [unnamed], { clusterIP: '10.96.0.1' });
    const m = mesh({
      endpointSlices: [slice('shop', 'web', [{ name: '', port: 8080 }], [endpoint(['10.1.0.1'])])],
    });
    expect(servicePortEndpoints(m, s, unnamed)).toEqual([{ address: '10.1.0.1', port: 8080, zone: '' }]);
  });

  it('skips FQDN slices and keeps an address listed twice once, in the first zone', () => {
    const m = mesh({
      endpointSlices: [
        slice('shop', 'web', [{ name: 'http', port: 8080 }], [endpoint(['10.1.0.1'], { zone: 'b' })], {
          name: 'a',
        }),
        slice('shop', 'web', [{ name: 'http', port: 8080 }], [endpoint(['10.1.0.1'], { zone: 'a' })], {
          name: 'b',
        }),
        slice('shop', 'web', [{ name: 'http', port: 8080 }], [endpoint(['db.example.com'])], {
          name: 'c',
          addressType: 'FQDN',
        }),
      ],
    });
    expect(servicePortEndpoints(m, web, http)).toEqual([{ address: '10.1.0.1', port: 8080, zone: 'a' }]);
  });

  it('keeps the pod an endpoint points at, for subsets, and nothing for other target kinds', () => {
    const m = mesh({
      endpointSlices: [
        slice(
          'shop',
          'web',
          [{ name: 'http', port: 8080 }],
          [
            endpoint(['10.1.0.1'], { targetRef: { kind: 'Pod', namespace: 'shop', name: 'web-0' } }),
            endpoint(['10.1.0.2'], { targetRef: { kind: 'Node', namespace: 'shop', name: 'n1' } }),
          ],
        ),
      ],
    });
    expect(servicePortEndpoints(m, web, http)).toEqual([
      { address: '10.1.0.1', port: 8080, zone: '', pod: { namespace: 'shop', name: 'web-0' } },
      { address: '10.1.0.2', port: 8080, zone: '' },
    ]);
  });
});

describe('loadAssignment', () => {
  it('groups endpoints by zone into weighted localities, the zoneless one as an empty locality', () => {
    const cla = loadAssignment('outbound|80||web', [
      { address: '10.1.0.3', port: 8080, zone: 'zone-b' },
      { address: '10.1.0.1', port: 8080, zone: 'zone-a' },
      { address: '10.1.0.2', port: 8080, zone: 'zone-a' },
      { address: '10.1.0.4', port: 8080, zone: '' },
    ]);
    expect(cla.cluster_name).toBe('outbound|80||web');
    expect(cla.endpoints?.map((l) => [l.locality, l.load_balancing_weight, l.lb_endpoints?.length])).toEqual([
      [{}, 1, 1],
      [{ zone: 'zone-a' }, 2, 2],
      [{ zone: 'zone-b' }, 1, 1],
    ]);
    expect(cla.endpoints?.[1]?.lb_endpoints?.[0]).toEqual({
      endpoint: { address: { socket_address: { address: '10.1.0.1', port_value: 8080 } } },
      health_status: 'HEALTHY',
    });
  });

  it('lists localities by the priority given to their zone, keeping every weight', () => {
    const cla = loadAssignment(
      'outbound|80||web',
      [
        { address: '10.1.0.1', port: 8080, zone: 'zone-a' },
        { address: '10.1.0.2', port: 8080, zone: 'zone-b' },
        { address: '10.1.0.3', port: 8080, zone: 'zone-c' },
      ],
      new Map([
        ['zone-a', 2],
        ['zone-b', 0],
        ['zone-c', 1],
      ]),
    );
    expect(cla.endpoints?.map((l) => [l.locality?.zone, l.priority, l.load_balancing_weight])).toEqual([
      ['zone-b', undefined, 1],
      ['zone-c', 1, 1],
      ['zone-a', 2, 1],
    ]);
  });

  it('is emitted with no localities when there are no endpoints', () => {
    expect(loadAssignment('outbound|80||web', [])).toEqual({
      cluster_name: 'outbound|80||web',
      endpoints: [],
    });
  });
});
