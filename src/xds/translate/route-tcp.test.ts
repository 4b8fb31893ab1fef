import { describe, expect, it } from 'vitest';
import type { TcpRoute } from '../../model/routing.js';
import { tcpProxyConfig } from './route-tcp.js';
import { mesh, port, service } from './test-fixtures.js';

const db = service('default', 'db', [port({ name: 'tcp', port: 5432 })]);
const replica = service('default', 'replica', [port({ name: 'tcp', port: 5432 })]);
const origin = { kind: 'VirtualService', namespace: 'default', name: 'db' };
const to = (name: string, weight: number) => ({
  kind: 'service' as const,
  service: { namespace: 'default', name },
  weight,
});
const withTcp = (tcp: TcpRoute[]) =>
  mesh({
    services: [db, replica],
    routing: {
      routeTables: [
        { service: { namespace: 'default', name: 'db' }, port: 5432, http: [], tcp, origins: [origin] },
      ],
      backendPolicies: [],
      rateLimits: [],
    },
  });
const config = (tcp: TcpRoute[]) => tcpProxyConfig(withTcp(tcp), db, db.ports[0]!, 'p');

describe('TCP routes', () => {
  it('send connections to the service cluster when no route covers the port', () => {
    expect(config([{ name: 'other', origin, port: 5433, backends: [to('replica', 1)] }])).toEqual({
      stat_prefix: 'p',
      cluster: 'outbound|5432||db.default.svc.cluster.local',
    });
  });

  it('split connections by weight as the first route for the port says', () => {
    expect(
      config([
        { name: 'a', origin, port: 5432, backends: [to('db', 3), to('replica', 1)] },
        { name: 'b', origin, backends: [to('replica', 1)] },
      ]),
    ).toEqual({
      stat_prefix: 'p',
      weighted_clusters: {
        clusters: [
          { name: 'outbound|5432||db.default.svc.cluster.local', weight: 3 },
          { name: 'outbound|5432||replica.default.svc.cluster.local', weight: 1 },
        ],
      },
    });
  });

  it('black-hole connections when no backend has weight', () => {
    expect(config([{ name: 'a', origin, backends: [to('db', 0)] }])).toEqual({
      stat_prefix: 'p',
      cluster: 'BlackHoleCluster',
    });
  });
});
