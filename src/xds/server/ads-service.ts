// The Aggregated Discovery Service as @grpc/grpc-js sees it: the method paths and serializers built
// by hand from the protobufjs types, so messages travel in their object form with snake_case
// fields, and a google.protobuf.Any is {type_url, value}. Resource bytes are never decoded here.
// The per-type services (discovery-services.ts) carry the same messages.
import type * as grpc from '@grpc/grpc-js';
import { LRUCache } from 'lru-cache';
import { envoyType } from '../envoy/proto-root.js';
import { ResourceNamesCache, splitResourceNames } from './request-names.js';

export const ADS_SERVICE = 'envoy.service.discovery.v3.AggregatedDiscoveryService';
export const STREAM_AGGREGATED_RESOURCES = `/${ADS_SERVICE}/StreamAggregatedResources`;
export const DELTA_AGGREGATED_RESOURCES = `/${ADS_SERVICE}/DeltaAggregatedResources`;

/** google.protobuf.Struct / Value in protobufjs's object form (field names as protobufjs loads them). */
export interface StructObject {
  readonly fields?: Readonly<Record<string, ValueObject>>;
}
export interface ValueObject {
  /** Which member of the `kind` oneof is set, e.g. "stringValue". */
  readonly kind?: string;
  readonly [member: string]: unknown;
}

export interface NodeObject {
  readonly id?: string;
  readonly user_agent_name?: string;
  /** One of the user_agent_version_type oneof: free text, or Envoy's build version. */
  readonly user_agent_version?: string;
  readonly user_agent_build_version?: {
    readonly version?: {
      readonly major_number?: number;
      readonly minor_number?: number;
      readonly patch?: number;
    };
  };
  readonly client_features?: readonly string[];
  readonly metadata?: StructObject;
  readonly locality?: { readonly region?: string; readonly zone?: string; readonly sub_zone?: string };
}

/** A DiscoveryRequest as decoded: fields left unset are absent, repeated fields always present. */
export interface DiscoveryRequestObject {
  readonly version_info?: string;
  readonly node?: NodeObject;
  readonly resource_names?: readonly string[];
  readonly type_url?: string;
  readonly response_nonce?: string;
  readonly error_detail?: { readonly code?: number; readonly message?: string };
}

export interface AnyObject {
  readonly type_url: string;
  readonly value: Uint8Array;
}

export interface DiscoveryResponseObject {
  readonly version_info: string;
  readonly type_url: string;
  readonly nonce: string;
  readonly resources: readonly AnyObject[];
}

/** A DeltaDiscoveryRequest as decoded; the map is a plain object (absent when empty). */
export interface DeltaDiscoveryRequestObject {
  readonly node?: NodeObject;
  readonly type_url?: string;
  readonly resource_names_subscribe?: readonly string[];
  readonly resource_names_unsubscribe?: readonly string[];
  readonly initial_resource_versions?: Readonly<Record<string, string>>;
  readonly response_nonce?: string;
  readonly error_detail?: { readonly code?: number; readonly message?: string };
}

export interface ResourceObject {
  readonly name: string;
  readonly version: string;
  readonly resource: AnyObject;
}

export interface DeltaDiscoveryResponseObject {
  readonly system_version_info: string;
  readonly type_url: string;
  readonly nonce: string;
  readonly resources: readonly ResourceObject[];
  readonly removed_resources: readonly string[];
}

export interface MessageCodec<T> {
  serialize(value: T): Buffer;
  deserialize(bytes: Buffer): T;
}

// A SotW ACK repeats the client's whole list of names, and delta clients of a mesh subscribe to
// the same lists: each distinct list is decoded once (request-names.ts), and every request with it
// carries the same array. Both messages have their list in field 3 (resource_names,
// resource_names_subscribe).
function namesCachingCodec<T extends object>(fullName: string, field: keyof T & string): MessageCodec<T> {
  const codec = messageCodec<T>(fullName);
  const lists = new ResourceNamesCache();
  return {
    serialize: codec.serialize,
    deserialize: (bytes) => {
      const split = splitResourceNames(bytes);
      if (!split) return codec.deserialize(bytes);
      const rest = Buffer.from(split.rest.buffer, split.rest.byteOffset, split.rest.byteLength);
      return { ...codec.deserialize(rest), [field]: lists.names(split.names) };
    },
  };
}

