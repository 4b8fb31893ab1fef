// Gateway API in mesh mode (GAMMA): an HTTPRoute attached to a Service, served to a real
// @grpc/grpc-js-xds client. The Gateway API has no fault injection, so that check is Istio's alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callsDuringChange } from './helpers/live-change.js';
import { gatewayAllTo as allTo, httpRoute as route } from './helpers/routing-manifests.js';
import { type RoutingMesh, startRoutingMesh, tally, untilRouted } from './helpers/routing-mesh.js';

describe('Gateway API routing, end to end', () => {
  let mesh: RoutingMesh;

  beforeAll(async () => {
    mesh = await startRoutingMesh(allTo('echo-v1'), 'gateway-api-client');
    await untilRouted(mesh.client, (from) => from === 'v1', {}, 'the first routes');
  });

  afterAll(async () => {
    await mesh?.stop();
  });

  it('splits 80/20 between backendRefs over 1,000 calls', async () => {
    await mesh.applyRouting(
      route(`    - backendRefs:
        - { name: echo-v1, port: 50051, weight: 80 }
        - { name: echo-v2, port: 50051, weight: 20 }
`),
    );
    const result = await tally(mesh.client, 1_000);
    expect(result.failures).toEqual({});
    expect(Math.abs((result.byServer.v1 ?? 0) / 10 - 80)).toBeLessThanOrEqual(5);
  });

  it('routes by header', async () => {
    await mesh.applyRouting(
      route(`    - matches: [{ headers: [{ name: x-canary, value: "yes" }] }]
      backendRefs: [{ name: echo-v2, port: 50051 }]
    - backendRefs: [{ name: echo-v1, port: 50051 }]
`),
    );
    expect((await tally(mesh.client, 50, { 'x-canary': 'yes' })).byServer).toEqual({ v2: 50 });
    expect((await tally(mesh.client, 50, { 'x-canary': 'no' })).byServer).toEqual({ v1: 50 });
  });

  it('retries a 503 (gRPC UNAVAILABLE) and succeeds on the second server', async () => {
    await mesh.applyRouting(
      route(`    - backendRefs: [{ name: echo-pair, port: 50051 }]
      retry: { attempts: 3, codes: [503] }
`),
    );
    await untilRouted(mesh.client, (from) => from === 'v1');
    const flakyBefore = mesh.flaky.calls();
    const result = await tally(mesh.client, 100);
    expect(result.failures).toEqual({});
    expect(result.byServer).toEqual({ v1: 100 });
    expect(mesh.flaky.calls() - flakyBefore).toBeGreaterThan(0);
  });

  it('moves traffic when the HTTPRoute file is edited while calls run, with no failed call', async () => {
    await mesh.applyRouting(allTo('echo-v1'));
    await untilRouted(mesh.client, (from) => from === 'v1');
    const { seen, failures } = await callsDuringChange(
      mesh.client,
      () => mesh.writeRouting(allTo('echo-v2')),
      {
        server: 'v2',
        calls: 50,
      },
    );
    expect(failures).toBe(0);
    expect(seen.v1).toBeGreaterThan(0);
    expect(seen.v2).toBeGreaterThanOrEqual(50);
  });
});
