// What one stream, one connection and the whole server may ask of the server. A client is trusted
// to be an Envoy or a gRPC library, not to be well behaved: without limits one stream could make
// the server hold any number of types, names or bytes, and one peer any number of streams. The
// limits sit far above what a real proxy asks (a handful of types; one name per cluster or route
// of the mesh it sees), and a stream that passes them is ended with RESOURCE_EXHAUSTED and a
// message saying which limit, rather than served partly.
//
// The fixed limits are constants; the budgets (XdsBudgets) are `trellis serve` flags, and their
// messages name the flag. Two budgets are enforced below the server by grpc-js (ads-server.ts
// passes them as channel options): streams per connection is HTTP/2's
// SETTINGS_MAX_CONCURRENT_STREAMS (a client waits for a free slot; one that opens more anyway has
// the extra streams refused with REFUSED_STREAM), and the request size is grpc-js's receive limit
// (RESOURCE_EXHAUSTED "Received message larger than max", before the message is buffered).

import type * as grpc from '@grpc/grpc-js';

/** Distinct type URLs one stream may subscribe to. */
export const MAX_TYPES_PER_STREAM = 16;
/** Resource names one stream may hold for one type, and list in one request. */
export const MAX_NAMES_PER_TYPE = 100_000;
/** Characters of one type URL (the longest Envoy type URL is under 100). */
export const MAX_TYPE_URL_CHARS = 512;

/** The budgets of `trellis serve --xds-max-*`: per stream, per connection and per server. */
export interface XdsBudgets {
  /**
   * UTF-8 bytes of the resource names one stream holds, summed over its types: SotW, the latest
   * list of each type; delta, the names subscribed so far and the initial_resource_versions; each
   * type's URL counts too. Counted as requests arrive, before the stream keeps the names.
   */
  readonly nameBytesPerStream: number;
  /** Streams open at once on one HTTP/2 connection (SETTINGS_MAX_CONCURRENT_STREAMS). */
  readonly streamsPerConnection: number;
  /** Streams open at once on the server, identified or not. */
  readonly streams: number;
  /** UTF-8 bytes of node.id, checked before anything keeps it. */
  readonly nodeIdBytes: number;
  /**
   * Bytes of the JSON of what a stream keeps of its node besides the id: metadata, user agent,
   * client features, locality.
   */
  readonly nodeMetadataBytes: number;
  /** Bytes of one request message (grpc-js's grpc.max_receive_message_length). */
  readonly requestBytes: number;
}

// Each default is far above what a proxy of a 10,000-proxy mesh sends (reasons in
// docs/architecture.md, "Streams").
export const DEFAULT_BUDGETS: XdsBudgets = {
  nameBytesPerStream: 16 * 1024 * 1024,
  streamsPerConnection: 100,
  streams: 100_000,
  nodeIdBytes: 4 * 1024,
  nodeMetadataBytes: 1024 * 1024,
  requestBytes: 4 * 1024 * 1024,
};

/** The `trellis serve` flag that sets each budget (src/cli/main.ts). */
export const BUDGET_FLAGS: Readonly<Record<keyof XdsBudgets, string>> = {
  nameBytesPerStream: '--xds-max-name-bytes',
  streamsPerConnection: '--xds-max-streams-per-connection',
  streams: '--xds-max-streams',
  nodeIdBytes: '--xds-max-node-id-bytes',
  nodeMetadataBytes: '--xds-max-node-metadata-bytes',
  requestBytes: '--xds-max-request-bytes',
};

/** Thrown by a stream that went past a limit; the server ends it with RESOURCE_EXHAUSTED. */
export class StreamLimitError extends Error {
  override readonly name = 'StreamLimitError';
}

