// The merge step: resolves routing contributions against the services that exist, orders rules
// by each API's precedence, settles conflicts between resources and families, and records all of
// it in status conditions. Pure: same input, same output. The rules are documented in
// docs/routing-conflicts.md; change both together.
import type { Mesh, Service } from './mesh.js';
import { settlePeerAuthentications } from './peer-authentication-conflicts.js';
import {
  indexServices,
  refText,
  resolveHttpRoute,
  resolveTcpRoute,
  type ServiceIndex,
} from './resolve-backends.js';
import { compareGatewayRoutes, type RankedRoute } from './route-precedence.js';
import type {
  BackendPolicy,
  HttpRoute,
  Origin,
  ResourceStatus,
  RouteTable,
  Routing,
  ServiceRef,
  TcpRoute,
} from './routing.js';
import type { RouteContribution, RouteFamily, RoutingFragment } from './routing-fragment.js';
import { settleSidecars } from './sidecar-scope.js';
import { parentOf, StatusBook } from './status-book.js';

export type MeshWithoutRouting = Omit<Mesh, 'routing'>;

export interface BuiltRouting {
  readonly routing: Routing;
  readonly statuses: readonly ResourceStatus[];
}

/** When families collide on one service port, the first listed here wins it. */
export const FAMILY_PRECEDENCE: readonly RouteFamily[] = ['gateway-api', 'istio', 'smi'];

const FAMILY_NAMES: Record<RouteFamily, string> = {
  'gateway-api': 'Gateway API',
  istio: 'Istio',
  smi: 'SMI',
};

const originText = (o: Origin): string => `${o.kind} ${o.namespace}/${o.name}`;
const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const compareOrigins = (a: Origin, b: Origin): number =>
  compareText(a.namespace, b.namespace) || compareText(a.name, b.name) || compareText(a.kind, b.kind);

function compareContributions(a: RouteContribution, b: RouteContribution): number {
  if (a.createdAt !== b.createdAt) {
    if (a.createdAt === undefined) return 1;
    if (b.createdAt === undefined) return -1;
    return compareText(a.createdAt, b.createdAt);
  }
  return compareOrigins(a.origin, b.origin);
}

const meshedPorts = (service: Service): number[] =>
  service.ports.filter((p) => p.transport === 'TCP').map((p) => p.port);

const accepted = { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'accepted' } as const;

export function buildRouting(mesh: MeshWithoutRouting, fragments: readonly RoutingFragment[]): BuiltRouting {
  const services = indexServices(mesh.services);
  const book = new StatusBook();
  for (const f of fragments) book.add(f.statuses ?? []);

  const backendPolicies = settle(
    fragments.flatMap((f) => f.backendPolicies ?? []),
    services,
    book,
  );
  const routeTables = buildTables(
    fragments.flatMap((f) => f.routes ?? []),
    services,
    backendPolicies,
    book,
  );
  const rateLimits = settle(
    fragments.flatMap((f) => f.rateLimits ?? []),
    services,
    book,
  );
  const peerAuthentications = settlePeerAuthentications(
    fragments.flatMap((f) => f.peerAuthentications ?? []),
    mesh.workloads,
    book,
  );
  const sidecars = settleSidecars(
    fragments.flatMap((f) => f.sidecars ?? []),
    mesh.workloads,
    book,
  );
  return {
    routing: {
      routeTables,
      backendPolicies,
      rateLimits,
      ...(peerAuthentications.length > 0 ? { peerAuthentications } : {}),
      ...(sidecars.length > 0 ? { sidecars } : {}),
    },
    statuses: book.list(),
  };
}

interface Policy {
  readonly origin: Origin;
  readonly service: ServiceRef;
  readonly port?: number;
}

/**
 * Policies (DestinationRules, LocalRateLimitPolicies) allow one per service, or per service port:
 * the first by namespace/name wins and the others are told which. Policies for a service or port
 * that does not exist are not accepted.
 */
function settle<P extends Policy>(policies: readonly P[], services: ServiceIndex, book: StatusBook): P[] {
  const winners = new Map<string, P>();
  for (const policy of [...policies].sort((a, b) => compareOrigins(a.origin, b.origin))) {
    const parent = parentOf(policy.service, policy.port);
    const service = services.get(policy.service);
    if (!service) {
      book.set(policy.origin, parent, noParent(`service ${refText(policy.service)} does not exist`));
      continue;
    }
    if (policy.port !== undefined && !service.ports.some((p) => p.port === policy.port)) {
      book.set(
        policy.origin,
        parent,
        noParent(`service ${refText(policy.service)} has no port ${policy.port}`),
      );
      continue;
    }
    const key =
      policy.port === undefined ? refText(policy.service) : `${refText(policy.service)}:${policy.port}`;
    const winner = winners.get(key);
    if (winner) {
      book.set(
        policy.origin,
        parent,
        conflicted(`${originText(winner.origin)} is used for ${key}: the first by namespace/name wins`),
      );
      continue;
    }
    winners.set(key, policy);
    book.setDefault(policy.origin, parent, accepted);
  }
  return [...winners.values()].sort(
    (a, b) => compareText(refText(a.service), refText(b.service)) || (a.port ?? 0) - (b.port ?? 0),
  );
}

