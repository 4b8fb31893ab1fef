// A fake Kubernetes API server for tests: HTTPS on 127.0.0.1 (port 0), its own self-signed
// certificate, the real wire format, and a client-side KubeConfig that trusts it. Only what tests
// need is served; every route is one row of `routes` below (method, exact path, handler). The list
// and watch routes of the resources in `options.resources` (none unless asked) are rows added beside
// the TokenReview one, served from `store` (object-store.ts).
//
// Like the real API server it:
// - requires the caller's bearer token (401 with a `Status` otherwise);
// - answers `POST /apis/authentication.k8s.io/v1/tokenreviews` with 201 and a `TokenReview` that
//   echoes `spec` and adds `status`; an unknown token is `authenticated: false` with an error;
// - checks audiences: a token is valid for the intersection of its own audiences and
//   `spec.audiences` (the API server's audience when the spec has none), and that intersection is
//   `status.audiences`; an empty intersection is `authenticated: false`;
// - answers errors as `Status` objects (`kind: Status`, `code`, `reason`, `message`).
//
// A test drives it through `tokens` (token → answer) and reads `requests(path)`. It must call
// `stop()`: the server, and any request left hanging, are closed then.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { FakeObjectStore, type FakeResource, resourcePath } from './object-store.js';
import { servingCertificate } from './self-signed.js';

/** The audience of tokens the API server issues for itself (`--api-audiences` default). */
export const API_SERVER_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';
export const DEFAULT_CALLER_TOKEN = 'trellis-test-caller-token';

/** What the fake answers for a token under review. */
export type FakeTokenAnswer =
  /** A valid token of `username`, issued for `audiences` (its `aud`). */
  | {
      readonly kind: 'valid';
      readonly username: string;
      readonly audiences: readonly string[];
      readonly uid?: string;
      readonly groups?: readonly string[];
      readonly extra?: Readonly<Record<string, readonly string[]>>;
      /** An authenticator that is not audience-aware: `status.audiences` is this, whatever was asked. */
      readonly reportAudiences?: readonly string[];
    }
  /** `authenticated: false` with this `status.error` (an expired or revoked token). */
  | { readonly kind: 'rejected'; readonly error: string }
  /** The API server fails the request itself: this HTTP status and a `Status` body. */
  | { readonly kind: 'status'; readonly code: number; readonly message?: string }
  /** The API server never answers. */
  | { readonly kind: 'hang' };

export type FakeValidToken = Extract<FakeTokenAnswer, { readonly kind: 'valid' }>;

export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when there is none. */
  readonly body: unknown;
}

type RouteHandler = (request: FakeRequest, response: ServerResponse) => void;

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
  /** The objects the list and watch routes serve; tests change them. */
  readonly store: FakeObjectStore;
  /** TCP connections open now: a client that gave up on a request should have closed its own. */
  openConnections(): Promise<number>;
  /** A client config for this server: its CA, and the caller's bearer token (default: the right one). */
  kubeConfig(callerToken?: string): KubeConfig;
  stop(): Promise<void>;
}

export const TOKEN_REVIEWS_PATH = '/apis/authentication.k8s.io/v1/tokenreviews';
const MAX_BODY_BYTES = 1024 * 1024;

export interface FakeApiServerOptions {
  /** The bearer token the fake accepts from its caller. */
  readonly callerToken?: string;
  /** Resources served by list and watch routes (FAKE_RESOURCES in object-store.ts); none by default. */
  readonly resources?: readonly FakeResource[];
}

