// Which proxies run with the trust bundle they are offered: what a root rotation waits for, and
// what /debug/syncz (and so proxy-status) shows per proxy. A proxy counts as current only once it
// ACKed the new bundle, in either protocol variant.
import { afterEach, describe, expect, it } from 'vitest';
import { AdsTestClient } from '../../../test/helpers/ads-test-client.js';
import { DeltaTestClient } from '../../../test/helpers/delta-test-client.js';
import { cluster, until } from '../../../test/helpers/xds-fixtures.js';
import { silentLogger } from '../../log.js';
import type { WorkloadIdentity } from '../../model/identity.js';
import { buildSnapshot } from '../cache/snapshot.js';
import { SnapshotCache } from '../cache/snapshot-cache.js';
import { TYPE_URL } from '../envoy/type-urls.js';
import { IdentitySecrets } from '../identity-secrets.js';
import { XdsServer } from './ads-server.js';

const A = 'sidecar~10.0.0.1~a-0.shop~shop.svc.cluster.local';
const B = 'sidecar~10.0.0.2~b-0.shop~shop.svc.cluster.local';

describe('trust bundle holders', () => {
  const closers: (() => unknown)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  /**
   * A server whose streams prove their node's claim (--insecure-local-identity), with secrets from
   * a stand-in CA: a day-long "certificate" naming its identity, `issued` recording each, the
   * bundle whatever `bundle()` says now. Proxies A and B have a snapshot of one cluster.
   */
  async function serve(bundle: () => string, issued: string[] = []) {
    const secrets = new IdentitySecrets({
      issuer: {
        issueWorkload: (identity: WorkloadIdentity) => {
          issued.push(identity.namespace);
          return {
            certChainPem: `CERT ${identity.serviceAccount}`,
            privateKeyPem: 'KEY',
            notBefore: new Date(),
            notAfter: new Date(Date.now() + 86_400_000),
          };
        },
        trustBundlePem: bundle,
      },
      logger: silentLogger(),
    });
    const cache = new SnapshotCache();
    for (const id of [A, B]) cache.setSnapshot(id, buildSnapshot([cluster('c1')]));
    const server = new XdsServer({
      cache,
      logger: silentLogger(),
      secrets,
      auth: { trustDomain: 'cluster.local', insecureLocalIdentity: true },
    });
    closers.push(() => server.close());
    const { port } = await server.listen('127.0.0.1:0');
    return { server, secrets, port };
  }

  it('counts a proxy current only once it ACKed the bundle it is offered', async () => {
    let bundle = 'ROOT-OLD';
    const { server, secrets, port } = await serve(() => bundle);
    const sotw = new AdsTestClient(port);
    const delta = new DeltaTestClient(port);
    closers.push(
      () => sotw.close(),
      () => delta.close(),
    );

    sotw.send({ node: { id: A }, type_url: TYPE_URL.secret, resource_names: ['default', 'ROOTCA'] });
    delta.send({
      node: { id: B },
      type_url: TYPE_URL.secret,
      resource_names_subscribe: ['default', 'ROOTCA'],
    });
    const first = await sotw.next();
    const firstDelta = await delta.next();
    // Sent, not yet ACKed: both still run with no bundle at all.
    expect(server.trustBundleHolders()).toEqual({ current: 0, outdated: 2, outdatedProxies: [A, B] });
    const ack = (response: typeof first) =>
      sotw.send({
        type_url: TYPE_URL.secret,
        version_info: response.version_info,
        response_nonce: response.nonce,
        resource_names: ['default', 'ROOTCA'],
      });
    ack(first);
    delta.ack(firstDelta);
    await until(() => server.trustBundleHolders().current === 2, 'both ACK the bundle');

    // A root rotation begins: the bundle gains a root. Only the SotW proxy accepts it.
    bundle = 'ROOT-OLD\nROOT-NEW';
    secrets.trustBundleChanged();
    const second = await sotw.next();
    const secondDelta = await delta.next();
    expect(secondDelta.resources.map((r) => r.name)).toEqual(['ROOTCA']);
    ack(second);
    delta.nack(secondDelta, 'cannot load the bundle');
    await until(() => server.trustBundleHolders().current === 1, 'the SotW proxy ACKs the new bundle');
    expect(server.trustBundleHolders()).toEqual({ current: 1, outdated: 1, outdatedProxies: [B] });
    expect(server.status().map((s) => [s.proxyId, s.trustBundle])).toEqual([
      [A, 'current'],
      [B, 'outdated'],
    ]);
  });

  it('issues a certificate only once a stream asks for a Secret', async () => {
    const issued: string[] = [];
    const { port } = await serve(() => 'ROOT', issued);
    const client = new AdsTestClient(port);
    closers.push(() => client.close());
    client.send({ node: { id: A }, type_url: TYPE_URL.cluster });
    await client.next();
    expect(issued).toEqual([]);
    client.send({ type_url: TYPE_URL.secret, resource_names: ['default'] });
    const response = await client.next();
    expect(response.type_url).toBe(TYPE_URL.secret);
    expect(issued).toEqual(['shop']);
  });

  it('leaves out proxies that never asked for the bundle', async () => {
    const secrets = new IdentitySecrets({
      issuer: {
        issueWorkload: () => {
          throw new Error('not needed');
        },
        trustBundlePem: () => 'ROOT',
      },
      logger: silentLogger(),
    });
    const cache = new SnapshotCache();
    cache.setSnapshot(A, buildSnapshot([cluster('c1')]));
    const server = new XdsServer({ cache, logger: silentLogger(), secrets });
    closers.push(() => server.close());
    const { port } = await server.listen('127.0.0.1:0');
    const client = new AdsTestClient(port);
    closers.push(() => client.close());
    client.send({ node: { id: A }, type_url: TYPE_URL.cluster });
    await client.next();
    expect(server.trustBundleHolders()).toEqual({ current: 0, outdated: 0, outdatedProxies: [] });
    expect(server.status()[0]?.trustBundle).toBeUndefined();
  });
});
