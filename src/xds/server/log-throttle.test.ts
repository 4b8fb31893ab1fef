// Client text in the logs: cut to 1 KiB, and a stream's lines of a kind rate-limited, with what was
// dropped counted; first the throttle alone on a fake clock, then a real server and NACKing clients.
import { Writable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { AdsTestClient } from '../../../test/helpers/ads-test-client.js';
import { DeltaTestClient } from '../../../test/helpers/delta-test-client.js';
import { until } from '../../../test/helpers/xds-fixtures.js';
import { createLogger } from '../../log.js';
import { buildSnapshot } from '../cache/snapshot.js';
import { SnapshotCache } from '../cache/snapshot-cache.js';
import { TYPE_URL } from '../envoy/type-urls.js';
import { XdsServer } from './ads-server.js';
import { boundedText, LogThrottle, MAX_CLIENT_TEXT_CHARS } from './log-throttle.js';

const CDS = TYPE_URL.cluster;

interface Line {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

function capture() {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(text));
      done();
    },
  });
  return { lines, logger: createLogger('debug', sink) };
}

/** pino writes to its destination synchronously only when told to: wait for the lines to land. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('LogThrottle', () => {
  it('logs the first lines of a kind per window, counts the rest, and says so when logging resumes', async () => {
    const { lines, logger } = capture();
    let now = 0;
    const throttle = new LogThrottle(logger, { lines: 2, windowMs: 60_000 }, () => now);
    for (let i = 0; i < 5; i++) throttle.log('warn', 'NACK', { i }, 'nack');
    // Another kind has its own count.
    throttle.log('debug', 'stale nonce', {}, 'stale');
    await settled();
    expect(lines.map((l) => [l.msg, l.i])).toEqual([
      ['nack', 0],
      ['nack', 1],
      ['stale', undefined],
    ]);
    now = 59_999;
    throttle.log('warn', 'NACK', { i: 5 }, 'nack');
    now = 60_000;
    throttle.log('warn', 'NACK', { i: 6 }, 'nack');
    await settled();
    expect(lines.at(-1)).toMatchObject({ msg: 'nack', i: 6, suppressed: 4 });
    expect(lines).toHaveLength(4);
  });

  it('says at the end how many lines it dropped and has not said yet, once per kind', async () => {
    const { lines, logger } = capture();
    const throttle = new LogThrottle(logger, { lines: 1, windowMs: 60_000 }, () => 0);
    for (let i = 0; i < 4; i++) throttle.log('warn', 'NACK', {}, 'nack');
    throttle.log('debug', 'stale nonce', {}, 'stale');
    throttle.flush();
    throttle.flush();
    await settled();
    expect(lines.filter((l) => l.msg === 'log lines suppressed')).toEqual([
      expect.objectContaining({ level: 40, kind: 'NACK', suppressed: 3, lines: 1, windowMs: 60_000 }),
    ]);
  });

  it('counts nothing for a level the logger drops', async () => {
    const { lines } = capture();
    const quiet = createLogger('warn', new Writable({ write: (_c, _e, done) => done() }));
    const throttle = new LogThrottle(quiet, { lines: 1, windowMs: 60_000 }, () => 0);
    for (let i = 0; i < 3; i++) throttle.log('debug', 'stale nonce', {}, 'stale');
    throttle.flush();
    await settled();
    expect(lines).toEqual([]);
  });

  it('cuts client text to 1 KiB and says how long it was', () => {
    const text = 'x'.repeat(64 * 1024);
    expect(boundedText(text)).toBe(
      `${'x'.repeat(MAX_CLIENT_TEXT_CHARS)}… [truncated, 65536 characters in all]`,
    );
    expect(boundedText('short')).toBe('short');
  });
});

describe('NACK logs of a real server', () => {
  const servers: XdsServer[] = [];
  const clients: { close(): void }[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('logs at most 3 NACKs per stream, each cut to 1 KiB, and the rest as a count when the stream ends', async () => {
    const { lines, logger } = capture();
    const cache = new SnapshotCache();
    const server = new XdsServer({ cache, logger, logThrottle: { lines: 3, windowMs: 60_000 } });
    servers.push(server);
    const { port } = await server.listen('127.0.0.1:0');
    const ids = ['sotw', 'delta'].map((v) => `sidecar~10.0.0.7~${v}-0.shop~shop.svc.cluster.local`);
    const snapshot = buildSnapshot([{ typeUrl: CDS, name: 'a', value: Uint8Array.from([10, 1, 97]) }]);
    for (const id of ids) cache.setSnapshot(id, snapshot);
    const message = 'E'.repeat(64 * 1024);

    // SotW: the same response NACKed ten times over; delta likewise.
    const sotw = new AdsTestClient(port);
    clients.push(sotw);
    sotw.send({ node: { id: ids[0] }, type_url: CDS });
    const response = await sotw.next();
    const delta = new DeltaTestClient(port);
    clients.push(delta);
    delta.send({ node: { id: ids[1] }, type_url: CDS });
    const deltaResponse = await delta.next();
    // A stale nonce is client text too, and throttled on its own.
    const stale = `stale-${'n'.repeat(4096)}`;
    delta.send({ type_url: CDS, response_nonce: stale });
    for (let i = 0; i < 10; i++) {
      sotw.send({
        type_url: CDS,
        response_nonce: response.nonce,
        error_detail: { code: grpc.status.INVALID_ARGUMENT, message },
      });
      delta.nack(deltaResponse, message);
    }
    for (let i = 0; i < 5; i++) sotw.send({ type_url: CDS, response_nonce: stale });
    // Then a request whose effect shows in the status: everything before it has been read.
    sotw.send({ type_url: TYPE_URL.endpoint, resource_names: ['last'] });
    delta.send({ type_url: TYPE_URL.endpoint, resource_names_subscribe: ['last'] });
    await until(
      () => server.status().every((s) => s.types[TYPE_URL.endpoint] !== undefined),
      'every request to be read',
    );
    const nacksOf = (id: string) =>
      lines.filter((l) => l.node === id && l.msg === 'proxy rejected configuration (NACK)');
    const staleOf = (id: string) => lines.filter((l) => l.node === id && l.msg.startsWith('stale nonce'));
    // The delta stream answers every NACK of the same nonce only once: its later 9 are stale.
    await until(
      () =>
        nacksOf(ids[0]!).length === 3 &&
        staleOf(ids[0]!).length === 3 &&
        nacksOf(ids[1]!).length === 1 &&
        staleOf(ids[1]!).length === 3,
      'the first lines of each kind',
    );
    for (const line of [...nacksOf(ids[0]!), ...nacksOf(ids[1]!)]) {
      expect(line.error).toBe(boundedText(message));
      expect(JSON.stringify(line).length).toBeLessThan(2 * MAX_CLIENT_TEXT_CHARS);
    }
    for (const line of [...staleOf(ids[0]!), ...staleOf(ids[1]!)])
      expect(String(line.nonce).length).toBeLessThan(MAX_CLIENT_TEXT_CHARS + 64);

    sotw.close();
    delta.close();
    await until(() => server.status().length === 0, 'both streams to end');
    await settled();
    const suppressed = lines.filter((l) => l.msg === 'log lines suppressed');
    expect(suppressed.map((l) => [l.node, l.kind, l.suppressed]).sort()).toEqual(
      [
        [ids[0], 'NACK', 7],
        [ids[0], 'stale nonce', 2],
        [ids[1], 'stale nonce', 7],
      ].sort(),
    );
  });

  it('logs at most N stream opened and closed lines across the server, however fast streams churn', async () => {
    const { lines, logger } = capture();
    const cache = new SnapshotCache();
    const server = new XdsServer({ cache, logger, streamLogThrottle: { lines: 4, windowMs: 60_000 } });
    servers.push(server);
    const { port } = await server.listen('127.0.0.1:0');
    for (let i = 0; i < 12; i++) {
      const id = `sidecar~10.0.0.${i}~churn-${i}.shop~shop.svc.cluster.local`;
      const client = new AdsTestClient(port);
      client.send({ node: { id }, type_url: CDS });
      await until(() => server.status().some((s) => s.proxyId === id), `stream ${i} to open`);
      client.close();
      await until(() => server.status().length === 0, `stream ${i} to close`);
    }
    await settled();
    expect(lines.filter((l) => l.msg === 'xDS stream opened')).toHaveLength(4);
    expect(lines.filter((l) => l.msg === 'xDS stream closed')).toHaveLength(4);
  });
});
