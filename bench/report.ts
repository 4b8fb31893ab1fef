// The figures as text: one block per size (Trellis next to the floor, with ratios), the issue's
// targets checked at the reference size, and a summary row per size so the growth is visible.
import type { ChangeSample } from './change-phase.js';
import { type Memory, type ServerFigures, type SizeFigures, STEADY_AFTER_MS } from './size-run.js';

// The server waits this long after the last change before it pushes (its default quiet period).
export const DEBOUNCE_QUIET_MS = 100;

export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const mean = (xs: readonly number[]) =>
  xs.length === 0 ? undefined : xs.reduce((a, b) => a + b, 0) / xs.length;

export function ms(value: number | undefined): string {
  if (value === undefined) return '-';
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

export function bytes(value: number | undefined): string {
  if (value === undefined) return '-';
  if (value >= 1024 * 1024) return `${(value / 1024 / 1024).toFixed(1)} MB`;
  if (value >= 1024) return `${(value / 1024).toFixed(1)} kB`;
  return `${Math.round(value)} B`;
}

const seconds = (value: number | undefined) => (value === undefined ? '-' : `${value.toFixed(2)} s`);
const count = (n: number) => n.toLocaleString('en-US');

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || b <= 0) return '-';
  return `${(a / b).toFixed(1)}×`;
}

/** The latency, CPU and byte figures of one change series. */
export interface SeriesSummary {
  readonly n: number;
  readonly timeouts: number;
  readonly p50?: number;
  readonly p99?: number;
  readonly max?: number;
  readonly cpu?: number;
  readonly sotwBytes?: number;
  readonly deltaBytes?: number;
  readonly sotwResponses?: number;
  readonly deltaResponses?: number;
  readonly watchedBytes?: number;
  readonly clientCpuMs?: number;
}

export function summarise(samples: readonly ChangeSample[] | undefined): SeriesSummary {
  const list = samples ?? [];
  const latencies = list.flatMap((s) => (s.latencyMs === undefined ? [] : [s.latencyMs]));
  const watched = list.flatMap((s) => (s.watchedResourceBytes === undefined ? [] : [s.watchedResourceBytes]));
  const opt = <K extends string>(key: K, value: number | undefined) =>
    (value === undefined ? {} : { [key]: value }) as Partial<Record<K, number>>;
  return {
    n: list.length,
    timeouts: list.filter((s) => s.timeout).length,
    ...opt('p50', percentile(latencies, 50)),
    ...opt('p99', percentile(latencies, 99)),
    ...opt('max', latencies.length > 0 ? Math.max(...latencies) : undefined),
    ...opt('cpu', mean(list.map((s) => s.serverCpuSeconds))),
    ...opt('sotwBytes', mean(list.map((s) => s.sotw.bytes))),
    ...opt('deltaBytes', mean(list.map((s) => s.delta.bytes))),
    ...opt('sotwResponses', mean(list.map((s) => s.sotw.responses))),
    ...opt('deltaResponses', mean(list.map((s) => s.delta.responses))),
    ...opt('watchedBytes', mean(watched)),
    ...opt('clientCpuMs', mean(list.map((s) => s.clientCpuMs))),
  };
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) =>
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '),
    )
    .join('\n');
}

function seriesRows(name: string, t: SeriesSummary, f: SeriesSummary): string[][] {
  const n = `${t.n}${t.timeouts > 0 ? `, ${t.timeouts} timed out` : ''} / ${f.n}`;
  return [
    [`${name} → last ACK, p50`, ms(t.p50), ms(f.p50), ratio(t.p50, f.p50)],
    ['  p99', ms(t.p99), ms(f.p99), ratio(t.p99, f.p99)],
    ['  max', ms(t.max), ms(f.max), ratio(t.max, f.max)],
    [
      '  p50 beyond the 100 ms debounce',
      ms(t.p50 === undefined ? undefined : t.p50 - DEBOUNCE_QUIET_MS),
      ms(f.p50),
      ratio(t.p50 === undefined ? undefined : t.p50 - DEBOUNCE_QUIET_MS, f.p50),
    ],
    ['  server CPU per change', seconds(t.cpu), seconds(f.cpu), ratio(t.cpu, f.cpu)],
    ['  bytes per SotW stream', bytes(t.sotwBytes), bytes(f.sotwBytes), ratio(t.sotwBytes, f.sotwBytes)],
    ['  bytes per delta stream', bytes(t.deltaBytes), bytes(f.deltaBytes), ratio(t.deltaBytes, f.deltaBytes)],
    [
      '  responses per stream, SotW / delta',
      `${fmt1(t.sotwResponses)} / ${fmt1(t.deltaResponses)}`,
      `${fmt1(f.sotwResponses)} / ${fmt1(f.deltaResponses)}`,
      '',
    ],
    ['  the changed resource itself', bytes(t.watchedBytes), '', ''],
    ['  client CPU per change (all clients)', ms(t.clientCpuMs), ms(f.clientCpuMs), ''],
    ['  changes measured (trellis / floor)', n, '', ''],
  ];
}

