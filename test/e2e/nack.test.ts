// A proxy that rejects what we sent: the NACK is recorded with its error and shown in /debug/syncz,
// listed in /debug/config-errors and counted on /metrics until the proxy ACKs a later push.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TYPE_URL } from '../../src/xds/envoy/type-urls.js';
import type { DiscoveryResponseObject } from '../../src/xds/server/ads-service.js';
import type { NackEntry } from '../../src/xds/server/nack-report.js';
import { AdsTestClient, resourceNames } from '../helpers/ads-test-client.js';
import { eventually, getJson, startTrellis, type TrellisProcess } from './helpers/trellis-process.js';

const service = (name: string, ip: string) => `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: default }
spec:
  clusterIP: ${ip}
  ports: [{ name: http, port: 80, targetPort: 8080 }]
`;
const manifests = service('web', '10.96.0.80');

interface ConfigErrors {
  sources: unknown[];
  resources: unknown[];
  nacks: NackEntry[];
}

async function proxiesNacked(port: number): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('trellis_xds_proxies_nacked{type="cds"} '));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

interface Syncz {
  proxyId: string;
  types: Record<
    string,
    { lastSentVersion?: string; lastAckedVersion?: string; lastNack?: { version: string; message: string } }
  >;
}

describe('a proxy that NACKs', () => {
  let dir: string;
  let trellis: TrellisProcess;
  let ads: AdsTestClient;
  /** Another sidecar of the namespace, sent the same clusters; it ACKs them. */
  let peer: AdsTestClient;
  let rejected: DiscoveryResponseObject;
  const node = {
    id: 'sidecar~10.0.0.7~nacker-0.default~default.svc.cluster.local',
    user_agent_name: 'envoy',
  };
  const peerNode = {
    id: 'sidecar~10.0.0.8~peer-0.default~default.svc.cluster.local',
    user_agent_name: 'envoy',
  };
  const configErrors = async () => (await getJson(trellis.adminPort, '/debug/config-errors')) as ConfigErrors;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trellis-nack-'));
    await fs.writeFile(path.join(dir, 'web.yaml'), manifests);
    trellis = await startTrellis(dir);
    ads = new AdsTestClient(trellis.xdsPort);
    peer = new AdsTestClient(trellis.xdsPort);
  });

  afterAll(async () => {
    ads?.close();
    peer?.close();
    await trellis?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('records the NACK with its error_detail and shows it in /debug/syncz', async () => {
    peer.send({ node: peerNode, type_url: TYPE_URL.cluster, resource_names: [] });
    const shared = await peer.next();
    peer.send({
      type_url: TYPE_URL.cluster,
      version_info: shared.version_info,
      response_nonce: shared.nonce,
    });
    ads.send({ node, type_url: TYPE_URL.cluster, resource_names: [] });
    const response = await ads.next();
    rejected = response;
    expect(response.resources.length).toBeGreaterThan(0);
    ads.send({
      node,
      type_url: TYPE_URL.cluster,
      version_info: '',
      response_nonce: response.nonce,
      error_detail: { code: 3, message: 'test: cluster rejected on purpose' },
    });
    let mine: Syncz | undefined;
    await eventually(async () => {
      const all = (await getJson(trellis.adminPort, '/debug/syncz')) as Syncz[];
      mine = all.find((p) => p.proxyId === node.id);
      return mine?.types[TYPE_URL.cluster]?.lastNack !== undefined;
    }, 'the NACK to show in /debug/syncz');
    const cds = mine?.types[TYPE_URL.cluster];
    expect(cds?.lastNack?.message).toBe('test: cluster rejected on purpose');
    expect(cds?.lastNack?.version).toBe(response.version_info);
    expect(cds?.lastAckedVersion).toBeUndefined();
    expect(
      trellis.logs().some((l) => l.level === 40 && JSON.stringify(l).includes('cluster rejected on purpose')),
    ).toBe(true);
  });

  it('lists the NACK in /debug/config-errors with the proxy, what it rejected, its message and who shares it', async () => {
    const errors = await configErrors();
    // What was there before is still there.
    expect(errors.sources).toEqual([]);
    expect(errors.resources).toEqual([]);
    expect(errors.nacks).toEqual([
      {
        typeUrl: TYPE_URL.cluster,
        version: rejected.version_info,
        message: 'test: cluster rejected on purpose',
        resources: {
          wholeResponse: true,
          count: rejected.resources.length,
          names: resourceNames(rejected).sort().slice(0, 20),
        },
        proxyCount: 1,
        proxies: [{ proxyId: node.id, variant: 'sotw', nonce: rejected.nonce, at: expect.any(String) }],
        // The peer was sent the same clusters, and took them.
        sharedWith: 1,
      },
    ]);
    expect(await proxiesNacked(trellis.adminPort)).toBe(1);
  });

  it('drops the NACK once the proxy ACKs the next change', async () => {
    await fs.writeFile(path.join(dir, 'api.yaml'), service('api', '10.96.0.81'));
    for (;;) {
      const response = await ads.next(20_000);
      ads.send({
        type_url: response.type_url,
        version_info: response.version_info,
        response_nonce: response.nonce,
      });
      if (
        response.type_url === TYPE_URL.cluster &&
        resourceNames(response).some((n) => n.includes('api.default'))
      )
        break;
    }
    await eventually(
      async () => (await configErrors()).nacks.length === 0,
      'the NACK to leave /debug/config-errors',
    );
    // /metrics may serve a body rendered up to 1 s ago (admin-server.ts metricsReuseMs).
    await eventually(
      async () => (await proxiesNacked(trellis.adminPort)) === 0,
      'the NACK to leave /metrics',
    );
  });
});
