// What /metrics exposes: the xDS server's and the snapshot builder's figures in Prometheus text.
// The server and the builder report into `XdsMetrics`, the interface the xDS side defines
// (src/xds/xds-metrics.ts) and knows nothing beyond; `PrometheusMetrics` is its one real
// implementation, with its own Registry so that several servers in one process (tests) never share
// or collide on series. It also holds the figures of the CA and the cluster role, which call it
// directly.
//
// The process figures (prom-client's default metrics) read /proc/self/fd, /proc/self/status and
// every libuv handle when collected: work that grows with the open sockets. They live on a
// registry of their own that is collected at most once per `processMetricsIntervalMs` (one
// collection shared by concurrent scrapes), not once per scrape, so a flood of scrapes (each one a
// socket more) cannot make each scrape dearer than the last.
import { performance } from 'node:perf_hooks';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ProxyKind } from '../model/proxy.js';
import { TYPE_URL } from '../xds/envoy/type-urls.js';
import type { NackedProxyCounter } from '../xds/server/nack-report.js';
import type { XdsVariant } from '../xds/server/status.js';
import { type ChangeStamp, PUSH_REASONS, type PushReason, type XdsMetrics } from '../xds/xds-metrics.js';
import { sharedResult } from './shared-result.js';

// Tests of the xDS server written against the admin side name the push reasons from here.

/** The CA's certificates: which, a fingerprint to tell two roots apart, and expiry. */
export type CaExpiryReader = () => readonly {
  readonly which: string;
  readonly fingerprint: string;
  readonly notAfter: Date;
}[];

/** What the admin server needs to serve /metrics. */
export interface MetricsExposition {
  readonly contentType: string;
  render(): Promise<string>;
}

export interface PrometheusMetricsOptions {
  /**
   * Register the process metrics (CPU, memory, event-loop lag, GC) too. Default true; each call
   * starts an event-loop monitor and a GC observer that live as long as the process does.
   */
  readonly processMetrics?: boolean;
  /** Monotonic milliseconds, as performance.now(); tests pass their own clock. */
  readonly now?: () => number;
  /**
   * How long collected process figures are shown again before the next scrape collects them anew
   * (default 5 s); concurrent scrapes share one collection either way.
   */
  readonly processMetricsIntervalMs?: number;
  /**
   * Test seam: collects the process figures as Prometheus text. Default: prom-client's default
   * metrics on their own registry. Only called when processMetrics is on.
   */
  readonly collectProcessMetrics?: () => Promise<string>;
}

export const DEFAULT_PROCESS_METRICS_INTERVAL_MS = 5_000;

/** Distinct resources held now, by type URL: what the `trellis_xds_resources` gauge shows. */
export type ResourceCounter = () => ReadonlyMap<string, number>;

// The short names operators know from Istio and Envoy's stats; any other type URL is "other", so a
// client sending made-up type URLs cannot grow the series without bound.
const TYPE_LABELS: ReadonlyMap<string, string> = new Map([
  [TYPE_URL.cluster, 'cds'],
  [TYPE_URL.endpoint, 'eds'],
  [TYPE_URL.listener, 'lds'],
  [TYPE_URL.route, 'rds'],
  [TYPE_URL.secret, 'sds'],
]);
const KNOWN_TYPES = [...TYPE_LABELS.values()];

export function typeLabel(typeUrl: string): string {
  return TYPE_LABELS.get(typeUrl) ?? 'other';
}

// Seconds. A push is encode + write (sub-millisecond to tens of ms); translation of a large mesh
// runs to seconds; convergence includes the debounce (100 ms quiet, 1 s max) and the proxies' ACKs.
const PUSH_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const TRANSLATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const CONVERGENCE_BUCKETS = [0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 1.5, 2, 5, 10, 30, 60];

export class PrometheusMetrics implements XdsMetrics, MetricsExposition {
  /** The trellis_* series, read at each render; the process figures are not on it. */
  readonly registry = new Registry();
  private readonly now: () => number;
  private readonly processText: (() => Promise<string>) | undefined;
  private readonly connected: Gauge<'kind' | 'variant'>;
  private readonly pushes: Counter<'type' | 'reason'>;
  private readonly pushDuration: Histogram<'type'>;
  private readonly convergence: Histogram;
  private readonly nacks: Counter<'type'>;
  private readonly translation: Histogram;
  private readonly encodes: Counter<'result'>;
  private readonly resourceCount: Gauge<'type'>;
  private resourceCounter: ResourceCounter | undefined;
  private nackedProxyCounter: NackedProxyCounter | undefined;
  private caExpiryReader: CaExpiryReader | undefined;
  private readonly issued: Counter;
  private readonly leader: Gauge;
  private readonly kubeWrites: Counter;

