import { describe, expect, it } from 'vitest';
import { TYPE_URL } from '../envoy/type-urls.js';
import { toConfigDump } from './config-dump.js';

describe('toConfigDump', () => {
  it('tags each resource with its type URL, first, then its fields as built', () => {
    const dump = toConfigDump({
      listeners: [{ name: 'l' }],
      routes: [{ name: 'r' }],
      clusters: [{ name: 'c', type: 'EDS' }],
      endpoints: [{ cluster_name: 'c', endpoints: [] }],
    });
    expect(Object.keys(dump)).toEqual(['clusters', 'endpoints', 'listeners', 'routes']);
    expect(dump.clusters).toEqual([{ '@type': TYPE_URL.cluster, name: 'c', type: 'EDS' }]);
    expect(Object.keys(dump.clusters[0] as object)).toEqual(['@type', 'name', 'type']);
    expect(dump.endpoints).toEqual([{ '@type': TYPE_URL.endpoint, cluster_name: 'c', endpoints: [] }]);
    expect(dump.listeners).toEqual([{ '@type': TYPE_URL.listener, name: 'l' }]);
    expect(dump.routes).toEqual([{ '@type': TYPE_URL.route, name: 'r' }]);
  });
});
