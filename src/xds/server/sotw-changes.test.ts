// What a state-of-the-world stream sends of RouteConfiguration, ClusterLoadAssignment and Secret:
// only what the client does not hold. Listener and Cluster responses stay the complete set.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../log.js';
import { proxyFromNode } from '../../model/proxy.js';
import { seededRandom } from '../../sources/apis/shared/fuzz-mutations.js';
import {
  buildSnapshot,
  contentHash,
  resourcesOfType,
  type Snapshot,
  type SnapshotResource,
  sotwVersion,
} from '../cache/snapshot.js';
import { TYPE_URL } from '../envoy/type-urls.js';
import { type SotwRequest, type SotwResponse, SotwStream } from './sotw-stream.js';

const { cluster: CDS, endpoint: EDS, listener: LDS, route: RDS, secret: SDS } = TYPE_URL;

const resource = (typeUrl: string, name: string, content = name): SnapshotResource => ({
  typeUrl,
  name,
  value: new TextEncoder().encode(content),
});

function stream(id = 'sidecar~10.0.0.1~web-0.shop~shop.svc.cluster.local') {
  const sent: SotwResponse[] = [];
  const s = new SotwStream({
    proxy: proxyFromNode({ id }),
    logger: silentLogger(),
    send: (r) => {
      sent.push(r);
      return true;
    },
  });
  const request = (typeUrl: string, more: Partial<SotwRequest> = {}) =>
    s.onRequest({ typeUrl, versionInfo: '', resourceNames: [], responseNonce: '', ...more });
  const ack = (r: SotwResponse, resourceNames: readonly string[]) =>
    request(r.typeUrl, { versionInfo: r.versionInfo, responseNonce: r.nonce, resourceNames });
  const nack = (r: SotwResponse, kept: string, resourceNames: readonly string[]) =>
    request(r.typeUrl, {
      versionInfo: kept,
      responseNonce: r.nonce,
      resourceNames,
      errorDetail: { code: 3, message: 'rejected' },
    });
  const last = () => sent[sent.length - 1]!;
  return { s, sent, request, ack, nack, last };
}

const names = (r: SotwResponse | undefined) => r?.resources.map((x) => x.name);
/** name → content hash, as a client reads a response. */
const contents = (r: SotwResponse | undefined) =>
  Object.fromEntries((r?.resources ?? []).map((x) => [x.name, x.version]));
const version = (content: string) => contentHash(new TextEncoder().encode(content));
const versionOf = (snapshot: Snapshot, typeUrl: string, only?: readonly string[]) =>
  sotwVersion([...resourcesOfType(snapshot, typeUrl).values()].filter((r) => !only || only.includes(r.name)));

const eds = (...contents: (readonly [string, string] | string)[]) =>
  buildSnapshot(contents.map((c) => (typeof c === 'string' ? resource(EDS, c) : resource(EDS, c[0], c[1]))));

