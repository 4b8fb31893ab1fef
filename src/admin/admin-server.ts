// The admin HTTP port: health, readiness, Prometheus metrics and debug views. Every route is one
// row of `routes`, so adding one touches nothing else.
//
// The port has to stay answerable when a client misbehaves, and must not starve the xDS port that
// shares the event loop:
// - /metrics is rendered once for every scrape that arrives while a render runs, and the body is
//   reused for `metricsReuseMs` (shared-result.ts); the process figures under it are collected at
//   most once per interval (metrics.ts).
// - The debug views are computed per request, so only `maxDebugInFlight` are answered at once;
//   more get a quick 503. Their lists are paged (?limit=, ?offset=, 1,000 entries by default).
// - At most `maxConnections` sockets are open (Node closes further ones as they arrive); once half
//   of them are in use, every answer closes its connection instead of keeping it alive.
// - Timeouts for slow headers, slow requests, idle keep-alive and stalled sockets.
// - A request line or target that is not HTTP gets 400 (Node's parser, or requestTarget below),
//   and a handler that fails gets 500: every request is answered and its socket released.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseHostPort } from '../address.js';
import { boundConnections, listenOn } from '../http-listen.js';
import type { Logger } from '../log.js';
import type { MetricsExposition } from './metrics.js';
import { sharedResult } from './shared-result.js';

/** The query of a debug view's request, checked; views that page take `limit` and `offset`. */
export interface DebugQuery {
  /** ?limit=: entries per list, 0 to MAX_PAGE_LIMIT; absent when not given (the view picks). */
  readonly limit?: number;
  /** ?offset=: entries skipped at the start of each list; absent when not given. */
  readonly offset?: number;
  /** Every query parameter as sent, for views that read others. */
  readonly params: URLSearchParams;
}

export interface AdminServerOptions {
  readonly logger: Logger;
  /** True once the first full snapshot is built. */
  readonly ready: () => boolean;
  /**
   * JSON for /debug/config-errors: an object whose lists the server pages (pageLists): each shows
   * `limit` entries (default 1,000) from `offset`, and `<list>Omitted` counts the rest.
   */
  readonly configErrors: (query: DebugQuery) => unknown;
  /** JSON for /debug/syncz, served as returned: bounding it (by the query's limit and offset) is the provider's part. */
  readonly syncz: (query: DebugQuery) => unknown;
  /** Prometheus text for /metrics; without it /metrics is 404. */
  readonly metrics?: MetricsExposition;
  /** Overrides of DEFAULT_ADMIN_LIMITS. */
  readonly limits?: Partial<AdminLimits>;
  /** Monotonic milliseconds, as performance.now(); tests pass their own clock. */
  readonly now?: () => number;
}

export interface AdminLimits {
  /** Sockets open at once; Node closes further ones as they arrive. */
  readonly maxConnections: number;
  /** Debug views being answered at once (computed, or still being written); more get 503. */
  readonly maxDebugInFlight: number;
  /** How long a rendered /metrics body is served again; 0 renders anew unless a render is running. */
  readonly metricsReuseMs: number;
  /** A client must have sent its request headers within this long of connecting or of its last answer. */
  readonly headersTimeoutMs: number;
  /** ... and its whole request within this long. */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  readonly keepAliveTimeoutMs: number;
  /** A socket on which nothing moves (a client that stopped reading its answer) is closed after this long. */
  readonly socketTimeoutMs: number;
}

export const DEFAULT_ADMIN_LIMITS: AdminLimits = {
  maxConnections: 1024,
  maxDebugInFlight: 8,
  metricsReuseMs: 1_000,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  socketTimeoutMs: 10_000,
};

/** Entries per list of a paged debug view when the request names no limit, and the most it may name. */
export const DEFAULT_PAGE_LIMIT = 1_000;
export const MAX_PAGE_LIMIT = 10_000;

export interface BoundAddress {
  readonly port: number;
  /** host:port as bound (the port never 0; an IPv6 host in brackets). */
  readonly address: string;
}

interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

interface Route {
  readonly answer: (query: DebugQuery) => Reply | Promise<Reply>;
  /** A debug view: takes the query, counts against maxDebugInFlight. */
  readonly debug?: boolean;
}

