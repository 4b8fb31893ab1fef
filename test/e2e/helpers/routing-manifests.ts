// The routing manifests of the e2e routing tests, one builder per family, for the echo service of
// routing-mesh.ts: the @grpc/grpc-js-xds tests and the gRPC C-core tests apply the same resources.

/** Istio: the v1 and v2 subsets of echo, and a VirtualService with the given http routes. */
const destinationRules = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: echo, namespace: default }
spec:
  host: echo
  subsets:
    - { name: v1, labels: { version: v1 } }
    - { name: v2, labels: { version: v2 } }
`;

export const virtualService = (http: string): string => `${destinationRules}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: echo, namespace: default }
spec:
  hosts: [echo]
  http:
${http}`;

export const istioAllTo = (subset: string): string =>
  virtualService(`    - route: [{ destination: { host: echo, subset: ${subset} } }]
`);

/** Gateway API (GAMMA): an HTTPRoute attached to the echo Service with the given rules. */
export const httpRoute = (rules: string): string => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: echo, namespace: default }
spec:
  parentRefs: [{ group: "", kind: Service, name: echo, port: 50051 }]
  rules:
${rules}`;

export const gatewayAllTo = (service: string): string =>
  httpRoute(`    - backendRefs: [{ name: ${service}, port: 50051 }]
`);

/** SMI: a TrafficSplit of echo over the given backends, with optional matches. */
export const trafficSplit = (
  backends: string,
  matches = '',
): string => `apiVersion: split.smi-spec.io/v1alpha4
kind: TrafficSplit
metadata: { name: echo, namespace: default }
spec:
  service: echo
${matches}  backends:
${backends}`;

export const smiAllTo = (service: string): string =>
  trafficSplit(`    - { service: ${service}, weight: 100 }
`);