describe('partial state-of-the-world responses', () => {
  it('sends clients that hold different maps but lack the same resources one shared response', () => {
    const a = stream();
    const b = stream('sidecar~10.0.0.2~web-1.shop~shop.svc.cluster.local');
    // The same content in two maps: two groups, each level with its own.
    a.s.onSnapshot(eds('x', 'y'));
    b.s.onSnapshot(eds('x', 'y'));
    a.request(EDS, { resourceNames: ['x', 'y'] });
    b.request(EDS, { resourceNames: ['x', 'y'] });
    expect(a.last()).not.toBe(b.last());
    a.ack(a.last(), ['x', 'y']);
    b.ack(b.last(), ['x', 'y']);
    const next = eds(['x', 'x2'], 'y');
    a.s.onSnapshot(next);
    b.s.onSnapshot(next);
    expect(names(a.last())).toEqual(['x']);
    expect(b.last()).toBe(a.last());
  });

  it('sends only the changed ClusterLoadAssignment on a SotW stream', () => {
    const { s, sent, request, ack } = stream();
    s.onSnapshot(eds('a', 'b', 'c'));
    request(EDS, { resourceNames: ['a', 'b', 'c'] });
    expect(names(sent[0])).toEqual(['a', 'b', 'c']);
    ack(sent[0]!, ['a', 'b', 'c']);
    const changed = eds('a', ['b', 'b v2'], 'c');
    s.onSnapshot(changed);
    expect(sent).toHaveLength(2);
    expect(contents(sent[1])).toEqual({ b: version('b v2') });
    // The version is the whole selection's: an ACK of it says the client holds all of it.
    expect(sent[1]?.versionInfo).toBe(versionOf(changed, EDS));
    ack(sent[1]!, ['a', 'b', 'c']);
    expect(sent).toHaveLength(2);
    expect(s.status().types[EDS]?.lastAckedVersion).toBe(versionOf(changed, EDS));
    expect(s.ackedVersion(EDS, 'a')).toBe(version('a'));
    expect(s.ackedVersion(EDS, 'b')).toBe(version('b v2'));
  });

  it('sends only the changed RouteConfiguration and Secret as well', () => {
    const { s, sent, request, ack } = stream();
    const snapshot = (route: string, secret: string) =>
      buildSnapshot([
        resource(RDS, '80'),
        resource(RDS, '8080', route),
        resource(SDS, 'default', secret),
        resource(SDS, 'ROOTCA'),
      ]);
    s.onSnapshot(snapshot('r1', 's1'));
    request(SDS, { resourceNames: ['default', 'ROOTCA'] });
    request(RDS, { resourceNames: ['80', '8080'] });
    ack(sent[0]!, ['default', 'ROOTCA']);
    ack(sent[1]!, ['80', '8080']);
    s.onSnapshot(snapshot('r2', 's2'));
    expect(sent.slice(2).map((r) => [r.typeUrl, names(r)])).toEqual([
      [SDS, ['default']],
      [RDS, ['8080']],
    ]);
  });

  it('sends nothing when only resources the client does not ask for change, or one it asks for disappears', () => {
    const { s, sent, request, ack } = stream();
    s.onSnapshot(eds('a', 'b', 'other'));
    request(EDS, { resourceNames: ['a', 'b'] });
    ack(sent[0]!, ['a', 'b']);
    s.onSnapshot(eds('a', 'b', ['other', 'other v2']));
    // b is gone: a SotW client of EDS cannot be told; the CDS full set makes it unused.
    s.onSnapshot(eds('a', ['other', 'other v2']));
    expect(sent).toHaveLength(1);
    // Back as it was: the client still holds it.
    s.onSnapshot(eds('a', 'b'));
    expect(sent).toHaveLength(1);
  });

  it('a stream that NACKed gets the rejected resources again only when they change', () => {
    const { s, sent, request, ack, nack } = stream();
    s.onSnapshot(eds('a', 'b', 'other'));
    request(EDS, { resourceNames: ['a', 'b'] });
    const good = sent[0]!;
    ack(good, ['a', 'b']);
    s.onSnapshot(eds(['a', 'a bad'], 'b', 'other'));
    const rejected = sent[1]!;
    expect(names(rejected)).toEqual(['a']);
    nack(rejected, good.versionInfo, ['a', 'b']);
    expect(s.status().types[EDS]).toMatchObject({ lastAckedVersion: good.versionInfo, nackHeld: true });
    // The client keeps what it had.
    expect(s.ackedVersion(EDS, 'a')).toBe(version('a'));
    // Nothing it asked for changed: nothing is sent, the rejected resource included.
    s.onSnapshot(buildSnapshot([resource(EDS, 'a', 'a bad'), resource(EDS, 'b'), resource(CDS, 'c')]));
    s.onSnapshot(eds(['a', 'a bad'], 'b', ['other', 'other v2']));
    expect(sent).toHaveLength(2);
    s.onSnapshot(eds(['a', 'a fixed'], 'b', 'other'));
    expect(contents(sent[2])).toEqual({ a: version('a fixed') });
    ack(sent[2]!, ['a', 'b']);
    expect(s.status().types[EDS]?.nackHeld).toBeUndefined();
    expect(s.ackedVersion(EDS, 'a')).toBe(version('a fixed'));
  });

  it('after a NACK, a change of another resource carries the rejected one too: the client does not hold it', () => {
    const { s, sent, request, ack, nack } = stream();
    s.onSnapshot(eds('a', 'b'));
    request(EDS, { resourceNames: ['a', 'b'] });
    ack(sent[0]!, ['a', 'b']);
    s.onSnapshot(eds(['a', 'a v2'], 'b'));
    nack(sent[1]!, sent[0]!.versionInfo, ['a', 'b']);
    const latest = eds(['a', 'a v2'], ['b', 'b v2']);
    s.onSnapshot(latest);
    expect(contents(sent[2])).toEqual({ a: version('a v2'), b: version('b v2') });
    expect(sent[2]?.versionInfo).toBe(versionOf(latest, EDS));
  });

  it('a new subscription name is sent alone', () => {
    const { s, sent, request, ack } = stream();
    const snapshot = eds('a', 'b', 'c');
    s.onSnapshot(snapshot);
    request(EDS, { resourceNames: ['a', 'b'] });
    ack(sent[0]!, ['a', 'b', 'c']);
    expect(names(sent[1])).toEqual(['c']);
    expect(sent[1]?.versionInfo).toBe(versionOf(snapshot, EDS));
    ack(sent[1]!, ['a', 'b', 'c']);
    expect(sent).toHaveLength(2);
  });

  it('answers an unsubscription with nothing, and sends a name again when the client asks for it again', () => {
    const { s, sent, request, ack } = stream();
    s.onSnapshot(eds('a', 'b'));
    request(EDS, { resourceNames: ['a', 'b'] });
    ack(sent[0]!, ['a']);
    expect(sent).toHaveLength(1);
    expect(s.status().types[EDS]?.subscribed).toEqual(['a']);
    // The client dropped b when it stopped asking for it.
    expect(s.ackedVersion(EDS, 'b')).toBeUndefined();
    request(EDS, {
      versionInfo: sent[0]!.versionInfo,
      responseNonce: sent[0]!.nonce,
      resourceNames: ['a', 'b'],
    });
    expect(names(sent[1])).toEqual(['b']);
  });

  it('forgets a name unsubscribed while a response is out, even when that response carried it', () => {
    const { s, sent, request, ack } = stream();
    s.onSnapshot(eds('a', 'b'));
    request(EDS, { resourceNames: ['a', 'b'] });
    // A first request again, with fewer names, before the response is answered.
    request(EDS, { resourceNames: ['a'] });
    ack(sent[0]!, ['a']);
    expect(s.ackedVersion(EDS, 'b')).toBeUndefined();
    ack(sent[0]!, ['a', 'b']);
    expect(names(sent[1])).toEqual(['b']);
  });

  it('gives a new stream of the same proxy the whole selection first', () => {
    const snapshot = eds('a', ['b', 'b v2'], 'c');
    const before = stream();
    before.s.onSnapshot(eds('a', 'b', 'c'));
    before.request(EDS, { resourceNames: ['a', 'b', 'c'] });
    before.ack(before.sent[0]!, ['a', 'b', 'c']);
    before.s.onSnapshot(snapshot);
    expect(names(before.last())).toEqual(['b']);
    const after = stream();
    after.s.onSnapshot(snapshot);
    after.request(EDS, { resourceNames: ['a', 'b', 'c'] });
    expect(names(after.sent[0])).toEqual(['a', 'b', 'c']);
    expect(after.sent[0]?.versionInfo).toBe(before.last().versionInfo);
  });

  it('two streams of one group share one partial response object', () => {
    const first = eds('a', 'b', 'c');
    const second = eds('a', ['b', 'b v2'], 'c');
    const streams = [stream('proxy-1'), stream('proxy-2'), stream('proxy-3')];
    for (const { s, sent, request, ack } of streams) {
      s.onSnapshot(first);
      request(EDS, { resourceNames: ['c', 'b', 'a'] });
      ack(sent[0]!, ['a', 'b', 'c']);
    }
    for (const { s } of streams) s.onSnapshot(second);
    const [one, two, three] = streams.map((t) => t.sent[1]!);
    expect(names(one)).toEqual(['b']);
    expect(two).toBe(one);
    expect(three).toBe(one);
    // A stream that connects now holds nothing: it shares the whole selection's response instead.
    const late = stream('proxy-4');
    late.s.onSnapshot(second);
    late.request(EDS, { resourceNames: ['a', 'b', 'c'] });
    expect(names(late.sent[0])).toEqual(['a', 'b', 'c']);
    expect(late.sent[0]?.versionInfo).toBe(one?.versionInfo);
    expect(late.sent[0]?.nonce).not.toBe(one?.nonce);
  });

  it('Listener and Cluster responses stay complete', () => {
    const { s, sent, request, ack } = stream();
    const snapshot = (v: string) =>
      buildSnapshot([resource(CDS, 'a'), resource(CDS, 'b', v), resource(LDS, 'l1'), resource(LDS, 'l2', v)]);
    s.onSnapshot(snapshot('v1'));
    request(CDS);
    request(LDS);
    ack(sent[0]!, []);
    ack(sent[1]!, []);
    s.onSnapshot(snapshot('v2'));
    expect(sent.slice(2).map((r) => [r.typeUrl, names(r)])).toEqual([
      [CDS, ['a', 'b']],
      [LDS, ['l1', 'l2']],
    ]);
  });
});

