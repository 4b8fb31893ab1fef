import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../sources/apis/shared/fuzz-mutations.js';
import { edsCluster } from './clusters.js';
import { hcmFilter, rdsConnectionManager, tcpProxyFilter } from './filters.js';
import { checkReferences, danglingAcross, type ReferenceSummary } from './references.js';
import { INVALID_BACKEND_PREFIX } from './route-backends.js';

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

describe('danglingAcross', () => {
  /** The check as it reads: each name against every part, no memo. */
  function oracle(parts: readonly ReferenceSummary[]): string[] {
    const inAny = (name: string, of: (p: ReferenceSummary) => ReadonlySet<string>) =>
      parts.some((p) => of(p).has(name));
    const lines: string[] = [];
    const add = (line: string) => {
      if (!lines.includes(line)) lines.push(line);
    };
    for (const p of parts) {
      for (const n of p.namedClusters)
        if (!n.startsWith(INVALID_BACKEND_PREFIX) && !inAny(n, (q) => q.clusters))
          add(`cluster ${n} is named but not sent`);
      for (const n of p.namedRoutes)
        if (!inAny(n, (q) => q.routes)) add(`route configuration ${n} is named but not sent`);
    }
    for (const p of parts)
      for (const n of p.edsNames)
        if (!inAny(n, (q) => q.assignments)) add(`EDS cluster ${n} has no assignment`);
    for (const p of parts)
      for (const n of p.assignments)
        if (!inAny(n, (q) => q.edsNames)) add(`assignment ${n} has no EDS cluster`);
    return lines;
  }

  it('finds what the plain check finds, with shared parts checked again and again', () => {
    const random = seededRandom(104);
    const names = (n: number) => {
      const set = new Set<string>();
      for (let i = 0; i < n; i++)
        set.add(`${random() < 0.05 ? INVALID_BACKEND_PREFIX : ''}c${Math.floor(random() * 40)}`);
      return set;
    };
    const summary = (): ReferenceSummary => ({
      namedClusters: names(10),
      namedRoutes: names(3),
      clusters: names(30),
      routes: names(3),
      edsNames: names(10),
      assignments: names(10),
    });
    // A few shared parts and many groups' own: the memo is keyed on the shared ones.
    const shared = Array.from({ length: 4 }, summary);
    for (let group = 0; group < 200; group++) {
      const parts = [...shared.filter(() => random() < 0.7), summary()];
      expect(danglingAcross(parts)).toEqual(oracle(parts));
    }
  });
});
