// `trellis proxy-status` as an operator runs it: the built CLI against a running `trellis serve`
// with a raw ADS client that ACKs, and then NACKs, what it is sent.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TYPE_URL } from '../../src/xds/envoy/type-urls.js';
import type { DiscoveryResponseObject } from '../../src/xds/server/ads-service.js';
import type { ProxySyncStatus } from '../../src/xds/server/status.js';
import { AdsTestClient, resourceNames } from '../helpers/ads-test-client.js';
import { CLI, eventually, getJson, startTrellis, type TrellisProcess } from './helpers/trellis-process.js';

const run = promisify(execFile);

const service = (name: string, ip: string) => `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: default }
spec:
  clusterIP: ${ip}
  ports: [{ name: http, port: 80, targetPort: 8080 }]
`;

async function proxyStatus(adminAddress: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [CLI, 'proxy-status', '--admin-address', adminAddress],
      {
        timeout: 30_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('trellis proxy-status', () => {
  let dir: string;
  let trellis: TrellisProcess;
  let ads: AdsTestClient;
  let admin: string;
  const node = { id: 'sidecar~10.0.0.7~web-0.default~default.svc.cluster.local', user_agent_name: 'envoy' };

  const ack = (response: DiscoveryResponseObject) =>
    ads.send({
      node,
      type_url: response.type_url,
      version_info: response.version_info,
      response_nonce: response.nonce,
    });

  /** Resolves once /debug/syncz shows `check` true for this proxy's `typeUrl`. */
  const synczShows = (
    typeUrl: string,
    check: (t: ProxySyncStatus['types'][string]) => boolean,
    what: string,
  ) =>
    eventually(async () => {
      const all = (await getJson(trellis.adminPort, '/debug/syncz')) as ProxySyncStatus[];
      const type = all.find((p) => p.proxyId === node.id)?.types[typeUrl];
      return type !== undefined && check(type);
    }, what);

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trellis-proxy-status-'));
    await fs.writeFile(path.join(dir, 'web.yaml'), service('web', '10.96.0.80'));
    trellis = await startTrellis(dir);
    admin = `127.0.0.1:${trellis.adminPort}`;
    ads = new AdsTestClient(trellis.xdsPort);
  });

  afterAll(async () => {
    ads?.close();
    await trellis?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('shows SYNCED for the types the proxy ACKed and NOT SENT for those it never asked for', async () => {
    ads.send({ node, type_url: TYPE_URL.cluster, resource_names: [] });
    ack(await ads.next());
    ads.send({ node, type_url: TYPE_URL.listener, resource_names: [] });
    const lds = await ads.next();
    ack(lds);
    await synczShows(TYPE_URL.listener, (t) => t.lastAckedVersion === lds.version_info, 'the LDS ACK');

    const result = await proxyStatus(admin);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +VARIANT +CLIENT +CDS +EDS +LDS +RDS$/);
    // The raw client names no user agent: a sidecar~ id is read as Envoy of unknown version.
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^sidecar~10\.0\.0\.7~web-0\.default~\S+ +sotw +Envoy \(version unknown\) +SYNCED +NOT SENT +SYNCED +NOT SENT$/,
      ),
    );
    // The columns line up: every status starts where its header does.
    const row = lines.find((l) => l.startsWith(node.id))!;
    expect(row.indexOf('SYNCED')).toBe(lines[0]!.indexOf('CDS'));
  });

  it("shows NACKED with the proxy's error once it rejects the push a change caused", async () => {
    await fs.writeFile(path.join(dir, 'api.yaml'), service('api', '10.96.0.81'));
    // Other types may be pushed for the same change: ACK those, reject the clusters that name api.
    for (;;) {
      const response = await ads.next(20_000);
      if (
        response.type_url === TYPE_URL.cluster &&
        resourceNames(response).some((n) => n.includes('api.default'))
      ) {
        ads.send({
          node,
          type_url: TYPE_URL.cluster,
          version_info: '',
          response_nonce: response.nonce,
          error_detail: { code: 3, message: 'test: cluster api rejected on purpose' },
        });
        break;
      }
      ack(response);
    }
    await synczShows(TYPE_URL.cluster, (t) => t.lastNack?.nonce === t.lastSentNonce, 'the CDS NACK');

    const result = await proxyStatus(admin);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^sidecar~10\.0\.0\.7~web-0\.default~\S+ +sotw +Envoy \(version unknown\) +NACKED +NOT SENT +\S+/m,
    );
    // The error, the clusters of the rejected response (SotW: all of them) and who else has them.
    expect(result.stdout).toMatch(
      /\n\nsidecar~10\.0\.0\.7~web-0\.default~\S+ CDS NACKED version \S+ at \S+:\n {4}test: cluster api rejected on purpose\n {4}rejected: the whole response, \d+ resources: [^\n]*outbound\|80\|\|[^\n]+\n {4}shared with no other proxy\n$/,
    );
  });

  it('exits 1 with a clear error when nothing answers at the admin address', async () => {
    const stopped = await startTrellis(dir);
    const address = `127.0.0.1:${stopped.adminPort}`;
    await stopped.stop();
    const result = await proxyStatus(address);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`trellis proxy-status: the admin server at ${address} did not answer`);
  });
});
