// The gRPC side of xDS: accepts Aggregated Discovery Service streams (state of the world and
// delta) and the per-type discovery services, identifies the node on each, and wires the stream's
// protocol state (sotw-stream.ts, delta-stream.ts) to the proxy's snapshot in the cache.
// It knows nothing of how snapshots are made: the hooks tell whoever does that who connected.

import * as grpc from '@grpc/grpc-js';
import { formatHostPort, parseHostPort } from '../../address.js';
import type { Logger } from '../../log.js';
import { type MeshProxy, type NodeInfo, proxyFromNode } from '../../model/proxy.js';
import {
  overlaySecrets,
  type SecretSource,
  type SecretSubscription,
  TRUST_BUNDLE_SECRET,
} from '../cache/secret-overlay.js';
import type { Snapshot } from '../cache/snapshot.js';
import type { SnapshotWatcher } from '../cache/snapshot-cache.js';
import { TYPE_URL } from '../envoy/type-urls.js';
import { noopMetrics, type XdsMetrics } from '../xds-metrics.js';
import {
  adsServiceDefinition,
  type DeltaDiscoveryResponseObject,
  type DiscoveryResponseObject,
  type NodeObject,
  responseBytes,
} from './ads-service.js';
import { TYPED_DISCOVERY_SERVICES, typedServiceDefinition } from './discovery-services.js';
import { boundedText, DEFAULT_LOG_THROTTLE, LogThrottle, type LogThrottleOptions } from './log-throttle.js';
import { type NackingStream, type NackReport, nackedProxyCounts, nackReport } from './nack-report.js';
import { nodeInfoFromNode } from './node-info.js';
import { type ProxySyncStatus, type StatusPage, takePage, type XdsVariant } from './status.js';
import {
  type AuthRefusal,
  authenticateCall,
  proveProxy,
  type StreamAuthOptions,
  type StreamCredential,
  type Transport,
} from './stream-identity.js';
import {
  type ConnectionTimeouts,
  checkNameCount,
  checkNodeId,
  checkNodeMetadata,
  checkStreamCount,
  checkTypeCount,
  checkTypeUrl,
  DEFAULT_BUDGETS,
  DEFAULT_CONNECTION_TIMEOUTS,
  grpcServerOptions,
  StreamLimitError,
  type XdsBudgets,
} from './stream-limits.js';
import {
  deltaWireStream,
  sotwWireStream,
  type WireStream,
  type WireStreamContext,
  type WireStreamFactory,
} from './wire-streams.js';
import {
  DEFAULT_WRITE_BUDGET_BYTES,
  DEFAULT_WRITE_LEASE_MS,
  WriteGate,
  type WriteSlot,
} from './write-gate.js';

export interface XdsServerHooks {
  /**
   * A stream identified its node (on its first request). Called once per stream, so a proxy that
   * reconnects before its old stream is gone is opened twice. The proxy's snapshot may not be in
   * the cache yet: the stream waits for it.
   */
  readonly onStreamOpened?: (proxy: MeshProxy, node: NodeInfo, variant: XdsVariant) => void;
  /** A stream that onStreamOpened was called for ended, however it ended. */
  readonly onStreamClosed?: (proxy: MeshProxy, variant: XdsVariant) => void;
}

export interface XdsServerOptions {
  readonly cache: SnapshotWatcher;
  readonly logger: Logger;
  readonly hooks?: XdsServerHooks;
  /**
   * Where the server reports connected proxies (once per identified stream), pushes, NACKs and
   * convergence (default: nowhere).
   */
  readonly metrics?: XdsMetrics;
  /** Bytes of responses in all calls' buffers at once (write-gate.ts); default 64 MiB. */
  readonly writeBudgetBytes?: number;
  /** The longest one write holds its share of the budget; default 1 s. */
  readonly writeLeaseMs?: number;
  /** Per stream, per connection and per server (stream-limits.ts); each left out is its default. */
  readonly budgets?: Partial<XdsBudgets>;
  /** Connections, see ConnectionTimeouts; default DEFAULT_CONNECTION_TIMEOUTS. */
  readonly connections?: Partial<ConnectionTimeouts>;
  /** How many lines of a kind (a NACK, a stale nonce) one stream logs per window. */
  readonly logThrottle?: LogThrottleOptions;
  /** How many stream opened/closed/ended lines of each kind the server logs per window. */
  readonly streamLogThrottle?: LogThrottleOptions;
  /**
   * How streams prove who they are (stream-identity.ts). Default: trust domain cluster.local, no
   * token review, and the plaintext port proves nothing.
   */
  readonly auth?: StreamAuthOptions;
  /**
   * Each proxy's own secrets, laid over its group's snapshot by its proved identity
   * (secret-overlay.ts). Absent: streams get the group's snapshot as it is.
   */
  readonly secrets?: SecretSource;
}

