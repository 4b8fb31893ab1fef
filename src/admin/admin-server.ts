// The admin HTTP port: health, readiness, Prometheus metrics and debug views. Every route is one
// row of `routes`, so adding one touches nothing else.
import http from 'node:http';
import type { Logger } from '../log.js';
import type { MetricsExposition } from './metrics.js';

export interface AdminServerOptions {
  readonly logger: Logger;
  /** True once the first full snapshot is built. */
  readonly ready: () => boolean;
  /** JSON for /debug/config-errors. */
  readonly configErrors: () => unknown;
  /** JSON for /debug/syncz. */
  readonly syncz: () => unknown;
  /** Prometheus text for /metrics; without it /metrics is 404. */
  readonly metrics?: MetricsExposition;
}

export interface BoundAddress {
  readonly port: number;
  /** host:port with the port actually bound (never 0). */
  readonly address: string;
}

interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

type Route = () => Reply | Promise<Reply>;

const text = (status: number, body: string): Reply => ({
  status,
  contentType: 'text/plain; charset=utf-8',
  body: `${body}\n`,
});
const json = (value: unknown): Reply => ({
  status: 200,
  contentType: 'application/json; charset=utf-8',
  body: `${JSON.stringify(value, null, 2)}\n`,
});

export class AdminServer {
  private readonly logger: Logger;
  private readonly routes: ReadonlyMap<string, Route>;
  private server: http.Server | undefined;

  constructor(options: AdminServerOptions) {
    this.logger = options.logger;
    const routes = new Map<string, Route>([
      ['/healthz', () => text(200, 'ok')],
      ['/readyz', () => (options.ready() ? text(200, 'ready') : text(503, 'not ready'))],
      ['/debug/config-errors', () => json(options.configErrors())],
      ['/debug/syncz', () => json(options.syncz())],
    ]);
    const { metrics } = options;
    if (metrics) {
      routes.set('/metrics', async () => ({
        status: 200,
        contentType: metrics.contentType,
        body: await metrics.render(),
      }));
    }
    this.routes = routes;
  }

  /** Binds `host:port` (port 0 picks a free one; IPv6 hosts in brackets) and resolves with what was bound. */
  async listen(address: string): Promise<BoundAddress> {
    if (this.server) throw new Error('AdminServer is already listening');
    const { host, port } = splitHostPort(address);
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => this.logger.error({ err }, 'admin reply failed'));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.logger.error({ err }, 'admin server error'));
    this.server = server;
    const bound = server.address();
    const boundPort = typeof bound === 'object' && bound ? bound.port : port;
    const result = { port: boundPort, address: `${host.includes(':') ? `[${host}]` : host}:${boundPort}` };
    this.logger.info(result, 'admin server listening');
    return result;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Keep-alive connections would hold close() open until they time out.
      server.closeAllConnections();
    });
    this.logger.info('admin server closed');
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const reply = await this.reply(req);
    res.writeHead(reply.status, {
      'content-type': reply.contentType,
      'content-length': Buffer.byteLength(reply.body),
      'cache-control': 'no-store',
      ...(reply.status === 405 ? { allow: 'GET, HEAD' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : reply.body);
  }

  private async reply(req: http.IncomingMessage): Promise<Reply> {
    const path = new URL(req.url ?? '/', 'http://admin').pathname;
    const route = this.routes.get(path);
    if (!route) return text(404, 'not found');
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'method not allowed');
    try {
      return await route();
    } catch (err) {
      this.logger.error({ err, path }, 'admin handler failed');
      return text(500, 'internal error');
    }
  }
}

function splitHostPort(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const portText = address.slice(colon + 1);
  const port = Number(portText);
  if (colon < 0 || portText === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`admin address "${address}" is not host:port`);
  }
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host: host || '0.0.0.0', port };
}