const text = (status: number, body: string, headers?: Record<string, string>): Reply => ({
  status,
  contentType: 'text/plain; charset=utf-8',
  body: `${body}\n`,
  ...(headers ? { headers } : {}),
});
const json = (value: unknown): Reply => ({
  status: 200,
  contentType: 'application/json; charset=utf-8',
  body: `${JSON.stringify(value, null, 2)}\n`,
});

// On an answer to a request the server cannot make sense of, or turns away: the client starts afresh.
const CLOSE = { connection: 'close' } as const;

class BadRequest extends Error {}

export class AdminServer {
  private readonly logger: Logger;
  private readonly limits: AdminLimits;
  private readonly routes: ReadonlyMap<string, Route>;
  private server: http.Server | undefined;
  private openConnections: () => number = () => 0;
  private debugInFlight = 0;

  constructor(options: AdminServerOptions) {
    this.logger = options.logger;
    this.limits = { ...DEFAULT_ADMIN_LIMITS, ...options.limits };
    const routes = new Map<string, Route>([
      ['/healthz', { answer: () => text(200, 'ok') }],
      ['/readyz', { answer: () => (options.ready() ? text(200, 'ready') : text(503, 'not ready')) }],
      [
        '/debug/config-errors',
        { debug: true, answer: (query) => json(pageLists(options.configErrors(query), query)) },
      ],
      ['/debug/syncz', { debug: true, answer: (query) => json(options.syncz(query)) }],
    ]);
    const { metrics } = options;
    if (metrics) {
      const body = sharedResult(() => metrics.render(), {
        reuseMs: this.limits.metricsReuseMs,
        now: options.now ?? (() => performance.now()),
      });
      routes.set('/metrics', {
        answer: async () => ({ status: 200, contentType: metrics.contentType, body: await body() }),
      });
    }
    this.routes = routes;
  }

  /**
   * Binds `host:port` (`:port` is loopback, port 0 picks a free one, an IPv6 host in brackets; see
   * address.ts) and resolves with what was bound.
   */
  async listen(address: string): Promise<BoundAddress> {
    if (this.server) throw new Error('AdminServer is already listening');
    const parsed = parseHostPort(address);
    if (!parsed.ok) throw new Error(`admin address ${parsed.errors.join('; ')}`);
    const { host, port } = parsed.value;
    const limits = this.limits;
    const server = http.createServer(
      {
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        // How often the two timeouts above are checked (Node's default, 30 s, would stretch them).
        connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
      },
      (req, res) => {
        this.handle(req, res).catch((err: unknown) => {
          this.logger.error({ err, url: req.url }, 'admin reply failed');
          if (!res.headersSent) this.send(req, res, text(500, 'internal error'));
          else res.destroy();
        });
      },
    );
    this.openConnections = boundConnections(server, limits);
    const result = await listenOn(server, host, port);
    server.on('error', (err) => this.logger.error({ err }, 'admin server error'));
    this.server = server;
    this.logger.info(result, 'admin server listening');
    return result;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Keep-alive connections would hold close() open until they time out.
      server.closeAllConnections();
    });
    this.logger.info('admin server closed');
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const target = requestTarget(req.url ?? '');
    if (!target)
      return this.send(req, res, text(400, 'bad request: the request target is not a path', CLOSE));
    const route = this.routes.get(target.path);
    if (!route) return this.send(req, res, text(404, 'not found'));
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return this.send(req, res, text(405, 'method not allowed', { allow: 'GET, HEAD' }));
    let query: DebugQuery = { params: target.params };
    if (route.debug) {
      if (this.debugInFlight >= this.limits.maxDebugInFlight)
        return this.send(
          req,
          res,
          text(503, 'busy: too many debug requests at once', { ...CLOSE, 'retry-after': '1' }),
        );
      this.debugInFlight++;
      res.once('close', () => this.debugInFlight--);
      try {
        query = debugQuery(target.params);
      } catch (err) {
        if (err instanceof BadRequest) return this.send(req, res, text(400, `bad request: ${err.message}`));
        throw err;
      }
    }
    let reply: Reply;
    try {
      reply = await route.answer(query);
    } catch (err) {
      this.logger.error({ err, path: target.path }, 'admin handler failed');
      reply = text(500, 'internal error');
    }
    this.send(req, res, reply);
  }

  private send(req: http.IncomingMessage, res: http.ServerResponse, reply: Reply): void {
    // A busy port frees its sockets as it answers.
    const close = this.openConnections() > this.limits.maxConnections / 2;
    res.writeHead(reply.status, {
      'content-type': reply.contentType,
      'content-length': Buffer.byteLength(reply.body),
      'cache-control': 'no-store',
      ...(close ? { connection: 'close' } : {}),
      ...reply.headers,
    });
    res.end(req.method === 'HEAD' ? undefined : reply.body);
  }
}

