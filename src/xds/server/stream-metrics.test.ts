// What SotW and delta streams report into the metrics, without gRPC: a recorder in place of
// Prometheus and a clock the test moves.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../log.js';
import { proxyFromNode } from '../../model/proxy.js';
import { buildSnapshot, type Snapshot, type SnapshotResource } from '../cache/snapshot.js';
import { TYPE_URL } from '../envoy/type-urls.js';
import type { PushReason } from '../xds-metrics.js';
import { type DeltaResponse, DeltaStream } from './delta-stream.js';
import { type SotwResponse, SotwStream } from './sotw-stream.js';
import type { ResponseMetrics } from './stream-metrics.js';

const { cluster: CDS, endpoint: EDS, listener: LDS } = TYPE_URL;
const proxy = proxyFromNode({ id: 'sidecar~10.0.0.1~web-0.shop~shop.svc.cluster.local' });

const resource = (typeUrl: string, name: string, content = name): SnapshotResource => ({
  typeUrl,
  name,
  value: new TextEncoder().encode(content),
});

const snapshot = (changeStamp: number | undefined, ...resources: SnapshotResource[]): Snapshot => ({
  ...buildSnapshot(resources),
  ...(changeStamp !== undefined ? { changeStamp } : {}),
});

function recorder() {
  const pushes: { typeUrl: string; reason: PushReason; seconds: number }[] = [];
  const nacks: string[] = [];
  const converged: number[] = [];
  const metrics: ResponseMetrics = {
    pushed: (typeUrl, reason, seconds) => pushes.push({ typeUrl, reason, seconds }),
    nacked: (typeUrl) => nacks.push(typeUrl),
    converged: (stamp) => converged.push(stamp),
  };
  const clock = { now: 1_000 };
  const reasons = () =>
    pushes.map((p) => `${p.typeUrl === CDS ? 'cds' : p.typeUrl === EDS ? 'eds' : 'lds'}:${p.reason}`);
  return { metrics, clock, pushes, nacks, converged, reasons };
}

function sotw() {
  const r = recorder();
  const sent: SotwResponse[] = [];
  const transport = { full: false };
  const s = new SotwStream({
    proxy,
    logger: silentLogger(),
    metrics: r.metrics,
    clock: () => r.clock.now,
    send: (response) => {
      sent.push(response);
      return !transport.full;
    },
  });
  const request = (typeUrl: string, resourceNames: string[] = [], answers?: SotwResponse, error?: string) =>
    s.onRequest({
      typeUrl,
      versionInfo: answers?.versionInfo ?? '',
      resourceNames,
      responseNonce: answers?.nonce ?? '',
      ...(error ? { errorDetail: { code: 3, message: error } } : {}),
    });
  const last = () => sent[sent.length - 1]!;
  return { ...r, s, sent, transport, request, last };
}

function delta() {
  const r = recorder();
  const sent: DeltaResponse[] = [];
  const s = new DeltaStream({
    proxy,
    logger: silentLogger(),
    metrics: r.metrics,
    clock: () => r.clock.now,
    send: (response) => {
      sent.push(response);
      return true;
    },
  });
  const request = (typeUrl: string, subscribe: string[] = [], answers?: DeltaResponse, error?: string) =>
    s.onRequest({
      typeUrl,
      subscribe,
      unsubscribe: [],
      initialVersions: new Map(),
      responseNonce: answers?.nonce ?? '',
      ...(error ? { errorDetail: { code: 3, message: error } } : {}),
    });
  const last = () => sent[sent.length - 1]!;
  return { ...r, s, sent, request, last };
}

