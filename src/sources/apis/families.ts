// Every routing API family Trellis reads, listed in one place: nothing registers itself on import.
import { gatewayApiFamily } from './gateway-api/family.js';
import { istioFamily } from './istio/istio-family.js';
import type { RoutingFamilyParser } from './routing-family.js';
import { smiFamily } from './smi/smi-family.js';
import { trellisFamily } from './trellis/trellis-family.js';

export const ROUTING_FAMILIES: readonly RoutingFamilyParser[] = [
  gatewayApiFamily,
  istioFamily,
  smiFamily,
  trellisFamily,
];
