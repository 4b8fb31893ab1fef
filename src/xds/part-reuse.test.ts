// What the builder keeps across a change (parts whose fields did not change, cluster units whose
// inputs did not) must be exactly what it would compile from scratch. Golden inputs, mutated one
// field at a time: every connected proxy's snapshot after the change equals a fresh builder's.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import type { Mesh } from '../model/mesh.js';
import { type MeshProxy, proxyFromNode } from '../model/proxy.js';
import { parseManifests } from '../sources/apis/core/parse-manifests.js';
import { parseManifestText } from '../sources/files/yaml-documents.js';
import type { Snapshot } from './cache/snapshot.js';
import { SnapshotCache } from './cache/snapshot-cache.js';
import { ProxyCompiler } from './compile-proxy.js';
import { SnapshotBuilder } from './snapshot-builder.js';
import { mergeParts } from './translate/translate-proxy.js';

const TESTDATA = path.join(path.dirname(fileURLToPath(import.meta.url)), 'translate', 'testdata');
const CASES = [
  'dr-subsets',
  'dr-locality-failover',
  'istio-weighted-subsets',
  'istio-source-labels',
  'istio-tcp-routes',
  'headless',
  'multi-port',
  'local-ratelimit',
  'proxyless-dr-subsets-ring-hash',
  'mtls-permissive-workload-override',
  'mtls-subset-sni-sans',
  // Proxies that see part of the mesh: the filtered meshes are kept across states too.
  'istio-sidecar-service-host',
  'istio-sidecar-workload-selector',
  'visibility-namespace-annotation',
];

function meshOf(name: string): Mesh {
  const file = path.join(TESTDATA, name, 'in.yaml');
  const { documents } = parseManifestText(file, fs.readFileSync(file, 'utf8'));
  return parseManifests(
    documents.filter((d) => !String(JSON.stringify(d.value)).includes('trellis.dev/test')),
  ).mesh;
}

/** Every pod's sidecar, in two zones, and a proxyless client. */
function proxiesOf(mesh: Mesh): MeshProxy[] {
  const proxies = mesh.workloads.map((w, i) =>
    proxyFromNode({
      id: `sidecar~${w.ip ?? '10.9.9.9'}~${w.name}.${w.namespace}~${w.namespace}.svc.cluster.local`,
      locality: { zone: i % 2 === 0 ? 'zone-a' : 'zone-b' },
    }),
  );
  proxies.push({ ...proxyFromNode({ id: 'proxyless~10.9.9.8~grpc-0.default~default.svc.cluster.local' }) });
  return proxies;
}

type Mutable = { -readonly [K in keyof Mesh]: unknown };
const clone = (mesh: Mesh): Mutable => JSON.parse(JSON.stringify(mesh)) as Mutable;
// biome-ignore lint/suspicious/noExplicitAny: test mutations poke at arbitrary model fields
type Loose = any;

const MUTATIONS: Record<string, (m: Loose) => void> = {
  'an endpoint removed': (m) => m.endpointSlices[0]?.endpoints.shift(),
  'an endpoint removed from every slice': (m) => {
    for (const slice of m.endpointSlices) slice.endpoints.shift();
  },
  'an endpoint not ready': (m) => {
    const e = m.endpointSlices[0]?.endpoints[0];
    if (e) e.ready = false;
  },
  'an endpoint in another zone': (m) => {
    const e = m.endpointSlices.at(-1)?.endpoints.at(-1);
    if (e) e.zone = 'zone-b';
  },
  'a pod relabelled': (m) => {
    const w = m.workloads[0];
    if (w) w.labels = { ...w.labels, version: 'v9' };
  },
  'a service port renumbered': (m) => {
    const p = m.services[0]?.ports[0];
    if (p) p.port += 1;
  },
  'a service gone': (m) => m.services.pop(),
  'a backend policy gone': (m) => m.routing.backendPolicies.shift(),
  'a backend policy without subsets': (m) => {
    const p = m.routing.backendPolicies[0];
    if (p) p.subsets = [];
  },
  'a route table gone': (m) => m.routing.routeTables.shift(),
  'a rate limit gone': (m) => m.routing.rateLimits.shift(),
  "a pod's service account changed": (m) => {
    const w = m.workloads.at(-1);
    if (w) w.serviceAccount = 'renamed';
  },
  'a PeerAuthentication gone': (m) => m.routing.peerAuthentications?.pop(),
  'a namespace turned DISABLE': (m) => {
    const namespace = m.workloads[0]?.namespace ?? 'default';
    m.routing.peerAuthentications = [
      ...(m.routing.peerAuthentications ?? []),
      { origin: { kind: 'PeerAuthentication', namespace, name: 'zz-off' }, mode: 'DISABLE' },
    ];
  },
  'the trust domain changed': (m) => {
    m.config = { trustDomain: 'example.org', rootNamespace: 'trellis-system' };
  },
};

