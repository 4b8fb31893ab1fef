// Identities must not break sharing: 200 replicas of one workload, each with its own service
// account, are one group with one translation and one encoding of every resource; only the Secret
// type, laid over the group's snapshot per identity, differs between them.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CertificateAuthority } from '../ca/authority.js';
import { MemoryCaStore } from '../ca/memory-store.js';
import { silentLogger } from '../log.js';
import type { WorkloadIdentity } from '../model/identity.js';
import { proxyFromNode, withIdentity } from '../model/proxy.js';
import { overlaySecrets } from './cache/secret-overlay.js';
import { SnapshotCache } from './cache/snapshot-cache.js';
import { ProxyCompiler } from './compile-proxy.js';
import { decodeResource } from './envoy/resource-codec.js';
import { TYPE_URL } from './envoy/type-urls.js';
import { IdentitySecrets } from './identity-secrets.js';
import { SnapshotBuilder } from './snapshot-builder.js';
import { endpoint, mesh, port, service, slice, workload } from './translate/test-fixtures.js';

const PROXIES = 200;
const http = port({ name: 'http', port: 80, protocol: 'HTTP', targetPort: 8080 });

const shop = mesh({
  services: [
    service('default', 'web', [http], { clusterIP: '10.96.0.1', selector: { app: 'web' } }),
    service('default', 'api', [http], { clusterIP: '10.96.0.2', selector: { app: 'api' } }),
  ],
  endpointSlices: [
    slice('default', 'web', [{ name: 'http', port: 8080 }], [endpoint(['10.0.0.1'])]),
    slice('default', 'api', [{ name: 'http', port: 8080 }], [endpoint(['10.0.0.2'])]),
  ],
  workloads: [
    workload('default', 'web-0', {
      ip: '10.0.0.1',
      labels: { app: 'web' },
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    }),
  ],
});

describe('identities and sharing', () => {
  it(`gives ${PROXIES} proxies of one group, each with its own identity, one encoding of every non-secret resource`, async () => {
    let encodes = 0;
    const compiler = new ProxyCompiler(undefined, { onEncode: (hit) => (hit ? undefined : encodes++) });
    const cache = new SnapshotCache();
    const builder = new SnapshotBuilder(cache, silentLogger(), compiler);
    builder.update(shop, []);
    const opened = await CertificateAuthority.open({
      source: { store: new MemoryCaStore() },
      clock: { now: () => Date.now() },
    });
    if (!opened.ok) throw new Error(opened.errors.map((e) => e.message).join('; '));
    const ca = opened.value;
    const secrets = new IdentitySecrets({
      issuer: { issueWorkload: (id) => ca.issueWorkload(id), trustBundlePem: () => ca.trustBundlePem() },
      logger: silentLogger(),
    });

    const identities: WorkloadIdentity[] = [];
    const proxies = Array.from({ length: PROXIES }, (_, i) => {
      // The same pod template (same workload: one inbound part), a service account each.
      const node = { id: `sidecar~10.0.0.1~web-0.default~default.svc.cluster.local-${i}` };
      const identity = { trustDomain: 'cluster.local', namespace: 'default', serviceAccount: `sa-${i}` };
      identities.push(identity);
      return withIdentity(proxyFromNode(node), node, identity);
    });
    builder.connect(proxies[0]!);
    const encodesForOne = encodes;
    for (const proxy of proxies.slice(1)) builder.connect(proxy);

    // One group: one snapshot object, and not one more encoding than for the first proxy.
    const group = cache.getSnapshot(proxies[0]!.id)!;
    for (const proxy of proxies) expect(cache.getSnapshot(proxy.id)).toBe(group);
    expect(builder.stats().groups).toBe(1);
    expect(encodes).toBe(encodesForOne);
    expect(encodesForOne).toBeGreaterThan(0);

    // Each proxy's view is the group's maps, the very objects, with its own secrets on top.
    const views = proxies.map((proxy) =>
      overlaySecrets(group, secrets.subscribe(proxy.identity, () => {}).current()),
    );
    const nonSecretTypes = [...group.resources.keys()].filter((t) => t !== TYPE_URL.secret);
    expect(nonSecretTypes.sort()).toEqual(
      [TYPE_URL.cluster, TYPE_URL.endpoint, TYPE_URL.listener, TYPE_URL.route].sort(),
    );
    for (const view of views)
      for (const typeUrl of nonSecretTypes)
        expect(view.resources.get(typeUrl)).toBe(group.resources.get(typeUrl));

    const defaults = views.map((view) => view.resources.get(TYPE_URL.secret)!.get('default')!);
    expect(new Set(defaults).size).toBe(PROXIES);
    expect(new Set(views.map((v) => v.resources.get(TYPE_URL.secret)!.get('ROOTCA'))).size).toBe(1);
    // And each default is its own identity's certificate.
    defaults.forEach((resource, i) => {
      const secret = decodeResource(TYPE_URL.secret, resource.value) as {
        tls_certificate: { certificate_chain: { inline_bytes: string } };
      };
      const chain = Buffer.from(secret.tls_certificate.certificate_chain.inline_bytes, 'base64').toString();
      expect(new crypto.X509Certificate(chain).subjectAltName).toBe(
        `URI:spiffe://cluster.local/ns/default/sa/${identities[i]!.serviceAccount}`,
      );
    });
    builder.close();
  });
});
