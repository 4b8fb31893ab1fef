// `trellis config-dump` claims to print what the server sends. Both go through one assembly path
// (ProxyCompiler.view, then assemble), and this test holds them to it: the real server
// (startServer, as `trellis serve` wires it) on examples/, a raw ADS client asking for CDS and LDS,
// then the EDS and RDS names those name, and config-dump's own function for the same node id: the
// same resource names, and the same encoded bytes for each. Once with every namespace visible, once
// with each proxy seeing its own namespace only (--default-visible-namespaces "").
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdsTestClient } from '../../test/helpers/ads-test-client.js';
import { silentLogger } from '../log.js';
import { parseVisibleNamespaces } from '../model/visibility.js';
import { decodeResource } from '../xds/envoy/resource-codec.js';
import { TYPE_URL } from '../xds/envoy/type-urls.js';
import type { DiscoveryResponseObject } from '../xds/server/ads-service.js';
import { configDump } from './config-dump.js';
import { type RunningServer, startServer } from './serve.js';

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples');

interface Proxy {
  readonly title: string;
  readonly id: string;
  readonly userAgentName?: string;
  readonly userAgentVersion?: string;
}

const PROXIES: readonly Proxy[] = [
  { title: 'the frontend sidecar (shop)', id: 'sidecar~127.0.0.1~frontend-0.shop~shop.svc.cluster.local' },
  {
    title: 'a catalog sidecar (shop, a DestinationRule subset)',
    id: 'sidecar~127.0.0.1~catalog-v1-0.shop~shop.svc.cluster.local',
  },
  {
    title: 'a sidecar without a pod (payments)',
    id: 'sidecar~10.9.9.9~checkout-0.payments~payments.svc.cluster.local',
  },
  {
    title: 'a grpc-js proxyless client (shop)',
    id: 'proxyless~127.0.0.1~demo.shop~shop.svc.cluster.local',
    userAgentName: 'grpc-node-js',
    userAgentVersion: '1.14.0',
  },
];

/** Type URL → name → the encoded resource, base64: what a proxy holds of each type. */
type Held = Record<string, Record<string, string>>;

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** Every value under `key`, anywhere in `json` (route_config_name in listeners, nested Anys decoded). */
function valuesOf(json: unknown, key: string, found: string[] = []): string[] {
  if (Array.isArray(json)) for (const item of json) valuesOf(item, key, found);
  else if (typeof json === 'object' && json !== null) {
    for (const [k, v] of Object.entries(json)) {
      if (k === key && typeof v === 'string') found.push(v);
      else valuesOf(v, key, found);
    }
  }
  return found;
}

/** What the server sends the proxy: CDS and LDS (wildcard), then the EDS and RDS names they name. */
async function fetchFromServer(port: number, proxy: Proxy): Promise<Held> {
  const client = new AdsTestClient(port);
  const held: Held = {};
  try {
    const ask = async (typeUrl: string, names: readonly string[], first = false) => {
      client.send({
        ...(first
          ? {
              node: {
                id: proxy.id,
                ...(proxy.userAgentName ? { user_agent_name: proxy.userAgentName } : {}),
                ...(proxy.userAgentVersion ? { user_agent_version: proxy.userAgentVersion } : {}),
              },
            }
          : {}),
        type_url: typeUrl,
        resource_names: [...names],
      });
      const response: DiscoveryResponseObject = await client.next(30_000);
      expect(response.type_url).toBe(typeUrl);
      client.send({ type_url: typeUrl, version_info: response.version_info, response_nonce: response.nonce });
      const ofType: Record<string, string> = {};
      const decoded: unknown[] = [];
      for (const any of response.resources) {
        const json = decodeResource(any.type_url, any.value) as { name?: string; cluster_name?: string };
        ofType[json.name ?? json.cluster_name ?? ''] = base64(any.value);
        decoded.push(json);
      }
      held[typeUrl] = ofType;
      return decoded;
    };
    const clusters = (await ask(TYPE_URL.cluster, [], true)) as {
      name: string;
      type?: string;
      eds_cluster_config?: { service_name?: string };
    }[];
    const listeners = await ask(TYPE_URL.listener, []);
    const edsNames = clusters
      .filter((c) => c.type === 'EDS')
      .map((c) => c.eds_cluster_config?.service_name || c.name);
    const rdsNames = [...new Set(valuesOf(listeners, 'route_config_name'))];
    if (edsNames.length > 0) await ask(TYPE_URL.endpoint, edsNames);
    if (rdsNames.length > 0) await ask(TYPE_URL.route, rdsNames);
  } finally {
    client.close();
  }
  return held;
}

describe.each([
  { flag: '*', visibility: parseVisibleNamespaces('*') },
  { flag: '""', visibility: parseVisibleNamespaces('') },
])('trellis serve --default-visible-namespaces $flag and trellis config-dump', ({ visibility }) => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({
      manifests: examples,
      xdsAddress: '127.0.0.1:0',
      adminAddress: '127.0.0.1:0',
      logger: silentLogger(),
      defaultVisibility: visibility,
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  it.each(PROXIES)('give $title the same resources, byte for byte', async (proxy) => {
    const served = await fetchFromServer(server.xdsPort, proxy);
    const dumped = await configDump({
      manifests: examples,
      node: proxy.id,
      proxyless: proxy.id.startsWith('proxyless~'),
      ...(proxy.userAgentName ? { userAgentName: proxy.userAgentName } : {}),
      ...(proxy.userAgentVersion ? { userAgentVersion: proxy.userAgentVersion } : {}),
      defaultVisibility: visibility,
    });
    expect(dumped.compiled.errors).toEqual([]);
    const expected: Held = {};
    for (const r of dumped.compiled.resources) {
      expected[r.typeUrl] ??= {};
      expected[r.typeUrl]![r.name] = base64(r.value);
    }
    expect(Object.keys(expected[TYPE_URL.cluster] ?? {}).length).toBeGreaterThan(0);
    expect(served).toEqual(expected);
    // The visibility is applied on both sides: with the own namespace only, a shop proxy has
    // nothing of payments.
    const names = Object.keys(served[TYPE_URL.cluster] ?? {});
    const seesPayments = names.some((n) => n.endsWith('.payments.svc.cluster.local'));
    expect(seesPayments).toBe(visibility.kind === 'all' || proxy.id.includes('~payments.svc'));
  });
});
