// The list route's answer: a `<Kind>List` of the objects matching the namespace and the selectors,
// a page at a time when `limit` is given. As the API server does, a page's `continue` token is opaque
// (base64 JSON of the list's resourceVersion and the last key served), every later page is read at
// that resourceVersion (a consistent snapshot), a token that does not decode is a 400, and one older
// than the store's change log is a 410 Expired.
import type { FakeObjectStore } from './object-store.js';
import { apiVersionOf, type FakeResource, resourcePath } from './resources.js';
import { requestFilter } from './selectors.js';
import { badRequest, StatusError } from './status.js';
import type { KubeObject } from './watch-hub.js';

interface ListMeta {
  readonly resourceVersion: string;
  readonly continue?: string;
  readonly remainingItemCount?: number;
}

interface ContinueToken {
  readonly v: 'meta.k8s.io/v1';
  readonly rv: number;
  readonly start: string;
  readonly path: string;
}

/** `{apiVersion, kind: <Kind>List, metadata, items}` in the wire format of the resource's lists. */
export function listBody(resource: FakeResource, items: readonly KubeObject[], metadata: ListMeta): unknown {
  return {
    apiVersion: apiVersionOf(resource),
    kind: `${resource.kind}List`,
    metadata,
    // A built-in kind's list items carry no apiVersion and kind; a custom resource's do.
    items: resource.custom ? items : items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest),
  };
}

/** The list of `resource` in `namespace` (undefined: every namespace) for this query; throws a StatusError. */
export function listPage(
  store: FakeObjectStore,
  resource: FakeResource,
  namespace: string | undefined,
  query: URLSearchParams,
): unknown {
  const filter = requestFilter(resource, query, namespace);
  const limit = parseLimit(query.get('limit'));
  const token = query.get('continue') ?? '';
  const asked = query.get('resourceVersion') ?? '';
  let rv = Number(store.resourceVersion());
  let start = '';
  if (token !== '') {
    if (asked !== '') throw badRequest('specifying resource version is not allowed when using continue');
    const decoded = decodeToken(token, resource);
    rv = decoded.rv;
    start = decoded.start;
  } else if (asked !== '' && asked !== '0') {
    if (!/^\d+$/.test(asked)) throw badRequest(`invalid resource version: ${JSON.stringify(asked)}`);
    if (query.get('resourceVersionMatch') === 'Exact') rv = Number(asked);
  }
  const objects = store.objects(resource, rv);
  if (!objects) {
    throw new StatusError(
      410,
      'Expired',
      token !== ''
        ? 'The provided continue parameter is too old to display a consistent list result. You can start a ' +
            'new list without the continue parameter.'
        : `too old resource version: ${rv} (${store.resourceVersion()})`,
    );
  }
  const rest = objects.filter((object) => keyOf(object) > start && filter(object));
  const items = limit > 0 ? rest.slice(0, limit) : rest;
  const left = rest.length - items.length;
  const metadata: ListMeta =
    left > 0
      ? {
          resourceVersion: String(rv),
          continue: encodeToken({
            v: 'meta.k8s.io/v1',
            rv,
            start: keyOf(items.at(-1)!),
            path: resourcePath(resource),
          }),
          ...(query.has('labelSelector') || query.has('fieldSelector') ? {} : { remainingItemCount: left }),
        }
      : { resourceVersion: String(rv) };
  return listBody(resource, items, metadata);
}

function parseLimit(text: string | null): number {
  if (text === null || text === '') return 0;
  if (!/^-?\d+$/.test(text)) throw badRequest(`invalid limit: ${JSON.stringify(text)}`);
  return Math.max(0, Number(text));
}

function keyOf(object: KubeObject): string {
  const meta = object.metadata ?? {};
  return `${typeof meta.namespace === 'string' ? meta.namespace : ''}/${String(meta.name)}`;
}

function encodeToken(token: ContinueToken): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeToken(text: string, resource: FakeResource): ContinueToken {
  let token: Partial<ContinueToken> | undefined;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new Error('illegal base64 data');
    token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<ContinueToken>;
  } catch (error) {
    throw badRequest(`continue key is not valid: ${(error as Error).message}`);
  }
  if (
    token?.v !== 'meta.k8s.io/v1' ||
    typeof token.rv !== 'number' ||
    !Number.isInteger(token.rv) ||
    typeof token.start !== 'string'
  )
    throw badRequest(
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  if (token.path !== resourcePath(resource))
    throw badRequest('continue key is not valid: the token is for another resource');
  return token as ContinueToken;
}