const fmt1 = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(1));

function coldCell(s: ServerFigures | undefined): string {
  if (s?.coldTimeout) return `timeout (${count(s.coldTimeout.ready)}/${count(s.coldTimeout.total)})`;
  return ms(s?.coldStartMs);
}

/** RSS, heap used and external, each with its own ratio. */
function memoryRows(name: string, t: Memory | undefined, f: Memory | undefined): string[][] {
  return [
    [`${name}: RSS`, bytes(t?.rssBytes), bytes(f?.rssBytes), ratio(t?.rssBytes, f?.rssBytes)],
    [
      '  heap used',
      bytes(t?.heapUsedBytes),
      bytes(f?.heapUsedBytes),
      ratio(t?.heapUsedBytes, f?.heapUsedBytes),
    ],
    [
      '  external',
      bytes(t?.externalBytes),
      bytes(f?.externalBytes),
      ratio(t?.externalBytes, f?.externalBytes),
    ],
  ];
}

/**
 * What one proxy costs: the growth from ready (no stream) to steady and to the peak, over P; and the
 * external memory (encoded resources, their wire entries, message caches) per distinct resource.
 */
function heldRows(proxies: number, t: ServerFigures | undefined, f: ServerFigures | undefined): string[][] {
  const perProxy = (
    m: Memory | undefined,
    base: Memory | undefined,
    pick: (x: Memory) => number | undefined,
  ) => {
    const a = m && pick(m);
    const b = base && pick(base);
    return a === undefined || b === undefined ? undefined : Math.max(0, a - b) / proxies;
  };
  const cell = (s: ServerFigures | undefined, m: Memory | undefined) =>
    `${bytes(perProxy(m, s?.beforeStreams, (x) => x.rssBytes))} / ${bytes(perProxy(m, s?.beforeStreams, (x) => x.heapUsedBytes))}`;
  const resources = t?.steady?.distinctResources;
  const external = t?.steady?.externalBytes;
  return [
    ['per proxy, RSS / heap used over ready (no stream): steady', cell(t, t?.steady), cell(f, f?.steady), ''],
    ['  at the peak', cell(t, t?.peak), cell(f, f?.peak), ''],
    [
      'distinct resources held; external bytes per resource (steady)',
      resources === undefined
        ? '-'
        : `${count(resources)}; ${bytes(external === undefined ? undefined : external / resources)}`,
      '',
      '',
    ],
  ];
}

function memoryCell(m: Memory | undefined): string {
  if (!m) return '-';
  if (m.heapUsedBytes === undefined) return `${bytes(m.rssBytes)} (heap n/a)`;
  const external = m.externalBytes === undefined ? '' : ` / ${bytes(m.externalBytes)}`;
  return `${bytes(m.rssBytes)} / ${bytes(m.heapUsedBytes)}${external}`;
}

