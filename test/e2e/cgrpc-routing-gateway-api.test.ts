// Gateway API in mesh mode (GAMMA), HTTPRoute and GRPCRoute attached to a Service, served to a second
// real xDS client: gRPC C-core (1.51, Debian's python3-grpcio) through cgrpc_client.py. The same
// checks as routing-gateway-api.test.ts makes with @grpc/grpc-js-xds, plus a GRPCRoute method match
// and a split with the default weights (1 each, summing to 2, not 100); every client must ACK all it
// is sent (no NACK in /debug/syncz for its node). The Gateway API has no fault injection, so that
// check is Istio's alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgrpcTally } from './helpers/cgrpc-client.js';
import { type CgrpcMesh, startCgrpcMesh, untilFrom } from './helpers/cgrpc-mesh.js';
import { gatewayAllTo as allTo, httpRoute as route } from './helpers/routing-manifests.js';

describe('Gateway API routing, gRPC C-core client', () => {
  let cgrpc: CgrpcMesh;

  beforeAll(async () => {
    cgrpc = await startCgrpcMesh('gateway-api', allTo('echo-v1'));
  });

  afterAll(async () => {
    await cgrpc?.stop();
  });

  it('routes every call to the one backendRef', () =>
    cgrpc.withClient('plain', async (client) => {
      await untilFrom(client, 'v1');
      await cgrpc.apply(client, allTo('echo-v2'));
      await untilFrom(client, 'v2');
      expect((await cgrpcTally(client, 50)).byServer).toEqual({ v2: 50 });
    }));

  it('routes by gRPC method with a GRPCRoute', () =>
    cgrpc.withClient('grpc-route', async (client) => {
      await cgrpc.apply(
        client,
        `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: { name: echo, namespace: default }
spec:
  parentRefs: [{ group: "", kind: Service, name: echo, port: 50051 }]
  rules:
    - matches: [{ method: { service: trellis.test.Echo, method: Other } }]
      backendRefs: [{ name: echo-v1, port: 50051 }]
    - matches: [{ method: { service: trellis.test.Echo, method: Call } }]
      backendRefs: [{ name: echo-v2, port: 50051 }]
`,
      );
      await untilFrom(client, 'v2');
      expect((await cgrpcTally(client, 50)).byServer).toEqual({ v2: 50 });
    }));

  it('splits 80/20 between backendRefs over 1,000 calls', () =>
    cgrpc.withClient('split-80-20', async (client) => {
      await cgrpc.apply(
        client,
        route(`    - backendRefs:
        - { name: echo-v1, port: 50051, weight: 80 }
        - { name: echo-v2, port: 50051, weight: 20 }
`),
      );
      const result = await cgrpcTally(client, 1_000);
      expect(result.failures).toEqual({});
      expect(Math.abs((result.byServer.v1 ?? 0) / 10 - 80)).toBeLessThanOrEqual(5);
    }));

  it('splits evenly between backendRefs with the default weight (1 each) over 1,000 calls', () =>
    cgrpc.withClient('split-default-weights', async (client) => {
      await cgrpc.apply(
        client,
        route(`    - backendRefs:
        - { name: echo-v1, port: 50051 }
        - { name: echo-v2, port: 50051 }
`),
      );
      const result = await cgrpcTally(client, 1_000);
      expect(result.failures).toEqual({});
      expect(Math.abs((result.byServer.v1 ?? 0) / 10 - 50)).toBeLessThanOrEqual(6);
    }));

  it('routes by header', () =>
    cgrpc.withClient('header', async (client) => {
      await cgrpc.apply(
        client,
        route(`    - matches: [{ headers: [{ name: x-canary, value: "yes" }] }]
      backendRefs: [{ name: echo-v2, port: 50051 }]
    - backendRefs: [{ name: echo-v1, port: 50051 }]
`),
      );
      await untilFrom(client, 'v2', { 'x-canary': 'yes' });
      expect((await cgrpcTally(client, 50, { 'x-canary': 'yes' })).byServer).toEqual({ v2: 50 });
      expect((await cgrpcTally(client, 50, { 'x-canary': 'no' })).byServer).toEqual({ v1: 50 });
      expect((await cgrpcTally(client, 50)).byServer).toEqual({ v1: 50 });
    }));

  it('retries a 503 (gRPC UNAVAILABLE) and succeeds on the second server', () =>
    cgrpc.withClient('retry', async (client) => {
      await cgrpc.apply(
        client,
        route(`    - backendRefs: [{ name: echo-pair, port: 50051 }]
      retry: { attempts: 3, codes: [503] }
`),
      );
      await untilFrom(client, 'v1');
      const flakyBefore = cgrpc.mesh.flaky.calls();
      const result = await cgrpcTally(client, 50);
      expect(result.failures).toEqual({});
      expect(result.byServer).toEqual({ v1: 50 });
      // The failing server was tried (and each of its failures retried), so retries did the work.
      expect(cgrpc.mesh.flaky.calls() - flakyBefore).toBeGreaterThan(0);
    }));

  it('moves traffic when the HTTPRoute file is edited while calls run, with no failed call', () =>
    cgrpc.withClient('live-edit', async (client) => {
      await untilFrom(client, 'v1');
      const result = await cgrpc.callsDuringEdit(client, allTo('echo-v2'), { server: 'v2', calls: 50 });
      expect(result.failures).toEqual({});
      expect(result.byServer.v1).toBeGreaterThan(0);
      expect(result.byServer.v2).toBeGreaterThanOrEqual(50);
    }));
});