function messageCodec<T extends object>(fullName: string): MessageCodec<T> {
  const type = envoyType(fullName);
  return {
    serialize: (value) => Buffer.from(type.encode(value).finish()),
    deserialize: (bytes) => type.toObject(type.decode(bytes), { arrays: true, oneofs: true }) as T,
  };
}

// A push writes the same resources to many streams: every proxy of a group holds the same ones,
// and most resources are in every proxy's configuration. Encoding them is most of a push's cost,
// so each resource's entry in a response (the repeated field's tag, length and message) is encoded
// once and kept with the resource's bytes; a response is then its few per-stream fields, encoded
// as usual, followed by those entries. Protobuf allows fields in any order, and a repeated field
// is exactly its entries one after the other, so the bytes decode to the same message.
type EntryCache = WeakMap<Uint8Array, Uint8Array>;

function entries<T>(
  items: readonly T[],
  bytesOf: (item: T) => Uint8Array,
  encodeEntry: (item: T) => Uint8Array,
  cache: EntryCache,
): Uint8Array[] {
  return items.map((item) => {
    const value = bytesOf(item);
    let entry = cache.get(value);
    if (!entry) {
      entry = encodeEntry(item);
      cache.set(value, entry);
    }
    return entry;
  });
}

// A state-of-the-world response is one message for every stream that sends it (sotw-stream.ts),
// so the last ones written are kept whole, bounded by bytes: a push of one change to a thousand
// streams encodes it once. Only while it is being written: an entry goes 5 s after it was last
// used (a push writes one message to its streams back to back, in the write gate's order), where
// a full cache held 64 MB of encodings nobody would send again for as long as the mesh stayed still.
const SOTW_MESSAGE_CACHE_BYTES = 64 * 1024 * 1024;
const MESSAGE_CACHE_IDLE_MS = 5_000;

function sotwResponseCodec(): MessageCodec<DiscoveryResponseObject> {
  const name = 'envoy.service.discovery.v3.DiscoveryResponse';
  const type = envoyType(name);
  const cache: EntryCache = new WeakMap();
  const messages = new LRUCache<DiscoveryResponseObject, Buffer>({
    maxSize: SOTW_MESSAGE_CACHE_BYTES,
    sizeCalculation: (bytes) => Math.max(1, bytes.byteLength),
    ttl: MESSAGE_CACHE_IDLE_MS,
    updateAgeOnGet: true,
    ttlAutopurge: true,
  });
  const encode = ({ resources, version_info, type_url, nonce }: DiscoveryResponseObject) =>
    Buffer.concat([
      type.encode({ version_info, type_url, nonce }).finish(),
      ...entries(
        resources,
        (any) => any.value,
        (any) => type.encode({ resources: [any] }).finish(),
        cache,
      ),
    ]);
  return {
    serialize: (message) => {
      let bytes = messages.get(message);
      if (!bytes) {
        bytes = encode(message);
        messages.set(message, bytes);
      }
      return bytes;
    },
    deserialize: messageCodec<DiscoveryResponseObject>(name).deserialize,
  };
}

// Delta responses are made per stream, but streams mostly count their nonces alike and are sent
// alike: after one change, the same few resources; at a cold start, the same thousand to every
// stream of groups whose maps hold the same resources. Such a response is encoded once per
// content. A small one is known by its names and versions (content hashes); a large one by the
// identity of its entries, which are one object per cached resource (wire-streams.ts), so the key
// costs a number per entry rather than its name.
const DELTA_SHARED_MAX_ENTRIES = 16;
const DELTA_MESSAGE_CACHE_BYTES = 16 * 1024 * 1024;

const entryIds = new WeakMap<object, number>();
let entriesSeen = 0;

function entryId(entry: object): number {
  let id = entryIds.get(entry);
  if (id === undefined) {
    id = ++entriesSeen;
    entryIds.set(entry, id);
  }
  return id;
}

