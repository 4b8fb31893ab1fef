import http from 'node:http';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import { TYPE_URL } from '../xds/envoy/type-urls.js';
import {
  AdminServer,
  type AdminServerOptions,
  DEFAULT_ADMIN_LIMITS,
  DEFAULT_PAGE_LIMIT,
  type DebugQuery,
  MAX_PAGE_LIMIT,
  pageLists,
} from './admin-server.js';
import { type MetricsExposition, PrometheusMetrics } from './metrics.js';

interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

function request(port: number, path: string, method = 'GET', agent?: http.Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, path, method, timeout: 30_000, ...(agent ? { agent } : {}) };
    const req = http.request(options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 30 s`)));
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

  it("serves /metrics as Prometheus text with the registry's content type, reused for metricsReuseMs", async () => {
    const metrics = new PrometheusMetrics({ processMetrics: false });
    let now = 0;
    const { port } = await start({ metrics, now: () => now });
    metrics.nacked(TYPE_URL.cluster);
    const reply = await request(port, '/metrics');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe(metrics.contentType);
    expect(reply.body).toContain('trellis_xds_nacks_total{type="cds"} 1');
    metrics.nacked(TYPE_URL.cluster);
    now += DEFAULT_ADMIN_LIMITS.metricsReuseMs - 1;
    expect((await request(port, '/metrics')).body).toContain('trellis_xds_nacks_total{type="cds"} 1');
    now += 1;
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
    return expect(server.listen('localhost')).rejects.toThrow(/admin address "localhost" has no port/);
  });

  it('binds loopback for :PORT and reports the address it really bound', async () => {
    const server = new AdminServer({
      logger: silentLogger(),
      ready: () => true,
      configErrors: () => ({}),
      syncz: () => [],
    });
    servers.push(server);
    const bound = await server.listen(':0');
    expect(bound.address).toBe(`127.0.0.1:${bound.port}`);
    expect((await request(bound.port, '/healthz')).status).toBe(200);
  });
});

describe('the admin HTTP server under a flood of scrapes', () => {
  const servers: AdminServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('answers 1,000 concurrent scrapes from one render, and /healthz while that render runs', async () => {
    let renders = 0;
    let release: (body: string) => void = () => {};
    const metrics: MetricsExposition = {
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      render: () => {
        renders++;
        return new Promise((resolve) => {
          release = resolve;
        });
      },
    };
    let now = 0;
    const server = new AdminServer({
      logger: silentLogger(),
      ready: () => true,
      configErrors: () => ({}),
      syncz: () => [],
      metrics,
      now: () => now,
    });
    servers.push(server);
    const { port } = await server.listen('127.0.0.1:0');
    const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
    try {
      const scrapes = Array.from({ length: 1_000 }, () => request(port, '/metrics', 'GET', agent));
      // The render cannot finish until released below: every scrape is waiting on it, and the
      // port still answers.
      expect(await request(port, '/healthz', 'GET', agent)).toMatchObject({ status: 200, body: 'ok\n' });
      expect(await request(port, '/readyz', 'GET', agent)).toMatchObject({ status: 200 });
      await eventually(() => renders > 0);
      release('trellis_up 1\n');
      const replies = await Promise.all(scrapes);
      expect(new Set(replies.map((r) => `${r.status} ${r.body}`))).toEqual(new Set(['200 trellis_up 1\n']));
      expect(renders).toBe(1);
      // Within metricsReuseMs the body is served again; after it, one scrape renders anew.
      now += DEFAULT_ADMIN_LIMITS.metricsReuseMs - 1;
      expect((await request(port, '/metrics', 'GET', agent)).body).toBe('trellis_up 1\n');
      expect(renders).toBe(1);
      now += 1;
      const again = request(port, '/metrics', 'GET', agent);
      await eventually(() => renders === 2);
      release('trellis_up 2\n');
      expect((await again).body).toBe('trellis_up 2\n');
    } finally {
      agent.destroy();
    }
  });

  it('renders again after a failed render instead of keeping the failure', async () => {
    let renders = 0;
    const { port } = await startPlain({
      metrics: {
        contentType: 'text/plain',
        render: async () => {
          renders++;
          if (renders === 1) throw new Error('bug');
          return 'ok 1\n';
        },
      },
    });
    expect((await request(port, '/metrics')).status).toBe(500);
    expect(await request(port, '/metrics')).toMatchObject({ status: 200, body: 'ok 1\n' });
  });

  it('answers 503 at once when maxDebugInFlight debug answers are still being written, then serves again', async () => {
    let calls = 0;
    // 32 MB: far more than the loopback socket buffers take, so the answer stays in flight while
    // its client does not read.
    const big = 'x'.repeat(32 * 1024 * 1024);
    const { port } = await startPlain({
      syncz: () => {
        calls++;
        return [big];
      },
      limits: { maxDebugInFlight: 2 },
    });
    const stalled = [await rawSocket(port), await rawSocket(port)];
    try {
      for (const socket of stalled) {
        socket.pause();
        socket.write('GET /debug/syncz HTTP/1.1\r\nHost: x\r\n\r\n');
      }
      await eventually(() => calls === 2);
      const busy = await request(port, '/debug/syncz');
      expect(busy.status).toBe(503);
      expect(busy.headers['retry-after']).toBe('1');
      expect(busy.headers.connection).toBe('close');
      expect(calls).toBe(2);
      // The probes and the metrics do not count against the debug views.
      expect((await request(port, '/healthz')).status).toBe(200);
    } finally {
      for (const socket of stalled) socket.destroy();
    }
    await eventually(async () => (await request(port, '/debug/config-errors')).status === 200);
  });

  it('closes each connection after its answer once half of maxConnections are open', async () => {
    const { port } = await startPlain({ limits: { maxConnections: 4 } });
    const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
    try {
      const first = await request(port, '/healthz', 'GET', agent);
      expect(first.headers.connection).toBe('keep-alive');
      // Two more idle keep-alive connections: three open, more than half of four.
      await Promise.all([request(port, '/healthz', 'GET', agent), request(port, '/readyz', 'GET', agent)]);
      const held = await Promise.all([
        request(port, '/healthz', 'GET', agent),
        request(port, '/healthz', 'GET', agent),
        request(port, '/healthz', 'GET', agent),
      ]);
      expect(held.map((r) => r.headers.connection)).toContain('close');
    } finally {
      agent.destroy();
    }
  });

  it('closes a connection whose headers do not arrive within headersTimeoutMs, with 408', async () => {
    const { port } = await startPlain({ limits: { headersTimeoutMs: 100 } });
    const reply = await rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n');
    expect(reply.closed).toBe(true);
    expect(reply.text).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes an idle keep-alive connection after keepAliveTimeoutMs', async () => {
    const { port } = await startPlain({ limits: { keepAliveTimeoutMs: 100 } });
    const reply = await rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(reply.closed).toBe(true);
    expect(reply.text).toMatch(/^HTTP\/1\.1 200 /);
    expect(reply.text).toMatch(/keep-alive/i);
  });

  async function startPlain(overrides: Partial<AdminServerOptions> = {}) {
    const server = new AdminServer({
      logger: silentLogger(),
      ready: () => true,
      configErrors: () => ({}),
      syncz: () => [],
      ...overrides,
    });
    servers.push(server);
    return server.listen('127.0.0.1:0');
  }
});

describe('the admin HTTP server and requests that are not HTTP', () => {
  let server: AdminServer;
  let port: number;
  beforeAll(async () => {
    server = new AdminServer({
      logger: silentLogger(),
      ready: () => true,
      configErrors: () => ({}),
      syncz: () => [],
      // Long enough never to be what closes the socket in these tests.
      limits: { keepAliveTimeoutMs: 60_000, socketTimeoutMs: 60_000 },
    });
    port = (await server.listen('127.0.0.1:0')).port;
  });
  afterAll(() => server.close());

  it.each([
    ['a target with a bracket, which new URL() throws on', 'GET //[ HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['an absolute-form target that is no URL', 'GET http://[/healthz HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['a broken percent escape', 'GET /healthz%zz HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['an asterisk target', 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['a garbage request line', 'HELLO THERE\r\n\r\n', 400],
    ['binary noise', '\u0000\u0001\u0002\r\n\r\n', 400],
    ['a header without a colon', 'GET /healthz HTTP/1.1\r\nHost x\r\n\r\n', 400],
    [
      'an oversized header (431: Request Header Fields Too Large)',
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
      431,
    ],
  ])('answers %s with an error and closes the socket', async (_what, raw, status) => {
    const reply = await rawExchange(port, raw);
    expect(reply.text).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(reply.closed).toBe(true);
  });

  it('still answers well-formed requests on the same server afterwards', async () => {
    const reply = await rawExchange(
      port,
      'GET /healthz?probe=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(reply.text).toMatch(/^HTTP\/1\.1 200 /);
    expect(reply.closed).toBe(true);
  });

  it('accepts an absolute-form target', async () => {
    const reply = await rawExchange(
      port,
      'GET http://admin/healthz HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n',
    );
    expect(reply.text).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('answers 500 and keeps serving when a debug view cannot be written as JSON', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const broken = new AdminServer({
      logger: silentLogger(),
      ready: () => true,
      configErrors: () => ({ n: 1n }),
      syncz: () => cyclic,
    });
    const { port: brokenPort } = await broken.listen('127.0.0.1:0');
    try {
      expect((await request(brokenPort, '/debug/syncz')).status).toBe(500);
      expect((await request(brokenPort, '/debug/config-errors')).status).toBe(500);
      expect((await request(brokenPort, '/healthz')).status).toBe(200);
    } finally {
      await broken.close();
    }
  });
});

describe('paged debug views', () => {
  const servers: AdminServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function start(overrides: Partial<AdminServerOptions>) {
    const server = new AdminServer({
      logger: silentLogger(),
      ready: () => true,
      configErrors: () => ({}),
      syncz: () => [],
      ...overrides,
    });
    servers.push(server);
    return (await server.listen('127.0.0.1:0')).port;
  }

  const numbers = (n: number) => Array.from({ length: n }, (_, i) => i);

  it('shows at most 1,000 entries of each config-errors list and counts the rest', async () => {
    const port = await start({
      configErrors: () => ({ sources: numbers(2_500), statuses: numbers(3), resources: [], generation: 7 }),
    });
    const body = JSON.parse((await request(port, '/debug/config-errors')).body);
    expect(body.sources).toEqual(numbers(DEFAULT_PAGE_LIMIT));
    expect(body.sourcesOmitted).toBe(1_500);
    expect(body.statuses).toEqual([0, 1, 2]);
    expect(body).not.toHaveProperty('statusesOmitted');
    expect(body.resources).toEqual([]);
    expect(body.generation).toBe(7);
  });

  it('pages every list by ?limit= and ?offset=, lists inside entries by limit, and adds to what the provider left out', async () => {
    const port = await start({
      configErrors: () => ({
        sources: numbers(20),
        references: [
          { proxyId: 'a', problems: numbers(8) },
          { proxyId: 'b', problems: [] },
        ],
        nacks: numbers(4),
        nacksOmitted: 96,
      }),
    });
    const body = JSON.parse((await request(port, '/debug/config-errors?limit=3&offset=1')).body);
    expect(body).toEqual({
      sources: [1, 2, 3],
      sourcesOmitted: 17,
      references: [{ proxyId: 'b', problems: [] }],
      referencesOmitted: 1,
      nacks: [1, 2, 3],
      nacksOmitted: 97,
    });
    const first = JSON.parse((await request(port, '/debug/config-errors?limit=2')).body);
    expect(first.references[0]).toEqual({ proxyId: 'a', problems: [0, 1], problemsOmitted: 6 });
    const past = JSON.parse((await request(port, '/debug/config-errors?offset=100')).body);
    expect(past).toMatchObject({ sources: [], sourcesOmitted: 20, nacks: [], nacksOmitted: 100 });
  });

  it('hands the checked query to the views, which bound themselves', async () => {
    const seen: DebugQuery[] = [];
    const port = await start({
      syncz: (query) => {
        seen.push(query);
        return numbers(5).slice(query.offset ?? 0, (query.offset ?? 0) + (query.limit ?? 5));
      },
    });
    expect(JSON.parse((await request(port, '/debug/syncz?limit=2&offset=1&proxy=web')).body)).toEqual([1, 2]);
    expect(seen[0]).toMatchObject({ limit: 2, offset: 1 });
    expect(seen[0]?.params.get('proxy')).toBe('web');
    expect(JSON.parse((await request(port, '/debug/syncz')).body)).toEqual(numbers(5));
    expect(seen[1]).not.toHaveProperty('limit');
    expect(seen[1]).not.toHaveProperty('offset');
  });

  it.each([
    'limit=-1',
    'limit=abc',
    'limit=1.5',
    `limit=${MAX_PAGE_LIMIT + 1}`,
    'limit=1&limit=2',
    'offset=',
    'offset=1e3',
  ])('answers 400 for ?%s without calling the view', async (query) => {
    let calls = 0;
    const port = await start({
      configErrors: () => {
        calls++;
        return {};
      },
      syncz: () => {
        calls++;
        return [];
      },
    });
    for (const path of ['/debug/config-errors', '/debug/syncz']) {
      const reply = await request(port, `${path}?${query}`);
      expect(reply.status).toBe(400);
      expect(reply.body).toMatch(/^bad request: (limit|offset) must be one whole number from 0 to /);
    }
    expect(calls).toBe(0);
  });
});

describe('pageLists', () => {
  it('leaves what is not an object of lists as it is', () => {
    expect(pageLists([1, 2, 3], { limit: 1 })).toEqual([1, 2, 3]);
    expect(pageLists('text', { limit: 1 })).toBe('text');
    expect(pageLists(null, {})).toBeNull();
  });
});

/** Resolves when `check` holds; a test that waits for it fails by its own timeout, not by a clock here. */
async function eventually(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not met after 500 tries');
}

function rawSocket(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Writes `raw` on a fresh socket and reads until the server closes it (or 5 s pass: closed is then false). */
async function rawExchange(port: number, raw: string): Promise<{ text: string; closed: boolean }> {
  const socket = await rawSocket(port);
  return new Promise((resolve) => {
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, 5_000);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    // The server may close before it has read everything sent (the oversized header): a reset then.
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    socket.write(raw);
  });
}
