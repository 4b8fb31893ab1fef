// `trellis serve` wired as the CLI wires it (startServer), flooded with scrapes on its admin port:
// the admin port keeps answering, an xDS client still gets its configuration, and the process
// figures are not collected once per scrape.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AdsTestClient } from '../../test/helpers/ads-test-client.js';
import { DEFAULT_PROCESS_METRICS_INTERVAL_MS } from '../admin/metrics.js';
import { silentLogger } from '../log.js';
import { TYPE_URL } from '../xds/envoy/type-urls.js';
import { startServer } from './serve.js';

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples');

function get(port: number, urlPath: string, agent: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent, timeout: 30_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${urlPath}: no answer within 30 s`)));
    req.on('error', reject);
  });
}

describe('trellis serve under 1,000 concurrent scrapes', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('answers every scrape and /healthz, and serves an xDS client meanwhile', async () => {
    const readdir = vi.spyOn(fs, 'readdirSync');
    const fdReads = () => readdir.mock.calls.filter(([dir]) => dir === '/proc/self/fd').length;
    const server = await startServer({
      manifests: examples,
      xdsAddress: '127.0.0.1:0',
      adminAddress: '127.0.0.1:0',
      logger: silentLogger(),
    });
    const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
    const ads = new AdsTestClient(server.xdsPort);
    try {
      const started = performance.now();
      const scrapes = Array.from({ length: 1_000 }, () => get(server.adminPort, '/metrics', agent));
      const health = get(server.adminPort, '/healthz', agent);
      ads.send({
        node: { id: 'proxyless~127.0.0.1~demo.shop~shop.svc.cluster.local', user_agent_name: 'grpc-node-js' },
        type_url: TYPE_URL.listener,
        resource_names: ['catalog.shop.svc.cluster.local:9090'],
      });
      const lds = await ads.next(30_000);
      expect(lds.resources).toHaveLength(1);
      expect(await health).toEqual({ status: 200, body: 'ok\n' });
      const replies = await Promise.all(scrapes);
      const elapsedMs = performance.now() - started;
      expect(replies.filter((r) => r.status !== 200)).toEqual([]);
      expect(replies.every((r) => r.body.includes('trellis_xds_connected_proxies'))).toBe(true);
      if (process.platform === 'linux') {
        expect(replies.every((r) => r.body.includes('process_open_fds '))).toBe(true);
        // One collection per interval begun, whatever the machine's speed: never one per scrape.
        expect(fdReads()).toBeGreaterThan(0);
        expect(fdReads()).toBeLessThanOrEqual(1 + Math.ceil(elapsedMs / DEFAULT_PROCESS_METRICS_INTERVAL_MS));
      }
      expect(await get(server.adminPort, '/readyz', agent)).toMatchObject({ status: 200 });
    } finally {
      ads.close();
      agent.destroy();
      await server.close();
    }
  });
});
