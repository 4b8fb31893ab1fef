import { describe, expect, it } from 'vitest';
import type { ManifestDocument } from '../manifest.js';
import type { RoutingFamilyParser } from '../routing-family.js';
import { parseFamily } from './lowering-memo.js';
import { parseManifests } from './parse-manifests.js';

const doc = (origin: string, value: unknown): ManifestDocument => ({ origin, documentIndex: 0, value });

const service = doc('svc.yaml', {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'reviews', namespace: 'shop' },
  spec: { clusterIP: '10.96.0.5', selector: { app: 'reviews' }, ports: [{ name: 'http', port: 80 }] },
});
const slice = (ip: string) =>
  doc('slice.yaml', {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'reviews-1', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'reviews' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 9080 }],
    endpoints: [{ addresses: [ip], conditions: { ready: true } }],
  });
const route = doc('vs.yaml', {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'reviews', namespace: 'shop' },
  spec: {
    hosts: ['reviews.shop.svc.cluster.local'],
    http: [{ timeout: '2s', route: [{ destination: { host: 'reviews.shop.svc.cluster.local' } }] }],
  },
});

describe('lowering after a change', () => {
  it('keeps the routing and every array the change did not touch as the same objects', () => {
    const before = parseManifests([service, slice('10.1.0.1'), route]);
    const after = parseManifests([service, slice('10.1.0.2'), route]);
    expect(after.mesh.routing).toBe(before.mesh.routing);
    expect(after.mesh.services).toBe(before.mesh.services);
    expect(after.mesh.endpointSlices).not.toBe(before.mesh.endpointSlices);
    expect(after.mesh.endpointSlices[0]?.endpoints[0]?.addresses).toEqual(['10.1.0.2']);
    // And it is what a lowering from nothing gives.
    const fresh = parseManifests([service, slice('10.1.0.2'), structuredCloneDoc(route)]);
    expect(JSON.stringify(after)).toBe(JSON.stringify(fresh));
  });

  it('lowers the routing again when a routing document changes', () => {
    const before = parseManifests([service, slice('10.1.0.1'), route]);
    const changed = doc('vs.yaml', {
      ...(route.value as object),
      spec: { ...(route.value as { spec: object }).spec, http: [{ timeout: '5s', route: [] }] },
    });
    const after = parseManifests([service, slice('10.1.0.1'), changed]);
    expect(after.mesh.routing).not.toBe(before.mesh.routing);
  });

  it('parses a family again only when its documents are other objects', () => {
    let calls = 0;
    const family = {
      family: 'test',
      kinds: [],
      support: [],
      parse: () => {
        calls += 1;
        return { fragment: {}, issues: [] };
      },
    } as unknown as RoutingFamilyParser;
    const ctx = { clusterDomain: 'cluster.local' };
    parseFamily(family, [route], ctx);
    parseFamily(family, [route], ctx);
    expect(calls).toBe(1);
    parseFamily(family, [structuredCloneDoc(route)], ctx);
    expect(calls).toBe(2);
    parseFamily(family, [route], { clusterDomain: 'example.org' });
    expect(calls).toBe(3);
  });
});

function structuredCloneDoc(d: ManifestDocument): ManifestDocument {
  return { ...d, value: structuredClone(d.value) };
}
