// The sidecar injector's mutating admission webhook: HTTPS, `POST /inject`, an `admission.k8s.io/v1`
// AdmissionReview in, an AdmissionReview out (admission-review.ts reads and writes them; the pod
// mutation is a PodMutator handed in). The server is thin; what it adds is the bounds.
//
// The API server is the only client, and how it reads an answer decides the rules:
// - It treats anything but a 200 with a readable AdmissionReview (a refusal, a timeout, a reset) as
//   a failed call, and then applies the webhook's failurePolicy: Fail refuses the user's pod. So a
//   request we can read always gets 200 and `allowed: true`, with a warning when the pod is not
//   injected; a status other than 200 goes only to what the API server never sends (a wrong path,
//   method or content type, a body over the limit or that is not a v1 AdmissionReview with a uid),
//   and, by choice, to a request beyond `maxInFlight` (429, below). No answer is ever a 5xx.
// - Refusals are a `v1 Status` object, so the API server's error (and the user's, under
//   failurePolicy: Fail) quotes our one-line message.
// - Its default timeoutSeconds is 10 s (at most 30). The body must have arrived within
//   `answerDeadlineMs` (2 s) of the request's start, or the request is answered 408 and closed;
//   there is no allowed+warning then, for without the body there is no uid to answer to. Once the
//   body is in, the answer is computed synchronously (the PodMutator is a pure, synchronous
//   function), so it is sent as soon as it exists; one that ends after the deadline is still sent
//   (it is valid, and the API server still waits) and logged.
// - Its client (Go's net/http) keeps connections for 90 s when idle and does not retry a POST on a
//   connection the server closed meanwhile, so the server keeps idle connections for longer than
//   that (120 s) and lets the client close them; connections are bounded in number instead
//   (`maxConnections`; past half, every answer closes its connection), and each is closed cleanly
//   (`Connection: close` on its answer) after `maxRequestsPerSocket` requests, which also spreads
//   the API servers over the webhook's replicas behind a Service.
//
// Other bounds, as on the admin port: TLS handshake 5 s, headers 5 s, whole request 10 s, a stalled
// socket 10 s, headers 16 KiB (Node's default, 431 beyond). The body is at most `maxBodyBytes`
// (3 MiB: a Pod is at most 1.5 MiB in etcd, and the review carries it once for CREATE): a
// Content-Length over it is refused with 413 before a byte of the body is read, a chunked body as
// soon as it passes the limit, and the connection is closed. At most `maxInFlight` (32) requests
// are read and answered at once, which bounds the memory held in bodies (32 × 3 MiB); one more is
// refused at once with 429 and `Retry-After: 1` (not read, so its uid is unknown: no allowed+warning
// is possible), which the API server counts as a failed call. JSON is checked by a linear scan
// before JSON.parse (syntax errors name an offset, never the text) and nests at most 100 levels
// (admission-review.ts); JSON.parse of 3 MiB takes about 30 ms.
//
// The certificate comes from a provider that may change it (rotation): every change is installed
// with setSecureContext, so new connections get the new certificate while open ones keep theirs. A
// certificate or key that Node refuses is logged and the previous one stays.

import type http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { parseHostPort } from '../address.js';
import { boundConnections, listenOn } from '../http-listen.js';
import type { Logger } from '../log.js';
import {
  type AdmissionReviewResponse,
  answerAdmissionReview,
  DEFAULT_MAX_JSON_DEPTH,
  failed,
  type PodMutator,
} from './admission-review.js';

/** The one path served. */
export const INJECT_PATH = '/inject';

/** A serving certificate: its chain (leaf first) and its private key, in PEM. */
export interface WebhookCertificate {
  readonly certChainPem: string;
  readonly privateKeyPem: string;
}

export interface WebhookCertificateProvider {
  /** The certificate to serve now. */
  current(): WebhookCertificate;
  /** Calls `listener` after current() changed; returns what unsubscribes it. */
  onChange(listener: () => void): () => void;
}

