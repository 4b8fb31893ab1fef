import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import { TYPE_URL } from '../xds/envoy/type-urls.js';
import { AdminServer, type AdminServerOptions } from './admin-server.js';
import { PrometheusMetrics } from './metrics.js';

interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

function request(port: number, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 5 s`)));
    req.on('error', reject);
    req.end();
  });
}

describe('the admin HTTP server', () => {
  const servers: AdminServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function start(overrides: Partial<AdminServerOptions> = {}) {
    const server = new AdminServer({
      logger: silentLogger(),
      ready: () => true,
      configErrors: () => ({ sources: [], resources: [] }),
      syncz: () => [],
      ...overrides,
    });
    servers.push(server);
    const bound = await server.listen('127.0.0.1:0');
    return { server, port: bound.port, bound };
  }

  it('listens on port 0 and returns the port it really bound', async () => {
    const { bound } = await start();
    expect(bound.port).toBeGreaterThan(0);
    expect(bound.address).toBe(`127.0.0.1:${bound.port}`);
  });

  it('answers /healthz with 200 ok', async () => {
    const { port } = await start({ ready: () => false });
    expect(await request(port, '/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
  });

  it('answers /readyz with 503 until the first snapshot is built, then 200', async () => {
    let ready = false;
    const { port } = await start({ ready: () => ready });
    expect(await request(port, '/readyz')).toMatchObject({ status: 503, body: 'not ready\n' });
    ready = true;
    expect(await request(port, '/readyz')).toMatchObject({ status: 200, body: 'ready\n' });
  });

  it('serves /debug/config-errors as JSON', async () => {
    const errors = { sources: [{ origin: 'broken.yaml', fieldPath: 'spec.ports[0].port' }], resources: [] };
    const { port } = await start({ configErrors: () => errors });
    const reply = await request(port, '/debug/config-errors');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(reply.body)).toEqual(errors);
  });

  it('serves /debug/syncz as JSON, read afresh on every request', async () => {
    let syncz: unknown[] = [];
    const { port } = await start({ syncz: () => syncz });
    expect(JSON.parse((await request(port, '/debug/syncz')).body)).toEqual([]);
    syncz = [{ proxyId: 'sidecar~10.0.0.7~web-0.shop~shop.svc.cluster.local', types: {} }];
    const reply = await request(port, '/debug/syncz?format=json');
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual(syncz);
  });

  it("serves /metrics as Prometheus text with the registry's content type, read afresh on every request", async () => {
    const metrics = new PrometheusMetrics({ processMetrics: false });
    const { port } = await start({ metrics });
    metrics.nacked(TYPE_URL.cluster);
    const reply = await request(port, '/metrics');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe(metrics.contentType);
    expect(reply.body).toContain('trellis_xds_nacks_total{type="cds"} 1');
    metrics.nacked(TYPE_URL.cluster);
    expect((await request(port, '/metrics')).body).toContain('trellis_xds_nacks_total{type="cds"} 2');
  });

  it('answers /metrics with 404 when the server was given no metrics', async () => {
    const { port } = await start();
    expect((await request(port, '/metrics')).status).toBe(404);
  });

  it('answers 500 when rendering the metrics fails, and keeps serving', async () => {
    const { port } = await start({
      metrics: { contentType: 'text/plain', render: () => Promise.reject(new Error('bug')) },
    });
    expect((await request(port, '/metrics')).status).toBe(500);
    expect((await request(port, '/healthz')).status).toBe(200);
  });

  it('answers HEAD with the headers and no body', async () => {
    const { port } = await start();
    const reply = await request(port, '/healthz', 'HEAD');
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('');
  });

  it('answers an unknown path with 404', async () => {
    const { port } = await start();
    expect((await request(port, '/nope')).status).toBe(404);
  });

  it('answers methods other than GET and HEAD with 405', async () => {
    const { port } = await start();
    const reply = await request(port, '/debug/syncz', 'POST');
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('GET, HEAD');
  });

  it('answers 500 when a debug view throws, and keeps serving', async () => {
    const { port } = await start({
      syncz: () => {
        throw new Error('bug');
      },
    });
    expect((await request(port, '/debug/syncz')).status).toBe(500);
    expect((await request(port, '/healthz')).status).toBe(200);
  });

  it('refuses an address that is not host:port', () => {
    const server = new AdminServer({
      logger: silentLogger(),
      ready: () => true,
      configErrors: () => 0,
      syncz: () => 0,
    });
    return expect(server.listen('localhost')).rejects.toThrow(/host:port/);
  });
});
