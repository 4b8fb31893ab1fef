// What Trellis's HTTP(S) servers (admin, webhook) do alike once made: bounded and counted
// connections, a listen that rejects on a bind error, and the address actually bound.
import type { Server } from 'node:net';
import { formatHostPort } from './address.js';

export interface ListenLimits {
  readonly maxConnections: number;
  readonly keepAliveTimeoutMs: number;
  readonly socketTimeoutMs: number;
}

/** Applies the limits, and returns how many connections are open now (for shedding keep-alive). */
export function boundConnections(
  server: Server & { keepAliveTimeout: number; setTimeout(ms: number): unknown },
  limits: ListenLimits,
): () => number {
  let open = 0;
  server.maxConnections = limits.maxConnections;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.setTimeout(limits.socketTimeoutMs);
  server.on('connection', (socket) => {
    open++;
    socket.once('close', () => open--);
  });
  return () => open;
}

/** Listens on host:port; resolves with the port actually bound (port 0 picks one). */
export async function listenOn(
  server: Server,
  host: string,
  port: number,
): Promise<{ port: number; address: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  return typeof bound === 'object' && bound
    ? { port: bound.port, address: formatHostPort({ host: bound.address, port: bound.port }) }
    : { port, address: formatHostPort({ host, port }) };
}