export function formatSize(f: SizeFigures): string {
  const { size } = f;
  const t: ServerFigures | undefined = f.trellis;
  const fl: ServerFigures | undefined = f.floor;
  const lines: string[] = [];
  const sotw = Math.ceil(size.proxies / 2);
  lines.push(
    `== S=${count(size.services)} services, E=${count(size.endpoints)} endpoints, P=${count(size.proxies)} proxies ` +
      `(${count(sotw)} SotW + ${count(size.proxies - sotw)} delta streams, ${f.workers} client processes, ${count(f.files)} manifest files) ==`,
  );
  const tr = f.translation;
  if (tr) {
    lines.push(
      `full translation (bench process, server code path): parse ${ms(tr.parseMs)}; one proxy ${ms(tr.firstProxyMs)} ` +
        `(${count(tr.resources)} resources, ${bytes(tr.bytes)}); each further proxy ${ms(tr.furtherProxyMs)} ` +
        `(mean of ${tr.sampled}); projected for all ${count(size.proxies)} without sharing: ${ms(tr.firstProxyMs + tr.furtherProxyMs * (size.proxies - 1))}`,
    );
  }
  const shapes = f.floorShapes;
  if (shapes) {
    const shape = (x: { bytes: number; resources: number }) => `${bytes(x.bytes)} in ${count(x.resources)}`;
    lines.push(
      `floor pushes one prebuilt response per stream: endpoint change SotW ${shape(shapes.endpoint.sotw)}, ` +
        `delta ${shape(shapes.endpoint.delta)}; route change SotW ${shape(shapes.route.sotw)}, delta ${shape(shapes.route.delta)}` +
        (shapes.real
          ? ' (the changed resource itself, as Trellis encoded it)'
          : shapes.estimated
            ? ' (filler, sizes estimated from the translation: Trellis sent nothing measurable)'
            : ' (filler, of the sizes Trellis sent)'),
    );
  }
  const cold = f.coldBytes;
  if (cold) {
    const perType = (r: Record<string, number>) =>
      Object.entries(r)
        .map(([typeUrl, n]) => `${typeUrl.slice(typeUrl.lastIndexOf('.') + 1)} ${bytes(n)}`)
        .join(', ');
    const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
    lines.push(
      `cold start bytes per stream, one real proxy's responses from Trellis, replayed by the floor to every stream: ` +
        `SotW ${bytes(total(cold.sotw))} (${perType(cold.sotw)}); delta ${bytes(total(cold.delta))} (${perType(cold.delta)})`,
    );
  } else if (f.captureError) {
    lines.push(
      `floor cold start answers CDS and LDS with empty responses: capturing a proxy failed (${f.captureError})`,
    );
  }
  if (f.load)
    lines.push(
      `load average (1 min) before / after: ${f.load.before.toFixed(2)} / ${f.load.after.toFixed(2)}`,
    );
  lines.push(
    `server ready (manifests loaded) ${ms(f.readyMs)} after start` +
      (f.serverTranslationMs !== undefined
        ? `; server-reported translation (trellis_translation_duration_seconds) ${ms(f.serverTranslationMs)} per rebuild`
        : ''),
  );
  if (f.serverConvergenceMs !== undefined)
    lines.push(
      `server-reported convergence (trellis_xds_convergence_seconds: change seen by the server → each proxy's last ACK, mean over proxies and changes, debounce included) ${ms(f.serverConvergenceMs)}`,
    );
  const te = summarise(t?.endpoint);
  const fe = summarise(fl?.endpoint);
  const trt = summarise(t?.route);
  const frt = summarise(fl?.route);
  const rows: string[][] = [
    ['', 'trellis', 'floor', 'ratio'],
    [
      'cold start: all P connected and ACKed',
      coldCell(t),
      coldCell(fl),
      ratio(t?.coldStartMs, fl?.coldStartMs),
    ],
    [
      '  server CPU during cold start',
      seconds(t?.coldCpuSeconds),
      seconds(fl?.coldCpuSeconds),
      ratio(t?.coldCpuSeconds, fl?.coldCpuSeconds),
    ],
    ['  streams failed', String(t?.failedStreams ?? '-'), String(fl?.failedStreams ?? '-'), ''],
    ...seriesRows('endpoint change', te, fe),
    ...seriesRows('route change', trt, frt),
    ...memoryRows('2 s after the cold start', t?.afterColdStart, fl?.afterColdStart),
    ...memoryRows(
      `steady (${STEADY_AFTER_MS / 1000} s after the cold start, nothing changed)`,
      t?.steady,
      fl?.steady,
    ),
    ...memoryRows('peak (RSS high-water mark; heap, external sampled every 5 s)', t?.peak, fl?.peak),
    [
      'RSS / heap used / external, after the changes',
      memoryCell(t?.afterChanges),
      memoryCell(fl?.afterChanges),
      '',
    ],
    ...heldRows(f.size.proxies, t, fl),
  ];
  lines.push(table(rows));
  lines.push(...targets(f, te, fe));
  if (t?.firstFailure) lines.push(`first failed trellis stream: ${t.firstFailure}`);
  for (const e of f.errors) lines.push(`ERROR ${e}`);
  lines.push(
    `completed: ${f.completed ? 'yes' : 'NO (a cold start or a change timed out, a stream failed, or an error; see above)'} (this size took ${ms(f.elapsedMs)})`,
  );
  return lines.join('\n');
}