export interface WebhookLimits {
  /** Bytes of a request body; more is 413. */
  readonly maxBodyBytes: number;
  /** Nesting of objects and arrays in the review; deeper is 400. */
  readonly maxJsonDepth: number;
  /** Requests read and answered at once; one more is 429. */
  readonly maxInFlight: number;
  /** From a request's start, the time its body has to arrive; then 408 and the connection closed. */
  readonly answerDeadlineMs: number;
  /** Sockets open at once; Node closes further ones as they arrive. Past half, answers close theirs. */
  readonly maxConnections: number;
  /** The TLS handshake must end within this long of connecting. */
  readonly handshakeTimeoutMs: number;
  /** A client must have sent its request headers within this long of connecting or of its last answer. */
  readonly headersTimeoutMs: number;
  /** ... and its whole request within this long. */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long (longer than the API server's 90 s). */
  readonly keepAliveTimeoutMs: number;
  /** Requests on one connection; the last answer closes it. */
  readonly maxRequestsPerSocket: number;
  /** A socket on which nothing moves while a request is open is closed after this long. */
  readonly socketTimeoutMs: number;
}

export const DEFAULT_WEBHOOK_LIMITS: WebhookLimits = {
  maxBodyBytes: 3 * 1024 * 1024,
  maxJsonDepth: DEFAULT_MAX_JSON_DEPTH,
  maxInFlight: 32,
  answerDeadlineMs: 2_000,
  maxConnections: 512,
  handshakeTimeoutMs: 5_000,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 120_000,
  maxRequestsPerSocket: 1_000,
  socketTimeoutMs: 10_000,
};

export interface WebhookServerOptions {
  readonly logger: Logger;
  readonly mutator: PodMutator;
  readonly certificates: WebhookCertificateProvider;
  /** Overrides of DEFAULT_WEBHOOK_LIMITS. */
  readonly limits?: Partial<WebhookLimits>;
}

export interface BoundAddress {
  readonly port: number;
  /** host:port as bound (the port never 0; an IPv6 host in brackets). */
  readonly address: string;
}

// Kubernetes' StatusReason for each refusal we send.
const REASONS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  408: 'Timeout',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  429: 'TooManyRequests',
};

interface Refusal {
  readonly status: number;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Close the connection after the answer: its request was not read to the end. */
  readonly close?: boolean;
}

export class WebhookServer {
  private readonly logger: Logger;
  private readonly mutator: PodMutator;
  private readonly certificates: WebhookCertificateProvider;
  private readonly limits: WebhookLimits;
  private server: https.Server | undefined;
  private unsubscribe: (() => void) | undefined;
  private openConnections: () => number = () => 0;
  private inFlight = 0;

  constructor(options: WebhookServerOptions) {
    this.logger = options.logger;
    this.mutator = options.mutator;
    this.certificates = options.certificates;
    this.limits = { ...DEFAULT_WEBHOOK_LIMITS, ...options.limits };
  }