function deltaContentKey(message: DeltaDiscoveryResponseObject): string | undefined {
  const { resources, removed_resources: removed } = message;
  if (removed.length > DELTA_SHARED_MAX_ENTRIES) return undefined;
  // JSON, not a join: removed names may be any text a client sent, and must not make two messages'
  // keys equal.
  const head = [message.type_url, message.system_version_info, message.nonce, removed];
  return resources.length + removed.length <= DELTA_SHARED_MAX_ENTRIES
    ? JSON.stringify([...head, resources.map((r) => [r.name, r.version])])
    : JSON.stringify([...head, resources.map(entryId).join(',')]);
}

function deltaResponseCodec(): MessageCodec<DeltaDiscoveryResponseObject> {
  const name = 'envoy.service.discovery.v3.DeltaDiscoveryResponse';
  const type = envoyType(name);
  const cache: EntryCache = new WeakMap();
  const messages = new LRUCache<string, Buffer>({
    maxSize: DELTA_MESSAGE_CACHE_BYTES,
    sizeCalculation: (bytes, key) => Math.max(1, bytes.byteLength + key.length),
    ttl: MESSAGE_CACHE_IDLE_MS,
    updateAgeOnGet: true,
    ttlAutopurge: true,
  });
  const encode = ({ resources, ...rest }: DeltaDiscoveryResponseObject) =>
    Buffer.concat([
      type.encode(rest).finish(),
      ...entries(
        resources,
        (r) => r.resource.value,
        (r) => type.encode({ resources: [r] }).finish(),
        cache,
      ),
    ]);
  return {
    serialize: (message) => {
      const key = deltaContentKey(message);
      if (key === undefined) return encode(message);
      let bytes = messages.get(key);
      if (!bytes) {
        bytes = encode(message);
        messages.set(key, bytes);
      }
      return bytes;
    },
    deserialize: messageCodec<DeltaDiscoveryResponseObject>(name).deserialize,
  };
}

interface DiscoveryCodecs {
  readonly request: MessageCodec<DiscoveryRequestObject>;
  readonly response: MessageCodec<DiscoveryResponseObject>;
  readonly deltaRequest: MessageCodec<DeltaDiscoveryRequestObject>;
  readonly deltaResponse: MessageCodec<DeltaDiscoveryResponseObject>;
}

let codecs: DiscoveryCodecs | undefined;

/** The (Delta)DiscoveryRequest/Response codecs, made on first use (loading the protos takes a moment). */
export function discoveryCodecs(): DiscoveryCodecs {
  codecs ??= {
    request: namesCachingCodec<DiscoveryRequestObject>(
      'envoy.service.discovery.v3.DiscoveryRequest',
      'resource_names',
    ),
    response: sotwResponseCodec(),
    deltaRequest: namesCachingCodec<DeltaDiscoveryRequestObject>(
      'envoy.service.discovery.v3.DeltaDiscoveryRequest',
      'resource_names_subscribe',
    ),
    deltaResponse: deltaResponseCodec(),
  };
  return codecs;
}

/** A bidirectional streaming method at `path` (`/package.Service/Method`). */
export function bidiMethod<Req, Res>(
  path: string,
  request: MessageCodec<Req>,
  response: MessageCodec<Res>,
): grpc.MethodDefinition<Req, Res> {
  const method = path.slice(path.lastIndexOf('/') + 1);
  return {
    path,
    requestStream: true,
    responseStream: true,
    requestSerialize: request.serialize,
    requestDeserialize: request.deserialize,
    responseSerialize: response.serialize,
    responseDeserialize: response.deserialize,
    originalName: method.charAt(0).toLowerCase() + method.slice(1),
  };
}

export function adsServiceDefinition(): grpc.ServiceDefinition {
  const { request, response, deltaRequest, deltaResponse } = discoveryCodecs();
  return {
    StreamAggregatedResources: bidiMethod(STREAM_AGGREGATED_RESOURCES, request, response),
    DeltaAggregatedResources: bidiMethod(DELTA_AGGREGATED_RESOURCES, deltaRequest, deltaResponse),
  };
}

const sizes = new WeakMap<object, number>();

/** The bytes of resources a response carries (what its encoding is made of), once per message. */
export function responseBytes(message: DiscoveryResponseObject | DeltaDiscoveryResponseObject): number {
  let bytes = sizes.get(message);
  if (bytes === undefined) {
    bytes = 0;
    for (const r of message.resources)
      bytes += 'value' in r ? r.value.byteLength : r.resource.value.byteLength;
    sizes.set(message, bytes);
  }
  return bytes;
}
