// Create, update, patch and delete of one object, with the API server's rules:
// - the body must be the path's apiVersion and kind (a built-in kind may leave both out), with a
//   valid metadata.name (or generateName on create) and the path's namespace;
// - the server owns uid, creationTimestamp, generation and resourceVersion; a stale resourceVersion
//   (or uid) is a 409 Conflict, and an update of a custom resource must carry a resourceVersion;
// - a kind with a status subresource ignores `.status` on create and on the main resource, where a
//   change outside metadata and status bumps metadata.generation; `/status` changes only `.status`;
// - a write that changes nothing is answered with the object as it is: no new resourceVersion and no
//   watch event;
// - `dryRun=All` answers as the write would, and stores nothing.
// Every function returns the reply or throws a StatusError.
import { randomInt, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { applyPatch, isRecord, JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH } from './merge-patch.js';
import type { FakeObjectStore } from './object-store.js';
import { type FakeResource, groupResource, hasStatus } from './resources.js';
import { checkBody, checkIdentity, checkName, checkPreconditions } from './rest-checks.js';
import type { RestTarget } from './rest-path.js';
import { alreadyExists, badRequest, conflict, invalid, notFound, StatusError } from './status.js';
import type { KubeObject } from './watch-hub.js';

export interface Reply {
  readonly code: number;
  readonly body: unknown;
}

type Meta = Record<string, unknown>;

/** POST on a collection: 201 and the object as stored. */
export function createObject(
  store: FakeObjectStore,
  target: RestTarget,
  body: unknown,
  dryRun: boolean,
): Reply {
  const { resource } = target;
  const object = checkBody(resource, body);
  const meta = object.metadata as Meta;
  if (resource.namespaced) {
    if (typeof meta.namespace === 'string' && meta.namespace !== '' && meta.namespace !== target.namespace)
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    meta.namespace = target.namespace;
  } else delete meta.namespace;
  if (typeof meta.name !== 'string' || meta.name === '') {
    if (typeof meta.generateName !== 'string' || meta.generateName === '')
      throw invalid(resource, '', 'metadata.name', 'Required value: name or generateName is required');
    meta.name = generatedName(store, resource, target.namespace ?? '', meta.generateName);
  }
  const name = meta.name as string;
  checkName(resource, name);
  if (typeof meta.resourceVersion === 'string' && meta.resourceVersion !== '')
    throw badRequest('resourceVersion should not be set on objects to be created');
  if (store.get(resource, target.namespace ?? '', name)) throw alreadyExists(resource, name);
  for (const key of ['selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields'])
    delete meta[key];
  meta.uid = randomUUID();
  meta.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  meta.generation = 1;
  if (hasStatus(resource)) delete object.status;
  return { code: 201, body: dryRun ? object : store.write(resource, object) };
}

/** PUT on an object or its status: 200 and the object as stored. */
export function replaceObject(
  store: FakeObjectStore,
  target: RestTarget,
  body: unknown,
  dryRun: boolean,
): Reply {
  const { resource } = target;
  const object = checkBody(resource, body);
  checkIdentity(target, object.metadata as Meta);
  const current = existing(store, target);
  checkPreconditions(resource, target.name!, current, object.metadata as Meta, resource.custom === true);
  const next = target.subresource ? withStatusOf(current, object) : updated(resource, current, object);
  return commit(store, resource, current, next, dryRun);
}

/** PATCH on an object or its status, by content type: 200 and the object as stored. */
export function patchObject(
  store: FakeObjectStore,
  target: RestTarget,
  contentType: string,
  patch: unknown,
  dryRun: boolean,
): Reply {
  const { resource } = target;
  const accepted = [JSON_PATCH, MERGE_PATCH, ...(resource.custom ? [] : [STRATEGIC_MERGE_PATCH])];
  if (!accepted.includes(contentType))
    throw new StatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    );
  const current = existing(store, target);
  const object = checkBody(resource, applyPatch(contentType, current, patch));
  checkIdentity(target, object.metadata as Meta);
  checkPreconditions(resource, target.name!, current, object.metadata as Meta, false);
  const next = target.subresource ? withStatusOf(current, object) : updated(resource, current, object);
  return commit(store, resource, current, next, dryRun);
}

