// The state-of-the-world rules on their own, without gRPC: requests and snapshots in, responses out.

import { Writable } from 'node:stream';
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../log.js';
import { proxyFromNode } from '../../model/proxy.js';
import { buildSnapshot, resourcesOfType, type SnapshotResource, sotwVersion } from '../cache/snapshot.js';
import { TYPE_URL } from '../envoy/type-urls.js';
import { type SotwRequest, type SotwResponse, SotwStream } from './sotw-stream.js';

const { cluster: CDS, endpoint: EDS, listener: LDS, route: RDS } = TYPE_URL;

const resource = (typeUrl: string, name: string, content = name): SnapshotResource => ({
  typeUrl,
  name,
  value: new TextEncoder().encode(content),
});

function stream() {
  const sent: SotwResponse[] = [];
  /** Set `full` to have the next send report the transport full. */
  const transport = { full: false };
  const s = new SotwStream({
    proxy: proxyFromNode({ id: 'sidecar~10.0.0.1~web-0.shop~shop.svc.cluster.local' }),
    logger: silentLogger(),
    send: (r) => {
      sent.push(r);
      return !transport.full;
    },
  });
  const request = (typeUrl: string, more: Partial<SotwRequest> = {}) =>
    s.onRequest({ typeUrl, versionInfo: '', resourceNames: [], responseNonce: '', ...more });
  const ack = (r: SotwResponse, resourceNames: readonly string[] = []) =>
    request(r.typeUrl, { versionInfo: r.versionInfo, responseNonce: r.nonce, resourceNames });
  const names = (r: SotwResponse | undefined) => r?.resources.map((x) => x.name);
  return { s, sent, request, ack, names, transport };
}