function buildTables(
  contributions: readonly RouteContribution[],
  services: ServiceIndex,
  policies: readonly BackendPolicy[],
  book: StatusBook,
): RouteTable[] {
  const groups = new Map<string, { service: Service; port: number; members: RouteContribution[] }>();
  for (const c of contributions) {
    const parent = parentOf(c.service, c.port);
    const service = services.get(c.service);
    if (!service) {
      book.set(c.origin, parent, noParent(`service ${refText(c.service)} does not exist`));
      continue;
    }
    if (c.port !== undefined && !service.ports.some((p) => p.port === c.port)) {
      book.set(c.origin, parent, noParent(`service ${refText(c.service)} has no port ${c.port}`));
      continue;
    }
    book.setDefault(c.origin, parent, accepted);
    for (const port of c.port !== undefined ? [c.port] : meshedPorts(service)) {
      const key = `${refText(c.service)}:${port}`;
      const group = groups.get(key) ?? { service, port, members: [] };
      group.members.push(c);
      groups.set(key, group);
    }
  }
  const tables: RouteTable[] = [];
  for (const key of [...groups.keys()].sort(compareText)) {
    const group = groups.get(key)!;
    tables.push(buildTable(group.service, group.port, group.members, services, policies, book));
  }
  return tables;
}

function buildTable(
  service: Service,
  port: number,
  members: readonly RouteContribution[],
  services: ServiceIndex,
  policies: readonly BackendPolicy[],
  book: StatusBook,
): RouteTable {
  const ref: ServiceRef = { namespace: service.namespace, name: service.name };
  const family = FAMILY_PRECEDENCE.find((f) => members.some((m) => m.family === f))!;
  const ofFamily = members.filter((m) => m.family === family).sort(compareContributions);
  // Gateway API merges every route attached to a service; Istio and SMI use one resource per service.
  const winners = family === 'gateway-api' ? ofFamily : ofFamily.slice(0, 1);
  for (const loser of members.filter((m) => !winners.includes(m))) {
    const why =
      loser.family === family
        ? 'the oldest resource (then the first by namespace/name) wins'
        : `${FAMILY_NAMES[family]} takes precedence over ${FAMILY_NAMES[loser.family]}`;
    book.set(
      loser.origin,
      parentOf(loser.service, loser.port),
      conflicted(
        `${winners.map((w) => originText(w.origin)).join(', ')} is used for ${refText(ref)}:${port}: ${why}`,
      ),
    );
  }

  const ordered: readonly HttpRoute[] =
    family === 'gateway-api'
      ? winners
          .flatMap((m) =>
            m.http.map(
              (route, index): RankedRoute => ({
                route: consumerScoped(route, m, ref),
                index,
                ...(m.createdAt ? { createdAt: m.createdAt } : {}),
              }),
            ),
          )
          .sort(compareGatewayRoutes)
          .map((r) => r.route)
      : (winners[0]?.http ?? []);

  const problems = new Map<RouteContribution, string[]>();
  const note = (origin: Origin, found: readonly string[]) => {
    const member = winners.find((w) => w.origin === origin || compareOrigins(w.origin, origin) === 0);
    if (!member || found.length === 0) return;
    problems.set(member, [...(problems.get(member) ?? []), ...found]);
  };
  const http = ordered.map((route) => {
    const resolved = resolveHttpRoute(route, port, services, policies);
    note(route.origin, resolved.problems);
    return resolved.value;
  });
  const tcp: TcpRoute[] = winners.flatMap((m) =>
    m.tcp.map((route) => {
      const resolved = resolveTcpRoute(route, port, services, policies);
      note(route.origin, resolved.problems);
      return resolved.value;
    }),
  );
  for (const [member, found] of problems) {
    book.set(member.origin, parentOf(member.service, member.port), {
      type: 'ResolvedRefs',
      status: 'False',
      reason: 'BackendNotFound',
      message: [...new Set(found)].join('; '),
    });
  }
  return { service: ref, port, http, tcp, origins: winners.map((w) => w.origin) };
}

/**
 * GAMMA: a route in another namespace than its parent Service is a consumer route; it applies only
 * to clients in the route's own namespace.
 */
function consumerScoped(route: HttpRoute, member: RouteContribution, service: ServiceRef): HttpRoute {
  if (member.origin.namespace === service.namespace) return route;
  return { ...route, match: { ...route.match, sourceNamespace: member.origin.namespace } };
}

function conflicted(message: string) {
  return { type: 'Conflicted', status: 'True', reason: 'Overridden', message } as const;
}

function noParent(message: string) {
  return { type: 'Accepted', status: 'False', reason: 'NoMatchingParent', message } as const;
}
