// SMI TrafficSplit (with an HTTPRouteGroup match), served to a real @grpc/grpc-js-xds client.
// SMI has neither retries nor fault injection: those checks are Istio's and the Gateway API's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callsDuringChange } from './helpers/live-change.js';
import { smiAllTo as allTo, trafficSplit as split } from './helpers/routing-manifests.js';
import { type RoutingMesh, startRoutingMesh, tally, untilRouted } from './helpers/routing-mesh.js';

describe('SMI routing, end to end', () => {
  let mesh: RoutingMesh;

  beforeAll(async () => {
    mesh = await startRoutingMesh(allTo('echo-v1'), 'smi-client');
    await untilRouted(mesh.client, (from) => from === 'v1', {}, 'the first routes');
  });

  afterAll(async () => {
    await mesh?.stop();
  });

  it('splits 80/20 between backends over 1,000 calls', async () => {
    await mesh.applyRouting(
      split(`    - { service: echo-v1, weight: 80 }
    - { service: echo-v2, weight: 20 }
`),
    );
    const result = await tally(mesh.client, 1_000);
    expect(result.failures).toEqual({});
    expect(Math.abs((result.byServer.v1 ?? 0) / 10 - 80)).toBeLessThanOrEqual(5);
  });

  it('splits only the requests an HTTPRouteGroup header match selects', async () => {
    await mesh.applyRouting(
      `apiVersion: specs.smi-spec.io/v1alpha4
kind: HTTPRouteGroup
metadata: { name: canary, namespace: default }
spec:
  matches:
    - { name: canary-header, headers: { x-canary: "yes" } }
---
${split(
  `    - { service: echo-v2, weight: 100 }
`,
  `  matches: [{ kind: HTTPRouteGroup, name: canary }]
`,
)}`,
    );
    expect((await tally(mesh.client, 50, { 'x-canary': 'yes' })).byServer).toEqual({ v2: 50 });
    // Requests the group does not select go to the root service (v1 and v2 round robin).
    expect((await tally(mesh.client, 50, { 'x-canary': 'no' })).byServer.v1).toBeGreaterThan(0);
  });

  it('moves traffic when the TrafficSplit file is edited while calls run, with no failed call', async () => {
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
