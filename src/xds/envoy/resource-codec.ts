// The one way a resource becomes bytes: strict proto3 JSON conversion, then Envoy's validate rules,
// then protobufjs's encoder. Translators hand over plain objects; anything wrong comes back as
// FieldErrors with paths, never as an exception and never as silently dropped config.
import type protobuf from 'protobufjs';
import { fail, ok, type Result } from '../../model/result.js';
import type { FieldError } from './field-error.js';
import { fromProtoJson } from './from-proto-json.js';
import { validateMessage } from './pgv.js';
import { envoyRoot } from './proto-root.js';
import { toProtoJson } from './to-proto-json.js';
import { messageTypeForUrl } from './type-tables.js';

export type { FieldError } from './field-error.js';
export { formatFieldError } from './field-error.js';

export interface EncodedResource {
  readonly typeUrl: string;
  readonly value: Uint8Array;
}

/** Converts, validates and encodes a message of a known type; for resources and tests alike. */
export function encodeMessage(type: protobuf.Type, json: unknown): Result<Uint8Array, FieldError> {
  const converted = fromProtoJson(type, json);
  if (!converted.ok) return converted;
  const violations = validateMessage(type, converted.value);
  if (violations.length > 0) return fail(violations);
  try {
    return ok(type.encode(converted.value).finish());
  } catch (e) {
    // Unreachable for converted input; reported rather than thrown so one bad resource stays contained.
    return fail([
      { path: '', message: `protobufjs could not encode: ${e instanceof Error ? e.message : String(e)}` },
    ]);
  }
}

export function encodeResource(typeUrl: string, resource: unknown): Result<EncodedResource, FieldError> {
  try {
    const type = messageTypeForUrl(envoyRoot(), typeUrl);
    if (!type) return fail([{ path: '', message: `unknown resource type URL "${typeUrl}"` }]);
    const encoded = encodeMessage(type, resource);
    return encoded.ok ? ok({ typeUrl, value: encoded.value }) : encoded;
  } catch (e) {
    // A bug here (or a throwing getter in the input) must cost one resource, not the server.
    return fail([
      { path: '', message: `internal error while encoding: ${e instanceof Error ? e.message : String(e)}` },
    ]);
  }
}

/** Bytes back to proto3 JSON in config_dump's shape; throws on an unknown type or malformed bytes. */
export function decodeResource(typeUrl: string, value: Uint8Array): unknown {
  const type = messageTypeForUrl(envoyRoot(), typeUrl);
  if (!type) throw new Error(`unknown resource type URL "${typeUrl}"`);
  return toProtoJson(type, type.decode(value));
}
