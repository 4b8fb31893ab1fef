// Gateway API's order for the rules of every route attached to one service port: the spec sorts
// matches, not routes, and breaks ties by route age, then namespace/name, then rule order.
import type { HttpRoute, PathMatch } from './routing.js';

export interface RankedRoute {
  readonly route: HttpRoute;
  readonly createdAt?: string;
  /** Position in the contributing resource's own list: rule order, then match order. */
  readonly index: number;
}

/** Exact beats prefix beats regex beats none; longer prefixes beat shorter ones. */
function pathRank(path: PathMatch | undefined): [number, number] {
  if (!path) return [0, 0];
  switch (path.kind) {
    case 'exact':
      return [3, path.value.length];
    case 'prefix':
    case 'segmentPrefix':
      return [2, path.value.length];
    case 'regex':
      return [1, path.value.length];
  }
}

function compareCreated(a: string | undefined, b: string | undefined): number {
  // A route without a creation time (a file written by hand) counts as newer than one with.
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return a < b ? -1 : 1;
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function compareGatewayRoutes(a: RankedRoute, b: RankedRoute): number {
  const [ak, al] = pathRank(a.route.match.path);
  const [bk, bl] = pathRank(b.route.match.path);
  return (
    bk - ak ||
    bl - al ||
    Number(b.route.match.method !== undefined) - Number(a.route.match.method !== undefined) ||
    (b.route.match.headers?.length ?? 0) - (a.route.match.headers?.length ?? 0) ||
    (b.route.match.queryParams?.length ?? 0) - (a.route.match.queryParams?.length ?? 0) ||
    compareCreated(a.createdAt, b.createdAt) ||
    compareText(a.route.origin.namespace, b.route.origin.namespace) ||
    compareText(a.route.origin.name, b.route.origin.name) ||
    compareText(a.route.origin.kind, b.route.origin.kind) ||
    a.index - b.index
  );
}
