import { describe, expect, it } from 'vitest';
import { edsCluster } from './clusters.js';
import { hcmFilter, rdsConnectionManager, tcpProxyFilter } from './filters.js';
import { checkReferences } from './references.js';

describe('checkReferences', () => {
  it('reports clusters, route configurations and assignments that are named but not sent', () => {
    const problems = checkReferences({
      listeners: [
        {
          name: 'l',
          filter_chains: [
            { filters: [tcpProxyFilter('a', 'missing-cluster')] },
            { filters: [hcmFilter(rdsConnectionManager('b', 'missing-route'))] },
          ],
        },
      ],
      routes: [],
      clusters: [edsCluster('eds-without-assignment')],
      endpoints: [{ cluster_name: 'assignment-without-cluster', endpoints: [] }],
    });
    expect(problems).toEqual([
      'cluster missing-cluster is named but not sent',
      'route configuration missing-route is named but not sent',
      'EDS cluster eds-without-assignment has no assignment',
      'assignment assignment-without-cluster has no EDS cluster',
    ]);
  });

  it('follows weighted TCP splits and mirrors, and accepts invalid-backend shares as unsent on purpose', () => {
    const problems = checkReferences({
      listeners: [
        {
          name: 'l',
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.tcp_proxy',
                  typed_config: {
                    '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
                    stat_prefix: 's',
                    weighted_clusters: { clusters: [{ name: 'tcp-missing', weight: 1 }] },
                  },
                },
              ],
            },
          ],
        },
      ],
      routes: [
        {
          name: 'r',
          virtual_hosts: [
            {
              name: 'v',
              domains: ['*'],
              routes: [
                {
                  match: { prefix: '/' },
                  route: {
                    weighted_clusters: { clusters: [{ name: 'invalid-backend|BackendNotFound', weight: 1 }] },
                    request_mirror_policies: [{ cluster: 'mirror-missing' }],
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: [],
      endpoints: [],
    });
    expect(problems).toEqual([
      'cluster tcp-missing is named but not sent',
      'cluster mirror-missing is named but not sent',
    ]);
  });
});
