// The REST routes of the resources the store serves, by method and path shape (rest-path.ts):
//   collection: GET lists (list-page.ts) or, with `watch=true`, watches; POST creates (only on a
//               namespaced path for a namespaced resource);
//   object:     GET, PUT, PATCH, DELETE;
//   status:     GET, PUT, PATCH.
// Any other method is a 405. POST and PUT bodies must be JSON (`application/json`, or no content
// type); PATCH bodies are JSON of the patch type the content type names (rest-writes.ts).
import type { ServerResponse } from 'node:http';
import { listPage } from './list-page.js';
import type { FakeObjectStore } from './object-store.js';
import type { RestTarget } from './rest-path.js';
import { createObject, deleteObject, patchObject, type Reply, replaceObject } from './rest-writes.js';
import { badRequest, methodNotAllowed, notFound, StatusError, sendError, sendJson } from './status.js';

export interface RestRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** The request's Content-Type without parameters, lowercased ('' when absent). */
  readonly contentType: string;
  /** The parsed JSON body, or undefined when there is none. */
  readonly body: unknown;
}

/** Answers a request of `target`; errors are Status replies. */
export function serveRest(
  store: FakeObjectStore,
  target: RestTarget,
  request: RestRequest,
  response: ServerResponse,
): void {
  try {
    route(store, target, request, response);
  } catch (error) {
    if (!(error instanceof StatusError)) throw error;
    sendError(response, error);
  }
}

function route(
  store: FakeObjectStore,
  target: RestTarget,
  request: RestRequest,
  response: ServerResponse,
): void {
  const { resource, name, namespace } = target;
  const { method, query, body } = request;
  const dryRun = parseDryRun(query);
  let reply: Reply;
  if (name === undefined) {
    if (method === 'GET' && isWatch(query)) {
      store.watchResource(resource, query, response, namespace);
      return;
    }
    if (method === 'GET') reply = { code: 200, body: listPage(store, resource, namespace, query) };
    else if (method === 'POST' && (namespace !== undefined || !resource.namespaced)) {
      requireJson(request);
      reply = createObject(store, target, body, dryRun);
    } else throw methodNotAllowed();
  } else if (method === 'GET') {
    if (isWatch(query)) {
      store.watchResource(resource, query, response, namespace ?? '', name);
      return;
    }
    const found = store.get(resource, namespace ?? '', name);
    if (!found) throw notFound(resource, name);
    reply = { code: 200, body: found };
  } else if (method === 'PUT') {
    requireJson(request);
    reply = replaceObject(store, target, body, dryRun);
  } else if (method === 'PATCH') reply = patchObject(store, target, request.contentType, body, dryRun);
  else if (method === 'DELETE' && !target.subresource) reply = deleteObject(store, target, body, dryRun);
  else throw methodNotAllowed();
  sendJson(response, reply.code, reply.body);
}

/** `watch=true` (or another spelling of true Go's ParseBool accepts). */
function isWatch(query: URLSearchParams): boolean {
  return ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(query.get('watch') ?? '');
}

function parseDryRun(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  for (const value of values)
    if (value !== 'All') throw badRequest(`dryRun: Unsupported value: "${value}": supported values: "All"`);
  return values.length > 0;
}

function requireJson(request: RestRequest): void {
  if (request.contentType !== '' && request.contentType !== 'application/json')
    throw new StatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json`,
    );
}
