// The connection timeouts of the xDS port (ConnectionTimeouts in stream-limits.ts), small and over
// real TCP on 127.0.0.1: a peer that connects and never speaks HTTP/2 is closed, and a peer that
// stops answering the server's pings is dropped and leaves the status.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AdsTestClient } from '../../../test/helpers/ads-test-client.js';
import { until } from '../../../test/helpers/xds-fixtures.js';
import { silentLogger } from '../../log.js';
import type { MeshProxy } from '../../model/proxy.js';
import { SnapshotCache } from '../cache/snapshot-cache.js';
import { TYPE_URL } from '../envoy/type-urls.js';
import { XdsServer } from './ads-server.js';
import type { ConnectionTimeouts } from './stream-limits.js';

const NODE = 'sidecar~10.0.0.7~web-0.shop~shop.svc.cluster.local';
const HTTP2_PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
const EMPTY_SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
const PING = 6;

/**
 * A TCP relay to `port` that counts the HTTP/2 PINGs the server sends (not the ACKs) and can
 * freeze: from then on it drops every byte both ways, as a peer that hangs with its socket open.
 */
async function relay(port: number) {
  const sockets = new Set<net.Socket>();
  let frozen = false;
  let pings = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    }
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.on('data', (bytes: Buffer) => {
      if (!frozen) upstream.write(bytes);
    });
    // The server's side is HTTP/2 frames from its first byte: 9 bytes of header, then the payload.
    let pending = Buffer.alloc(0);
    upstream.on('data', (bytes: Buffer) => {
      if (frozen) return;
      client.write(bytes);
      pending = Buffer.concat([pending, bytes]);
      while (pending.length >= 9 && pending.length >= 9 + pending.readUIntBE(0, 3)) {
        if (pending[3] === PING && (pending[4]! & 1) === 0) pings++;
        pending = pending.subarray(9 + pending.readUIntBE(0, 3));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    pings: () => pings,
    freeze: () => {
      frozen = true;
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

describe('xDS connections', () => {
  const servers: XdsServer[] = [];
  const clients: { close(): void }[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function start(connections: Partial<ConnectionTimeouts>) {
    const closed: MeshProxy[] = [];
    const server = new XdsServer({
      cache: new SnapshotCache(),
      logger: silentLogger(),
      connections,
      hooks: { onStreamClosed: (proxy) => closed.push(proxy) },
    });
    servers.push(server);
    const { port } = await server.listen('127.0.0.1:0');
    return { server, port, closed };
  }

  /** A raw TCP connection to the port that sends `bytes` (maybe nothing); resolves once the server closes it. */
  function connect(port: number, bytes: readonly (string | Buffer)[]) {
    const socket = net.connect(port, '127.0.0.1');
    clients.push({ close: () => socket.destroy() });
    socket.on('error', () => {});
    socket.on('connect', () => {
      for (const b of bytes) socket.write(b);
    });
    // Read what the server sends (its SETTINGS, a GOAWAY), so that only its close ends the socket.
    socket.resume();
    let closed = false;
    socket.on('close', () => {
      closed = true;
    });
    return { isClosed: () => closed };
  }

  it('closes a connection that never sends the HTTP/2 preface, or stops after it, within the idle timeout', async () => {
    const { port } = await start({ idleMs: 200, keepaliveMs: 0 });
    const silent = connect(port, []);
    const prefaceOnly = connect(port, [HTTP2_PREFACE, EMPTY_SETTINGS]);
    await until(() => silent.isClosed(), 'the server to close the silent connection');
    await until(() => prefaceOnly.isClosed(), 'the server to close the connection with no stream');
  });

  it('pings a live peer, keeps it, and drops it once it stops answering, and its stream with it', async () => {
    const { server, port, closed } = await start({ idleMs: 0, keepaliveMs: 100, keepaliveTimeoutMs: 100 });
    const middle = await relay(port);
    clients.push(middle);
    const client = new AdsTestClient(middle.port);
    clients.push(client);
    client.send({ node: { id: NODE }, type_url: TYPE_URL.cluster });
    await until(() => server.status().some((s) => s.proxyId === NODE), 'the stream to be identified');
    // The client's HTTP/2 stack answers each PING: three rounds later the stream is still there.
    await until(() => middle.pings() >= 3, 'three keepalive pings');
    expect(server.status().map((s) => s.proxyId)).toEqual([NODE]);
    expect(closed).toEqual([]);

    middle.freeze();
    await until(() => server.status().length === 0, 'the frozen peer to leave the status');
    expect(closed.map((p) => p.id)).toEqual([NODE]);
  });
});