/** The issue's targets, stated for every size (they are set for S=1,000/P=2,000). */
function targets(f: SizeFigures, te: SeriesSummary, fe: SeriesSummary): string[] {
  const verdict = (ok: boolean | undefined) => (ok === undefined ? 'n/a' : ok ? 'met' : 'MISSED');
  const t = f.trellis;
  const latencyLimit = fe.p50 === undefined ? undefined : DEBOUNCE_QUIET_MS + 1.5 * fe.p50;
  const cpuLimit = fe.cpu === undefined ? undefined : 2 * fe.cpu;
  const deltaLimit = te.watchedBytes === undefined ? undefined : 2 * te.watchedBytes + 256;
  const steadyRss = t?.steady?.rssBytes;
  const peakRss = t?.peak?.rssBytes;
  const floorCold = f.floor?.coldTimeout ? undefined : f.floor?.coldStartMs;
  const coldLimit = floorCold === undefined ? undefined : 1.5 * floorCold;
  const check = (value: number | undefined, limit: number | undefined) =>
    value === undefined || limit === undefined ? undefined : value <= limit;
  return [
    'targets (set for S=1,000/P=2,000):',
    `  endpoint change p50 ${ms(te.p50)} ≤ 100 ms + 1.5 × floor p50 = ${ms(latencyLimit)}: ${verdict(check(te.p50, latencyLimit))}`,
    `  server CPU per endpoint change ${seconds(te.cpu)} ≤ 2 × floor = ${seconds(cpuLimit)}: ${verdict(check(te.cpu, cpuLimit))}`,
    `  delta bytes per endpoint change ${bytes(te.deltaBytes)} per subscriber ≈ one ClusterLoadAssignment (${bytes(te.watchedBytes)}; ≤ 2× + 256 B framing): ${verdict(check(te.deltaBytes, deltaLimit))}`,
    `  steady RSS ${bytes(steadyRss)} < 300 MB: ${verdict(steadyRss === undefined ? undefined : steadyRss < 300 * 1024 * 1024)}`,
    `  cold-start peak RSS ${bytes(peakRss)} < 1 GB: ${verdict(peakRss === undefined ? undefined : peakRss < 1024 * 1024 * 1024)}`,
    `  cold start ${coldCell(t)} ≤ 1.5 × floor = ${ms(coldLimit)}: ${verdict(t?.coldTimeout ? false : check(t?.coldStartMs, coldLimit))}`,
  ];
}

/** One row per size, so the growth with S and P reads down a column. */
export function formatSummary(all: readonly SizeFigures[]): string {
  const rows: string[][] = [
    [
      'S / E / P',
      'cold start',
      'endpoint p50 / p99 / max',
      'CPU/endpoint chg',
      'bytes/stream SotW / delta',
      'route p50 / p99 / max',
      'CPU/route chg',
      'steady RSS',
      'vs floor: cold, endpoint p50, CPU, route p50, CPU',
      'completed',
    ],
  ];
  for (const f of all) {
    const te = summarise(f.trellis?.endpoint);
    const fe = summarise(f.floor?.endpoint);
    const trt = summarise(f.trellis?.route);
    const frt = summarise(f.floor?.route);
    rows.push([
      `${count(f.size.services)} / ${count(f.size.endpoints)} / ${count(f.size.proxies)}`,
      coldCell(f.trellis),
      `${ms(te.p50)} / ${ms(te.p99)} / ${ms(te.max)}`,
      seconds(te.cpu),
      `${bytes(te.sotwBytes)} / ${bytes(te.deltaBytes)}`,
      `${ms(trt.p50)} / ${ms(trt.p99)} / ${ms(trt.max)}`,
      seconds(trt.cpu),
      bytes(f.trellis?.steady?.rssBytes),
      `${ratio(f.trellis?.coldStartMs, f.floor?.coldStartMs)}, ${ratio(te.p50, fe.p50)}, ${ratio(te.cpu, fe.cpu)}, ${ratio(trt.p50, frt.p50)}, ${ratio(trt.cpu, frt.cpu)}`,
      f.completed ? 'yes' : 'NO',
    ]);
  }
  return table(rows);
}
