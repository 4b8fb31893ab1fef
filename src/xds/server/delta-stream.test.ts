// The incremental (delta) rules on their own, without gRPC: requests and snapshots in, responses out.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../log.js';
import { proxyFromNode } from '../../model/proxy.js';
import { buildSnapshot, contentHash, type SnapshotResource, sotwVersion } from '../cache/snapshot.js';
import { TYPE_URL } from '../envoy/type-urls.js';
import { type DeltaRequest, type DeltaResponse, DeltaStream } from './delta-stream.js';

const { cluster: CDS, endpoint: EDS, listener: LDS, route: RDS } = TYPE_URL;

const resource = (typeUrl: string, name: string, content = name): SnapshotResource => ({
  typeUrl,
  name,
  value: new TextEncoder().encode(content),
});

/** The version a resource built by `resource()` carries. */
const version = (name: string, content = name) => contentHash(new TextEncoder().encode(content));

function stream(now?: Date) {
  const sent: DeltaResponse[] = [];
  /** Set `full` to have the next send report the transport full. */
  const transport = { full: false };
  const s = new DeltaStream({
    proxy: proxyFromNode({ id: 'sidecar~10.0.0.1~web-0.shop~shop.svc.cluster.local' }),
    logger: silentLogger(),
    send: (r) => {
      sent.push(r);
      return !transport.full;
    },
    ...(now ? { now: () => now } : {}),
  });
  const request = (
    typeUrl: string,
    more: Partial<Omit<DeltaRequest, 'initialVersions'>> & { initial?: Record<string, string> } = {},
  ) =>
    s.onRequest({
      typeUrl,
      subscribe: more.subscribe ?? [],
      unsubscribe: more.unsubscribe ?? [],
      initialVersions: new Map(Object.entries(more.initial ?? {})),
      responseNonce: more.responseNonce ?? '',
      ...(more.errorDetail ? { errorDetail: more.errorDetail } : {}),
    });
  const ack = (r: DeltaResponse) => request(r.typeUrl, { responseNonce: r.nonce });
  const nack = (r: DeltaResponse, message = 'rejected') =>
    request(r.typeUrl, { responseNonce: r.nonce, errorDetail: { code: 3, message } });
  /** What a response carries: name → version, and the removed names. */
  const contents = (r: DeltaResponse | undefined) => ({
    resources: Object.fromEntries((r?.resources ?? []).map((x) => [x.name, x.version])),
    removed: r?.removedResources ?? [],
  });
  return { s, sent, request, ack, nack, contents, transport };
}

