// Every field of the Gateway API kinds we read, as a tree: whether Trellis implements it and, when
// not, what users get instead. The support table in the docs and the UnsupportedField warnings are
// both generated from these trees, so the two cannot disagree.
import type { SupportRow } from '../routing-family.js';
import type { FieldNode, FieldWalk } from '../shared/unsupported-fields.js';

const yes = (fields?: Record<string, FieldNode>, note?: string): FieldNode => ({
  supported: true,
  ...(fields ? { fields } : {}),
  ...(note ? { note } : {}),
});
const listOf = (fields: Record<string, FieldNode>, note?: string): FieldNode => ({
  ...yes(fields, note),
  list: true,
});
const no = (note: string): FieldNode => ({ supported: false, note });

/** A parentRef we act on: group "" and kind Service. Refs to Gateways are for Gateway implementations. */
export function isServiceParentRef(item: unknown): boolean {
  return (
    typeof item === 'object' &&
    item !== null &&
    (item as Record<string, unknown>).group === '' &&
    (item as Record<string, unknown>).kind === 'Service'
  );
}

const parentRefs: FieldNode = {
  ...listOf({
    group: yes(undefined, 'must be "" (the core group): only Service parents are read'),
    kind: yes(undefined, 'must be Service: routes attached to Gateways are left to Gateway implementations'),
    namespace: yes(),
    name: yes(),
    port: yes(),
    sectionName: no('ignored: the route applies to every port of the Service; use port to select one'),
  }),
  walkItem: isServiceParentRef,
};

const hostnames = no(
  'ignored: a mesh route applies to all traffic addressed to its parent Service, whatever the Host header',
);
const useDefaultGateways = no('ignored: applies to Gateways, not to mesh routes');

const objectRef = () => ({
  group: yes(),
  kind: yes(),
  name: yes(),
  namespace: yes(undefined, 'another namespace needs a ReferenceGrant there'),
  port: yes(undefined, 'required for a Service'),
});

const headerList = () => listOf({ name: yes(), value: yes() });
const headerModifier = () => yes({ set: headerList(), add: headerList(), remove: yes() });
const pathModifier = () => yes({ type: yes(), replaceFullPath: yes(), replacePrefixMatch: yes() });

const requestMirror = yes({
  backendRef: yes(objectRef()),
  percent: yes(),
  fraction: yes({ numerator: yes(), denominator: yes() }),
});

const failClosed = 'requests matching the rule are answered with an error, as the spec requires';
const extensionRef = no(`custom filters are not implemented: ${failClosed}`);
const backendFilters = no(
  'ignored: filters on a single backend are not implemented; put them on the rule instead',
);
const sessionPersistence = no('ignored: no session affinity, requests are balanced across endpoints');
const matchList = (type: string) => listOf({ type: yes(undefined, type), name: yes(), value: yes() });

const httpRouteTree: FieldNode = yes({
  spec: yes({
    parentRefs,
    hostnames,
    useDefaultGateways,
    rules: listOf({
      name: yes(undefined, 'accepted; routes are named by rule index'),
      matches: listOf({
        path: yes({ type: yes(), value: yes() }, 'RegularExpression is RE2, matched against the whole path'),
        headers: matchList('Exact, or RegularExpression (RE2)'),
        queryParams: matchList('Exact, or RegularExpression (RE2)'),
        method: yes(),
      }),
      filters: listOf({
        type: yes(),
        requestHeaderModifier: headerModifier(),
        responseHeaderModifier: headerModifier(),
        requestMirror,
        requestRedirect: yes({
          scheme: yes(),
          hostname: yes(),
          path: pathModifier(),
          port: yes(),
          statusCode: yes(),
        }),
        urlRewrite: yes({ hostname: yes(), path: pathModifier() }),
        cors: yes({
          allowOrigins: yes(),
          allowCredentials: yes(),
          allowMethods: yes(),
          allowHeaders: yes(),
          exposeHeaders: yes(),
          maxAge: yes(),
        }),
        extensionRef,
        externalAuth: no(`external authorization is not implemented: ${failClosed}`),
      }),
      backendRefs: listOf({ ...objectRef(), weight: yes(), filters: backendFilters }),
      timeouts: yes({
        request: yes(),
        backendRequest: yes(undefined, 'the timeout of each try, retries included'),
      }),
      retry: yes({
        codes: yes(undefined, '429, 502, 503 and 504 also retry gRPC UNAVAILABLE'),
        attempts: yes(undefined, 'defaults to 1'),
        backoff: yes(undefined, 'the base interval of an exponential backoff'),
      }),
      sessionPersistence,
    }),
  }),
});

const grpcRouteTree: FieldNode = yes({
  spec: yes({
    parentRefs,
    hostnames,
    useDefaultGateways,
    rules: listOf({
      name: yes(undefined, 'accepted; routes are named by rule index'),
      matches: listOf({
        method: yes({ type: yes(), service: yes(), method: yes() }),
        headers: matchList('Exact, or RegularExpression (RE2)'),
      }),
      filters: listOf({
        type: yes(),
        requestHeaderModifier: headerModifier(),
        responseHeaderModifier: headerModifier(),
        requestMirror,
        extensionRef,
      }),
      backendRefs: listOf({ ...objectRef(), weight: yes(), filters: backendFilters }),
      sessionPersistence,
    }),
  }),
});

const referenceGrantTree: FieldNode = yes({
  spec: yes({
    from: listOf({ group: yes(), kind: yes(), namespace: yes() }),
    to: listOf({ group: yes(), kind: yes(), name: yes() }),
  }),
});

/** How UnsupportedField warnings about a Gateway API kind read; `apiName` is "HTTPRoute <apiVersion>". */
export const gatewayFieldWalk = (apiName: string): FieldWalk => ({
  from: 'spec',
  unset: 'skipped',
  notAField: () => `is not a field of ${apiName}; it is ignored`,
  unsupported: (note) => `is not supported: ${note ?? 'it is ignored'}`,
});

export const FIELD_TREES: Readonly<Record<'HTTPRoute' | 'GRPCRoute' | 'ReferenceGrant', FieldNode>> = {
  HTTPRoute: httpRouteTree,
  GRPCRoute: grpcRouteTree,
  ReferenceGrant: referenceGrantTree,
};

/** Leaves, and fields whose whole subtree is unsupported, as rows of the support table. */
function rows(kind: string, node: FieldNode, path: string): SupportRow[] {
  const children = node.supported ? Object.entries(node.fields ?? {}) : [];
  if (children.length === 0) {
    return [{ kind, field: path, supported: node.supported, ...(node.note ? { note: node.note } : {}) }];
  }
  const prefix = node.list ? `${path}[]` : path;
  return children.flatMap(([name, child]) => rows(kind, child, prefix ? `${prefix}.${name}` : name));
}

export const GATEWAY_API_SUPPORT: readonly SupportRow[] = Object.entries(FIELD_TREES).flatMap(
  ([kind, tree]) => rows(kind, tree, ''),
);