describe('a state-of-the-world stream', () => {
  it('waits for the proxy snapshot, then answers what was requested', () => {
    const { s, sent, request, names } = stream();
    request(CDS);
    expect(sent).toHaveLength(0);
    s.onSnapshot(buildSnapshot([resource(CDS, 'b'), resource(CDS, 'a')]));
    expect(sent).toHaveLength(1);
    expect(names(sent[0])).toEqual(['a', 'b']);
    expect(sent[0]?.nonce).toMatch(/^[0-9]+$/);
  });

  it('answers a first wildcard request for LDS even when there are no listeners', () => {
    const { s, sent, request } = stream();
    s.onSnapshot(buildSnapshot([resource(CDS, 'a')]));
    request(LDS);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.resources).toEqual([]);
  });

  it('sends nothing for named EDS resources until they exist', () => {
    const { s, sent, request, names } = stream();
    s.onSnapshot(buildSnapshot([resource(EDS, 'other')]));
    request(EDS, { resourceNames: ['a'] });
    expect(sent).toHaveLength(0);
    s.onSnapshot(buildSnapshot([resource(EDS, 'other'), resource(EDS, 'a')]));
    expect(names(sent[0])).toEqual(['a']);
  });

  it('tells a client asking for a listener by name that it does not exist with an empty LDS response', () => {
    const { s, sent, request } = stream();
    s.onSnapshot(buildSnapshot([resource(LDS, 'other')]));
    request(LDS, { resourceNames: ['missing'] });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.resources).toEqual([]);
  });

  it('treats "*" among the names as a wildcard subscription', () => {
    const { s, sent, request, names } = stream();
    s.onSnapshot(buildSnapshot([resource(CDS, 'a'), resource(CDS, 'b')]));
    request(CDS, { resourceNames: ['*', 'a'] });
    expect(names(sent[0])).toEqual(['a', 'b']);
    expect(s.status().types[CDS]?.subscribed).toBe('*');
  });

  it('answers a subscription change, even when the selected resources stay the same', () => {
    const { s, sent, request, ack, names } = stream();
    s.onSnapshot(buildSnapshot([resource(LDS, 'a')]));
    request(LDS, { resourceNames: ['a'] });
    ack(sent[0]!, ['a', 'not-yet']);
    expect(sent).toHaveLength(2);
    expect(names(sent[1])).toEqual(['a']);
    expect(sent[1]?.versionInfo).toBe(sent[0]?.versionInfo);
    expect(sent[1]?.nonce).not.toBe(sent[0]?.nonce);
    expect(s.status().types[LDS]?.subscribed).toEqual(['a', 'not-yet']);
  });

  it('gives streams that select the same resources one response object, nonce included', () => {
    const snapshot = buildSnapshot([resource(CDS, 'a'), resource(EDS, 'a')]);
    const one = stream();
    const two = stream();
    for (const { s, request } of [one, two]) {
      s.onSnapshot(snapshot);
      request(CDS);
      request(EDS, { resourceNames: ['a'] });
    }
    expect(two.sent[0]).toBe(one.sent[0]);
    expect(two.sent[1]).toBe(one.sent[1]);
    expect(one.sent[1]?.nonce).not.toBe(one.sent[0]?.nonce);
  });

  it('reads a list that repeats names as the set it names: an ACK of it asks for nothing new', () => {
    const { s, sent, request, ack } = stream();
    s.onSnapshot(buildSnapshot([resource(LDS, 'a'), resource(LDS, 'b')]));
    request(LDS, { resourceNames: ['a', 'b', 'a'] });
    expect(sent).toHaveLength(1);
    ack(sent[0]!, ['b', 'a', 'a']);
    ack(sent[0]!, ['a', 'b']);
    expect(sent).toHaveLength(1);
    ack(sent[0]!, ['a', 'a', 'a']);
    expect(sent).toHaveLength(2);
    expect(s.status().types[LDS]?.subscribed).toEqual(['a']);
  });

  it('reads an empty list as an unsubscription once the client has named resources', () => {
    const { s, sent, request, ack } = stream();
    s.onSnapshot(buildSnapshot([resource(CDS, 'a'), resource(CDS, 'b')]));
    request(CDS, { resourceNames: ['a'] });
    ack(sent[0]!, []);
    expect(sent).toHaveLength(2);
    expect(sent[1]?.resources).toEqual([]);
    expect(s.status().types[CDS]?.subscribed).toEqual([]);
  });

  it('records an ACK as the version sent with that nonce, and sends nothing more', () => {
    const { s, sent, request, ack } = stream();
    s.onSnapshot(buildSnapshot([resource(CDS, 'a')]));
    request(CDS);
    ack(sent[0]!);
    expect(sent).toHaveLength(1);
    expect(s.status().types[CDS]).toMatchObject({
      subscribed: '*',
      lastSentVersion: sent[0]?.versionInfo,
      lastSentNonce: sent[0]?.nonce,
      lastAckedVersion: sent[0]?.versionInfo,
    });
  });

  it('makes its child logger on the first line it logs, with the node id, and not before', () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const logger = createLogger('info', destination);
    let children = 0;
    const child = logger.child.bind(logger);
    logger.child = ((...args: Parameters<typeof child>) => {
      children++;
      return child(...args);
    }) as typeof logger.child;
    const sent: SotwResponse[] = [];
    const s = new SotwStream({
      proxy: proxyFromNode({ id: 'proxy-7' }),
      logger,
      send: (r) => {
        sent.push(r);
        return true;
      },
    });
    s.onSnapshot(buildSnapshot([resource(CDS, 'a')]));
    s.onRequest({ typeUrl: CDS, versionInfo: '', resourceNames: [], responseNonce: '' });
    s.onRequest({
      typeUrl: CDS,
      versionInfo: sent[0]!.versionInfo,
      resourceNames: [],
      responseNonce: sent[0]!.nonce,
    });
    s.onClosed();
    expect(children).toBe(0);
    s.onSnapshot(buildSnapshot([resource(CDS, 'b')]));
    s.onRequest({
      typeUrl: CDS,
      versionInfo: sent[0]!.versionInfo,
      resourceNames: [],
      responseNonce: sent[1]!.nonce,
      errorDetail: { code: 3, message: 'bad cluster' },
    });
    expect(children).toBe(1);
    expect(lines.some((l) => l.node === 'proxy-7' && JSON.stringify(l).includes('bad cluster'))).toBe(true);
  });

  it('keeps a NACK with its message, does not resend the rejected version, and sends the next change', () => {
    const now = new Date('2025-01-02T03:04:05.000Z');
    const sent: SotwResponse[] = [];
    const s = new SotwStream({
      proxy: proxyFromNode({ id: 'proxy-1' }),
      logger: silentLogger(),
      send: (r) => {
        sent.push(r);
        return true;
      },
      now: () => now,
    });
    s.onSnapshot(buildSnapshot([resource(CDS, 'a')]));
    s.onRequest({ typeUrl: CDS, versionInfo: '', resourceNames: [], responseNonce: '' });
    const rejected = sent[0]!;
    s.onRequest({
      typeUrl: CDS,
      versionInfo: '',
      resourceNames: [],
      responseNonce: rejected.nonce,
      errorDetail: { code: 3, message: 'bad cluster' },
    });
    s.onSnapshot(buildSnapshot([resource(CDS, 'a'), resource(LDS, 'unrelated')]));
    expect(sent).toHaveLength(1);
    expect(s.status().types[CDS]).toMatchObject({
      lastSentVersion: rejected.versionInfo,
      lastNack: {
        version: rejected.versionInfo,
        nonce: rejected.nonce,
        message: 'bad cluster',
        at: now.toISOString(),
      },
    });
    expect(s.status().types[CDS]?.lastAckedVersion).toBeUndefined();
    s.onSnapshot(buildSnapshot([resource(CDS, 'a', 'fixed')]));
    expect(sent).toHaveLength(2);
    expect(sent[1]?.versionInfo).not.toBe(rejected.versionInfo);
  });

  it('ignores a request carrying a stale nonce, subscription change included', () => {
    const { s, sent, request, ack, names } = stream();
    s.onSnapshot(buildSnapshot([resource(EDS, 'a'), resource(EDS, 'b')]));
    request(EDS, { resourceNames: ['a'] });
    const first = sent[0]!;
    ack(first, ['a']);
    s.onSnapshot(buildSnapshot([resource(EDS, 'a', 'a v2'), resource(EDS, 'b')]));
    expect(sent).toHaveLength(2);
    request(EDS, { versionInfo: first.versionInfo, responseNonce: first.nonce, resourceNames: ['a', 'b'] });
    expect(sent).toHaveLength(2);
    expect(s.status().types[EDS]).toMatchObject({
      subscribed: ['a'],
      lastSentNonce: sent[1]?.nonce,
      lastAckedVersion: first.versionInfo,
    });
    request(EDS, {
      versionInfo: sent[1]!.versionInfo,
      responseNonce: sent[1]!.nonce,
      resourceNames: ['a', 'b'],
    });
    // The client holds a at its latest version: only b is new to it.
    expect(names(sent[2])).toEqual(['b']);
    expect(sent[2]?.versionInfo).toBe(
      sotwVersion(
        resourcesOfType(buildSnapshot([resource(EDS, 'a', 'a v2'), resource(EDS, 'b')]), EDS).values(),
      ),
    );
  });

  it('pushes changed types in the order CDS, EDS, LDS, RDS, and only types the client requested', () => {
    const { s, sent, request, ack } = stream();
    s.onSnapshot(buildSnapshot([]));
    request(RDS, { resourceNames: ['r'] });
    request(LDS);
    request(EDS, { resourceNames: ['c'] });
    request(CDS);
    for (const r of [...sent]) ack(r);
    sent.length = 0;
    s.onSnapshot(
      buildSnapshot([
        resource(RDS, 'r'),
        resource(LDS, 'l'),
        resource(EDS, 'c'),
        resource(CDS, 'c'),
        resource(TYPE_URL.secret, 'default'),
      ]),
    );
    expect(sent.map((r) => r.typeUrl)).toEqual([CDS, EDS, LDS, RDS]);
  });

  it('sends nothing when a new snapshot leaves the selected resources as they were', () => {
    const { s, sent, request } = stream();
    s.onSnapshot(buildSnapshot([resource(EDS, 'a'), resource(EDS, 'b')]));
    request(EDS, { resourceNames: ['a'] });
    s.onSnapshot(buildSnapshot([resource(EDS, 'a'), resource(EDS, 'b', 'b v2'), resource(CDS, 'x')]));
    expect(sent).toHaveLength(1);
  });
});