/** How a port is secured: absent, plaintext; else TLS with these credentials (mesh-CA client certs). */
export interface ListenOptions {
  readonly tls?: grpc.ServerCredentials;
}

/**
 * A fleet's cold start logs a line per stream, but a client that opens and drops streams in a loop
 * must not fill the disk: a hundred lines a second of each kind, the rest counted.
 */
export const DEFAULT_STREAM_LOG_THROTTLE: LogThrottleOptions = { lines: 1_000, windowMs: 10_000 };

export interface BoundAddress {
  readonly port: number;
  /** host:port with the port actually bound (never 0). */
  readonly address: string;
}

/** What every request message has, SotW or delta. */
interface WireRequest {
  readonly node?: NodeObject;
  readonly type_url?: string;
  /** SotW: the names asked for. */
  readonly resource_names?: readonly string[];
  /** Delta: the names added, and on a first request the versions the client kept. */
  readonly resource_names_subscribe?: readonly string[];
  readonly initial_resource_versions?: Readonly<Record<string, string>>;
}

/** What every response message is, SotW or delta. */
type WireResponse = DiscoveryResponseObject | DeltaDiscoveryResponseObject;

/** The parts of a call the server uses once the stream is set up, whatever its messages. */
type CallControl = Pick<grpc.ServerDuplexStream<unknown, unknown>, 'emit' | 'getPeer'>;

interface OpenStream {
  readonly call: CallControl;
  stream?: Pick<
    WireStream<unknown>,
    'proxy' | 'variant' | 'status' | 'heldNacks' | 'sentVersion' | 'onClosed' | 'ackedVersion'
  >;
  /** Identification order: after the proxy id, what sorts /debug/syncz. */
  seq?: number;
  unwatch?: () => void;
  ended: boolean;
  /** Type URLs the stream has asked for (stream-limits.ts). */
  readonly types: Set<string>;
  /** What the stream proved, once authentication is done: only then are its requests read. */
  credential?: StreamCredential;
  secrets?: SecretSubscription;
  /** Subscribes the stream to its identity's secrets, once it asks for one. */
  subscribeSecrets?: () => void;
  /** The write waiting for a slot, or holding one: given up when the stream ends. */
  withdraw?: () => void;
  slot?: WriteSlot;
}

// How long close() lets clients see their streams end before it cuts the connections.
const GRACEFUL_SHUTDOWN_MS = 1_000;

export class XdsServer {
  private readonly cache: SnapshotWatcher;
  private readonly logger: Logger;
  private readonly hooks: XdsServerHooks;
  private readonly metrics: XdsMetrics;
  private readonly gate: WriteGate;
  private readonly context: WireStreamContext;
  private readonly streams = new Set<OpenStream>();
  private readonly budgets: XdsBudgets;
  private readonly timeouts: ConnectionTimeouts;
  /** Streams refused for the server's stream budget: a flood of them must not flood the log. */
  private readonly refusals: LogThrottle;
  /** Streams opened, closed and ended with an error, across the server. */
  private readonly lifecycle: LogThrottle;
  private readonly auth: StreamAuthOptions;
  private readonly secrets: SecretSource | undefined;
  private identifiedCount = 0;
  /** One grpc-js server per port: the port's transport decides how its streams authenticate. */
  private readonly servers: grpc.Server[] = [];
  private closing = false;

