// What one stream may ask of the server. A client is trusted to be an Envoy or a gRPC library, not
// to be well behaved: without limits one stream could make the server hold any number of types or
// names. The limits sit far above what a real proxy asks (a handful of types; one name per
// cluster or route of the mesh it sees), and a stream that passes them is ended with
// RESOURCE_EXHAUSTED and a message saying which limit, rather than served partly.

/** Distinct type URLs one stream may subscribe to. */
export const MAX_TYPES_PER_STREAM = 16;
/** Resource names one stream may hold for one type, and list in one request. */
export const MAX_NAMES_PER_TYPE = 100_000;

/** Thrown by a stream that went past a limit; the server ends it with RESOURCE_EXHAUSTED. */
export class StreamLimitError extends Error {
  override readonly name = 'StreamLimitError';
}

export function checkNameCount(typeUrl: string, count: number): void {
  if (count > MAX_NAMES_PER_TYPE) {
    throw new StreamLimitError(
      `${count} resource names for ${typeUrl} on one stream; at most ${MAX_NAMES_PER_TYPE} are served`,
    );
  }
}

export function checkTypeCount(count: number): void {
  if (count > MAX_TYPES_PER_STREAM) {
    throw new StreamLimitError(`more than ${MAX_TYPES_PER_STREAM} resource types on one stream`);
  }
}
