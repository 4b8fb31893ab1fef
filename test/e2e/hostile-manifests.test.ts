// The real `trellis serve` against hostile and careless manifests (issue 11): a hostile file present
// at startup must not keep the server from binding and turning ready, and a typo in a good file must
// not withdraw its services: the last good version keeps serving, and /debug/config-errors says so.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TYPE_URL } from '../../src/xds/envoy/type-urls.js';
import { AdsTestClient, resourceNames } from '../helpers/ads-test-client.js';
import { eventually, getJson, startTrellis, type TrellisProcess } from './helpers/trellis-process.js';

const web = (port: number) => `apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec:
  clusterIP: 10.96.0.10
  ports: [{ name: grpc, port: ${port}, appProtocol: grpc }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-1
  namespace: shop
  labels: { kubernetes.io/service-name: web }
addressType: IPv4
ports: [{ name: grpc, port: 9000 }]
endpoints: [{ addresses: [127.0.0.1], conditions: { ready: true } }]
`;

const LISTENER = 'web.shop.svc.cluster.local:8080';
const node = {
  id: 'proxyless~127.0.0.1~client-0.shop~shop.svc.cluster.local',
  user_agent_name: 'grpc-node-js',
};

/** The listeners a fresh ADS client is sent for the proxyless client's one listener. */
async function listenersServed(port: number): Promise<string[]> {
  const ads = new AdsTestClient(port);
  try {
    ads.send({ node, type_url: TYPE_URL.listener, resource_names: [LISTENER] });
    return resourceNames(await ads.next(10_000));
  } finally {
    ads.close();
  }
}

describe('trellis serve with hostile manifests', () => {
  let dir: string;
  let server: TrellisProcess | undefined;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trellis-hostile-e2e-'));
    await fs.writeFile(path.join(dir, 'web.yaml'), web(8080));
    // Each of these once left `serve` alive with no port bound.
    await fs.writeFile(path.join(dir, 'deep.json'), `${'['.repeat(5000)}${']'.repeat(5000)}`);
    await fs.writeFile(
      path.join(dir, 'bomb.yaml'),
      `kind: ConfigMap\ndata:\n  a: &a "${'x'.repeat(100_000)}"\n  b: [${Array(900).fill('*a').join(', ')}]\n`,
    );
    await fs.mkdir(path.join(dir, 'one'));
    await fs.mkdir(path.join(dir, 'two'));
    await fs.symlink(path.join('..', 'two'), path.join(dir, 'one', 'loop'));
    await fs.symlink(path.join('..', 'one'), path.join(dir, 'two', 'loop'));
    server = await startTrellis(dir);
  });

  afterAll(async () => {
    await server?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('binds, turns ready and serves the good file, reporting the hostile ones', async () => {
    const { adminPort, xdsPort } = server!;
    await eventually(
      async () => (await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status === 200,
      'readyz to turn ready',
    );
    expect(await listenersServed(xdsPort)).toEqual([LISTENER]);
    const errors = JSON.stringify(await getJson(adminPort, '/debug/config-errors'));
    expect(errors).toContain('nests 5000 levels deep, more than the limit of 100 (--max-depth)');
    expect(errors).toContain('with its aliases expanded, the document is');
    expect(errors).toContain('leads to two, which is read already: not read twice');
  });

  it('keeps serving the last good version of a file edited with a typo, and says so', async () => {
    const { adminPort, xdsPort } = server!;
    // A tab where the indentation was; the port edit in the same write must not be served either.
    await fs.writeFile(path.join(dir, 'web.yaml'), web(8081).replace('  name: web-1', '\tname: web-1'));
    let errors = '';
    await eventually(async () => {
      errors = JSON.stringify(await getJson(adminPort, '/debug/config-errors'));
      return errors.includes('serving the last good version of web.yaml from');
    }, 'the last good version to be reported');
    expect(errors).toContain(
      'because: invalid YAML at line 11, column 1: Tabs are not allowed as indentation',
    );
    expect(await listenersServed(xdsPort)).toEqual([LISTENER]);
  });
});