  /**
   * Binds `host:port` (`:port` is loopback, port 0 picks a free one, an IPv6 host in brackets; see
   * address.ts) and resolves with what was bound. Rejects if the provider's certificate or key is
   * refused by Node.
   */
  async listen(address: string): Promise<BoundAddress> {
    if (this.server) throw new Error('WebhookServer is already listening');
    const parsed = parseHostPort(address);
    if (!parsed.ok) throw new Error(`webhook address ${parsed.errors.join('; ')}`);
    const { host, port } = parsed.value;
    const limits = this.limits;
    const server = https.createServer(
      {
        ...secureContextOptions(this.certificates.current()),
        handshakeTimeout: limits.handshakeTimeoutMs,
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        // How often the two timeouts above are checked (Node's default, 30 s, would stretch them).
        connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
      },
      (req, res) => this.handle(req, res, false),
    );
    // A client that asks before sending its body learns of a refusal without sending it.
    server.on('checkContinue', (req, res) => this.handle(req, res, true));
    this.openConnections = boundConnections(server, limits);
    server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
    const result = await listenOn(server, host, port);
    server.on('error', (err) => this.logger.error({ err }, 'webhook server error'));
    this.server = server;
    this.unsubscribe = this.certificates.onChange(() => this.rotate());
    this.logger.info(result, 'webhook server listening');
    return result;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Keep-alive connections would hold close() open until they time out.
      server.closeAllConnections();
    });
    this.logger.info('webhook server closed');
  }

  /** Requests being read or answered now. */
  requestsInFlight(): number {
    return this.inFlight;
  }

  private rotate(): void {
    const server = this.server;
    if (!server) return;
    try {
      server.setSecureContext(secureContextOptions(this.certificates.current()));
      this.logger.info('webhook certificate changed: new connections get the new one');
    } catch (err) {
      this.logger.error({ err }, 'webhook certificate refused; the previous one is still served');
    }
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, expectsContinue: boolean): void {
    const started = performance.now();
    const refusal = this.checkHeaders(req);
    if (refusal) {
      this.refuse(res, refusal);
      return;
    }
    this.inFlight++;
    let done = false;
    let uid: string | undefined;
    res.once('close', () => {
      this.inFlight--;
      done = true;
      clearTimeout(deadline);
    });
    const deadline = setTimeout(() => {
      if (done || res.headersSent) return;
      done = true;
      this.refuse(res, {
        status: 408,
        message: `the request body did not arrive within ${this.limits.answerDeadlineMs} ms`,
        close: true,
      });
    }, this.limits.answerDeadlineMs);
    deadline.unref();

    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      length += chunk.length;
      if (length > this.limits.maxBodyBytes) {
        done = true;
        req.pause();
        this.refuse(res, this.tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks, length));
      } catch {
        return this.refuse(res, { status: 400, message: 'the body is not valid UTF-8' });
      }
      try {
        const answer = answerAdmissionReview(text, this.mutator, { maxDepth: this.limits.maxJsonDepth });
        if (answer.status === 400) return this.refuse(res, { status: 400, message: answer.message });
        uid = answer.uid;
        const { outcome } = answer;
        const ms = Math.round(performance.now() - started);
        const fields = { uid, outcome: outcome.kind, ms };
        if (outcome.kind === 'failed')
          this.logger.error({ ...fields, err: outcome.error }, 'injector failed');
        else if (outcome.kind === 'skipped')
          this.logger.info({ ...fields, reason: outcome.reason }, 'pod skipped');
        else this.logger.debug(fields, 'admission review answered');
        if (ms > this.limits.answerDeadlineMs)
          this.logger.warn(fields, 'admission review answered after the deadline');
        this.sendReview(res, answer.review);
      } catch (err) {
        // Not reached by any known input; the answer is still one the API server accepts.
        this.logger.error({ err, uid }, 'webhook handler failed');
        if (res.headersSent) return void res.destroy();
        if (uid !== undefined) this.sendReview(res, failed(uid, err).review);
        else
          this.refuse(res, {
            status: 400,
            message: 'the request could not be read (internal error, logged)',
          });
      }
    });
    req.on('error', () => {
      done = true;
    });
    if (expectsContinue) res.writeContinue();
  }

  /** A refusal that needs no body: path, method, content type, declared length, capacity. */
  private checkHeaders(req: http.IncomingMessage): Refusal | undefined {
    const path = requestPath(req.url ?? '');
    if (path !== INJECT_PATH)
      return { status: 404, message: `not found: the webhook serves POST ${INJECT_PATH} only`, close: true };
    if (req.method !== 'POST')
      return {
        status: 405,
        message: `method ${req.method ?? ''} not allowed: the webhook serves POST ${INJECT_PATH} only`,
        headers: { allow: 'POST' },
        close: true,
      };
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json')
      return {
        status: 415,
        message: `content type must be application/json, got ${type === '' ? 'none' : JSON.stringify(type.slice(0, 64))}`,
        close: true,
      };
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > this.limits.maxBodyBytes) return this.tooLarge();
    if (this.inFlight >= this.limits.maxInFlight)
      return {
        status: 429,
        message: `busy: ${this.limits.maxInFlight} admission reviews are being answered`,
        headers: { 'retry-after': '1' },
        close: true,
      };
    return undefined;
  }

  private tooLarge(): Refusal {
    return {
      status: 413,
      message: `the request body is over ${this.limits.maxBodyBytes} bytes`,
      close: true,
    };
  }

  private sendReview(res: http.ServerResponse, review: AdmissionReviewResponse): void {
    this.write(res, 200, JSON.stringify(review), {});
  }

  private refuse(res: http.ServerResponse, refusal: Refusal): void {
    const status = {
      apiVersion: 'v1',
      kind: 'Status',
      status: 'Failure',
      message: refusal.message,
      reason: REASONS[refusal.status] ?? 'BadRequest',
      code: refusal.status,
    };
    this.write(res, refusal.status, JSON.stringify(status), {
      ...refusal.headers,
      ...(refusal.close ? { connection: 'close' } : {}),
    });
    // The rest of an unread body is not read: the socket goes once the answer is out.
    if (refusal.close) res.once('finish', () => res.socket?.destroySoon());
  }

  private write(
    res: http.ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string>,
  ): void {
    if (res.headersSent || res.destroyed) return;
    // A busy port frees its sockets as it answers.
    const close = this.openConnections() > this.limits.maxConnections / 2;
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      ...(close ? { connection: 'close' } : {}),
      ...headers,
    });
    res.end(body);
  }
}

/** The path of a request target (origin-form or absolute-form); the query (`?timeout=10s`) is ignored. */
function requestPath(target: string): string {
  let path = target;
  if (/^https?:\/\//i.test(path)) {
    try {
      path = new URL(path).pathname;
    } catch {
      return '';
    }
  }
  const q = path.indexOf('?');
  return q < 0 ? path : path.slice(0, q);
}

function secureContextOptions(certificate: WebhookCertificate) {
  return {
    cert: certificate.certChainPem,
    key: certificate.privateKeyPem,
    minVersion: 'TLSv1.2' as const,
  };
}