/**
 * `after`, holding `before`'s object wherever the content is the same (array items matched by
 * content first, then by position), as the sources hand over a new state: what did not change is
 * the same object, which is what the builder's and compiler's quick paths go by.
 */
function sharing<T>(before: unknown, after: T): T {
  if (JSON.stringify(before) === JSON.stringify(after)) return before as T;
  if (Array.isArray(after)) {
    const old: unknown[] = Array.isArray(before) ? before : [];
    const unused = new Map<string, unknown[]>();
    for (const item of old) {
      const key = JSON.stringify(item);
      unused.set(key, [...(unused.get(key) ?? []), item]);
    }
    return after.map((item: unknown, i) => {
      const same = unused.get(JSON.stringify(item));
      return same && same.length > 0 ? same.shift() : sharing(old[i], item);
    }) as T;
  }
  if (after !== null && typeof after === 'object') {
    const old = (before !== null && typeof before === 'object' ? before : {}) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, sharing(old[k], v)])) as T;
  }
  return after;
}

function versions(snapshot: Snapshot | undefined): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [typeUrl, ofType] of snapshot?.resources ?? []) {
    out[typeUrl] = Object.fromEntries([...ofType].map(([name, r]) => [name, r.version]));
  }
  return out;
}

function built(meshes: readonly Mesh[], proxies: readonly MeshProxy[]): SnapshotCache {
  const cache = new SnapshotCache();
  const builder = new SnapshotBuilder(cache, silentLogger());
  builder.update(meshes[0]!, []);
  for (const proxy of proxies) builder.connect(proxy);
  for (const mesh of meshes.slice(1)) {
    builder.update(mesh, []);
    builder.flush();
  }
  return cache;
}

describe('a part made of units', () => {
  for (const name of CASES) {
    it(`translates to what the part translates to: ${name}`, () => {
      const mesh = meshOf(name);
      for (const proxy of proxiesOf(mesh)) {
        const view = new ProxyCompiler().view(mesh, proxy);
        for (const { part } of view.parts) {
          if (!part.units) continue;
          const fromUnits = mergeParts(part.units(view.mesh).map((unit) => unit.translate()));
          expect(fromUnits, `${proxy.id} ${part.key}`).toEqual(mergeParts([part.translate(view.mesh)]));
        }
      }
    });
  }
});

describe('what the builder keeps across a change', () => {
  for (const name of CASES) {
    for (const [mutation, mutate] of Object.entries(MUTATIONS)) {
      it(`is what a fresh build gives: ${name}, ${mutation}`, () => {
        const before = meshOf(name);
        const after = clone(before);
        mutate(after);
        const changed = after as unknown as Mesh;
        const proxies = proxiesOf(before);
        const kept = built([before, changed], proxies);
        const fresh = built([changed], proxies);
        for (const proxy of proxies) {
          expect(versions(kept.getSnapshot(proxy.id)), proxy.id).toEqual(
            versions(fresh.getSnapshot(proxy.id)),
          );
        }
      });

      it(`is what a fresh build gives when unchanged objects are kept: ${name}, ${mutation}`, () => {
        const before = meshOf(name);
        const mutated = clone(before);
        mutate(mutated);
        const changed = sharing(before, mutated as unknown as Mesh);
        // And back again, sharing with the changed state: nothing known of `before` may be stale.
        const back = sharing(changed, clone(before) as unknown as Mesh);
        const proxies = proxiesOf(before);
        const there = built([before, changed], proxies);
        const andBack = built([before, changed, back], proxies);
        // From copies: what is kept per mesh object must not reach the expected snapshots.
        const fresh = built([clone(changed) as unknown as Mesh], proxies);
        const freshBefore = built([clone(before) as unknown as Mesh], proxies);
        for (const proxy of proxies) {
          expect(versions(there.getSnapshot(proxy.id)), proxy.id).toEqual(
            versions(fresh.getSnapshot(proxy.id)),
          );
          expect(versions(andBack.getSnapshot(proxy.id)), proxy.id).toEqual(
            versions(freshBefore.getSnapshot(proxy.id)),
          );
        }
      });
    }
  }
});
