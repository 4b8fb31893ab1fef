// The Aggregated Discovery Service as @grpc/grpc-js sees it: the method path and serializers built
// by hand from the protobufjs types, so messages travel in their object form with snake_case
// fields, and a google.protobuf.Any is {type_url, value}. Resource bytes are never decoded here.
import type * as grpc from '@grpc/grpc-js';
import { envoyType } from '../envoy/proto-root.js';

export const ADS_SERVICE = 'envoy.service.discovery.v3.AggregatedDiscoveryService';
export const STREAM_AGGREGATED_RESOURCES = `/${ADS_SERVICE}/StreamAggregatedResources`;

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

export interface MessageCodec<T> {
  serialize(value: T): Buffer;
  deserialize(bytes: Buffer): T;
}

function messageCodec<T extends object>(fullName: string): MessageCodec<T> {
  const type = envoyType(fullName);
  return {
    serialize: (value) => Buffer.from(type.encode(value).finish()),
    deserialize: (bytes) => type.toObject(type.decode(bytes), { arrays: true, oneofs: true }) as T,
  };
}

let codecs:
  | { request: MessageCodec<DiscoveryRequestObject>; response: MessageCodec<DiscoveryResponseObject> }
  | undefined;

/** The DiscoveryRequest/DiscoveryResponse codecs, made on first use (loading the protos takes a moment). */
export function discoveryCodecs(): NonNullable<typeof codecs> {
  codecs ??= {
    request: messageCodec<DiscoveryRequestObject>('envoy.service.discovery.v3.DiscoveryRequest'),
    response: messageCodec<DiscoveryResponseObject>('envoy.service.discovery.v3.DiscoveryResponse'),
  };
  return codecs;
}

export function adsServiceDefinition(): grpc.ServiceDefinition {
  const { request, response } = discoveryCodecs();
  return {
    StreamAggregatedResources: {
      path: STREAM_AGGREGATED_RESOURCES,
      requestStream: true,
      responseStream: true,
      requestSerialize: request.serialize,
      requestDeserialize: request.deserialize,
      responseSerialize: response.serialize,
      responseDeserialize: response.deserialize,
      originalName: 'streamAggregatedResources',
    },
  };
}
