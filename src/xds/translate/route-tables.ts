// Finding the route table for a service port. After the merge step every table names one port;
// a table without a port (a model built some other way) covers every port of its service, and a
// table for the exact port wins over it.
import type { Mesh } from '../../model/mesh.js';
import type { HttpRoute, RouteTable, ServiceRef } from '../../model/routing.js';
import { isHttpish, meshedPorts } from './names.js';

const key = (ref: ServiceRef, port: number | undefined): string =>
  `${ref.namespace}/${ref.name}:${port ?? '*'}`;

// Every proxy's translation reads the same immutable tables: index them once per array.
const indexes = new WeakMap<readonly RouteTable[], ReadonlyMap<string, RouteTable>>();

export function routeTableFor(mesh: Mesh, service: ServiceRef, port: number): RouteTable | undefined {
  const tables = mesh.routing.routeTables;
  let index = indexes.get(tables);
  if (!index) {
    const map = new Map<string, RouteTable>();
    // The first table for a key wins, as everywhere else in translation.
    for (const table of tables)
      if (!map.has(key(table.service, table.port))) map.set(key(table.service, table.port), table);
    index = map;
    indexes.set(tables, index);
  }
  return index.get(key(service, port)) ?? index.get(key(service, undefined));
}

/**
 * Every HTTP route behind the sidecar route configuration of one port number, for every proxy:
 * the connection managers that share it need one filter list, whichever routes a proxy sees.
 */
export function httpRoutesByPort(mesh: Mesh): ReadonlyMap<number, readonly HttpRoute[]> {
  const byPort = new Map<number, HttpRoute[]>();
  if (mesh.routing.routeTables.length === 0) return byPort;
  for (const service of mesh.services) {
    for (const port of meshedPorts(service)) {
      if (!isHttpish(port.protocol)) continue;
      const routes = routeTableFor(mesh, service, port.port)?.http ?? [];
      if (routes.length === 0) continue;
      byPort.set(port.port, [...(byPort.get(port.port) ?? []), ...routes]);
    }
  }
  return byPort;
}
