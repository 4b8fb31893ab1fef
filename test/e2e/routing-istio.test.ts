// Istio VirtualService and DestinationRule, served to a real @grpc/grpc-js-xds client: weighted
// subsets, header routing, fault injection, retries and a live route change.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callsDuringChange } from './helpers/live-change.js';
import { istioAllTo as allTo, virtualService } from './helpers/routing-manifests.js';
import { type RoutingMesh, startRoutingMesh, tally, untilRouted } from './helpers/routing-mesh.js';

describe('Istio routing, end to end', () => {
  let mesh: RoutingMesh;

  beforeAll(async () => {
    mesh = await startRoutingMesh(allTo('v1'), 'istio-client');
    await untilRouted(mesh.client, (from) => from === 'v1', {}, 'the first routes');
  });

  afterAll(async () => {
    await mesh?.stop();
  });

  it('splits 80/20 between subsets over 1,000 calls', async () => {
    await mesh.applyRouting(
      virtualService(`    - route:
        - { destination: { host: echo, subset: v1 }, weight: 80 }
        - { destination: { host: echo, subset: v2 }, weight: 20 }
`),
    );
    const result = await tally(mesh.client, 1_000);
    expect(result.failures).toEqual({});
    expect(Math.abs((result.byServer.v1 ?? 0) / 10 - 80)).toBeLessThanOrEqual(5);
  });

  it('routes by header', async () => {
    await mesh.applyRouting(
      virtualService(`    - match: [{ headers: { x-canary: { exact: "yes" } } }]
      route: [{ destination: { host: echo, subset: v2 } }]
    - route: [{ destination: { host: echo, subset: v1 } }]
`),
    );
    const canary = await tally(mesh.client, 50, { 'x-canary': 'yes' });
    const plain = await tally(mesh.client, 50, { 'x-canary': 'no' });
    expect(canary.byServer).toEqual({ v2: 50 });
    expect(plain.byServer).toEqual({ v1: 50 });
  });

  it('aborts about half of 400 calls with a 50 % fault', async () => {
    await mesh.applyRouting(
      virtualService(`    - fault: { abort: { grpcStatus: ABORTED, percentage: { value: 50 } } }
      route: [{ destination: { host: echo, subset: v1 } }]
`),
    );
    const result = await tally(mesh.client, 400);
    const aborted = result.failures[String(grpc.status.ABORTED)] ?? 0;
    expect(Object.keys(result.failures)).toEqual([String(grpc.status.ABORTED)]);
    expect(Math.abs((aborted / 400) * 100 - 50)).toBeLessThanOrEqual(8);
  });

  it('retries UNAVAILABLE and succeeds on the second server', async () => {
    await mesh.applyRouting(
      virtualService(`    - retries: { attempts: 3, retryOn: unavailable }
      route: [{ destination: { host: echo-pair } }]
`),
    );
    await untilRouted(mesh.client, (from) => from === 'v1');
    const flakyBefore = mesh.flaky.calls();
    const result = await tally(mesh.client, 100);
    expect(result.failures).toEqual({});
    expect(result.byServer).toEqual({ v1: 100 });
    // The failing server was tried (and each of its failures retried), so retries did the work.
    expect(mesh.flaky.calls() - flakyBefore).toBeGreaterThan(0);
  });

  it('moves traffic when the VirtualService file is edited while calls run, with no failed call', async () => {
    await mesh.applyRouting(allTo('v1'));
    await untilRouted(mesh.client, (from) => from === 'v1');
    const { seen, failures } = await callsDuringChange(mesh.client, () => mesh.writeRouting(allTo('v2')), {
      server: 'v2',
      calls: 50,
    });
    expect(failures).toBe(0);
    expect(seen.v1).toBeGreaterThan(0);
    expect(seen.v2).toBeGreaterThanOrEqual(50);
  });
});