describe('a state-of-the-world stream reports', () => {
  it('each response as initial, subscription or change', () => {
    const { s, request, last, reasons } = sotw();
    s.onSnapshot(snapshot(undefined, resource(CDS, 'a'), resource(EDS, 'a'), resource(EDS, 'b')));
    request(CDS);
    request(CDS, [], last());
    request(EDS, ['a']);
    request(EDS, ['a', 'b'], last());
    request(EDS, ['a', 'b'], last());
    s.onSnapshot(snapshot(50, resource(CDS, 'a', 'a2'), resource(EDS, 'a'), resource(EDS, 'b')));
    expect(reasons()).toEqual(['cds:initial', 'eds:initial', 'eds:subscription', 'cds:change']);
  });

  it('the time from the later of snapshot and request to the write, holds for a full transport included', () => {
    const { s, clock, transport, request, pushes } = sotw();
    request(CDS);
    clock.now = 1_004;
    transport.full = true;
    s.onSnapshot(snapshot(undefined, resource(CDS, 'a'), resource(LDS, 'l')));
    clock.now = 1_006;
    request(LDS);
    clock.now = 1_016;
    s.onWritable();
    expect(pushes.map((p) => [p.reason, p.seconds])).toEqual([
      ['initial', 0],
      ['initial', 0.01],
    ]);
  });

  it('not the proxy’s time to ACK: a change held for an unanswered response is timed from the ACK', () => {
    const { s, clock, request, last, pushes } = sotw();
    s.onSnapshot(snapshot(undefined, resource(CDS, 'a')));
    request(CDS);
    const first = last();
    clock.now = 1_100;
    s.onSnapshot(snapshot(900, resource(CDS, 'a', 'a2')));
    clock.now = 1_500;
    request(CDS, [], first);
    expect(pushes.map((p) => [p.reason, p.seconds])).toEqual([
      ['initial', 0],
      ['change', 0],
    ]);
  });

  it('each NACK, and convergence once every response a change caused is ACKed, never for a NACKed one', () => {
    const { s, request, last, nacks, converged } = sotw();
    s.onSnapshot(snapshot(100, resource(CDS, 'a')));
    request(CDS);
    request(CDS, [], last());
    expect(converged).toEqual([]); // an initial response says nothing about how fast a change spread
    s.onSnapshot(snapshot(200, resource(CDS, 'a', 'a2')));
    request(CDS, [], last(), 'bad cluster');
    expect(nacks).toEqual([CDS]);
    expect(converged).toEqual([]);
    s.onSnapshot(snapshot(300, resource(CDS, 'a', 'a3')));
    request(CDS, [], last());
    expect(converged).toEqual([300]);
  });
});

describe('a delta stream reports', () => {
  it('each response as initial, subscription or change', () => {
    const { s, request, last, reasons } = delta();
    s.onSnapshot(snapshot(undefined, resource(CDS, 'a'), resource(EDS, 'a'), resource(EDS, 'b')));
    request(CDS);
    request(CDS, [], last());
    request(EDS, ['a']);
    request(EDS, ['b'], last());
    request(EDS, [], last());
    s.onSnapshot(snapshot(50, resource(CDS, 'a', 'a2'), resource(EDS, 'a'), resource(EDS, 'b')));
    expect(reasons()).toEqual(['cds:initial', 'eds:initial', 'eds:subscription', 'cds:change']);
  });

  it('the time from the later of snapshot and request to the write', () => {
    const { s, clock, request, pushes } = delta();
    request(CDS);
    clock.now = 1_004;
    s.onSnapshot(snapshot(undefined, resource(CDS, 'a')));
    expect(pushes).toEqual([{ typeUrl: CDS, reason: 'initial', seconds: 0 }]);
  });

  it('each NACK, and convergence once every response a change caused is ACKed, never for a NACKed one', () => {
    const { s, request, last, nacks, converged } = delta();
    s.onSnapshot(snapshot(100, resource(CDS, 'a')));
    request(CDS);
    request(CDS, [], last());
    s.onSnapshot(snapshot(200, resource(CDS, 'a', 'a2')));
    request(CDS, [], last(), 'bad cluster');
    expect(nacks).toEqual([CDS]);
    expect(converged).toEqual([]);
    s.onSnapshot(snapshot(300, resource(CDS, 'a', 'a3')));
    request(CDS, [], last());
    expect(converged).toEqual([300]);
  });
});