  constructor(options: PrometheusMetricsOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    const registers = [this.registry];
    this.connected = new Gauge({
      name: 'trellis_xds_connected_proxies',
      help: 'Open xDS streams that identified their node, by proxy kind and protocol variant.',
      labelNames: ['kind', 'variant'],
      registers,
    });
    this.pushes = new Counter({
      name: 'trellis_xds_pushes_total',
      help: 'xDS responses sent, by type (cds, eds, lds, rds, sds) and reason (initial, subscription, change).',
      labelNames: ['type', 'reason'],
      registers,
    });
    this.pushDuration = new Histogram({
      name: 'trellis_xds_push_duration_seconds',
      help: 'Time from a stream receiving a snapshot or request to its response being written, by type.',
      labelNames: ['type'],
      buckets: PUSH_BUCKETS,
      registers,
    });
    this.convergence = new Histogram({
      name: 'trellis_xds_convergence_seconds',
      help: 'Time from a source change being seen to a proxy ACKing every response it was sent for it.',
      buckets: CONVERGENCE_BUCKETS,
      registers,
    });
    this.nacks = new Counter({
      name: 'trellis_xds_nacks_total',
      help: 'Responses a proxy rejected (NACK), by type.',
      labelNames: ['type'],
      registers,
    });
    this.translation = new Histogram({
      name: 'trellis_translation_duration_seconds',
      help: 'Time to translate the mesh for every connected proxy after a change.',
      buckets: TRANSLATION_BUCKETS,
      registers,
    });
    this.encodes = new Counter({
      name: 'trellis_encode_cache_total',
      help: 'Lookups in the encoded-resource memo: hit (bytes reused) or miss (encoded and checked).',
      labelNames: ['result'],
      registers,
    });
    const counted = () => this.resourceCounter;
    this.resourceCount = new Gauge({
      name: 'trellis_xds_resources',
      help: 'Distinct resources in the cache, by type.',
      labelNames: ['type'],
      registers,
      collect() {
        const counter = counted();
        if (counter) setByType(this, counter());
      },
    });
    const nacked = () => this.nackedProxyCounter;
    // Only read when scraped (countNackedProxies): the registry holds it, nothing sets it.
    new Gauge({
      name: 'trellis_xds_proxies_nacked',
      help:
        'Connected proxies holding a NACK, by type: they rejected the latest response of the type and have ' +
        'ACKed none since. A proxy that NACKs several types counts once in each.',
      labelNames: ['type'],
      registers,
      collect() {
        const counter = nacked();
        if (counter) setByType(this, counter());
      },
    });
    const caExpiries = () => this.caExpiryReader;
    // Read when scraped (readCaExpiry): the CA's certificates change only at a rotation.
    new Gauge({
      name: 'trellis_ca_cert_expiry_timestamp_seconds',
      help:
        "When each of the CA's certificates expires (Unix seconds), by which (root, intermediate) and SHA-256 " +
        'fingerprint; alert well before: workloads stop getting certificates once the signing chain expires.',
      labelNames: ['which', 'fingerprint'],
      registers,
      collect() {
        const read = caExpiries();
        if (!read) return;
        this.reset();
        for (const cert of read())
          this.set(
            { which: cert.which, fingerprint: cert.fingerprint },
            Math.floor(cert.notAfter.getTime() / 1000),
          );
      },
    });
    this.issued = new Counter({
      name: 'trellis_ca_certificates_issued_total',
      help: 'Certificates the CA signed, by reason: new (an identity first connected), rotation, csr (the CSR API).',
      labelNames: ['reason'],
      registers,
    });
    for (const reason of ['new', 'rotation', 'csr']) this.issued.inc({ reason }, 0);
    this.leader = new Gauge({
      name: 'trellis_leader',
      help: '1 while this replica holds the leader Lease (it alone writes status, the trust bundle and the webhook caBundle), else 0.',
      registers,
    });
    this.leader.set(0);
    this.kubeWrites = new Counter({
      name: 'trellis_kube_writes_total',
      help:
        'What the leader did to the API server, by what (status, trust_bundle, webhook_ca_bundle) and result ' +
        '(written, unchanged, stale, conflict, absent, error).',
      labelNames: ['what', 'result'],
      registers,
    });
    // Series that exist from the start, at zero: rate() and absent() then work before the first event.
    for (const type of KNOWN_TYPES) {
      this.nacks.inc({ type }, 0);
      for (const reason of PUSH_REASONS) this.pushes.inc({ type, reason }, 0);
    }
    for (const result of ['hit', 'miss']) this.encodes.inc({ result }, 0);
    if (options.processMetrics ?? true) {
      let collect = options.collectProcessMetrics;
      if (!collect) {
        const processRegistry = new Registry();
        collectDefaultMetrics({ register: processRegistry });
        collect = () => processRegistry.metrics();
      }
      this.processText = sharedResult(collect, {
        reuseMs: options.processMetricsIntervalMs ?? DEFAULT_PROCESS_METRICS_INTERVAL_MS,
        now: this.now,
      });
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The trellis_* series as they are now, then the process figures as last collected. */
  async render(): Promise<string> {
    const [own, processFigures] = await Promise.all([this.registry.metrics(), this.processText?.() ?? '']);
    return own + processFigures;
  }

  streamOpened(kind: ProxyKind, variant: XdsVariant): void {
    this.connected.inc({ kind, variant });
  }

  streamClosed(kind: ProxyKind, variant: XdsVariant): void {
    this.connected.dec({ kind, variant });
  }

  pushed(typeUrl: string, reason: PushReason, seconds: number): void {
    const type = typeLabel(typeUrl);
    this.pushes.inc({ type, reason });
    this.pushDuration.observe({ type }, seconds);
  }

  nacked(typeUrl: string): void {
    this.nacks.inc({ type: typeLabel(typeUrl) });
  }

  translated(seconds: number): void {
    this.translation.observe(seconds);
  }

  encodeCache(hit: boolean): void {
    this.encodes.inc({ result: hit ? 'hit' : 'miss' });
  }

  resources(typeUrl: string, count: number): void {
    this.resourceCount.set({ type: typeLabel(typeUrl) }, count);
  }

  /**
   * Reads the resource levels from `counter` at each scrape, replacing whatever resources() set:
   * counting at scrape time costs the pushes nothing.
   */
  countResources(counter: ResourceCounter): void {
    this.resourceCounter = counter;
  }

  /**
   * Reads the proxies holding a NACK from `counter` at each scrape (the xDS server's
   * nackedProxies()): a level read from the streams cannot drift from them, and costs a push nothing.
   */
  countNackedProxies(counter: NackedProxyCounter): void {
    this.nackedProxyCounter = counter;
  }

  /** Reads the CA certificates' expiry at each scrape. */
  readCaExpiry(reader: CaExpiryReader): void {
    this.caExpiryReader = reader;
  }

  /** The CA signed a certificate. */
  certificateIssued(reason: 'new' | 'rotation' | 'csr'): void {
    this.issued.inc({ reason });
  }

  /** This replica became, or stopped being, the leader. */
  leading(leading: boolean): void {
    this.leader.set(leading ? 1 : 0);
  }

  /** One call's outcome of status write-back, trust-bundle or webhook publishing. */
  kubeWrite(what: 'status' | 'trust_bundle' | 'webhook_ca_bundle', result: string): void {
    this.kubeWrites.inc({ what, result });
  }

  changeSeen(): ChangeStamp {
    return this.now();
  }

  converged(stamp: ChangeStamp): void {
    // A clock cannot run backwards, but a stamp from another process or a bug could: never observe < 0.
    this.convergence.observe(Math.max(0, (this.now() - stamp) / 1000));
  }
}

/** Sets a gauge by type label to levels by type URL: every known type from zero, the rest summed into "other". */
function setByType(gauge: Gauge<'type'>, byTypeUrl: ReadonlyMap<string, number>): void {
  const levels = new Map(KNOWN_TYPES.map((type) => [type, 0]));
  for (const [typeUrl, count] of byTypeUrl) {
    const type = typeLabel(typeUrl);
    levels.set(type, (levels.get(type) ?? 0) + count);
  }
  gauge.reset();
  for (const [type, count] of levels) gauge.set({ type }, count);
}
