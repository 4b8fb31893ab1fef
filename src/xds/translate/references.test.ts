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
});