describe('a delta stream', () => {
  it('waits for the proxy snapshot, then sends a wildcard subscription every resource with its own version', () => {
    const { s, sent, request, contents } = stream();
    request(CDS);
    expect(sent).toHaveLength(0);
    s.onSnapshot(buildSnapshot([resource(CDS, 'b'), resource(CDS, 'a', 'a v1')]));
    expect(sent).toHaveLength(1);
    expect(contents(sent[0])).toEqual({
      resources: { a: version('a', 'a v1'), b: version('b') },
      removed: [],
    });
    expect(sent[0]?.resources.map((r) => r.name)).toEqual(['a', 'b']);
    expect(sent[0]?.nonce).toBe('1');
    expect(sent[0]?.systemVersionInfo).toBe(sent[0] && sotwVersion(sent[0].resources));
  });

  it('answers the first wildcard request even when the type has no resources, and then only changes', () => {
    const { s, sent, request, ack } = stream();
    s.onSnapshot(buildSnapshot([resource(CDS, 'a')]));
    request(LDS);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ typeUrl: LDS, resources: [], removedResources: [] });
    ack(sent[0]!);
    s.onSnapshot(buildSnapshot([resource(CDS, 'a', 'a v2')]));
    expect(sent).toHaveLength(1);
  });

  it('sends only the names a client subscribed to, and only the new one when it subscribes to more', () => {
    const { s, sent, request, ack, contents } = stream();
    s.onSnapshot(buildSnapshot([resource(EDS, 'a'), resource(EDS, 'b'), resource(EDS, 'c')]));
    request(EDS, { subscribe: ['a'] });
    expect(contents(sent[0])).toEqual({ resources: { a: version('a') }, removed: [] });
    ack(sent[0]!);
    request(EDS, { subscribe: ['c'] });
    expect(contents(sent[1])).toEqual({ resources: { c: version('c') }, removed: [] });
    expect(s.status().types[EDS]?.subscribed).toEqual(['a', 'c']);
  });

  it('says once, in removed_resources, that a subscribed name does not exist, and sends it when it appears', () => {
    const { s, sent, request, ack, contents } = stream();
    s.onSnapshot(buildSnapshot([resource(EDS, 'other')]));
    request(EDS, { subscribe: ['a'] });
    expect(contents(sent[0])).toEqual({ resources: {}, removed: ['a'] });
    ack(sent[0]!);
    s.onSnapshot(buildSnapshot([resource(EDS, 'other', 'other v2')]));
    expect(sent).toHaveLength(1);
    s.onSnapshot(buildSnapshot([resource(EDS, 'other'), resource(EDS, 'a')]));
    expect(contents(sent[1])).toEqual({ resources: { a: version('a') }, removed: [] });
  });

  it('sends nothing more for a name the client unsubscribed from, not even its removal', () => {
    const { s, sent, request, ack } = stream();
    s.onSnapshot(buildSnapshot([resource(EDS, 'a'), resource(EDS, 'b')]));
    request(EDS, { subscribe: ['a', 'b'] });
    ack(sent[0]!);
    request(EDS, { unsubscribe: ['a'] });
    expect(sent).toHaveLength(1);
    s.onSnapshot(buildSnapshot([resource(EDS, 'a', 'a v2'), resource(EDS, 'b')]));
    s.onSnapshot(buildSnapshot([resource(EDS, 'b')]));
    expect(sent).toHaveLength(1);
    expect(s.status().types[EDS]?.subscribed).toEqual(['b']);
  });

  it('treats "*" among the names as a wildcard subscription, alongside the names', () => {
    const { s, sent, request, contents } = stream();
    s.onSnapshot(buildSnapshot([resource(CDS, 'a'), resource(CDS, 'b')]));
    request(CDS, { subscribe: ['*', 'missing'] });
    expect(contents(sent[0])).toEqual({
      resources: { a: version('a'), b: version('b') },
      removed: ['missing'],
    });
    expect(s.status().types[CDS]?.subscribed).toBe('*');
  });

  it('keeps a legacy wildcard subscription when the client later names resources', () => {
    const { s, sent, request, ack, contents } = stream();
    s.onSnapshot(buildSnapshot([resource(CDS, 'a')]));
    request(CDS);
    ack(sent[0]!);
    request(CDS, { subscribe: ['a'] });
    expect(sent).toHaveLength(1);
    s.onSnapshot(buildSnapshot([resource(CDS, 'a'), resource(CDS, 'b')]));
    expect(contents(sent[1])).toEqual({ resources: { b: version('b') }, removed: [] });
  });

  it('leaves the wildcard when the client unsubscribes from "*", keeping only the names it subscribed to', () => {
    const { s, sent, request, ack, contents } = stream();
    s.onSnapshot(buildSnapshot([resource(CDS, 'a'), resource(CDS, 'b')]));
    request(CDS, { subscribe: ['*', 'a'] });
    ack(sent[0]!);
    request(CDS, { unsubscribe: ['*'] });
    expect(sent).toHaveLength(1);
    expect(s.status().types[CDS]?.subscribed).toEqual(['a']);
    s.onSnapshot(buildSnapshot([resource(CDS, 'a', 'a v2'), resource(CDS, 'b', 'b v2'), resource(CDS, 'c')]));
    expect(contents(sent[1])).toEqual({ resources: { a: version('a', 'a v2') }, removed: [] });
  });

  it('sends a resource again when its name is unsubscribed while the wildcard stays', () => {
    const { s, sent, request, ack, contents } = stream();
    s.onSnapshot(buildSnapshot([resource(CDS, 'a'), resource(CDS, 'b')]));
    request(CDS, { subscribe: ['*', 'a'] });
    ack(sent[0]!);
    request(CDS, { unsubscribe: ['a'] });
    expect(contents(sent[1])).toEqual({ resources: { a: version('a') }, removed: [] });
  });

  it('lists a resource that disappeared in removed_resources, once', () => {
    const { s, sent, request, ack, contents } = stream();
    s.onSnapshot(buildSnapshot([resource(CDS, 'a'), resource(CDS, 'b')]));
    request(CDS);
    ack(sent[0]!);
    s.onSnapshot(buildSnapshot([resource(CDS, 'a')]));
    expect(contents(sent[1])).toEqual({ resources: {}, removed: ['b'] });
    ack(sent[1]!);
    s.onSnapshot(buildSnapshot([resource(CDS, 'a'), resource(LDS, 'l')]));
    expect(sent).toHaveLength(2);
  });

  it('on reconnect sends only what differs from initial_resource_versions and removes what is gone', () => {
    const { s, sent, request, contents } = stream();
    s.onSnapshot(
      buildSnapshot([resource(CDS, 'same'), resource(CDS, 'changed', 'changed v2'), resource(CDS, 'new')]),
    );
    request(CDS, { initial: { same: version('same'), changed: version('changed'), gone: 'v-old' } });
    expect(contents(sent[0])).toEqual({
      resources: { changed: version('changed', 'changed v2'), new: version('new') },
      removed: ['gone'],
    });
  });

  it('sends nothing on reconnect to a named subscription the client already holds', () => {
    const { s, sent, request } = stream();
    s.onSnapshot(buildSnapshot([resource(EDS, 'a')]));
    request(EDS, { subscribe: ['a'], initial: { a: version('a'), unsubscribed: 'v1' } });
    expect(sent).toHaveLength(0);
    expect(s.status().types[EDS]?.subscribed).toEqual(['a']);
  });

  it('reads initial_resource_versions on the first request of a type only', () => {
    const { s, sent, request, ack, contents } = stream();
    s.onSnapshot(buildSnapshot([resource(EDS, 'a'), resource(EDS, 'b')]));
    request(EDS, { subscribe: ['a'] });
    ack(sent[0]!);
    request(EDS, { subscribe: ['b'], initial: { b: version('b') } });
    expect(contents(sent[1])).toEqual({ resources: { b: version('b') }, removed: [] });
  });

  it('sends only the changed ClusterLoadAssignment when only endpoints change', () => {
    const { s, sent, request, ack, contents } = stream();
    s.onSnapshot(
      buildSnapshot([resource(CDS, 'a'), resource(CDS, 'b'), resource(EDS, 'a'), resource(EDS, 'b')]),
    );
    request(CDS);
    request(EDS, { subscribe: ['a', 'b'] });
    for (const r of [...sent]) ack(r);
    s.onSnapshot(
      buildSnapshot([resource(CDS, 'a'), resource(CDS, 'b'), resource(EDS, 'a'), resource(EDS, 'b', 'b v2')]),
    );
    expect(sent).toHaveLength(3);
    expect(sent[2]?.typeUrl).toBe(EDS);
    expect(contents(sent[2])).toEqual({ resources: { b: version('b', 'b v2') }, removed: [] });
  });

  it('records a first response whole: a NACK of it leaves the client holding nothing', () => {
    const one = stream();
    const two = stream();
    const snapshot = buildSnapshot([resource(CDS, 'a'), resource(CDS, 'b')]);
    for (const x of [one, two]) {
      x.s.onSnapshot(snapshot);
      x.request(CDS);
    }
    expect(one.contents(one.sent[0]).resources).toEqual({ a: version('a'), b: version('b') });
    // The NACKed resources were never held: none is acked, and the next change sends them again.
    expect(one.s.ackedVersion(CDS, 'a')).toBeUndefined();
    one.nack(one.sent[0]!);
    expect(one.s.ackedVersion(CDS, 'a')).toBeUndefined();
    one.s.onSnapshot(buildSnapshot([resource(CDS, 'a'), resource(CDS, 'b', 'b2')]));
    expect(one.contents(one.sent[1])).toEqual({
      resources: { a: version('a'), b: version('b', 'b2') },
      removed: [],
    });
    // The ACKed stream holds what it was sent, and is sent only what changed.
    two.ack(two.sent[0]!);
    expect(two.s.ackedVersion(CDS, 'a')).toBe(version('a'));
    two.s.onSnapshot(buildSnapshot([resource(CDS, 'a'), resource(CDS, 'b', 'b2')]));
    expect(two.contents(two.sent[1])).toEqual({ resources: { b: version('b', 'b2') }, removed: [] });
  });

  it('records an ACK as the system version sent with that nonce', () => {
    const { s, sent, request, ack } = stream();
    s.onSnapshot(buildSnapshot([resource(CDS, 'a')]));
    request(CDS);
    ack(sent[0]!);
    expect(sent).toHaveLength(1);
    expect(s.status()).toMatchObject({
      variant: 'delta',
      kind: 'sidecar',
      namespace: 'shop',
      types: {
        [CDS]: {
          subscribed: '*',
          lastSentVersion: sent[0]?.systemVersionInfo,
          lastSentNonce: '1',
          lastAckedVersion: sent[0]?.systemVersionInfo,
        },
      },
    });
  });

  it('on a NACK keeps what the client had and resends nothing until the type changes again', () => {
    const now = new Date('2025-01-02T03:04:05.000Z');
    const { s, sent, request, ack, nack, contents } = stream(now);
    s.onSnapshot(buildSnapshot([resource(CDS, 'a'), resource(CDS, 'b')]));
    request(CDS);
    const good = sent[0]!;
    ack(good);
    s.onSnapshot(buildSnapshot([resource(CDS, 'a', 'a bad'), resource(CDS, 'b', 'b v2')]));
    const rejected = sent[1]!;
    nack(rejected, 'cluster a: bad connect_timeout');
    expect(sent).toHaveLength(2);
    expect(s.status().types[CDS]).toMatchObject({
      lastAckedVersion: good.systemVersionInfo,
      lastNack: {
        version: rejected.systemVersionInfo,
        nonce: rejected.nonce,
        message: 'cluster a: bad connect_timeout',
        at: now.toISOString(),
      },
    });
    s.onSnapshot(
      buildSnapshot([resource(CDS, 'a', 'a bad'), resource(CDS, 'b', 'b v2'), resource(LDS, 'l')]),
    );
    expect(sent).toHaveLength(2);
    // The client still holds a and b as first sent: both go out again with the next change.
    s.onSnapshot(buildSnapshot([resource(CDS, 'a', 'a fixed'), resource(CDS, 'b', 'b v2')]));
    expect(contents(sent[2])).toEqual({
      resources: { a: version('a', 'a fixed'), b: version('b', 'b v2') },
      removed: [],
    });
  });

  it('rolls back a NACKed removal, and removes the resource again with the next change', () => {
    const { s, sent, request, ack, nack, contents } = stream();
    s.onSnapshot(buildSnapshot([resource(CDS, 'a'), resource(CDS, 'b')]));
    request(CDS);
    ack(sent[0]!);
    s.onSnapshot(buildSnapshot([resource(CDS, 'a')]));
    nack(sent[1]!);
    s.onSnapshot(buildSnapshot([resource(CDS, 'a', 'a v2')]));
    expect(contents(sent[2])).toEqual({ resources: { a: version('a', 'a v2') }, removed: ['b'] });
  });

  it('answers a subscription made with a NACK, without resending what was rejected', () => {
    const { s, sent, request, ack, contents } = stream();
    s.onSnapshot(buildSnapshot([resource(EDS, 'a'), resource(EDS, 'b')]));
    request(EDS, { subscribe: ['a'] });
    ack(sent[0]!);
    s.onSnapshot(buildSnapshot([resource(EDS, 'a', 'a bad'), resource(EDS, 'b')]));
    request(EDS, {
      responseNonce: sent[1]!.nonce,
      errorDetail: { code: 3, message: 'no' },
      subscribe: ['missing'],
    });
    expect(contents(sent[2])).toEqual({ resources: {}, removed: ['missing'] });
  });

  it('after a NACK sends what changed while the response was out, leaving out what was rejected', () => {
    const { s, sent, request, ack, contents } = stream();
    s.onSnapshot(buildSnapshot([resource(CDS, 'a'), resource(CDS, 'b')]));
    request(CDS);
    ack(sent[0]!);
    s.onSnapshot(buildSnapshot([resource(CDS, 'a', 'a bad'), resource(CDS, 'b')]));
    s.onSnapshot(buildSnapshot([resource(CDS, 'a', 'a bad'), resource(CDS, 'b', 'b v2')]));
    expect(sent).toHaveLength(2);
    request(CDS, { responseNonce: sent[1]!.nonce, errorDetail: { code: 3, message: 'a is bad' } });
    expect(contents(sent[2])).toEqual({ resources: { b: version('b', 'b v2') }, removed: [] });
    ack(sent[2]!);
    expect(sent).toHaveLength(3);
    expect(s.status().types[CDS]).toMatchObject({
      lastNack: { nonce: sent[1]?.nonce, message: 'a is bad' },
      lastAckedVersion: sent[2]?.systemVersionInfo,
    });
    s.onSnapshot(buildSnapshot([resource(CDS, 'a', 'a fixed'), resource(CDS, 'b', 'b v2')]));
    expect(contents(sent[3])).toEqual({ resources: { a: version('a', 'a fixed') }, removed: [] });
  });

  it('ignores the ACK or NACK of a stale nonce, but applies its subscription change', () => {
    const { s, sent, request, ack, contents } = stream();
    s.onSnapshot(buildSnapshot([resource(EDS, 'a'), resource(EDS, 'b')]));
    request(EDS, { subscribe: ['a'] });
    const first = sent[0]!;
    ack(first);
    request(EDS, { responseNonce: first.nonce, errorDetail: { code: 3, message: 'late' } });
    request(EDS, { responseNonce: '999', errorDetail: { code: 3, message: 'unknown' } });
    expect(s.status().types[EDS]?.lastNack).toBeUndefined();
    expect(s.status().types[EDS]?.lastAckedVersion).toBe(first.systemVersionInfo);
    expect(sent).toHaveLength(1);
    request(EDS, { responseNonce: '999', subscribe: ['b'] });
    expect(contents(sent[1])).toEqual({ resources: { b: version('b') }, removed: [] });
  });

  it('pushes changed types in the order CDS, EDS, LDS, RDS, and only types the client subscribed to', () => {
    const { s, sent, request, ack } = stream();
    s.onSnapshot(buildSnapshot([]));
    request(RDS, { subscribe: ['r'] });
    request(LDS);
    request(EDS, { subscribe: ['c'] });
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
});

