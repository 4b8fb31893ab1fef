// Checks the services a route sends to against the ones that exist. An unresolvable backend keeps
// its share of traffic and answers 500 for it, as the Gateway API asks; it never drops the route.
import type { Service } from './mesh.js';
import type { Backend, BackendPolicy, HttpRoute, MirrorPolicy, ServiceRef, TcpRoute } from './routing.js';

export interface ServiceIndex {
  get(ref: ServiceRef): Service | undefined;
}

export function indexServices(services: readonly Service[]): ServiceIndex {
  const byKey = new Map(services.map((s) => [`${s.namespace}/${s.name}`, s]));
  return { get: (ref) => byKey.get(`${ref.namespace}/${ref.name}`) };
}

export const refText = (ref: ServiceRef): string => `${ref.namespace}/${ref.name}`;

interface Target {
  readonly service: ServiceRef;
  readonly port?: number;
  readonly subset?: string;
}

/** Why `target` cannot be reached from a table on `tablePort`, or the port it resolves to. */
function resolveTarget(
  target: Target,
  tablePort: number,
  services: ServiceIndex,
  policies: readonly BackendPolicy[],
): { port: number } | { problem: string } {
  const service = services.get(target.service);
  if (!service) return { problem: `service ${refText(target.service)} does not exist` };
  const ports = service.ports.map((p) => p.port);
  let port = target.port;
  if (port === undefined) {
    // No port named: the port the request came in on, or the service's only port.
    if (ports.includes(tablePort)) port = tablePort;
    else if (ports.length === 1) port = ports[0];
    else return { problem: `service ${refText(target.service)} has no port ${tablePort}; name one` };
  }
  if (port === undefined || !ports.includes(port))
    return { problem: `service ${refText(target.service)} has no port ${port}` };
  if (target.subset !== undefined) {
    const policy = policies.find(
      (p) => p.service.namespace === target.service.namespace && p.service.name === target.service.name,
    );
    if (!policy?.subsets.some((s) => s.name === target.subset))
      return {
        problem: `subset ${target.subset} of ${refText(target.service)} is not defined by any DestinationRule`,
      };
  }
  return { port };
}

export interface Resolved<T> {
  readonly value: T;
  readonly problems: readonly string[];
}

// The Gateway API answers an unresolvable backend's share with 500, but a GRPCRoute's with
// UNAVAILABLE (HTTP 503), which is what gRPC clients understand.
const unresolvedStatus = (originKind: string): number => (originKind === 'GRPCRoute' ? 503 : 500);

function resolveBackends(
  backends: readonly Backend[],
  tablePort: number,
  services: ServiceIndex,
  policies: readonly BackendPolicy[],
  originKind: string,
): Resolved<Backend[]> {
  const problems: string[] = [];
  const value = backends.map((backend): Backend => {
    if (backend.kind !== 'service') return backend;
    const resolved = resolveTarget(backend, tablePort, services, policies);
    if ('problem' in resolved) {
      problems.push(resolved.problem);
      return {
        kind: 'invalid',
        weight: backend.weight,
        status: unresolvedStatus(originKind),
        reason: 'BackendNotFound',
      };
    }
    return { ...backend, port: resolved.port };
  });
  return { value, problems };
}

export function resolveHttpRoute(
  route: HttpRoute,
  tablePort: number,
  services: ServiceIndex,
  policies: readonly BackendPolicy[],
): Resolved<HttpRoute> {
  const problems: string[] = [];
  let action = route.action;
  if (action.kind === 'forward') {
    const backends = resolveBackends(action.backends, tablePort, services, policies, route.origin.kind);
    problems.push(...backends.problems);
    action = { kind: 'forward', backends: backends.value };
  }
  const mirrors: MirrorPolicy[] = [];
  for (const mirror of route.mirrors ?? []) {
    const resolved = resolveTarget(mirror, tablePort, services, policies);
    if ('problem' in resolved) problems.push(`mirror: ${resolved.problem}; not mirrored`);
    else mirrors.push({ ...mirror, port: resolved.port });
  }
  const { mirrors: _dropped, ...rest } = route;
  return { value: { ...rest, action, ...(mirrors.length > 0 ? { mirrors } : {}) }, problems };
}

export function resolveTcpRoute(
  route: TcpRoute,
  tablePort: number,
  services: ServiceIndex,
  policies: readonly BackendPolicy[],
): Resolved<TcpRoute> {
  const backends = resolveBackends(route.backends, tablePort, services, policies, route.origin.kind);
  return { value: { ...route, backends: backends.value }, problems: backends.problems };
}
