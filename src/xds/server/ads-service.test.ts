import { describe, expect, it } from 'vitest';
import { TYPE_URL } from '../envoy/type-urls.js';
import { discoveryCodecs } from './ads-service.js';

describe('the DiscoveryResponse codec', () => {
  const { response } = discoveryCodecs();
  const resources = [
    { type_url: TYPE_URL.cluster, value: Uint8Array.from([10, 1, 97]) }, // Cluster { name: "a" }
    { type_url: TYPE_URL.cluster, value: Uint8Array.from([10, 1, 98]) },
  ];

  it('writes a message that decodes to every field, the shared list after the per-stream fields', () => {
    for (const nonce of ['1', '2']) {
      const decoded = response.deserialize(
        response.serialize({ version_info: 'v1', type_url: TYPE_URL.cluster, nonce, resources }),
      );
      expect(decoded).toMatchObject({ version_info: 'v1', type_url: TYPE_URL.cluster, nonce });
      expect(decoded.resources.map((r) => [r.type_url, [...r.value]])).toEqual(
        resources.map((r) => [r.type_url, [...r.value]]),
      );
    }
  });

  it('writes an empty list as no list', () => {
    const bytes = response.serialize({
      version_info: '',
      type_url: TYPE_URL.endpoint,
      nonce: '3',
      resources: [],
    });
    expect(response.deserialize(bytes).resources).toEqual([]);
  });
});

describe('the DeltaDiscoveryResponse codec', () => {
  const { deltaResponse } = discoveryCodecs();

  it('writes a message that decodes to every field, resources after the per-stream fields', () => {
    const resource = (name: string, byte: number) => ({
      name,
      version: `v-${name}`,
      resource: { type_url: TYPE_URL.cluster, value: Uint8Array.from([10, 1, byte]) },
    });
    const resources = [resource('a', 97), resource('b', 98)];
    for (const nonce of ['1', '2']) {
      const decoded = deltaResponse.deserialize(
        deltaResponse.serialize({
          system_version_info: 'v1',
          type_url: TYPE_URL.cluster,
          nonce,
          resources,
          removed_resources: ['gone'],
        }),
      );
      expect(decoded).toMatchObject({
        system_version_info: 'v1',
        type_url: TYPE_URL.cluster,
        nonce,
        removed_resources: ['gone'],
      });
      expect(decoded.resources.map((r) => [r.name, r.version, [...r.resource.value]])).toEqual([
        ['a', 'v-a', [10, 1, 97]],
        ['b', 'v-b', [10, 1, 98]],
      ]);
    }
  });
});

describe('the DeltaDiscoveryResponse codec, for many streams', () => {
  const { deltaResponse } = discoveryCodecs();
  const entry = (name: string, byte: number) => ({
    name,
    version: `v-${name}-${byte}`,
    resource: { type_url: TYPE_URL.endpoint, value: Uint8Array.from([10, 1, byte]) },
  });
  const message = (nonce: string, removed: string[], ...resources: ReturnType<typeof entry>[]) => ({
    system_version_info: 'v9',
    type_url: TYPE_URL.endpoint,
    nonce,
    resources,
    removed_resources: removed,
  });

  it('encodes a small response once for every stream sent the same', () => {
    const first = deltaResponse.serialize(message('7', [], entry('a', 97)));
    const again = deltaResponse.serialize(message('7', [], entry('a', 97)));
    expect(again).toBe(first);
    // Anything else that differs is another message.
    expect(deltaResponse.serialize(message('8', [], entry('a', 97)))).not.toBe(first);
    expect(deltaResponse.serialize(message('7', [], entry('a', 98)))).not.toBe(first);
  });

  it('keeps removed names apart, whatever text a client subscribed to', () => {
    const joined = deltaResponse.deserialize(deltaResponse.serialize(message('7', ['a\u0000b'])));
    const apart = deltaResponse.deserialize(deltaResponse.serialize(message('7', ['a', 'b'])));
    expect(joined.removed_resources).toEqual(['a\u0000b']);
    expect(apart.removed_resources).toEqual(['a', 'b']);
  });

  it('knows a large response by the identity of its entries', () => {
    const many = Array.from({ length: 40 }, (_, i) => entry(`r${i}`, 97));
    const first = deltaResponse.serialize(message('1', [], ...many));
    // The same entry objects (one per cached resource, as streams send them): encoded once.
    expect(deltaResponse.serialize(message('1', [], ...many))).toBe(first);
    // Equal entries in other objects: encoded again, to the same bytes.
    const alike = many.map((e) => ({ ...e }));
    const again = deltaResponse.serialize(message('1', [], ...alike));
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
    expect(deltaResponse.serialize(message('2', [], ...many))).not.toBe(first);
  });
});
