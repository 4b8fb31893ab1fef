// `metav1.Status`, the body of every error the API server sends, and the errors the fake's REST
// routes throw, with the reasons and the message forms of the real API server.
import type { ServerResponse } from 'node:http';
import { type FakeResource, groupResource } from './resources.js';

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly uid?: string;
  readonly causes?: readonly { readonly reason: string; readonly message: string; readonly field: string }[];
}

/** An error a route answers with: the HTTP code and a Status body. */
export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'StatusError';
  }
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export function reasonOf(code: number): string {
  return REASONS[code] ?? 'Unknown';
}

/** A `metav1.Status` failure. */
export function statusBody(code: number, reason: string, message: string, details?: StatusDetails): unknown {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

export function sendJson(response: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** A `metav1.Status` failure, as the API server sends for every error. */
export function sendStatus(
  response: ServerResponse,
  code: number,
  reason: string,
  message = reason,
  details?: StatusDetails,
): void {
  sendJson(response, code, statusBody(code, reason, message, details));
}

export function sendError(response: ServerResponse, error: StatusError): void {
  sendStatus(response, error.code, error.reason, error.message, error.details);
}

/** `{name, group, kind: <plural>}`, as NotFound, AlreadyExists and Conflict carry. */
function resourceDetails(resource: FakeResource, name: string): StatusDetails {
  return { name, ...(resource.group ? { group: resource.group } : {}), kind: resource.plural };
}

export function notFound(resource: FakeResource, name: string): StatusError {
  return new StatusError(
    404,
    'NotFound',
    `${groupResource(resource)} "${name}" not found`,
    resourceDetails(resource, name),
  );
}

export function alreadyExists(resource: FakeResource, name: string): StatusError {
  return new StatusError(
    409,
    'AlreadyExists',
    `${groupResource(resource)} "${name}" already exists`,
    resourceDetails(resource, name),
  );
}

/** 409 Conflict; the default reason is the one a stale resourceVersion gets. */
export function conflict(
  resource: FakeResource,
  name: string,
  why = 'the object has been modified; please apply your changes to the latest version and try again',
): StatusError {
  return new StatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${groupResource(resource)} "${name}": ${why}`,
    resourceDetails(resource, name),
  );
}

/** 422 Invalid: `Lease.coordination.k8s.io "x" is invalid: <field>: <message>`. */
export function invalid(resource: FakeResource, name: string, field: string, message: string): StatusError {
  const kind = resource.group === '' ? resource.kind : `${resource.kind}.${resource.group}`;
  return new StatusError(422, 'Invalid', `${kind} "${name}" is invalid: ${field}: ${message}`, {
    name,
    ...(resource.group ? { group: resource.group } : {}),
    kind: resource.kind,
    causes: [{ reason: causeReason(message), message, field }],
  });
}

function causeReason(message: string): string {
  if (message.startsWith('Required value')) return 'FieldValueRequired';
  if (message.startsWith('Forbidden')) return 'FieldValueForbidden';
  return 'FieldValueInvalid';
}

export function badRequest(message: string): StatusError {
  return new StatusError(400, 'BadRequest', message);
}

export function methodNotAllowed(): StatusError {
  return new StatusError(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
  );
}

export function pathNotFound(): StatusError {
  return new StatusError(404, 'NotFound', 'the server could not find the requested resource');
}
