// The REST paths of the resources served, parsed as the API server routes them:
//   /api/v1/{plural}[/{name}[/status]]                          (cluster-scoped, or a namespaced
//   /apis/{group}/{version}/{plural}[/{name}[/status]]           resource's list across namespaces)
//   /api/v1/namespaces/{ns}/{plural}[/{name}[/status]]
//   /apis/{group}/{version}/namespaces/{ns}/{plural}[/{name}[/status]]
// `/api/v1/namespaces/{name}/status` is the Namespace's status subresource. A path naming a resource
// not served, a scope it does not have, or a subresource it lacks is not a target (404).
import { type FakeResource, hasStatus } from './resources.js';

export interface RestTarget {
  readonly resource: FakeResource;
  /** The namespace in the path; undefined for a cluster-scoped resource or a list across namespaces. */
  readonly namespace?: string;
  /** The object's name; undefined for the collection. */
  readonly name?: string;
  readonly subresource?: 'status';
}

export type ServedLookup = (group: string, version: string, plural: string) => FakeResource | undefined;

export function parseRestPath(pathname: string, served: ServedLookup): RestTarget | undefined {
  const segments = decodeSegments(pathname);
  if (!segments) return undefined;
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 3) {
    group = '';
    version = segments[1]!;
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 4) {
    group = segments[1]!;
    version = segments[2]!;
    rest = segments.slice(3);
  } else return undefined;

  let namespace: string | undefined;
  const namespaceStatus = group === '' && rest.length === 3 && rest[2] === 'status';
  if (rest[0] === 'namespaces' && rest.length >= 3 && !namespaceStatus) {
    namespace = rest[1]!;
    rest = rest.slice(2);
  }
  if (rest.length > 3) return undefined;
  const [plural, name, subresource] = rest as [string, string | undefined, string | undefined];
  const resource = served(group, version, plural);
  if (!resource) return undefined;
  if (namespace !== undefined && !resource.namespaced) return undefined;
  if (namespace === undefined && resource.namespaced && name !== undefined) return undefined;
  if (subresource !== undefined && (subresource !== 'status' || !hasStatus(resource))) return undefined;
  return {
    resource,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource: 'status' as const } : {}),
  };
}

/** The decoded, non-empty segments of a path; undefined when one is empty or not decodable. */
function decodeSegments(pathname: string): string[] | undefined {
  if (!pathname.startsWith('/')) return undefined;
  const raw = pathname.slice(1).split('/');
  try {
    const segments = raw.map((s) => decodeURIComponent(s));
    return segments.some((s) => s === '' || s.includes('/')) ? undefined : segments;
  } catch {
    return undefined;
  }
}