  constructor(options: XdsServerOptions) {
    this.cache = options.cache;
    this.logger = options.logger;
    this.hooks = options.hooks ?? {};
    this.metrics = options.metrics ?? noopMetrics;
    this.gate = new WriteGate({
      budgetBytes: options.writeBudgetBytes ?? DEFAULT_WRITE_BUDGET_BYTES,
      leaseMs: options.writeLeaseMs ?? DEFAULT_WRITE_LEASE_MS,
    });
    this.budgets = { ...DEFAULT_BUDGETS, ...options.budgets };
    this.timeouts = { ...DEFAULT_CONNECTION_TIMEOUTS, ...options.connections };
    const logThrottle = options.logThrottle ?? DEFAULT_LOG_THROTTLE;
    this.refusals = new LogThrottle(this.logger, logThrottle);
    this.lifecycle = new LogThrottle(this.logger, options.streamLogThrottle ?? DEFAULT_STREAM_LOG_THROTTLE);
    this.context = { logger: this.logger, metrics: this.metrics, budgets: this.budgets, logThrottle };
    this.auth = options.auth ?? { trustDomain: 'cluster.local' };
    this.secrets = options.secrets;
  }

  /**
   * Binds `host:port` (port 0 picks a free one) and resolves with what was bound. Called once per
   * port: the plaintext port and the TLS port serve the same streams, authenticated differently.
   * `addServices` adds more services to this port (the CSR API on the TLS port).
   */
  async listen(
    address: string,
    options: ListenOptions = {},
    addServices?: (server: grpc.Server, transport: Transport) => void,
  ): Promise<BoundAddress> {
    // The same reading as every address flag (:PORT is loopback), whoever calls.
    const parsed = parseHostPort(address);
    if (!parsed.ok) throw new Error(`xDS address ${parsed.errors.join('; ')}`);
    const listenOn = formatHostPort(parsed.value);
    const transport: Transport = options.tls ? 'tls' : 'plaintext';
    const server = new grpc.Server(grpcServerOptions(this.budgets, this.timeouts));
    server.addService(adsServiceDefinition(), {
      StreamAggregatedResources: this.handler(transport, sotwWireStream),
      DeltaAggregatedResources: this.handler(transport, deltaWireStream),
    });
    for (const typed of TYPED_DISCOVERY_SERVICES) {
      server.addService(typedServiceDefinition(typed), {
        [typed.sotwMethod]: this.handler(transport, sotwWireStream, typed.typeUrl),
        [typed.deltaMethod]: this.handler(transport, deltaWireStream, typed.typeUrl),
      });
    }
    addServices?.(server, transport);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(listenOn, options.tls ?? grpc.ServerCredentials.createInsecure(), (err, bound) => {
        if (!err) return resolve(bound);
        server.forceShutdown();
        reject(err);
      }),
    );
    this.servers.push(server);
    this.closing = false;
    const bound = { port, address: formatHostPort({ host: parsed.value.host, port }) };
    this.logger.info({ ...bound, transport }, 'xDS server listening');
    return bound;
  }

  /** Ends every open stream with UNAVAILABLE (clients reconnect elsewhere), then stops the server. */
  async close(): Promise<void> {
    if (this.servers.length === 0) return;
    const servers = this.servers.splice(0);
    this.closing = true;
    for (const open of [...this.streams])
      this.fail(open, grpc.status.UNAVAILABLE, 'xDS server shutting down');
    // What the server-wide throttles held back is said before the server goes.
    this.lifecycle.flush();
    this.refusals.flush();
    await Promise.all(servers.map(shutDown));
    this.logger.info('xDS server closed');
  }

  /** One entry per identified stream, by proxy id, then by when it was identified. */
  status(): ProxySyncStatus[] {
    return this.sortedIdentified().map((open) => statusOf(open));
  }

  /** A page of status() for /debug/syncz, bounded in entries and size (status.ts, takePage). */
  statusPage(page: StatusPage = {}): ProxySyncStatus[] {
    return takePage(this.sortedIdentified(), page, statusOf);
  }

  /**
   * Which connected proxies run with the trust bundle they are offered now, and which with an
   * older one: a root rotation waits for `outdated` to reach zero. Only streams that asked for the
   * bundle count. `outdatedProxies` lists the first 20 ids, sorted.
   */
  trustBundleHolders(): { current: number; outdated: number; outdatedProxies: string[] } {
    let current = 0;
    const outdated: string[] = [];
    for (const open of this.sortedIdentified()) {
      const held = trustBundleOf(open);
      if (held === 'current') current++;
      else if (held === 'outdated') outdated.push(boundedText(open.stream!.proxy.id));
    }
    return { current, outdated: outdated.length, outdatedProxies: outdated.slice(0, 20) };
  }

  private sortedIdentified(): OpenStream[] {
    const opens = [...this.streams].filter((open) => open.stream);
    opens.sort((a, b) => compare(a.stream!.proxy.id, b.stream!.proxy.id) || a.seq! - b.seq!);
    return opens;
  }

  /** The NACKs connected proxies hold, grouped for /debug/config-errors (nack-report.ts). */
  nacks(): NackReport {
    return nackReport(this.identified());
  }

  /** Connected proxies holding a NACK, by type URL: the level of the proxies-nacked gauge. */
  nackedProxies(): ReadonlyMap<string, number> {
    return nackedProxyCounts(this.identified());
  }

  private *identified(): Generator<NackingStream> {
    for (const open of this.streams) if (open.stream) yield open.stream;
  }

  /**
   * A handler for one streaming method. `onlyType` is the per-type service's resource type: its
   * requests may leave type_url out, and may not ask for another type.
   */
  private handler<Req extends WireRequest, Res extends WireResponse>(
    transport: Transport,
    factory: WireStreamFactory<Req, Res>,
    onlyType?: string,
  ): grpc.handleBidiStreamingCall<Req, Res> {
    return (call) => this.serve(transport, call, factory, onlyType);
  }

  private serve<Req extends WireRequest, Res extends WireResponse>(
    transport: Transport,
    call: grpc.ServerDuplexStream<Req, Res>,
    factory: WireStreamFactory<Req, Res>,
    onlyType: string | undefined,
  ): void {
    const open: OpenStream = { call, ended: false, types: new Set() };
    if (this.closing) {
      this.fail(open, grpc.status.UNAVAILABLE, 'xDS server shutting down');
      return;
    }
    try {
      checkStreamCount(this.budgets, this.streams.size);
    } catch (err) {
      const details = (err as Error).message;
      this.refusals.log('warn', 'stream budget', { peer: call.getPeer(), details }, 'xDS stream refused');
      this.fail(open, grpc.status.RESOURCE_EXHAUSTED, details, false);
      return;
    }
    this.streams.add(open);
    let stream: WireStream<Req> | undefined;
    // One response at a time in the call's buffers: the next is made, from the newest snapshot,
    // once this one has been taken by HTTP/2, whose flow control is per call. A client that stops
    // reading thus holds one response's bytes and delays only itself; grpc-js's own 'drain' (after
    // write() returns false, 16 messages deep) would let a stalled stream buffer far more.
    const write = (response: Res): boolean => {
      if (open.ended) return false;
      open.withdraw = this.gate.enter(responseBytes(response), (slot) => {
        open.slot = slot;
        call.write(response, () => {
          slot.done();
          open.slot = undefined;
          this.guard(open, () => {
            if (!open.ended) stream?.onWritable();
          });
        });
      });
      return false;
    };
    const onData = (request: Req) =>
      this.guard(open, () => {
        if (open.ended) return;
        const typeUrl = this.typeUrlOf(open, request, onlyType);
        if (typeUrl === undefined) return;
        checkLimits(open, typeUrl, request);
        // Later requests may omit the node: the stream keeps the first one's.
        if (!stream) {
          // The id is checked before anything keeps or logs it, the rest once it is plain JSON.
          if (request.node?.id) checkNodeId(this.budgets, request.node.id);
          const node = nodeInfoFromNode(request.node);
          if (!node) {
            this.fail(open, grpc.status.INVALID_ARGUMENT, 'the first request on a stream must carry node.id');
            return;
          }
          const { id: _, ...kept } = node;
          checkNodeMetadata(this.budgets, kept);
          stream = this.identify(open, node, (proxy) => factory(proxy, this.context, write));
          if (!stream) return;
        }
        if (typeUrl === TYPE_URL.secret) open.subscribeSecrets?.();
        stream.onRequest(request, typeUrl);
      });
    call.on('end', () => {
      // The client half-closed: nothing more will come, so the stream is over for us too.
      if (open.ended) return;
      this.finish(open);
      call.end();
    });
    call.on('cancelled', () => this.finish(open));
    call.on('close', () => this.finish(open));
    call.on('error', (err: Error) => {
      if (!open.ended) this.logger.debug({ err, node: nodeOf(open) }, 'xDS stream error');
      this.finish(open);
    });
    // Requests are read only once the stream has proved who it is (a token review is a round trip
    // to the API server): until then grpc-js holds them, within HTTP/2 flow control.
    authenticateCall(transport, call, this.auth).then(
      (credential) => {
        if (open.ended) return;
        if (!credential.ok) return this.refuse(open, credential.errors[0]!);
        open.credential = credential.value;
        call.on('data', onData);
      },
      (err: unknown) => {
        this.logger.error({ err, peer: call.getPeer() }, 'xDS stream authentication failed');
        this.fail(open, grpc.status.INTERNAL, 'internal error while authenticating the stream');
      },
    );
  }

  /** Ends a stream that did not prove what it needed to, saying why (the reason names no secret). */
  private refuse(open: OpenStream, refusal: AuthRefusal): void {
    this.refusals.log(
      'warn',
      'stream refused',
      { peer: open.call.getPeer(), code: grpc.status[refusal.code], details: refusal.details },
      'xDS stream refused',
    );
    this.fail(open, refusal.code, refusal.details, false);
  }

  /** The request's type URL, or undefined once the stream was failed for it. */
  private typeUrlOf(
    open: OpenStream,
    request: WireRequest,
    onlyType: string | undefined,
  ): string | undefined {
    const typeUrl = request.type_url || onlyType;
    if (!typeUrl) {
      this.fail(open, grpc.status.INVALID_ARGUMENT, 'type_url is required on an aggregated stream');
      return undefined;
    }
    checkTypeUrl(typeUrl);
    if (onlyType && typeUrl !== onlyType) {
      this.fail(open, grpc.status.INVALID_ARGUMENT, `this service serves only ${onlyType}, not ${typeUrl}`);
      return undefined;
    }
    return typeUrl;
  }

  private identify<Req>(
    open: OpenStream,
    node: NodeInfo,
    create: (proxy: MeshProxy) => WireStream<Req>,
  ): WireStream<Req> | undefined {
    const proved = proveProxy(
      proxyFromNode(node),
      node,
      open.credential ?? { kind: 'none' },
      this.auth.trustDomain,
    );
    if (!proved.ok) {
      this.refuse(open, proved.errors[0]!);
      return undefined;
    }
    const proxy = proved.value;
    const stream = create(proxy);
    open.stream = stream;
    open.seq = ++this.identifiedCount;
    // Counted as soon as finish() would uncount it: once per identified stream, whatever the hooks do.
    this.metrics.streamOpened(proxy.kind, stream.variant);
    // The proxy's own secrets over its group's snapshot: a new certificate wakes only this
    // identity's streams, a new group snapshot keeps the secrets they had. A stream subscribes
    // when it first asks for a Secret: a proxyless client (which reads its certificates from
    // files) never makes the CA issue one.
    const withSecrets = (snapshot: Snapshot): Snapshot =>
      open.secrets ? overlaySecrets(snapshot, open.secrets.current()) : snapshot;
    open.subscribeSecrets = () => {
      if (open.secrets || !this.secrets || open.ended) return;
      open.secrets = this.secrets.subscribe(proxy.identity, () =>
        this.guard(open, () => {
          const snapshot = this.cache.getSnapshot(proxy.id);
          if (snapshot && !open.ended) stream.onSnapshot(withSecrets(snapshot));
        }),
      );
      const snapshot = this.cache.getSnapshot(proxy.id);
      if (snapshot) stream.onSnapshot(withSecrets(snapshot));
    };
    // Watch before the hook runs: a snapshot built inside it must not slip past the stream.
    open.unwatch = this.cache.watch(proxy.id, (snapshot) =>
      this.guard(open, () => stream.onSnapshot(withSecrets(snapshot))),
    );
    const snapshot = this.cache.getSnapshot(proxy.id);
    if (snapshot) stream.onSnapshot(withSecrets(snapshot));
    this.lifecycle.log(
      'info',
      'stream opened',
      {
        node: boundedText(node.id),
        kind: proxy.kind,
        namespace: boundedText(proxy.namespace),
        ...(proxy.identity
          ? { identity: `${proxy.identity.namespace}/${proxy.identity.serviceAccount}` }
          : {}),
        variant: stream.variant,
        peer: open.call.getPeer(),
      },
      'xDS stream opened',
    );
    this.runHook('onStreamOpened', () => this.hooks.onStreamOpened?.(proxy, node, stream.variant));
    return stream;
  }

  /** Ends the stream with a status; the client sees `code` and `details` (never raw client text). */
  private fail(open: OpenStream, code: grpc.status, details: string, log = true): void {
    if (open.ended) return;
    if (log && code !== grpc.status.UNAVAILABLE)
      this.lifecycle.log(
        'warn',
        'stream failed',
        { node: nodeOf(open), code: grpc.status[code], details },
        'xDS stream ended with an error',
      );
    this.finish(open);
    // grpc-js turns an 'error' event on a server stream into the call's final status.
    open.call.emit('error', { code, details });
  }

  private finish(open: OpenStream): void {
    if (open.ended) return;
    open.ended = true;
    open.withdraw?.();
    open.slot?.done();
    this.streams.delete(open);
    open.unwatch?.();
    open.secrets?.stop();
    const stream = open.stream;
    if (!stream) return;
    stream.onClosed();
    this.lifecycle.log('info', 'stream closed', { node: nodeOf(open) }, 'xDS stream closed');
    this.metrics.streamClosed(stream.proxy.kind, stream.variant);
    this.runHook('onStreamClosed', () => this.hooks.onStreamClosed?.(stream.proxy, stream.variant));
  }

  /** A throw here is a bug in the stream logic: end that one stream, keep serving the others. */
  private guard(open: OpenStream, work: () => void): void {
    try {
      work();
    } catch (err) {
      if (err instanceof StreamLimitError) {
        this.logger.warn({ node: nodeOf(open), reason: err.message }, 'xDS stream ended: over a limit');
        this.fail(open, grpc.status.RESOURCE_EXHAUSTED, err.message, false);
        return;
      }
      this.logger.error({ err, node: nodeOf(open) }, 'xDS stream failed');
      this.fail(open, grpc.status.INTERNAL, 'internal error');
    }
  }

  private runHook(name: keyof XdsServerHooks, hook: () => void): void {
    try {
      hook();
    } catch (err) {
      this.logger.error({ err, hook: name }, 'xDS server hook failed');
    }
  }
}