/** `what` went past budget `budget`: the message says how far and which flag raises it. */
function overBudget(budgets: XdsBudgets, budget: keyof XdsBudgets, what: string): StreamLimitError {
  return new StreamLimitError(`${what}; at most ${budgets[budget]} are allowed (${BUDGET_FLAGS[budget]})`);
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

/** Checked before the type URL is kept, logged or echoed in a status message. */
export function checkTypeUrl(typeUrl: string): void {
  if (typeUrl.length > MAX_TYPE_URL_CHARS) {
    throw new StreamLimitError(
      `a type URL of ${typeUrl.length} characters; at most ${MAX_TYPE_URL_CHARS} are served`,
    );
  }
}

/** Before a new stream is served: `alreadyOpen` streams are. */
export function checkStreamCount(budgets: XdsBudgets, alreadyOpen: number): void {
  if (alreadyOpen >= budgets.streams)
    throw overBudget(budgets, 'streams', `${alreadyOpen} xDS streams already open on this server`);
}

export function checkNodeId(budgets: XdsBudgets, id: string): void {
  // Cheap first: a string of n UTF-16 units is at least n UTF-8 bytes.
  if (id.length > budgets.nodeIdBytes || Buffer.byteLength(id) > budgets.nodeIdBytes)
    throw overBudget(budgets, 'nodeIdBytes', `a node.id of ${Buffer.byteLength(id)} bytes`);
}

/** `kept`: what the stream keeps of the node besides its id, as JSON-ready data. */
export function checkNodeMetadata(budgets: XdsBudgets, kept: unknown): void {
  const bytes = Buffer.byteLength(JSON.stringify(kept));
  if (bytes > budgets.nodeMetadataBytes)
    throw overBudget(budgets, 'nodeMetadataBytes', `node metadata of ${bytes} bytes as JSON`);
}

/** UTF-8 bytes of some names, as the name budget counts them. */
export function nameBytes(names: Iterable<string>): number {
  let bytes = 0;
  for (const name of names) bytes += Buffer.byteLength(name);
  return bytes;
}

/**
 * The bytes of names one stream holds, per type, within budgets.nameBytesPerStream. A type's count
 * is replaced as its requests arrive; set() throws before the stream keeps more than the budget.
 */
export class NameBudget {
  private readonly byType = new Map<string, number>();
  private total = 0;

  constructor(private readonly budgets: XdsBudgets) {}

  /** The type now holds `bytes` of names (its URL is added here). */
  set(typeUrl: string, bytes: number): void {
    const counted = bytes + Buffer.byteLength(typeUrl);
    const total = this.total - (this.byType.get(typeUrl) ?? 0) + counted;
    if (total > this.budgets.nameBytesPerStream)
      throw overBudget(
        this.budgets,
        'nameBytesPerStream',
        `${total} bytes of resource names on one stream (${counted} for ${typeUrl})`,
      );
    this.byType.set(typeUrl, counted);
    this.total = total;
  }

  get bytes(): number {
    return this.total;
  }
}

/**
 * How long the server keeps a connection that carries no stream, and how it finds a peer that no
 * longer answers; 0 turns one off. Both are grpc-js server options, which it applies per HTTP/2
 * session (node_modules/@grpc/grpc-js/build/src/server.js, _sessionHandler):
 *
 * - `idleMs` is grpc.max_connection_idle_ms: a connection with no open stream for that long is
 *   closed with a GOAWAY. grpc-js starts the timer when Node's HTTP/2 server emits 'session', which
 *   it does as soon as the TCP connection is accepted, before the client's preface. So this is also
 *   the handshake timeout: a peer that connects and sends nothing, or only the preface, is closed
 *   after `idleMs`, and so is a connection whose last stream ended (its client reconnects when it
 *   next opens one). grpc-js has no other timeout for the preface: it calls setTimeout(0) on its
 *   HTTP/2 server and exposes neither that server nor its sessions, so a timer of our own would
 *   mean owning the listening socket (createConnectionInjector, experimental) for nothing more.
 * - `keepaliveMs` and `keepaliveTimeoutMs` are grpc.keepalive_time_ms and grpc.keepalive_timeout_ms:
 *   every `keepaliveMs` the server sends an HTTP/2 PING on each connection and destroys the
 *   connection if no PING ACK comes within `keepaliveTimeoutMs`, ending its streams (a frozen or
 *   vanished peer then leaves /debug/syncz). A live client's HTTP/2 stack answers by itself.
 *   grpc.keepalive_permit_without_calls and grpc.http2.min_ping_interval_without_data_ms are
 *   client-side or unread by grpc-js 1.14's server, so they are not set.
 */
export interface ConnectionTimeouts {
  readonly idleMs: number;
  readonly keepaliveMs: number;
  readonly keepaliveTimeoutMs: number;
}

// Idle: a client opens its stream within milliseconds of connecting. Keepalive: as Istio's istiod
// (30 s), with grpc's default 20 s to answer.
export const DEFAULT_CONNECTION_TIMEOUTS: ConnectionTimeouts = {
  idleMs: 10_000,
  keepaliveMs: 30_000,
  keepaliveTimeoutMs: 20_000,
};

/** The grpc-js server options that enforce the budgets and timeouts below the handlers. */
export function grpcServerOptions(budgets: XdsBudgets, timeouts: ConnectionTimeouts): grpc.ServerOptions {
  return {
    'grpc.max_concurrent_streams': budgets.streamsPerConnection,
    'grpc.max_receive_message_length': budgets.requestBytes,
    ...(timeouts.idleMs > 0 ? { 'grpc.max_connection_idle_ms': timeouts.idleMs } : {}),
    ...(timeouts.keepaliveMs > 0
      ? {
          'grpc.keepalive_time_ms': timeouts.keepaliveMs,
          'grpc.keepalive_timeout_ms': timeouts.keepaliveTimeoutMs,
        }
      : {}),
  };
}
