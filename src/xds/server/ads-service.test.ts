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
