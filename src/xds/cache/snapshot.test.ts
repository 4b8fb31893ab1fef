import { describe, expect, it } from 'vitest';
import { buildSnapshot, contentHash, resourcesOfType, sotwVersion } from './snapshot.js';

const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const EDS = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
const bytes = (text: string) => new TextEncoder().encode(text);

describe('buildSnapshot', () => {
  it('groups resources by type URL and name, each versioned by a hash of its bytes', () => {
    const snapshot = buildSnapshot([
      { typeUrl: CDS, name: 'a', value: bytes('cluster a') },
      { typeUrl: CDS, name: 'b', value: bytes('cluster b') },
      { typeUrl: EDS, name: 'a', value: bytes('endpoints a') },
    ]);
    expect([...resourcesOfType(snapshot, CDS).keys()]).toEqual(['a', 'b']);
    expect(resourcesOfType(snapshot, EDS).get('a')?.version).toBe(contentHash(bytes('endpoints a')));
    expect(resourcesOfType(snapshot, 'type.googleapis.com/unknown').size).toBe(0);
  });

  it('gives equal bytes equal versions and different bytes different ones', () => {
    expect(contentHash(bytes('x'))).toBe(contentHash(bytes('x')));
    expect(contentHash(bytes('x'))).not.toBe(contentHash(bytes('y')));
    expect(contentHash(bytes('x'))).toMatch(/^[0-9a-f]{16}$/);
  });

  it('refuses two resources of one type with the same name', () => {
    expect(() =>
      buildSnapshot([
        { typeUrl: CDS, name: 'a', value: bytes('1') },
        { typeUrl: CDS, name: 'a', value: bytes('2') },
      ]),
    ).toThrow(/two .* named "a"/);
  });
});

describe('sotwVersion', () => {
  const one = buildSnapshot([
    { typeUrl: CDS, name: 'a', value: bytes('cluster a') },
    { typeUrl: CDS, name: 'b', value: bytes('cluster b') },
  ]);

  it('is stable for the same content, whatever the order', () => {
    const again = buildSnapshot([
      { typeUrl: CDS, name: 'b', value: bytes('cluster b') },
      { typeUrl: CDS, name: 'a', value: bytes('cluster a') },
    ]);
    expect(sotwVersion(resourcesOfType(again, CDS).values())).toBe(
      sotwVersion(resourcesOfType(one, CDS).values()),
    );
  });

  it('changes when a resource changes, is added or is removed', () => {
    const base = sotwVersion(resourcesOfType(one, CDS).values());
    const changed = buildSnapshot([
      { typeUrl: CDS, name: 'a', value: bytes('cluster a, edited') },
      { typeUrl: CDS, name: 'b', value: bytes('cluster b') },
    ]);
    const added = buildSnapshot([
      { typeUrl: CDS, name: 'a', value: bytes('cluster a') },
      { typeUrl: CDS, name: 'b', value: bytes('cluster b') },
      { typeUrl: CDS, name: 'c', value: bytes('cluster c') },
    ]);
    const removed = buildSnapshot([{ typeUrl: CDS, name: 'a', value: bytes('cluster a') }]);
    const versions = [changed, added, removed].map((s) => sotwVersion(resourcesOfType(s, CDS).values()));
    expect(new Set([base, ...versions]).size).toBe(4);
  });

  it('depends on names as well as content', () => {
    const renamed = buildSnapshot([
      { typeUrl: CDS, name: 'a2', value: bytes('cluster a') },
      { typeUrl: CDS, name: 'b', value: bytes('cluster b') },
    ]);
    expect(sotwVersion(resourcesOfType(renamed, CDS).values())).not.toBe(
      sotwVersion(resourcesOfType(one, CDS).values()),
    );
  });
});