// RFC 3986 pchar plus "/" (and "?" in the query); percent signs must start an escape.
const ORIGIN_FORM = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*(?:\?[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*)?$/;
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/**
 * The path and query of a request target: origin-form (`/path?query`) or absolute-form
 * (`http://host/path`). Anything else (`//[`, `*`, spaces, brackets, a broken escape) is undefined:
 * the request gets 400. Paths are compared as sent, without decoding.
 */
export function requestTarget(raw: string): { path: string; params: URLSearchParams } | undefined {
  let target = raw;
  if (/^https?:\/\//i.test(target)) {
    try {
      const url = new URL(target);
      target = `${url.pathname}${url.search}`;
    } catch {
      return undefined;
    }
  }
  if (!ORIGIN_FORM.test(target) || BAD_ESCAPE.test(target)) return undefined;
  const q = target.indexOf('?');
  if (q < 0) return { path: target, params: new URLSearchParams() };
  return { path: target.slice(0, q), params: new URLSearchParams(target.slice(q + 1)) };
}

function debugQuery(params: URLSearchParams): DebugQuery {
  const limit = wholeNumber(params, 'limit', MAX_PAGE_LIMIT);
  const offset = wholeNumber(params, 'offset', Number.MAX_SAFE_INTEGER);
  return { params, ...(limit !== undefined ? { limit } : {}), ...(offset !== undefined ? { offset } : {}) };
}

function wholeNumber(params: URLSearchParams, name: string, max: number): number | undefined {
  const values = params.getAll(name);
  if (values.length === 0) return undefined;
  const value = values.length === 1 && /^\d{1,16}$/.test(values[0]!) ? Number(values[0]) : Number.NaN;
  if (!(value <= max)) throw new BadRequest(`${name} must be one whole number from 0 to ${max}`);
  return value;
}

/**
 * Bounds a debug view that is an object of lists (as /debug/config-errors is): each top-level list
 * shows `limit` entries (DEFAULT_PAGE_LIMIT if the query names none) from `offset`, and each list
 * inside an entry its first `limit`. Beside a list cut short, `<name>Omitted` counts the entries not
 * shown, plus any the provider had already left out under that name. Anything else is kept as it is.
 */
export function pageLists(value: unknown, query: Pick<DebugQuery, 'limit' | 'offset'>): unknown {
  if (!isRecord(value)) return value;
  const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
  const offset = query.offset ?? 0;
  return capLists(
    value,
    (list) => list.slice(offset, offset + limit),
    (entry) =>
      isRecord(entry)
        ? capLists(
            entry,
            (list) => list.slice(0, limit),
            (e) => e,
          )
        : entry,
  );
}

function capLists(
  record: Readonly<Record<string, unknown>>,
  page: (list: readonly unknown[]) => unknown[],
  each: (entry: unknown) => unknown,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (key.endsWith('Omitted') && Array.isArray(record[key.slice(0, -'Omitted'.length)])) continue;
    if (!Array.isArray(value)) {
      out[key] = value;
      continue;
    }
    const shown = page(value);
    out[key] = shown.map(each);
    const before = record[`${key}Omitted`];
    const omitted = value.length - shown.length + (typeof before === 'number' ? before : 0);
    if (omitted > 0) out[`${key}Omitted`] = omitted;
  }
  return out;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
