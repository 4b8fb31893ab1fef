// A fake Kubernetes API server for tests: HTTPS on 127.0.0.1 (port 0), its own self-signed
// certificate, the real wire format, and a client-side KubeConfig that trusts it. It serves:
// - `POST /apis/authentication.k8s.io/v1/tokenreviews`, answered from `tokens` (below);
// - discovery (`/api`, `/api/v1`, `/apis`, `/apis/{group}[/{version}]`) of the resources installed
//   (discovery.ts);
// - the REST routes of the resources in `options.resources` (none unless asked; more can be
//   installed later with `store.install`): list with selectors and pagination, watch, get, create,
//   update, patch (merge, JSON and, for built-in kinds, strategic) and delete, on the namespaced and
//   cluster-wide paths and the status subresource (rest-path.ts, rest-routes.ts, rest-writes.ts),
//   from `store` (object-store.ts).
//
// Like the real API server it:
// - requires the caller's bearer token (401 with a `Status` otherwise);
// - answers `POST /apis/authentication.k8s.io/v1/tokenreviews` with 201 and a `TokenReview` that
//   echoes `spec` and adds `status`; an unknown token is `authenticated: false` with an error;
// - checks audiences: a token is valid for the intersection of its own audiences and
//   `spec.audiences` (the API server's audience when the spec has none), and that intersection is
//   `status.audiences`; an empty intersection is `authenticated: false`;
// - is strict about writes: a body of another kind, a stale resourceVersion, a patch of an
//   unsupported content type are errors, as they are there (rest-writes.ts);
// - answers errors as `Status` objects (`kind: Status`, `code`, `reason`, `message`): 404 for an
//   unknown path, 405 for a method a path does not serve.
//
// A test drives it through `tokens` (token → answer) and `store`, and reads `requests(path)` and
// `writes(filter)`. It must call `stop()`: the server, and any request left hanging, are closed then.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { discoveryDocument, isDiscoveryPath } from './discovery.js';
import { FakeObjectStore, type FakeResource } from './object-store.js';
import { parseRestPath } from './rest-path.js';
import { serveRest } from './rest-routes.js';
import { servingCertificate } from './self-signed.js';
import { methodNotAllowed, pathNotFound, reasonOf, sendError, sendJson, sendStatus } from './status.js';
import { type FakeTokenAnswer, type ReviewSpec, reviewToken, TOKEN_REVIEWS_PATH } from './token-review.js';
import { type FakeWrite, type WriteFilter, WriteLog } from './write-log.js';

export {
  API_SERVER_AUDIENCE,
  type FakeTokenAnswer,
  type FakeValidToken,
  fakeJwt,
  serviceAccountAnswer,
  TOKEN_REVIEWS_PATH,
} from './token-review.js';
export type { FakeWrite, WriteFilter } from './write-log.js';

export const DEFAULT_CALLER_TOKEN = 'trellis-test-caller-token';

export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when there is none. */
  readonly body: unknown;
}

type RouteHandler = (request: FakeRequest, response: ServerResponse) => void;

interface Seen {
  body?: unknown;
}

interface Route {
  readonly method: string;
  readonly path: string;
  readonly handle: RouteHandler;
}

