// Istio VirtualService and DestinationRule served to a second real xDS client: gRPC C-core (1.51,
// Debian's python3-grpcio) through cgrpc_client.py. The same checks as routing-istio.test.ts makes
// with @grpc/grpc-js-xds, plus a split whose weights do not sum to 100; every client must ACK all
// it is sent (no NACK in /debug/syncz for its node).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgrpcTally } from './helpers/cgrpc-client.js';
import { type CgrpcMesh, startCgrpcMesh, untilFrom } from './helpers/cgrpc-mesh.js';
import { istioAllTo as allTo, virtualService } from './helpers/routing-manifests.js';

/** gRPC status codes, as C-core reports them. */
const ABORTED = 10;

describe('Istio routing, gRPC C-core client', () => {
  let cgrpc: CgrpcMesh;

  beforeAll(async () => {
    cgrpc = await startCgrpcMesh('istio', allTo('v1'));
  });

  afterAll(async () => {
    await cgrpc?.stop();
  });

  it('routes every call to the one destination', () =>
    cgrpc.withClient('plain', async (client) => {
      await untilFrom(client, 'v1');
      await cgrpc.apply(client, allTo('v2'));
      await untilFrom(client, 'v2');
      expect((await cgrpcTally(client, 50)).byServer).toEqual({ v2: 50 });
    }));

  it('splits 80/20 between subsets over 1,000 calls', () =>
    cgrpc.withClient('split-80-20', async (client) => {
      await cgrpc.apply(
        client,
        virtualService(`    - route:
        - { destination: { host: echo, subset: v1 }, weight: 80 }
        - { destination: { host: echo, subset: v2 }, weight: 20 }
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
        virtualService(`    - route:
        - { destination: { host: echo, subset: v1 }, weight: 3 }
        - { destination: { host: echo, subset: v2 }, weight: 1 }
`),
      );
      const result = await cgrpcTally(client, 1_000);
      expect(result.failures).toEqual({});
      expect(Math.abs((result.byServer.v1 ?? 0) / 10 - 75)).toBeLessThanOrEqual(5);
    }));

  it('routes by header', () =>
    cgrpc.withClient('header', async (client) => {
      await cgrpc.apply(
        client,
        virtualService(`    - match: [{ headers: { x-canary: { exact: "yes" } } }]
      route: [{ destination: { host: echo, subset: v2 } }]
    - route: [{ destination: { host: echo, subset: v1 } }]
`),
      );
      await untilFrom(client, 'v2', { 'x-canary': 'yes' });
      expect((await cgrpcTally(client, 50, { 'x-canary': 'yes' })).byServer).toEqual({ v2: 50 });
      expect((await cgrpcTally(client, 50, { 'x-canary': 'no' })).byServer).toEqual({ v1: 50 });
      expect((await cgrpcTally(client, 50)).byServer).toEqual({ v1: 50 });
    }));

  // C-core 1.51 reads header matchers only in their older fields, and links an RE2 that refuses
  // (?<name>): prefix and regex conditions, a named group among them, must reach it in forms it reads.
  it('routes by header prefix and by a regex with a named group', () =>
    cgrpc.withClient('header-prefix-regex', async (client) => {
      await cgrpc.apply(
        client,
        virtualService(`    - match: [{ headers: { x-tier: { prefix: "gold-" } } }]
      route: [{ destination: { host: echo, subset: v2 } }]
    - match: [{ headers: { x-build: { regex: "(?<major>[0-9]+)\\\\.[0-9]+" } } }]
      route: [{ destination: { host: echo, subset: v2 } }]
    - route: [{ destination: { host: echo, subset: v1 } }]
`),
      );
      await untilFrom(client, 'v2', { 'x-tier': 'gold-eu' });
      expect((await cgrpcTally(client, 20, { 'x-tier': 'gold-eu' })).byServer).toEqual({ v2: 20 });
      expect((await cgrpcTally(client, 20, { 'x-tier': 'silver' })).byServer).toEqual({ v1: 20 });
      expect((await cgrpcTally(client, 20, { 'x-build': '12.3' })).byServer).toEqual({ v2: 20 });
      expect((await cgrpcTally(client, 20, { 'x-build': '12' })).byServer).toEqual({ v1: 20 });
    }));

  it('aborts about half of 400 calls with a 50 % fault', () =>
    cgrpc.withClient('fault', async (client) => {
      await cgrpc.apply(
        client,
        virtualService(`    - fault: { abort: { grpcStatus: ABORTED, percentage: { value: 50 } } }
      route: [{ destination: { host: echo, subset: v1 } }]
`),
      );
      const result = await cgrpcTally(client, 400);
      const aborted = result.failures[String(ABORTED)] ?? 0;
      expect(Object.keys(result.failures)).toEqual([String(ABORTED)]);
      expect(Object.keys(result.byServer)).toEqual(['v1']);
      expect(Math.abs((aborted / 400) * 100 - 50)).toBeLessThanOrEqual(8);
    }));

  it('retries UNAVAILABLE and succeeds on the second server', () =>
    cgrpc.withClient('retry', async (client) => {
      await cgrpc.apply(
        client,
        virtualService(`    - retries: { attempts: 3, retryOn: unavailable }
      route: [{ destination: { host: echo-pair } }]
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

  it('moves traffic when the VirtualService file is edited while calls run, with no failed call', () =>
    cgrpc.withClient('live-edit', async (client) => {
      await untilFrom(client, 'v1');
      const result = await cgrpc.callsDuringEdit(client, allTo('v2'), { server: 'v2', calls: 50 });
      expect(result.failures).toEqual({});
      expect(result.byServer.v1).toBeGreaterThan(0);
      expect(result.byServer.v2).toBeGreaterThanOrEqual(50);
    }));
});