// A SotW client as the protocol describes it: it applies what an ACKed response carries, keeps
// what a response leaves out, keeps everything on a NACK, and drops what it stops asking for.
class ModelClient {
  readonly held = new Map<string, string>();
  names: string[] = [];
  inFlight?: SotwResponse;
  last?: SotwResponse;
  keptVersion = '';
  lastAnswerAcked = true;

  constructor(readonly t: ReturnType<typeof stream>) {}

  /** Takes the response the stream just sent, if it sent one. */
  receive(latest: Snapshot): void {
    const { sent } = this.t;
    const response = sent[sent.length - 1];
    if (!response || response === this.last) return;
    this.last = response;
    this.inFlight = response;
    // Never what the client holds already; always under the version of the whole selection.
    for (const r of response.resources) expect(this.held.get(r.name)).not.toBe(r.version);
    const available = resourcesOfType(latest, response.typeUrl);
    const selected = this.names.filter((n) => available.has(n));
    expect(response.versionInfo).toBe(versionOf(latest, response.typeUrl, selected));
  }

  subscribe(names: string[]): void {
    this.names = names;
    for (const name of [...this.held.keys()]) if (!names.includes(name)) this.held.delete(name);
  }

  apply(response: SotwResponse): void {
    for (const r of response.resources) if (this.names.includes(r.name)) this.held.set(r.name, r.version);
    this.keptVersion = response.versionInfo;
  }
}