/** DELETE of an object: 200 and the object (custom resources) or a Success Status (built-in kinds). */
export function deleteObject(
  store: FakeObjectStore,
  target: RestTarget,
  body: unknown,
  dryRun: boolean,
): Reply {
  const { resource } = target;
  const name = target.name!;
  const current = existing(store, target);
  const meta = current.metadata as Meta;
  const preconditions = isRecord(body) && isRecord(body.preconditions) ? body.preconditions : {};
  if (typeof preconditions.uid === 'string' && preconditions.uid !== meta.uid)
    throw conflict(
      resource,
      name,
      `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${String(meta.uid ?? '')}`,
    );
  if (
    typeof preconditions.resourceVersion === 'string' &&
    preconditions.resourceVersion !== meta.resourceVersion
  )
    throw conflict(
      resource,
      name,
      `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ` +
        `ResourceVersion in object meta: ${String(meta.resourceVersion)}`,
    );
  const gone = dryRun ? current : store.delete(resource, target.namespace ?? '', name)!;
  if (resource.custom) return { code: 200, body: gone };
  return {
    code: 200,
    body: {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: {
        name,
        ...(resource.group ? { group: resource.group } : {}),
        kind: resource.plural,
        ...(typeof meta.uid === 'string' ? { uid: meta.uid } : {}),
      },
    },
  };
}

function existing(store: FakeObjectStore, target: RestTarget): KubeObject {
  const found = store.get(target.resource, target.namespace ?? '', target.name!);
  if (!found) throw notFound(target.resource, target.name!);
  return found;
}

/** The main resource after an update: the server's metadata kept, status kept when it is a subresource. */
function updated(resource: FakeResource, current: KubeObject, object: KubeObject): KubeObject {
  const next = structuredClone(object);
  const meta = next.metadata as Meta;
  const old = current.metadata as Meta;
  for (const key of [
    'uid',
    'creationTimestamp',
    'generation',
    'namespace',
    'resourceVersion',
    'deletionTimestamp',
  ]) {
    if (old[key] === undefined) delete meta[key];
    else meta[key] = old[key];
  }
  delete meta.selfLink;
  if (hasStatus(resource)) {
    if (current.status === undefined) delete next.status;
    else next.status = current.status;
  }
  const { metadata: _m, ...spec } = next;
  const { metadata: _o, ...oldSpec } = current;
  if (!same(spec, oldSpec)) meta.generation = (typeof old.generation === 'number' ? old.generation : 1) + 1;
  return next;
}

/** The object with only its status taken from `object` (a status write). */
function withStatusOf(current: KubeObject, object: KubeObject): KubeObject {
  const next = structuredClone(current);
  if (object.status === undefined) delete next.status;
  else next.status = object.status;
  return next;
}

function commit(
  store: FakeObjectStore,
  resource: FakeResource,
  current: KubeObject,
  next: KubeObject,
  dryRun: boolean,
): Reply {
  if (same(current, next) || dryRun) return { code: 200, body: same(current, next) ? current : next };
  return { code: 200, body: store.write(resource, next) };
}

function same(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
}

function generatedName(
  store: FakeObjectStore,
  resource: FakeResource,
  namespace: string,
  prefix: string,
): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  for (let attempt = 0; attempt < 8; attempt += 1) {
    let suffix = '';
    for (let i = 0; i < 5; i += 1) suffix += alphabet[randomInt(alphabet.length)];
    const name = `${prefix.slice(0, 58)}${suffix}`;
    if (!store.get(resource, namespace, name)) return name;
  }
  throw new StatusError(
    409,
    'AlreadyExists',
    `${groupResource(resource)}: no free name for generateName ${prefix}`,
  );
}