export async function startFakeApiServer(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  const callerToken = options.callerToken ?? DEFAULT_CALLER_TOKEN;
  const tokens = new Map<string, FakeTokenAnswer>();
  const reviewSpecs: { token?: unknown; audiences?: unknown }[] = [];
  const counts = new Map<string, number>();
  const store = new FakeObjectStore(options.resources ?? []);

  const routes: readonly Route[] = [
    {
      method: 'POST',
      path: TOKEN_REVIEWS_PATH,
      handle: (request, response) => {
        const review = request.body as { apiVersion?: unknown; kind?: unknown; spec?: unknown } | undefined;
        if (review?.apiVersion !== 'authentication.k8s.io/v1' || review.kind !== 'TokenReview')
          return sendStatus(
            response,
            400,
            'BadRequest',
            'the body is not an authentication.k8s.io/v1 TokenReview',
          );
        const spec = (review.spec ?? {}) as { token?: unknown; audiences?: unknown };
        reviewSpecs.push(spec);
        if (typeof spec.token !== 'string' || spec.token === '')
          return sendStatus(
            response,
            422,
            'Invalid',
            'TokenReview.authentication.k8s.io "" is invalid: spec.token: Required value',
          );
        const asked = Array.isArray(spec.audiences) ? spec.audiences.map(String) : [];
        const answer = tokens.get(spec.token);
        if (answer?.kind === 'hang') return;
        if (answer?.kind === 'status')
          return sendStatus(response, answer.code, reasonOf(answer.code), answer.message);
        sendJson(response, 201, {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenReview',
          metadata: { creationTimestamp: null },
          spec,
          status: reviewStatus(answer, asked),
        });
      },
    },
    ...(options.resources ?? []).map(
      (resource): Route => ({
        method: 'GET',
        path: resourcePath(resource),
        handle: (request, response) => {
          const failure = store.takeFailure(request.path);
          if (failure !== undefined) return sendStatus(response, failure, reasonOf(failure));
          if (request.query.get('watch') === 'true') store.watch(request.path, request.query, response);
          else sendJson(response, 200, store.list(request.path));
        },
      }),
    ),
  ];

  const { certPem, keyPem } = await servingCertificate();
  const server: Server = createServer({ cert: certPem, key: keyPem }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    counts.set(url.pathname, (counts.get(url.pathname) ?? 0) + 1);
    readBody(req).then(
      (text) => {
        if (text === undefined)
          return sendStatus(res, 413, 'RequestEntityTooLarge', 'the request is too large');
        if (req.headers.authorization !== `Bearer ${callerToken}`)
          return sendStatus(res, 401, 'Unauthorized', 'Unauthorized');
        const route = routes.find((r) => r.path === url.pathname);
        if (!route)
          return sendStatus(res, 404, 'NotFound', 'the server could not find the requested resource');
        if (route.method !== req.method)
          return sendStatus(
            res,
            405,
            'MethodNotAllowed',
            `the server does not allow this method on the requested resource`,
          );
        let body: unknown;
        if (text !== '') {
          try {
            body = JSON.parse(text);
          } catch {
            return sendStatus(res, 400, 'BadRequest', 'the request body is not JSON');
          }
        }
        route.handle(
          { method: req.method, path: url.pathname, query: url.searchParams, headers: req.headers, body },
          res,
        );
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
  let stopped: Promise<void> | undefined;

  return {
    url,
    tokens,
    reviewSpecs,
    store,
    requests: (path) => counts.get(path) ?? 0,
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

function reviewStatus(answer: FakeTokenAnswer | undefined, asked: readonly string[]): unknown {
  if (answer === undefined)
    return { user: {}, error: '[invalid bearer token, token could not be validated]' };
  if (answer.kind === 'rejected') return { user: {}, error: answer.error };
  if (answer.kind !== 'valid') throw new Error(`no status for a ${answer.kind} answer`);
  const target = asked.length > 0 ? asked : [API_SERVER_AUDIENCE];
  const granted = target.filter((audience) => answer.audiences.includes(audience));
  if (granted.length === 0 && answer.reportAudiences === undefined)
    return {
      user: {},
      error:
        `[invalid bearer token, token audiences ${JSON.stringify(answer.audiences)} is invalid for the target ` +
        `audiences ${JSON.stringify(target)}]`,
    };
  const user: Record<string, unknown> = { username: answer.username, uid: answer.uid ?? 'uid-of-the-user' };
  if (answer.groups) user.groups = answer.groups;
  if (answer.extra) user.extra = answer.extra;
  return { authenticated: true, user, audiences: answer.reportAudiences ?? granted };
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

function sendJson(response: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

function reasonOf(code: number): string {
  return REASONS[code] ?? 'Unknown';
}

/** A `metav1.Status` failure, as the API server sends for every error. */
function sendStatus(response: ServerResponse, code: number, reason: string, message = reason): void {
  sendJson(response, code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  });
}

let jwtCounter = 0;

/**
 * A token shaped like a projected ServiceAccount token: a JWS whose payload carries `claims`, plus a
 * unique `jti`. Its signature is junk: only the fake API server judges it, from `tokens`.
 */
export function fakeJwt(claims: Readonly<Record<string, unknown>> = {}): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  jwtCounter += 1;
  return [
    part({ alg: 'RS256', kid: 'fake-key' }),
    part({ iss: 'https://kubernetes.default.svc.cluster.local', jti: `fake-${jwtCounter}`, ...claims }),
    Buffer.from(`not a signature ${jwtCounter}`).toString('base64url'),
  ].join('.');
}

/** The answer for a valid token of ServiceAccount `namespace/name`, bound to `podName` if given. */
export function serviceAccountAnswer(
  namespace: string,
  name: string,
  options: { readonly audiences?: readonly string[]; readonly podName?: string } = {},
): FakeValidToken {
  const extra: Record<string, string[]> = {};
  if (options.podName !== undefined) {
    extra['authentication.kubernetes.io/pod-name'] = [options.podName];
    extra['authentication.kubernetes.io/pod-uid'] = ['00000000-0000-4000-8000-000000000001'];
  }
  return {
    kind: 'valid',
    username: `system:serviceaccount:${namespace}:${name}`,
    audiences: options.audiences ?? ['trellis'],
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
    extra,
  };
}
