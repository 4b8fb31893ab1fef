// The API server's (legacy, unaggregated) discovery documents, made from the resources installed:
//   GET /api                      APIVersions
//   GET /api/v1                   APIResourceList of the core resources
//   GET /apis                     APIGroupList of the groups with a resource installed
//   GET /apis/{group}             APIGroup
//   GET /apis/{group}/{version}   APIResourceList, with a `{plural}/status` entry per status subresource
// TokenReview (authentication.k8s.io/v1, create only) is always listed: the fake always serves it.
import { apiVersionOf, type FakeResource, hasStatus } from './resources.js';

/** Discovery of a resource that is not in the store: served by a route of its own. */
const TOKEN_REVIEW = {
  group: 'authentication.k8s.io',
  version: 'v1',
  kind: 'TokenReview',
  plural: 'tokenreviews',
  namespaced: false,
} as const;

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'];

/** The discovery document at `pathname`, or undefined when it is not a discovery path (or names nothing). */
export function discoveryDocument(
  pathname: string,
  installed: readonly FakeResource[],
  serverAddress: string,
): unknown {
  const segments = pathname.split('/').slice(1);
  const all: readonly DiscoveryResource[] = [...installed, TOKEN_REVIEW];
  if (pathname === '/api')
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  if (pathname === '/api/v1') return resourceList('', 'v1', all);
  if (pathname === '/apis')
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups(all).map(([name, versions]) => apiGroup(name, versions)),
    };
  if (segments[0] !== 'apis' || segments.length > 3 || segments.some((s) => s === '')) return undefined;
  const versions = groups(all).find(([name]) => name === segments[1])?.[1];
  if (!versions) return undefined;
  if (segments.length === 2)
    return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(segments[1]!, versions) };
  if (!versions.includes(segments[2]!)) return undefined;
  return resourceList(segments[1]!, segments[2]!, all);
}

/** Whether `pathname` is a discovery path (so a method other than GET is a 405 there). */
export function isDiscoveryPath(pathname: string): boolean {
  return pathname === '/api' || pathname === '/api/v1' || /^\/apis(\/[^/]+){0,2}$/.test(pathname);
}

type DiscoveryResource = Pick<
  FakeResource,
  'group' | 'version' | 'kind' | 'plural' | 'namespaced' | 'subresources'
>;

function resourceList(group: string, version: string, all: readonly DiscoveryResource[]): unknown {
  const resources = all
    .filter((r) => r.group === group && r.version === version)
    .flatMap((r) => {
      const verbs = r === TOKEN_REVIEW ? ['create'] : VERBS;
      const main = {
        name: r.plural,
        singularName: r.kind.toLowerCase(),
        namespaced: r.namespaced,
        kind: r.kind,
        verbs,
      };
      return hasStatus(r as FakeResource)
        ? [
            main,
            {
              name: `${r.plural}/status`,
              singularName: '',
              namespaced: r.namespaced,
              kind: r.kind,
              verbs: STATUS_VERBS,
            },
          ]
        : [main];
    });
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf({ group, version }),
    resources,
  };
}

/** The named groups with their versions, preferred first; in the order their first resource was installed. */
function groups(all: readonly DiscoveryResource[]): [string, string[]][] {
  const byGroup = new Map<string, Set<string>>();
  for (const r of all)
    if (r.group !== '') byGroup.set(r.group, (byGroup.get(r.group) ?? new Set()).add(r.version));
  return [...byGroup].map(([name, versions]) => [name, [...versions].sort(byPriority)]);
}

function apiGroup(name: string, versions: readonly string[]) {
  const entries = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: entries, preferredVersion: entries[0] };
}

/** Kubernetes version priority: GA before beta before alpha, higher numbers first. */
function byPriority(a: string, b: string): number {
  const rank = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [3, 0, 0, v] as const;
    const stage = m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2;
    return [stage, -Number(m[1]), -Number(m[3] ?? 0), v] as const;
  };
  const [x, y] = [rank(a), rank(b)];
  for (let i = 0; i < 3; i += 1) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return x[3].localeCompare(y[3]);
}
