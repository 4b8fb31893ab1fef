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
