// A request's names (SotW resource_names, delta resource_names_subscribe), decoded once per distinct
// list: the same requests as the full decoder, and the same array for the same bytes.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../sources/apis/shared/fuzz-mutations.js';
import { envoyType } from '../envoy/proto-root.js';
import { TYPE_URL } from '../envoy/type-urls.js';
import {
  type DeltaDiscoveryRequestObject,
  type DiscoveryRequestObject,
  discoveryCodecs,
} from './ads-service.js';
import { ResourceNamesCache, splitResourceNames } from './request-names.js';

const { request, deltaRequest } = discoveryCodecs();
const names = (n: number, prefix = 'outbound|80||svc') =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}.ns-000.svc.cluster.local`);

describe('the SotW request codec', () => {
  it('reads every field as the full decoder does, over seeded requests', () => {
    const random = seededRandom(15);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
    for (let i = 0; i < 300; i++) {
      const count = pick([0, 1, 3, 30, 200, 1000]);
      const message: DiscoveryRequestObject = {
        ...(random() < 0.5 ? { version_info: `v${i}` } : {}),
        ...(random() < 0.3
          ? { node: { id: `sidecar~10.0.0.${i}~a.b~b.svc.cluster.local`, user_agent_name: 'envoy' } }
          : {}),
        // A name of over 127 bytes has a length of two varint bytes.
        resource_names: names(count, pick(['outbound|80||svc', 'ñame-☃', '', '*', 'long-'.repeat(40)])),
        type_url: pick([TYPE_URL.endpoint, TYPE_URL.route]),
        ...(random() < 0.5 ? { response_nonce: String(i) } : {}),
        ...(random() < 0.2 ? { error_detail: { code: 3, message: 'rejected ☃' } } : {}),
      };
      const bytes = request.serialize(message);
      const decoded = request.deserialize(bytes);
      // The reference: protobufjs alone over the same bytes.
      expect({ ...decoded, resource_names: [...(decoded.resource_names ?? [])] }).toEqual(reference(bytes));
    }
  });

  it('gives every request with the same list the same array', () => {
    const list = names(1000);
    const first = request.deserialize(
      request.serialize({ type_url: TYPE_URL.endpoint, resource_names: list, response_nonce: '1' }),
    );
    const second = request.deserialize(
      request.serialize({
        type_url: TYPE_URL.endpoint,
        resource_names: [...list],
        response_nonce: '2',
        version_info: 'v2',
      }),
    );
    expect(second.resource_names).toBe(first.resource_names);
    expect(second.response_nonce).toBe('2');
    expect(second.version_info).toBe('v2');
    const other = request.deserialize(
      request.serialize({ type_url: TYPE_URL.endpoint, resource_names: names(1000, 'outbound|81||svc') }),
    );
    expect(other.resource_names).not.toBe(first.resource_names);
    expect(other.resource_names?.[0]).toBe('outbound|81||svc-0000.ns-000.svc.cluster.local');
  });

  it('leaves names that are not one run, and bytes that do not read, to the full decoder', () => {
    // resource_names "a", type_url "t", resource_names "b": two runs.
    const interleaved = Uint8Array.from([0x1a, 1, 0x61, 0x22, 1, 0x74, 0x1a, 1, 0x62]);
    expect(splitResourceNames(interleaved)).toBeUndefined();
    expect(request.deserialize(Buffer.from(interleaved))).toMatchObject({
      resource_names: ['a', 'b'],
      type_url: 't',
    });
    // A length running past the end.
    const truncated = Uint8Array.from([0x1a, 9, 0x61]);
    expect(splitResourceNames(truncated)).toBeUndefined();
    const outcome = (read: () => unknown) => {
      try {
        return { value: read() };
      } catch (err) {
        return { error: String(err) };
      }
    };
    expect(outcome(() => request.deserialize(Buffer.from(truncated)))).toEqual(
      outcome(() => reference(Buffer.from(truncated))),
    );
  });

  it('stays bounded: lists beyond its budget are still read right', () => {
    const cache = new ResourceNamesCache();
    for (let i = 0; i < 400; i++) {
      const list = names(500, `svc${i}`);
      const split = splitResourceNames(request.serialize({ resource_names: list }));
      expect(cache.names(split!.names)).toEqual(list);
    }
  });
});

describe('the delta request codec', () => {
  it('reads every field as the full decoder does, over seeded requests', () => {
    const random = seededRandom(16);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
    for (let i = 0; i < 300; i++) {
      const message: DeltaDiscoveryRequestObject = {
        ...(random() < 0.3 ? { node: { id: `sidecar~10.0.0.${i}~a.b~b.svc.cluster.local` } } : {}),
        type_url: pick([TYPE_URL.endpoint, TYPE_URL.route, TYPE_URL.cluster]),
        resource_names_subscribe: names(pick([0, 1, 30, 1000]), pick(['outbound|80||svc', 'ñame-☃', '*'])),
        resource_names_unsubscribe: names(pick([0, 0, 2]), 'gone'),
        ...(random() < 0.3 ? { initial_resource_versions: { a: 'v1', 'b ☃': 'v2' } } : {}),
        ...(random() < 0.5 ? { response_nonce: String(i) } : {}),
        ...(random() < 0.2 ? { error_detail: { code: 3, message: 'rejected ☃' } } : {}),
      };
      const bytes = deltaRequest.serialize(message);
      const decoded = deltaRequest.deserialize(bytes);
      expect(
        { ...decoded, resource_names_subscribe: [...(decoded.resource_names_subscribe ?? [])] },
        `request ${i}`,
      ).toEqual(reference(bytes, 'envoy.service.discovery.v3.DeltaDiscoveryRequest'));
    }
  });

  it('gives every request that subscribes to the same list the same array', () => {
    const list = names(1000);
    const first = deltaRequest.deserialize(
      deltaRequest.serialize({ type_url: TYPE_URL.endpoint, resource_names_subscribe: list }),
    );
    const second = deltaRequest.deserialize(
      deltaRequest.serialize({ type_url: TYPE_URL.endpoint, resource_names_subscribe: [...list] }),
    );
    expect(second.resource_names_subscribe).toBe(first.resource_names_subscribe);
    expect(first.resource_names_subscribe).toEqual(list);
  });
});

/** protobufjs's own reading of the bytes, as the codec read them before names were cached. */
function reference(bytes: Uint8Array, fullName = 'envoy.service.discovery.v3.DiscoveryRequest'): unknown {
  const type = envoyType(fullName);
  return type.toObject(type.decode(bytes), { arrays: true, oneofs: true });
}
