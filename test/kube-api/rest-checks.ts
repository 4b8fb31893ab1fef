// The checks the API server makes of a write's body before it stores anything: the object is of the
// path's apiVersion and kind (a built-in kind may leave both out, a custom resource may not), its
// metadata has the right types, its name is a valid one, it names the object of the path, and its
// resourceVersion and uid (the preconditions of an update) are the stored object's.
import { isRecord } from './merge-patch.js';
import { apiVersionOf, type FakeResource } from './resources.js';
import type { RestTarget } from './rest-path.js';
import { badRequest, conflict, invalid } from './status.js';
import type { KubeObject } from './watch-hub.js';

type Meta = Record<string, unknown>;

/** A copy of the body, checked to be an object of `resource` (a built-in kind's apiVersion and kind default). */
export function checkBody(resource: FakeResource, body: unknown): KubeObject {
  if (!isRecord(body))
    throw badRequest(
      `json: cannot unmarshal ${Array.isArray(body) ? 'array' : typeof body} into Go value of type ${resource.kind}`,
    );
  const object = structuredClone(body) as KubeObject;
  const expected = apiVersionOf(resource);
  for (const [field, value] of [
    ['apiVersion', expected],
    ['kind', resource.kind],
  ] as const) {
    if (object[field] !== undefined && object[field] !== '') continue;
    if (resource.custom)
      throw badRequest(
        `Object '${field === 'kind' ? 'Kind' : field}' is missing in '${JSON.stringify(body).slice(0, 200)}'`,
      );
    object[field] = value;
  }
  if (object.apiVersion !== expected)
    throw badRequest(
      `the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${expected})`,
    );
  if (object.kind !== resource.kind)
    throw badRequest(
      `${String(object.kind)} in version "${resource.version}" cannot be handled as a ${resource.kind}: the kind in the body is not the path's`,
    );
  if (object.metadata === undefined) object.metadata = {};
  const meta = object.metadata;
  if (!isRecord(meta))
    throw badRequest(
      `${resource.kind} in version "${resource.version}" cannot be handled as a ${resource.kind}: metadata is not an object`,
    );
  for (const field of ['name', 'generateName', 'namespace', 'resourceVersion', 'uid'])
    if (meta[field] !== undefined && typeof meta[field] !== 'string')
      throw badRequest(
        `${resource.kind} in version "${resource.version}" cannot be handled as a ${resource.kind}: metadata.${field} is not a string`,
      );
  for (const field of ['labels', 'annotations'])
    if (
      meta[field] !== undefined &&
      !(isRecord(meta[field]) && Object.values(meta[field]).every((v) => typeof v === 'string'))
    )
      throw badRequest(
        `${resource.kind} in version "${resource.version}" cannot be handled as a ${resource.kind}: metadata.${field} is not a map of strings`,
      );
  return object;
}

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

export function checkName(resource: FakeResource, name: string): void {
  const [pattern, max, what] =
    resource.kind === 'Namespace'
      ? [LABEL, 63, 'a lowercase RFC 1123 label']
      : resource.kind === 'Service'
        ? [LABEL_1035, 63, 'a DNS-1035 label']
        : [SUBDOMAIN, 253, 'a lowercase RFC 1123 subdomain'];
  if (!pattern.test(name) || name.length > max)
    throw invalid(
      resource,
      name,
      'metadata.name',
      `Invalid value: "${name}": ${what} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    );
}

/** The body names the object of the path: the same name, and no other namespace. */
export function checkIdentity(target: RestTarget, meta: Meta): void {
  if (meta.name !== target.name)
    throw badRequest(
      `the name of the object (${String(meta.name ?? '')}) does not match the name on the URL (${target.name})`,
    );
  if (
    target.namespace !== undefined &&
    typeof meta.namespace === 'string' &&
    meta.namespace !== '' &&
    meta.namespace !== target.namespace
  )
    throw badRequest(
      `the namespace of the object (${meta.namespace}) does not match the namespace on the request (${target.namespace})`,
    );
}

export function checkPreconditions(
  resource: FakeResource,
  name: string,
  current: KubeObject,
  meta: Meta,
  requireVersion: boolean,
): void {
  const now = current.metadata as Meta;
  if (typeof meta.resourceVersion === 'string' && meta.resourceVersion !== '') {
    if (meta.resourceVersion !== now.resourceVersion) throw conflict(resource, name);
  } else if (requireVersion)
    throw invalid(
      resource,
      name,
      'metadata.resourceVersion',
      'Invalid value: 0x0: must be specified for an update',
    );
  if (typeof meta.uid === 'string' && meta.uid !== '' && typeof now.uid === 'string' && meta.uid !== now.uid)
    throw conflict(
      resource,
      name,
      `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${now.uid}`,
    );
}
