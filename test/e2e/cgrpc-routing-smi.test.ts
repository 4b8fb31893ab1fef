// SMI TrafficSplit (with an HTTPRouteGroup match) served to a second real xDS client: gRPC C-core
// (1.51, Debian's python3-grpcio) through cgrpc_client.py. The same checks as routing-smi.test.ts
// makes with @grpc/grpc-js-xds, plus a split whose weights do not sum to 100; every client must ACK
// all it is sent (no NACK in /debug/syncz for its node). SMI has neither retries nor fault
// injection: those checks are Istio's and the Gateway API's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgrpcTally } from './helpers/cgrpc-client.js';
import { type CgrpcMesh, startCgrpcMesh, untilFrom } from './helpers/cgrpc-mesh.js';
import { smiAllTo as allTo, trafficSplit as split } from './helpers/routing-manifests.js';

describe('SMI routing, gRPC C-core client', () => {
  let cgrpc: CgrpcMesh;

  beforeAll(async () => {
    cgrpc = await startCgrpcMesh('smi', allTo('echo-v1'));
  });

  afterAll(async () => {
    await cgrpc?.stop();
  });

  it('routes every call to the one backend', () =>
    cgrpc.withClient('plain', async (client) => {
      await untilFrom(client, 'v1');
      await cgrpc.apply(client, allTo('echo-v2'));
      await untilFrom(client, 'v2');
      expect((await cgrpcTally(client, 50)).byServer).toEqual({ v2: 50 });
    }));

  it('splits 80/20 between backends over 1,000 calls', () =>
    cgrpc.withClient('split-80-20', async (client) => {
      await cgrpc.apply(
        client,
        split(`    - { service: echo-v1, weight: 80 }
    - { service: echo-v2, weight: 20 }
`),
      );
      const result = await cgrpcTally(client, 1_000);
      expect(result.failures).toEqual({});
      expect(Math.abs((result.byServer.v1 ?? 0) / 10 - 80)).toBeLessThanOrEqual(5);
    }));

  it('splits 3:1 (weights that do not sum to 100) over 1,000 calls', () =>
    cgrpc.withClient('split-3-1', async (client) => {
      await cgrpc.apply(
        client,
        split(`    - { service: echo-v1, weight: 3 }
    - { service: echo-v2, weight: 1 }
`),
      );
      const result = await cgrpcTally(client, 1_000);
      expect(result.failures).toEqual({});
      expect(Math.abs((result.byServer.v1 ?? 0) / 10 - 75)).toBeLessThanOrEqual(5);
    }));

  it('splits only the requests an HTTPRouteGroup header match selects', () =>
    cgrpc.withClient('header', async (client) => {
      await cgrpc.apply(
        client,
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
      await untilFrom(client, 'v2', { 'x-canary': 'yes' });
      expect((await cgrpcTally(client, 50, { 'x-canary': 'yes' })).byServer).toEqual({ v2: 50 });
      // Requests the group does not select go to the root service (v1 and v2 round robin).
      const plain = await cgrpcTally(client, 50, { 'x-canary': 'no' });
      expect(plain.failures).toEqual({});
      expect(plain.byServer.v1).toBeGreaterThan(0);
    }));

  it('moves traffic when the TrafficSplit file is edited while calls run, with no failed call', () =>
    cgrpc.withClient('live-edit', async (client) => {
      await untilFrom(client, 'v1');
      const result = await cgrpc.callsDuringEdit(client, allTo('echo-v2'), { server: 'v2', calls: 50 });
      expect(result.failures).toEqual({});
      expect(result.byServer.v1).toBeGreaterThan(0);
      expect(result.byServer.v2).toBeGreaterThanOrEqual(50);
    }));
});