describe('flow control on a delta stream', () => {
  it('sends a type nothing more while its response is unanswered, then one response with the newest state', () => {
    const { s, sent, request, ack, contents } = stream();
    s.onSnapshot(buildSnapshot([resource(CDS, 'a'), resource(CDS, 'b')]));
    request(CDS);
    s.onSnapshot(buildSnapshot([resource(CDS, 'a', 'a v2'), resource(CDS, 'b')]));
    s.onSnapshot(buildSnapshot([resource(CDS, 'a', 'a v3'), resource(CDS, 'c')]));
    expect(sent).toHaveLength(1);
    ack(sent[0]!);
    expect(sent).toHaveLength(2);
    expect(contents(sent[1])).toEqual({
      resources: { a: version('a', 'a v3'), c: version('c') },
      removed: ['b'],
    });
    ack(sent[1]!);
    expect(sent).toHaveLength(2);
  });

  it('answers subscriptions made while a response is unanswered in one response when it is answered', () => {
    const { s, sent, request, ack, contents } = stream();
    s.onSnapshot(buildSnapshot([resource(EDS, 'a'), resource(EDS, 'b'), resource(EDS, 'c')]));
    request(EDS, { subscribe: ['a'] });
    request(EDS, { subscribe: ['b'] });
    request(EDS, { subscribe: ['c'], unsubscribe: ['b'] });
    expect(sent).toHaveLength(1);
    ack(sent[0]!);
    expect(contents(sent[1])).toEqual({ resources: { c: version('c') }, removed: [] });
    expect(s.status().types[EDS]?.subscribed).toEqual(['a', 'c']);
  });

  it('sends nothing on the ACK when the snapshots that came meanwhile end where the response was', () => {
    const { s, sent, request, ack } = stream();
    s.onSnapshot(buildSnapshot([resource(CDS, 'a')]));
    request(CDS);
    s.onSnapshot(buildSnapshot([resource(CDS, 'a', 'a v2')]));
    s.onSnapshot(buildSnapshot([resource(CDS, 'a')]));
    ack(sent[0]!);
    expect(sent).toHaveLength(1);
  });

  it('keeps CDS → EDS → LDS → RDS on the wire: a type waiting to send holds the later types, which follow it', () => {
    const { s, sent, request, ack } = stream();
    const snapshot = (v: string) =>
      buildSnapshot([resource(CDS, 'c', v), resource(EDS, 'c', v), resource(LDS, 'l', v)]);
    s.onSnapshot(snapshot('v1'));
    request(CDS);
    request(EDS, { subscribe: ['c'] });
    request(LDS);
    ack(sent[1]!);
    ack(sent[2]!);
    s.onSnapshot(snapshot('v2'));
    expect(sent).toHaveLength(3);
    ack(sent[0]!);
    expect(sent.slice(3).map((r) => r.typeUrl)).toEqual([CDS, EDS, LDS]);
  });

  it('lets other types push while one type’s unanswered response is still current', () => {
    const { s, sent, request, ack } = stream();
    s.onSnapshot(buildSnapshot([resource(CDS, 'c'), resource(EDS, 'c')]));
    request(CDS);
    request(EDS, { subscribe: ['c'] });
    ack(sent[1]!);
    s.onSnapshot(buildSnapshot([resource(CDS, 'c'), resource(EDS, 'c', 'c v2')]));
    expect(sent.map((r) => r.typeUrl)).toEqual([CDS, EDS, EDS]);
  });

  it('answers a subscription at once even while an earlier type waits to send', () => {
    const { s, sent, request, ack, contents } = stream();
    s.onSnapshot(buildSnapshot([resource(CDS, 'c'), resource(EDS, 'c'), resource(EDS, 'd')]));
    request(CDS);
    request(EDS, { subscribe: ['c'] });
    ack(sent[1]!);
    s.onSnapshot(buildSnapshot([resource(CDS, 'c', 'c v2'), resource(EDS, 'c'), resource(EDS, 'd')]));
    request(EDS, { subscribe: ['d'] });
    expect(sent).toHaveLength(3);
    expect(contents(sent[2])).toEqual({ resources: { d: version('d') }, removed: [] });
  });

  it('sends nothing while the transport is full, then the newest state when it drains', () => {
    const { s, sent, request, ack, contents, transport } = stream();
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
    expect(contents(sent[1])).toEqual({ resources: { a: version('a', 'a v2') }, removed: [] });
  });
});
