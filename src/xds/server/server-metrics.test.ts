// What the xDS server reports on /metrics, over real gRPC on 127.0.0.1: a SotW and a delta client
// connect, ACK, get a change, and one of them NACKs it; the assertions read the Prometheus text.
// Counts only: nothing here depends on how fast the machine is.
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { AdsTestClient } from '../../../test/helpers/ads-test-client.js';
import { DeltaTestClient } from '../../../test/helpers/delta-test-client.js';
import { cluster, endpoints, until } from '../../../test/helpers/xds-fixtures.js';
import { PrometheusMetrics } from '../../admin/metrics.js';
import { silentLogger } from '../../log.js';
import { buildSnapshot, type Snapshot } from '../cache/snapshot.js';
import { SnapshotCache } from '../cache/snapshot-cache.js';
import { TYPE_URL } from '../envoy/type-urls.js';
import { XdsServer } from './ads-server.js';
import type { DiscoveryResponseObject } from './ads-service.js';

const { cluster: CDS, endpoint: EDS } = TYPE_URL;
const SOTW_PROXY = 'sidecar~10.0.0.7~web-0.shop~shop.svc.cluster.local';
const DELTA_PROXY = 'sidecar~10.0.0.8~api-0.shop~shop.svc.cluster.local';
/** Has a snapshot in the cache but never connects. */
const IDLE_PROXY = 'sidecar~10.0.0.9~db-0.shop~shop.svc.cluster.local';

/** The value of one series in Prometheus text, e.g. sample(text, 'trellis_xds_nacks_total{type="cds"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const ack = (client: AdsTestClient, r: DiscoveryResponseObject, resource_names: string[] = []) =>
  client.send({
    type_url: r.type_url,
    version_info: r.version_info,
    response_nonce: r.nonce,
    resource_names,
  });

describe('the xDS server on /metrics', () => {
  const servers: XdsServer[] = [];
  const clients: { close(): void }[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('counts pushes by type and reason, NACKs, push times, convergence, proxies and distinct resources', async () => {
    const metrics = new PrometheusMetrics({ processMetrics: false });
    const cache = new SnapshotCache();
    metrics.countResources(() => cache.resourceCounts());
    const server = new XdsServer({ cache, logger: silentLogger(), metrics });
    servers.push(server);
    const { port } = await server.listen('127.0.0.1:0');

    const first = buildSnapshot([cluster('a'), cluster('b'), endpoints('a'), endpoints('b')]);
    for (const id of [SOTW_PROXY, DELTA_PROXY, IDLE_PROXY]) cache.setSnapshot(id, first);

    // SotW: every cluster, then the endpoints of a, then of b too (a subscription change); all ACKed.
    const sotw = new AdsTestClient(port);
    clients.push(sotw);
    sotw.send({ node: { id: SOTW_PROXY }, type_url: CDS });
    ack(sotw, await sotw.next());
    sotw.send({ type_url: EDS, resource_names: ['a'] });
    ack(sotw, await sotw.next(), ['a', 'b']);
    ack(sotw, await sotw.next(), ['a', 'b']);

    // Delta: every cluster, ACKed.
    const delta = new DeltaTestClient(port);
    clients.push(delta);
    delta.send({ node: { id: DELTA_PROXY }, type_url: CDS });
    delta.ack(await delta.next());

    // Cluster a changes, and the snapshot keeps every other resource object, as shared snapshots do.
    const changedA = buildSnapshot([cluster('a', 5)])
      .resources.get(CDS)!
      .get('a')!;
    const changed: Snapshot = {
      resources: new Map([
        [CDS, new Map([...first.resources.get(CDS)!, ['a', changedA]])],
        [EDS, first.resources.get(EDS)!],
      ]),
      changeStamp: performance.now(),
    };
    cache.setSnapshot(SOTW_PROXY, changed);
    cache.setSnapshot(DELTA_PROXY, changed);
    const sotwChange = await sotw.next();
    expect(sotwChange.type_url).toBe(CDS);
    ack(sotw, sotwChange);
    const deltaChange = await delta.next();
    expect(deltaChange.type_url).toBe(CDS);
    delta.nack(deltaChange, 'cluster a: rejected');
    await until(() => {
      const bySotw = server.status().find((p) => p.variant === 'sotw')?.types[CDS];
      const byDelta = server.status().find((p) => p.variant === 'delta')?.types[CDS];
      return bySotw?.lastAckedVersion === sotwChange.version_info && byDelta?.lastNack !== undefined;
    }, 'the ACK and the NACK of the change');

    const text = await metrics.render();
    const pushes = (type: string, reason: string) =>
      sample(text, `trellis_xds_pushes_total{type="${type}",reason="${reason}"}`);
    expect([pushes('cds', 'initial'), pushes('cds', 'subscription'), pushes('cds', 'change')]).toEqual([
      2, 0, 2,
    ]);
    expect([pushes('eds', 'initial'), pushes('eds', 'subscription'), pushes('eds', 'change')]).toEqual([
      1, 1, 0,
    ]);
    expect(sample(text, 'trellis_xds_push_duration_seconds_count{type="cds"}')).toBe(4);
    expect(sample(text, 'trellis_xds_push_duration_seconds_count{type="eds"}')).toBe(2);
    expect(sample(text, 'trellis_xds_nacks_total{type="cds"}')).toBe(1);
    expect(sample(text, 'trellis_xds_nacks_total{type="eds"}')).toBe(0);
    // The SotW proxy ACKed the change; the delta proxy NACKed it, so it did not converge.
    expect(sample(text, 'trellis_xds_convergence_seconds_count')).toBe(1);
    expect(sample(text, 'trellis_xds_connected_proxies{kind="sidecar",variant="sotw"}')).toBe(1);
    expect(sample(text, 'trellis_xds_connected_proxies{kind="sidecar",variant="delta"}')).toBe(1);
    // Clusters a (as the idle proxy still has it), a (changed) and b; endpoints a and b; no listeners.
    expect(sample(text, 'trellis_xds_resources{type="cds"}')).toBe(3);
    expect(sample(text, 'trellis_xds_resources{type="eds"}')).toBe(2);
    expect(sample(text, 'trellis_xds_resources{type="lds"}')).toBe(0);

    for (const c of clients.splice(0)) c.close();
    await until(() => server.status().length === 0, 'both streams to end');
    const after = await metrics.render();
    expect(sample(after, 'trellis_xds_connected_proxies{kind="sidecar",variant="sotw"}')).toBe(0);
    expect(sample(after, 'trellis_xds_connected_proxies{kind="sidecar",variant="delta"}')).toBe(0);
  });
});