export interface FakeApiServer {
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  /** The table the TokenReview route reads; tests fill it. An unknown token is not authenticated. */
  readonly tokens: Map<string, FakeTokenAnswer>;
  /** The `spec` of every TokenReview received, in order. */
  readonly reviewSpecs: readonly { readonly token?: unknown; readonly audiences?: unknown }[];
  /** Requests received for `path`, answered or not, the caller authenticated or not. */
  requests(path: string): number;
  /** The objects the REST routes serve; tests change them, and install resources (CRDs) later. */
  readonly store: FakeObjectStore;
  /** The mutating requests (POST, PUT, PATCH, DELETE) received, oldest first, matching `filter`. */
  writes(filter?: WriteFilter): FakeWrite[];
  /** Forgets the writes received so far. */
  clearWrites(): void;
  /** TCP connections open now: a client that gave up on a request should have closed its own. */
  openConnections(): Promise<number>;
  /** A client config for this server: its CA, and the caller's bearer token (default: the right one). */
  kubeConfig(callerToken?: string): KubeConfig;
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

export interface FakeApiServerOptions {
  /** The bearer token the fake accepts from its caller. */
  readonly callerToken?: string;
  /**
   * Resources served by the REST routes (FAKE_RESOURCES or ALL_FAKE_RESOURCES in resources.ts); none by
   * default. A kind not served answers 404, as when its CRD is not installed.
   */
  readonly resources?: readonly FakeResource[];
}

export async function startFakeApiServer(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  const callerToken = options.callerToken ?? DEFAULT_CALLER_TOKEN;
  const tokens = new Map<string, FakeTokenAnswer>();
  const reviewSpecs: ReviewSpec[] = [];
  const counts = new Map<string, number>();
  const store = new FakeObjectStore(options.resources ?? []);
  const writeLog = new WriteLog();

  const routes: readonly Route[] = [
    {
      method: 'POST',
      path: TOKEN_REVIEWS_PATH,
      handle: (request, response) => reviewToken(tokens, reviewSpecs, request.body, response),
    },
  ];

  let address = '127.0.0.1:0';
  const served = (group: string, version: string, plural: string) => store.served(group, version, plural);
  /** Answers one request; `seen.body` is its parsed body, for the write log. */
  const respond = (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    text: string | undefined,
    seen: Seen,
  ) => {
    if (text === undefined) return sendStatus(res, 413, 'RequestEntityTooLarge', 'the request is too large');
    if (req.headers.authorization !== `Bearer ${callerToken}`)
      return sendStatus(res, 401, 'Unauthorized', 'Unauthorized');
    if (text !== '') {
      try {
        seen.body = JSON.parse(text);
      } catch {
        return sendStatus(res, 400, 'BadRequest', 'the request body is not JSON');
      }
    }
    const { body } = seen;
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const failure = store.takeFailure(path);
    if (failure !== undefined) return sendStatus(res, failure, reasonOf(failure));
    const route = routes.find((r) => r.path === path);
    if (route) {
      if (route.method !== method) return sendError(res, methodNotAllowed());
      return route.handle({ method, path, query: url.searchParams, headers: req.headers, body }, res);
    }
    const target = parseRestPath(path, served);
    if (target) {
      const contentType = mediaType(req.headers['content-type']);
      return serveRest(store, target, { method, path, query: url.searchParams, contentType, body }, res);
    }
    const document = isDiscoveryPath(path) ? discoveryDocument(path, store.resources(), address) : undefined;
    if (document === undefined) return sendError(res, pathNotFound());
    if (method !== 'GET') return sendError(res, methodNotAllowed());
    sendJson(res, 200, document);
  };

  const { certPem, keyPem } = await servingCertificate();
  const server: Server = createServer({ cert: certPem, key: keyPem }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    counts.set(url.pathname, (counts.get(url.pathname) ?? 0) + 1);
    readBody(req).then(
      (text) => {
        const seen: Seen = {};
        try {
          respond(req, res, url, text, seen);
        } catch (error) {
          // A cap reached (the most objects) or a bug of the fake: a 500, not a request left hanging.
          if (res.headersSent) res.destroy();
          else sendStatus(res, 500, 'InternalError', error instanceof Error ? error.message : String(error));
        }
        const method = req.method ?? 'GET';
        if (!writeLog.isWrite(method)) return;
        writeLog.record({
          method,
          path: url.pathname,
          query: url.search.replace(/^\?/, ''),
          subresource: parseRestPath(url.pathname, served)?.subresource ?? '',
          contentType: mediaType(req.headers['content-type']),
          code: res.headersSent ? res.statusCode : 0,
          body: seen.body,
        });
      },
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `https://127.0.0.1:${port}`;
  address = `127.0.0.1:${port}`;
  let stopped: Promise<void> | undefined;

  return {
    url,
    tokens,
    reviewSpecs,
    store,
    requests: (path) => counts.get(path) ?? 0,
    writes: (filter) => writeLog.writes(filter),
    clearWrites: () => writeLog.clear(),
    openConnections: () =>
      new Promise((resolve, reject) =>
        server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      ),
    kubeConfig: (caller = callerToken) => {
      const config = new KubeConfig();
      config.loadFromOptions({
        clusters: [
          {
            name: 'fake',
            server: url,
            caData: Buffer.from(certPem).toString('base64'),
            skipTLSVerify: false,
          },
        ],
        users: [{ name: 'trellis', token: caller }],
        contexts: [{ name: 'fake', cluster: 'fake', user: 'trellis' }],
        currentContext: 'fake',
      });
      return config;
    },
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        store.endWatches();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

/** The body as text, or undefined when it is over the limit. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A Content-Type without its parameters, lowercased; '' when absent. */
function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}
