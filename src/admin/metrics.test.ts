import fs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TYPE_URL } from '../xds/envoy/type-urls.js';
import { DEFAULT_PROCESS_METRICS_INTERVAL_MS, PrometheusMetrics, typeLabel } from './metrics.js';

/** The value of one series in Prometheus text, e.g. sample(text, 'trellis_xds_nacks_total{type="cds"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function metrics(now: () => number = () => 0): PrometheusMetrics {
  return new PrometheusMetrics({ processMetrics: false, now });
}

describe('Prometheus metrics', () => {
  it('counts connected proxies by kind and protocol variant, up on open and down on close', async () => {
    const m = metrics();
    m.streamOpened('sidecar', 'sotw');
    m.streamOpened('sidecar', 'sotw');
    m.streamOpened('proxyless', 'delta');
    m.streamClosed('sidecar', 'sotw');
    const text = await m.render();
    expect(sample(text, 'trellis_xds_connected_proxies{kind="sidecar",variant="sotw"}')).toBe(1);
    expect(sample(text, 'trellis_xds_connected_proxies{kind="proxyless",variant="delta"}')).toBe(1);
  });

  it('counts pushes by short type name and reason, and times them per type', async () => {
    const m = metrics();
    m.pushed(TYPE_URL.cluster, 'initial', 0.002);
    m.pushed(TYPE_URL.cluster, 'change', 0.004);
    m.pushed(TYPE_URL.endpoint, 'change', 0.0003);
    const text = await m.render();
    expect(sample(text, 'trellis_xds_pushes_total{type="cds",reason="initial"}')).toBe(1);
    expect(sample(text, 'trellis_xds_pushes_total{type="cds",reason="change"}')).toBe(1);
    expect(sample(text, 'trellis_xds_pushes_total{type="eds",reason="change"}')).toBe(1);
    expect(sample(text, 'trellis_xds_push_duration_seconds_count{type="cds"}')).toBe(2);
    expect(sample(text, 'trellis_xds_push_duration_seconds_sum{type="cds"}')).toBeCloseTo(0.006);
    expect(sample(text, 'trellis_xds_push_duration_seconds_bucket{le="0.0005",type="eds"}')).toBe(1);
  });

  it('exposes every push, NACK and cache series at zero before anything happened', async () => {
    const text = await metrics().render();
    for (const type of ['cds', 'eds', 'lds', 'rds', 'sds']) {
      expect(sample(text, `trellis_xds_nacks_total{type="${type}"}`)).toBe(0);
      for (const reason of ['initial', 'subscription', 'change'])
        expect(sample(text, `trellis_xds_pushes_total{type="${type}",reason="${reason}"}`)).toBe(0);
    }
    expect(sample(text, 'trellis_encode_cache_total{result="hit"}')).toBe(0);
    expect(sample(text, 'trellis_encode_cache_total{result="miss"}')).toBe(0);
  });

  it('counts NACKs by type, and files a type URL it does not serve under "other"', async () => {
    const m = metrics();
    m.nacked(TYPE_URL.route);
    m.nacked('type.googleapis.com/made.up.Type');
    const text = await m.render();
    expect(sample(text, 'trellis_xds_nacks_total{type="rds"}')).toBe(1);
    expect(sample(text, 'trellis_xds_nacks_total{type="other"}')).toBe(1);
    expect(typeLabel(TYPE_URL.secret)).toBe('sds');
  });

  it('records translation time, encode cache hits and misses, and resources per type as a level', async () => {
    const m = metrics();
    m.translated(0.25);
    m.encodeCache(true);
    m.encodeCache(true);
    m.encodeCache(false);
    m.resources(TYPE_URL.cluster, 40);
    m.resources(TYPE_URL.cluster, 38);
    const text = await m.render();
    expect(sample(text, 'trellis_translation_duration_seconds_count')).toBe(1);
    expect(sample(text, 'trellis_translation_duration_seconds_sum')).toBe(0.25);
    expect(sample(text, 'trellis_encode_cache_total{result="hit"}')).toBe(2);
    expect(sample(text, 'trellis_encode_cache_total{result="miss"}')).toBe(1);
    expect(sample(text, 'trellis_xds_resources{type="cds"}')).toBe(38);
  });

  it('reads resources per type from a counter at each scrape, every served type from zero', async () => {
    const m = metrics();
    m.resources(TYPE_URL.route, 7);
    let counts = new Map([
      [TYPE_URL.cluster, 3],
      ['type.googleapis.com/made.up.One', 1],
      ['type.googleapis.com/made.up.Two', 2],
    ]);
    m.countResources(() => counts);
    let text = await m.render();
    expect(sample(text, 'trellis_xds_resources{type="cds"}')).toBe(3);
    expect(sample(text, 'trellis_xds_resources{type="rds"}')).toBe(0);
    expect(sample(text, 'trellis_xds_resources{type="other"}')).toBe(3);
    counts = new Map([[TYPE_URL.endpoint, 5]]);
    text = await m.render();
    expect(sample(text, 'trellis_xds_resources{type="cds"}')).toBe(0);
    expect(sample(text, 'trellis_xds_resources{type="eds"}')).toBe(5);
    expect(sample(text, 'trellis_xds_resources{type="other"}')).toBeUndefined();
  });

  it('reads the proxies holding a NACK per type from a counter at each scrape, so the level goes down too', async () => {
    const m = metrics();
    expect(await m.render()).not.toContain('trellis_xds_proxies_nacked{');
    let counts = new Map([
      [TYPE_URL.cluster, 2],
      ['type.googleapis.com/made.up.One', 1],
    ]);
    m.countNackedProxies(() => counts);
    let text = await m.render();
    expect(sample(text, 'trellis_xds_proxies_nacked{type="cds"}')).toBe(2);
    expect(sample(text, 'trellis_xds_proxies_nacked{type="lds"}')).toBe(0);
    expect(sample(text, 'trellis_xds_proxies_nacked{type="other"}')).toBe(1);
    counts = new Map();
    text = await m.render();
    expect(sample(text, 'trellis_xds_proxies_nacked{type="cds"}')).toBe(0);
    expect(sample(text, 'trellis_xds_proxies_nacked{type="other"}')).toBeUndefined();
  });

  it('observes convergence as the seconds from the change being seen to the proxy converging', async () => {
    let now = 10_000;
    const m = metrics(() => now);
    const stamp = m.changeSeen();
    now += 350;
    m.converged(stamp);
    const text = await m.render();
    expect(sample(text, 'trellis_xds_convergence_seconds_count')).toBe(1);
    expect(sample(text, 'trellis_xds_convergence_seconds_sum')).toBeCloseTo(0.35);
    expect(sample(text, 'trellis_xds_convergence_seconds_bucket{le="0.3"}')).toBe(0);
    expect(sample(text, 'trellis_xds_convergence_seconds_bucket{le="0.5"}')).toBe(1);
  });

  it('keeps each instance on its own registry, so two servers in one process never share a series', async () => {
    const a = metrics();
    const b = metrics();
    a.nacked(TYPE_URL.cluster);
    expect(sample(await a.render(), 'trellis_xds_nacks_total{type="cds"}')).toBe(1);
    expect(sample(await b.render(), 'trellis_xds_nacks_total{type="cds"}')).toBe(0);
  });

  it('adds the process metrics on its own registry when asked (the default)', async () => {
    const m = new PrometheusMetrics();
    const text = await m.render();
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toContain('nodejs_heap_size_used_bytes');
    expect(m.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('collects the process figures once per interval, however many scrapes arrive at once or after', async () => {
    let now = 0;
    let collections = 0;
    const m = new PrometheusMetrics({
      now: () => now,
      collectProcessMetrics: async () => {
        collections++;
        return `process_collection ${collections}\n`;
      },
    });
    m.nacked(TYPE_URL.cluster);
    const texts = await Promise.all(Array.from({ length: 1_000 }, () => m.render()));
    expect(collections).toBe(1);
    expect(texts.every((t) => t.includes('process_collection 1\n'))).toBe(true);
    for (let i = 0; i < 100; i++) await m.render();
    now += DEFAULT_PROCESS_METRICS_INTERVAL_MS - 1;
    m.nacked(TYPE_URL.cluster);
    const later = await m.render();
    expect(collections).toBe(1);
    // The trellis series are read at every render; only the process figures wait for the interval.
    expect(sample(later, 'trellis_xds_nacks_total{type="cds"}')).toBe(2);
    expect(later).toContain('process_collection 1\n');
    now += 1;
    await Promise.all(Array.from({ length: 100 }, () => m.render()));
    expect(collections).toBe(2);
  });

  it('collects again after a failed collection, and fails the render that waited on it', async () => {
    let collections = 0;
    const m = new PrometheusMetrics({
      collectProcessMetrics: async () => {
        collections++;
        if (collections === 1) throw new Error('procfs gone');
        return 'process_ok 1\n';
      },
    });
    await expect(m.render()).rejects.toThrow('procfs gone');
    expect(await m.render()).toContain('process_ok 1\n');
  });

  describe.runIf(process.platform === 'linux')("prom-client's own process metrics", () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    it('read /proc/self/fd once per interval, not once per scrape', async () => {
      const readdir = vi.spyOn(fs, 'readdirSync');
      const fdReads = () => readdir.mock.calls.filter(([dir]) => dir === '/proc/self/fd').length;
      let now = 0;
      const m = new PrometheusMetrics({ now: () => now });
      const texts = await Promise.all(Array.from({ length: 500 }, () => m.render()));
      expect(texts.every((t) => t.includes('process_open_fds '))).toBe(true);
      expect(fdReads()).toBe(1);
      now += DEFAULT_PROCESS_METRICS_INTERVAL_MS;
      await Promise.all(Array.from({ length: 500 }, () => m.render()));
      expect(fdReads()).toBe(2);
    });
  });
});