/** A stream's status, with whether it runs with the trust bundle it is offered. */
function statusOf(open: OpenStream): ProxySyncStatus {
  const status = open.stream!.status();
  const trustBundle = trustBundleOf(open);
  return trustBundle ? { ...status, trustBundle } : status;
}

/**
 * Whether the proxy has ACKed the ROOTCA it is offered now ('current'), holds another one or
 * none yet ('outdated'), or never asked for it (undefined).
 */
function trustBundleOf(open: OpenStream): 'current' | 'outdated' | undefined {
  const stream = open.stream;
  // A stream subscribes to secrets when it first asks for one: no subscription, never asked.
  const offered = open.secrets?.current().get(TRUST_BUNDLE_SECRET);
  if (!stream || !offered) return undefined;
  return stream.ackedVersion(TYPE_URL.secret, TRUST_BUNDLE_SECRET) === offered.version
    ? 'current'
    : 'outdated';
}

/** Lets clients see their streams end, then cuts what is left. */
function shutDown(server: grpc.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, GRACEFUL_SHUTDOWN_MS);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** The stream's node id for a log line, cut to 1 KiB: client text. */
function nodeOf(open: OpenStream): string | undefined {
  return open.stream ? boundedText(open.stream.proxy.id) : undefined;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One request's lists and the stream's types within stream-limits.ts; throws StreamLimitError. */
function checkLimits(open: OpenStream, typeUrl: string, request: WireRequest): void {
  if (!open.types.has(typeUrl)) {
    open.types.add(typeUrl);
    checkTypeCount(open.types.size);
  }
  checkNameCount(
    typeUrl,
    Math.max(
      request.resource_names?.length ?? 0,
      request.resource_names_subscribe?.length ?? 0,
      Object.keys(request.initial_resource_versions ?? {}).length,
    ),
  );
}