describe('flow control on a state-of-the-world stream', () => {
  const cds = (content: string) => buildSnapshot([resource(CDS, 'a', content)]);

  it('sends a type nothing more while its response is unanswered, then only the newest state on the ACK', () => {
    const { s, sent, request, ack } = stream();
    s.onSnapshot(cds('v1'));
    request(CDS);
    for (const v of ['v2', 'v3', 'v4']) s.onSnapshot(cds(v));
    expect(sent).toHaveLength(1);
    ack(sent[0]!);
    expect(sent).toHaveLength(2);
    expect(sent[1]?.versionInfo).toBe(sotwVersion(resourcesOfType(cds('v4'), CDS).values()));
    ack(sent[1]!);
    expect(sent).toHaveLength(2);
  });

  it('sends nothing on the ACK when the snapshots that came meanwhile end where the response was', () => {
    const { s, sent, request, ack } = stream();
    s.onSnapshot(cds('v1'));
    request(CDS);
    s.onSnapshot(cds('v2'));
    s.onSnapshot(cds('v1'));
    ack(sent[0]!);
    expect(sent).toHaveLength(1);
  });

  it('on a NACK sends the newest state when it differs from the rejected one', () => {
    const { s, sent, request } = stream();
    s.onSnapshot(cds('bad'));
    request(CDS);
    s.onSnapshot(cds('fixed'));
    expect(sent).toHaveLength(1);
    request(CDS, { responseNonce: sent[0]!.nonce, errorDetail: { code: 3, message: 'bad cluster' } });
    expect(sent).toHaveLength(2);
    expect(sent[1]?.versionInfo).not.toBe(sent[0]?.versionInfo);
    expect(s.status().types[CDS]?.lastNack?.version).toBe(sent[0]?.versionInfo);
  });

  it('answers a subscription change made while a response is unanswered once that response is answered', () => {
    const { s, sent, request, ack, names } = stream();
    s.onSnapshot(buildSnapshot([resource(EDS, 'a'), resource(EDS, 'b')]));
    request(EDS, { resourceNames: ['a'] });
    request(EDS, { resourceNames: ['a', 'b'] });
    expect(sent).toHaveLength(1);
    ack(sent[0]!, ['a', 'b']);
    expect(names(sent[1])).toEqual(['b']);
  });

  it('lets other types push while one type’s unanswered response is still current', () => {
    const { s, sent, request, ack } = stream();
    s.onSnapshot(buildSnapshot([resource(CDS, 'c'), resource(EDS, 'c')]));
    request(CDS);
    request(EDS, { resourceNames: ['c'] });
    ack(sent[1]!, ['c']);
    s.onSnapshot(buildSnapshot([resource(CDS, 'c'), resource(EDS, 'c', 'c v2')]));
    expect(sent.map((r) => r.typeUrl)).toEqual([CDS, EDS, EDS]);
  });

  it('keeps CDS → EDS → LDS → RDS on the wire: a type waiting to send holds the later types, which follow it', () => {
    const { s, sent, request, ack } = stream();
    const snapshot = (v: string) =>
      buildSnapshot([resource(CDS, 'c', v), resource(EDS, 'c', v), resource(LDS, 'l', v)]);
    s.onSnapshot(snapshot('v1'));
    request(CDS);
    request(EDS, { resourceNames: ['c'] });
    request(LDS);
    ack(sent[1]!, ['c']);
    ack(sent[2]!);
    s.onSnapshot(snapshot('v2'));
    expect(sent).toHaveLength(3);
    ack(sent[0]!);
    expect(sent.slice(3).map((r) => r.typeUrl)).toEqual([CDS, EDS, LDS]);
  });

  it('answers a subscription change at once even while an earlier type waits to send', () => {
    const { s, sent, request, ack, names } = stream();
    s.onSnapshot(buildSnapshot([resource(CDS, 'c'), resource(EDS, 'c'), resource(EDS, 'd')]));
    request(CDS);
    request(EDS, { resourceNames: ['c'] });
    s.onSnapshot(buildSnapshot([resource(CDS, 'c', 'c v2'), resource(EDS, 'c'), resource(EDS, 'd')]));
    ack(sent[1]!, ['c', 'd']);
    expect(sent).toHaveLength(3);
    expect(names(sent[2])).toEqual(['d']);
  });

  it('sends nothing while the transport is full, then the newest state when it drains', () => {
    const { s, sent, request, ack, transport } = stream();
    s.onSnapshot(buildSnapshot([resource(CDS, 'a'), resource(LDS, 'l')]));
    transport.full = true;
    request(CDS);
    request(LDS);
    ack(sent[0]!);
    s.onSnapshot(buildSnapshot([resource(CDS, 'a', 'a v2'), resource(LDS, 'l')]));
    expect(sent.map((r) => r.typeUrl)).toEqual([CDS]);
    transport.full = false;
    s.onWritable();
    expect(sent.map((r) => r.typeUrl)).toEqual([CDS, CDS, LDS]);
    expect(sent[1]?.versionInfo).not.toBe(sent[0]?.versionInfo);
  });
});

