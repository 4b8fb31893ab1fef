// What the xDS protocol says about each resource type, as far as a stream needs to know.
import { TYPE_URL } from '../envoy/type-urls.js';

// Make before break: secrets before the clusters and listeners that use them, clusters before the
// endpoints they load, listeners before their routes.
const PUSH_ORDER: readonly string[] = [
  TYPE_URL.secret,
  TYPE_URL.cluster,
  TYPE_URL.endpoint,
  TYPE_URL.listener,
  TYPE_URL.route,
];

/** Sorts type URLs into push order: SDS, CDS, EDS, LDS, RDS, then any other type by URL. */
export function inPushOrder(typeUrls: Iterable<string>): string[] {
  const rank = (t: string) => {
    const i = PUSH_ORDER.indexOf(t);
    return i < 0 ? PUSH_ORDER.length : i;
  };
  return [...typeUrls].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
}

/**
 * In state of the world, a Listener or Cluster response is the complete set the client asked for:
 * a requested resource missing from it does not exist. Other types (RouteConfiguration,
 * ClusterLoadAssignment, Secret) carry only what they name, and the client keeps what a response
 * leaves out: a response carries only what the client lacks (sotw-changes.ts), and one with
 * nothing to carry is not sent.
 */
export function isFullStateType(typeUrl: string): boolean {
  return typeUrl === TYPE_URL.listener || typeUrl === TYPE_URL.cluster;
}