describe('partial state-of-the-world responses, against a model client', () => {
  it('after any sequence of pushes, ACKs, NACKs and subscription changes, what was sent and ACKed is the latest selection', () => {
    const random = seededRandom(0x15_01);
    const pool = ['a', 'b', 'c', 'd', 'e', 'f'];
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    const subset = () => pool.filter(() => random() < 0.5);
    let checks = 0;
    for (let run = 0; run < 60; run++) {
      // Two streams fed the same: they must be sent the same response objects.
      const twins = [stream(`proxy-${run}-1`), stream(`proxy-${run}-2`)];
      const clients = twins.map((t) => new ModelClient(t));
      const typeUrl = pick([EDS, RDS, SDS]);
      let contents = new Map<string, string>();
      const snapshot = () => buildSnapshot([...contents].map(([name, c]) => resource(typeUrl, name, c)));
      const change = (name: string) => {
        if (random() < 0.2) contents.delete(name);
        else contents.set(name, `${name} v${Math.floor(random() * 3)}`);
      };
      for (const name of subset()) change(name);
      let latest = snapshot();
      for (const t of twins) t.s.onSnapshot(latest);
      const firstNames = subset();
      // An empty first list would be a wildcard, which this client does not model.
      if (firstNames.length === 0) firstNames.push('a');
      for (const c of clients) {
        c.subscribe(firstNames);
        c.t.request(typeUrl, { resourceNames: firstNames });
        c.receive(latest);
      }

      const step = (op: number, names: string[], accept: boolean, renames: boolean) => {
        if (op < 0.4) {
          contents = new Map(contents);
          for (let i = 0; i < 1 + Math.floor(random() * 2); i++) change(pick(pool));
          latest = snapshot();
          for (const t of twins) t.s.onSnapshot(latest);
          for (const c of clients) c.receive(latest);
          return;
        }
        for (const c of clients) {
          const response = c.inFlight;
          const newNames = renames ? names : c.names;
          if (response) {
            c.inFlight = undefined;
            c.lastAnswerAcked = accept;
            if (accept) c.apply(response);
            c.subscribe(newNames);
            if (accept) c.t.ack(response, newNames);
            else c.t.nack(response, c.keptVersion, newNames);
          } else if (renames && c.last) {
            // The nonce of the last response, answered already, and the version the client holds.
            c.subscribe(newNames);
            c.t.request(typeUrl, {
              versionInfo: c.keptVersion,
              responseNonce: c.last.nonce,
              resourceNames: newNames,
            });
          }
          c.receive(latest);
        }
      };

      const check = () => {
        const [one, two] = clients as [ModelClient, ModelClient];
        expect(two.t.sent.length).toBe(one.t.sent.length);
        for (const [i, r] of one.t.sent.entries()) expect(two.t.sent[i]).toBe(r);
        const available = resourcesOfType(latest, typeUrl);
        for (const c of clients) {
          if (c.inFlight) continue;
          if (!c.lastAnswerAcked || !c.last) continue;
          // Nothing more to send after an ACK: the client is level with the latest selection.
          checks++;
          for (const name of c.names) {
            const latestVersion = available.get(name)?.version;
            if (latestVersion) expect(c.held.get(name)).toBe(latestVersion);
          }
        }
      };

      for (let i = 0; i < 40; i++) {
        step(random(), subset(), random() < 0.8, random() < 0.3);
        check();
      }
      // Settle: ACK all; a NACK is healed by the next change of what the client asks for.
      const ackAll = () => {
        for (let i = 0; i < 5 && clients.some((c) => c.inFlight); i++) step(0.5, [], true, false);
        expect(clients.some((c) => c.inFlight)).toBe(false);
      };
      ackAll();
      if (clients.some((c) => !c.lastAnswerAcked)) {
        const name = clients[0]!.names.find((n) => contents.has(n));
        if (name) {
          contents = new Map(contents);
          contents.set(name, `${name} settled`);
          latest = snapshot();
          for (const t of twins) t.s.onSnapshot(latest);
          for (const c of clients) c.receive(latest);
          ackAll();
        }
      }
      check();
      // A fresh stream sends the same selection whole (an empty first list would be a wildcard).
      if (clients[0]!.names.length === 0) continue;
      const fresh = stream(`proxy-${run}-fresh`);
      fresh.s.onSnapshot(latest);
      fresh.request(typeUrl, { resourceNames: clients[0]!.names });
      const whole = fresh.sent[0];
      if (whole && clients[0]!.lastAnswerAcked) {
        for (const c of clients) {
          expect(
            Object.fromEntries([...c.held].filter(([n]) => resourcesOfType(latest, typeUrl).has(n))),
          ).toEqual(Object.fromEntries(whole.resources.map((r) => [r.name, r.version])));
        }
      }
    }
    expect(checks).toBeGreaterThan(500);
  });
});