describe('what a state-of-the-world stream keeps', () => {
  /** The collector, exposed at run time: the test runner starts this process without --expose-gc. */
  const collect = async (): Promise<void> => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    // A WeakRef's target lives to the end of the job that made or read it.
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
  };

  it('lets go of a partial response once it is answered', async () => {
    const { s, sent, request, ack } = stream();
    s.onSnapshot(buildSnapshot([resource(EDS, 'a'), resource(EDS, 'b')]));
    request(EDS, { resourceNames: ['a', 'b'] });
    ack(sent[0]!, ['a', 'b']);
    s.onSnapshot(buildSnapshot([resource(EDS, 'a', 'a2'), resource(EDS, 'b')]));
    expect(sent[1]?.resources.map((r) => r.name)).toEqual(['a']);
    const partial = new WeakRef(sent.pop()!);
    const lastSent = () =>
      (s as unknown as { types: Map<string, { lastSent?: SotwResponse }> }).types.get(EDS)?.lastSent;
    // Unanswered, the stream needs it: a NACK names what it carried.
    await collect();
    expect(partial.deref()).toBeDefined();
    expect(lastSent()).toBe(partial.deref());
    ack(partial.deref()!, ['a', 'b']);
    expect(lastSent()).toBeUndefined();
    // Its selection keeps it for the other groups that lack the same (sotw-changes.ts), while a
    // client holds that selection: once the next one is ACKed, nothing does.
    s.onSnapshot(buildSnapshot([resource(EDS, 'a', 'a3'), resource(EDS, 'b')]));
    const next = sent.pop()!;
    expect(next.resources.map((r) => r.name)).toEqual(['a']);
    ack(next, ['a', 'b']);
    await collect();
    expect(partial.deref()).toBeUndefined();
  });

  it('shares one subscription among streams that name the same resources, in any order', () => {
    const one = stream();
    const two = stream();
    const snapshot = buildSnapshot([resource(EDS, 'a'), resource(EDS, 'b'), resource(EDS, 'c')]);
    one.s.onSnapshot(snapshot);
    two.s.onSnapshot(snapshot);
    one.request(EDS, { resourceNames: ['a', 'b'] });
    two.request(EDS, { resourceNames: ['b', 'a', 'b'] });
    const subscriptionOf = (x: SotwStream) =>
      (x as unknown as { types: Map<string, { subscription: object }> }).types.get(EDS)?.subscription;
    expect(subscriptionOf(one.s)).toBeDefined();
    expect(subscriptionOf(one.s)).toBe(subscriptionOf(two.s));
    // Both were answered with the one shared response.
    expect(one.sent[0]).toBe(two.sent[0]);
    two.ack(two.sent[0]!, ['a', 'b', 'c']);
    expect(subscriptionOf(two.s)).not.toBe(subscriptionOf(one.s));
    expect(two.sent[1]?.resources.map((r) => r.name)).toEqual(['c']);
  });
});

describe('state-of-the-world streams of groups alike', () => {
  it('share one response when their maps hold the very same resources', () => {
    const a = stream();
    const b = stream();
    const snapshot = buildSnapshot([resource(CDS, 'x'), resource(CDS, 'y')]);
    // Another group's map: another object, the same resource objects (the encode memo's).
    const alike = { resources: new Map([[CDS, new Map(snapshot.resources.get(CDS)!)]]) };
    a.s.onSnapshot(snapshot);
    b.s.onSnapshot(alike);
    a.request(CDS);
    b.request(CDS);
    expect(a.sent).toHaveLength(1);
    expect(b.sent[0]).toBe(a.sent[0]);
    // Equal content in other objects is not the same response: the objects are what is sent.
    const c = stream();
    c.s.onSnapshot(buildSnapshot([resource(CDS, 'x'), resource(CDS, 'y')]));
    c.request(CDS);
    expect(c.sent[0]).not.toBe(a.sent[0]);
    expect(c.sent[0]?.versionInfo).toBe(a.sent[0]?.versionInfo);
  });
});
