// Every routing API family Trellis reads, listed in one place: nothing registers itself on import.
import type { RoutingFamilyParser } from './routing-family.js';

export const ROUTING_FAMILIES: readonly RoutingFamilyParser[] = [];
