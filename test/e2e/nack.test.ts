// A proxy that rejects what we sent: the NACK is recorded with its error and shown in /debug/syncz.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TYPE_URL } from '../../src/xds/envoy/type-urls.js';
import { AdsTestClient } from '../helpers/ads-test-client.js';
import { eventually, getJson, startTrellis, type TrellisProcess } from './helpers/trellis-process.js';

const manifests = `apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec:
  clusterIP: 10.96.0.80
  ports: [{ name: http, port: 80, targetPort: 8080 }]
`;

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
  const node = {
    id: 'sidecar~10.0.0.7~nacker-0.default~default.svc.cluster.local',
    user_agent_name: 'envoy',
  };

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trellis-nack-'));
    await fs.writeFile(path.join(dir, 'web.yaml'), manifests);
    trellis = await startTrellis(dir);
    ads = new AdsTestClient(trellis.xdsPort);
  });

  afterAll(async () => {
    ads?.close();
    await trellis?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('records the NACK with its error_detail and shows it in /debug/syncz', async () => {
    ads.send({ node, type_url: TYPE_URL.cluster, resource_names: [] });
    const response = await ads.next();
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
});
