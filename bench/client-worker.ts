// A client process of the benchmark: it opens its share of the simulated proxies against one xDS
// server and tells the orchestrator, over IPC, when all of them are current, when all of them
// ACKed a change, and how many bytes they received for it. Run by `fork`, never by hand.
import { discoveryCodecs } from '../src/xds/server/ads-service.js';
import { DeltaProxy } from './delta-proxy.js';
import type { FromWorker, StreamSpec, ToWorker, VariantTotals } from './ipc-messages.js';
import { clusterEdsName, listenerRouteNames } from './resource-refs.js';
import {
  type ChangeWatch,
  now,
  type ProxyEvents,
  type SimulatedProxy,
  type Variant,
} from './simulated-proxy.js';
import { SotwProxy } from './sotw-proxy.js';

function send(message: FromWorker): void {
  process.send?.(message);
}

class Worker implements ProxyEvents {
  private proxies: SimulatedProxy[] = [];
  private readyCount = 0;
  private failedCount = 0;
  private changedCount = 0;
  private firstFailure: string | undefined;
  private connectReported = false;
  private watch: ChangeWatch | undefined;
  private changeReported = false;
  private markCpu = process.cpuUsage();

  connect(port: number, streams: readonly StreamSpec[]): void {
    this.proxies = streams.map((spec) =>
      spec.variant === 'sotw'
        ? new SotwProxy(spec.nodeId, this, port)
        : new DeltaProxy(spec.nodeId, this, port),
    );
    for (const proxy of this.proxies) proxy.start();
  }

  mark(watch: ChangeWatch): void {
    this.watch = watch;
    this.changedCount = 0;
    this.changeReported = false;
    this.markCpu = process.cpuUsage();
    for (const proxy of this.proxies) proxy.mark(watch);
    send({ type: 'marked', change: watch.change });
    this.checkChanged();
  }

  collect(change: number): void {
    const cpu = process.cpuUsage(this.markCpu);
    send({
      type: 'collected',
      change,
      sotw: this.totals('sotw'),
      delta: this.totals('delta'),
      cpuMs: (cpu.user + cpu.system) / 1000,
    });
  }

  progress(): void {
    send({
      type: 'progress',
      ready: this.readyCount,
      changed: this.changedCount,
      failed: this.failedCount,
      total: this.proxies.length,
      ...(this.firstFailure ? { firstFailure: this.firstFailure } : {}),
    });
  }

  stop(): void {
    for (const proxy of this.proxies) proxy.close();
    // Let the cancellations reach the server before the process goes.
    setTimeout(() => process.exit(0), 200).unref();
  }

  onReady(): void {
    this.readyCount++;
    this.checkConnected();
  }

  onChanged(): void {
    this.changedCount++;
    this.checkChanged();
  }

  onFailed(_proxy: SimulatedProxy, reason: string): void {
    this.failedCount++;
    this.firstFailure ??= reason;
    this.checkConnected();
    this.checkChanged();
  }

  private checkConnected(): void {
    if (this.connectReported || this.readyCount + this.failedCount < this.proxies.length) return;
    this.connectReported = true;
    send({ type: 'connected', at: now(), ready: this.readyCount, failed: this.failedCount });
  }

  private checkChanged(): void {
    if (!this.watch || this.changeReported) return;
    if (this.changedCount + this.failedCount < this.proxies.length) return; // cheap test first
    const settled = this.proxies.filter((p) => p.changeSettled || p.failed).length;
    if (settled < this.proxies.length) return;
    this.changeReported = true;
    let lastAck: number | undefined;
    let acked = 0;
    for (const p of this.proxies) {
      if (p.changedAt === undefined) continue;
      acked++;
      lastAck = Math.max(lastAck ?? 0, p.changedAt);
    }
    send({ type: 'changed', change: this.watch.change, lastAck, acked });
  }

  private totals(variant: Variant): VariantTotals {
    let streams = 0;
    let bytes = 0;
    let responses = 0;
    let resources = 0;
    let watchedBytes = 0;
    let watchedCount = 0;
    for (const p of this.proxies) {
      if (p.variant !== variant || p.failed) continue;
      streams++;
      bytes += p.received.bytes;
      responses += p.received.responses;
      resources += p.received.resources;
      if (p.watchedResourceBytes > 0) {
        watchedBytes += p.watchedResourceBytes;
        watchedCount++;
      }
    }
    return { streams, bytes, responses, resources, watchedBytes, watchedCount };
  }
}

const worker = new Worker();
process.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'connect':
      worker.connect(message.port, message.streams);
      break;
    case 'mark':
      worker.mark(message.watch);
      break;
    case 'collect':
      worker.collect(message.change);
      break;
    case 'progress':
      worker.progress();
      break;
    case 'stop':
      worker.stop();
      break;
  }
});
// The orchestrator going away must not leave a client process behind.
process.on('disconnect', () => process.exit(0));

// Load the protos and decoders before reporting in, so connecting measures the server, not this.
discoveryCodecs();
clusterEdsName(new Uint8Array());
listenerRouteNames(new Uint8Array());
send({ type: 'loaded' });
