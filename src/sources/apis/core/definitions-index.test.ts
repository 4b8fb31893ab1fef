import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ManifestDocument } from '../manifest.js';
import { seededRandom } from '../shared/fuzz-mutations.js';
import { DefinitionsIndex, type IndexCounter, type OriginDocuments } from './definitions-index.js';
import { type ParseManifestsOptions, parseManifests } from './parse-manifests.js';

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** A document value from a small pool of names, so that origins define the same resources often. */
function randomValue(random: Random): unknown {
  const name = pick(random, ['web', 'api', 'cart']);
  const namespace = pick(random, ['shop', 'other']);
  const roll = Math.floor(random() * 14);
  switch (roll) {
    case 0:
    case 1:
      return {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace },
        spec: { selector: { app: name }, ports: [{ name: 'http', port: pick(random, [80, 81, 0]) }] },
      };
    case 2:
      return {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: pick(random, ['shop', 'other', 'Bad']) },
      };
    case 3:
      return {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `${name}-1`, namespace, labels: { app: name } },
        spec: { containers: [{ name: 'c' }] },
        status: { podIP: `10.0.0.${Math.floor(random() * 3)}` },
      };
    case 4:
      return {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: `${name}-1`, namespace, labels: { 'kubernetes.io/service-name': name } },
        addressType: 'IPv4',
        ports: [{ name: 'http', port: 8080 }],
        endpoints: [
          { addresses: [`10.1.0.${Math.floor(random() * 3)}`], conditions: { ready: random() < 0.5 } },
        ],
      };
    case 5:
      return {
        apiVersion: pick(random, ['apps/v1', 'v1']),
        kind: pick(random, ['Deployment', 'ConfigMap']),
        metadata: { name },
      };
    case 6:
      return pick(random, [
        { kind: 'Service', metadata: { name } },
        'just a string',
        { apiVersion: 'v1', kind: 42 },
      ]);
    case 7:
      return { apiVersion: 'v2', kind: 'Service', metadata: { name, namespace } };
    case 8:
    case 9:
      return {
        apiVersion: pick(random, ['networking.istio.io/v1', 'networking.istio.io/v1beta1']),
        kind: 'VirtualService',
        metadata: { name: `vs-${name}`, namespace: 'shop' },
        spec: {
          hosts: [`${name}.shop.svc.cluster.local`],
          http: [
            {
              timeout: pick(random, ['2s', '5s', 'soon']),
              route: [{ destination: { host: `${pick(random, ['web', 'api'])}.shop.svc.cluster.local` } }],
            },
          ],
        },
      };
    case 10:
      return {
        apiVersion: pick(random, ['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v0']),
        kind: 'HTTPRoute',
        metadata: { name: `route-${name}`, namespace: 'shop' },
        spec: {
          parentRefs: [{ group: '', kind: 'Service', name, port: 80 }],
          rules: [{ backendRefs: [{ name: pick(random, ['web', 'api']), port: 80 }] }],
        },
      };
    case 11:
      return {
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: { name: `dr-${name}`, namespace: 'shop' },
        spec: {
          host: `${name}.shop.svc.cluster.local`,
          trafficPolicy: { loadBalancer: { simple: 'RANDOM' } },
        },
      };
    case 12:
      return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } };
    default:
      return {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { namespace: 'shop' },
        spec: { hosts: ['web.shop.svc.cluster.local'] },
      };
  }
}

/** An origin's documents: a few, some of them items of a List. */
function randomDocuments(origin: string, random: Random): ManifestDocument[] {
  const docs: ManifestDocument[] = [];
  const count = Math.floor(random() * 4);
  for (let i = 0; i < count; i++) {
    if (random() < 0.2) {
      for (const item of [10, 2])
        docs.push({ origin, documentIndex: i, pathPrefix: `items[${item}]`, value: randomValue(random) });
    } else docs.push({ origin, documentIndex: i, value: randomValue(random) });
  }
  // Handed over in any order within the origin: the index orders them.
  return random() < 0.3 ? docs.reverse() : docs;
}

/** A document whose parse throws, as a parser with a bug would. */
function throwing(origin: string): ManifestDocument {
  return {
    origin,
    documentIndex: -1,
    get value(): unknown {
      throw new Error('boom');
    },
  };
}

function captureLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      const { level, msg, kind, apiVersion, documents, first } = JSON.parse(String(chunk));
      lines.push(JSON.stringify({ level, msg, kind, apiVersion, documents, first }));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

function shuffle<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

describe('DefinitionsIndex', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`after random changes, lowers as a fresh parseManifests of the same documents and incumbents (seed ${seed})`, () => {
      const random = seededRandom(seed);
      const origins = [
        'a.yaml',
        'b.yaml',
        'c.yaml',
        'dir/d.yaml',
        'kube:core/Service/shop/web',
        'kube:x',
        'z.yaml',
      ];
      // Each origin's documents as a ManifestIndex holds them: the same object while unchanged.
      const served = new Map<string, OriginDocuments>();
      const earlier = new Map<string, OriginDocuments>();
      const index = new DefinitionsIndex();
      let committed: ReadonlyMap<string, string> | undefined;
      for (let step = 0; step < 80; step++) {
        const changes = 1 + Math.floor(random() * 3);
        for (let i = 0; i < changes; i++) {
          const origin = pick(random, origins);
          const roll = random();
          if (roll < 0.2) served.delete(origin);
          else if (roll < 0.3 && earlier.has(origin)) served.set(origin, earlier.get(origin)!);
          // The same documents in a new array: not a change.
          else if (roll < 0.4 && served.has(origin))
            served.set(origin, { origin, documents: [...served.get(origin)!.documents] });
          else if (roll < 0.45) served.set(origin, { origin, documents: [throwing(origin)] });
          else {
            const version = { origin, documents: randomDocuments(origin, random) };
            served.set(origin, version);
            earlier.set(origin, version);
          }
        }
        const versions = [...served.keys()].sort().map((origin) => served.get(origin)!);
        const grouped = versions.flatMap((version) => version.documents);
        // Sometimes by origin, sometimes by document, sometimes not in order: the index must not
        // depend on it.
        const shuffled = random() < 0.15;
        const byOrigin = random() < 0.5;
        const lower = (opts: ParseManifestsOptions) =>
          byOrigin
            ? index.lowerOrigins(shuffled ? shuffle([...versions], random) : versions, opts)
            : index.lower(shuffled ? shuffle([...grouped], random) : grouped, opts);
        const opts = { clusterDomain: step < 60 ? 'cluster.local' : 'corp.internal' };
        const mine = captureLogger();
        if (grouped.some((doc) => doc.documentIndex < 0)) {
          // A parser threw: the build is not served, and its origin is left out, as StateBuilder does.
          expect(() => lower({ ...opts, logger: mine.logger })).toThrow('boom');
          for (const version of versions)
            if (version.documents.some((doc) => doc.documentIndex < 0)) served.delete(version.origin);
          continue;
        }
        const result = lower({ ...opts, logger: mine.logger });
        const theirs = captureLogger();
        const fresh = parseManifests(grouped, {
          ...opts,
          logger: theirs.logger,
          ...(committed ? { incumbents: committed } : {}),
        });
        expect(JSON.stringify(result)).toBe(JSON.stringify(fresh));
        expect([...result.owners].sort()).toEqual([...fresh.owners].sort());
        expect(mine.lines).toEqual(theirs.lines);
        // Most builds are served; some are not (an origin threw), and the incumbents stay.
        if (random() < 0.8) {
          index.commit();
          committed = new Map(fresh.owners);
        }
      }
    });
  }

  it('keeps what a change did not touch as the same objects', () => {
    const index = new DefinitionsIndex();
    const service = (name: string, port: number): ManifestDocument => ({
      origin: `${name}.yaml`,
      documentIndex: 0,
      value: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: 'shop' },
        spec: { clusterIP: 'None', ports: [{ port }] },
      },
    });
    const bad: ManifestDocument = { origin: 'bad.yaml', documentIndex: 0, value: 'x' };
    const before = index.lower([bad, service('web', 80)]);
    const same = index.lower([bad, service('web', 80)]);
    expect(same.mesh.services).not.toBe(before.mesh.services);
    expect(same.issues).toBe(before.issues);
    const other = index.lower([bad, service('web', 80), service('api', 80)]);
    expect(other.mesh.namespaces).toBe(before.mesh.namespaces);
    expect(other.issues).toBe(before.issues);
    expect(other.mesh.services.map((s) => s.name)).toEqual(['api', 'web']);
  });

  for (const by of ['document', 'origin'] as const)
    it(`a change to one origin costs that origin, not the 5,000 documents of the others (by ${by})`, () => {
      const counter: IndexCounter = { documents: 0, keys: 0 };
      const index = new DefinitionsIndex({ counter });
      const fileOf = (f: number, version: number): ManifestDocument[] =>
        Array.from({ length: 5 }, (_, i) => ({
          origin: `f${String(f).padStart(4, '0')}.yaml`,
          documentIndex: i,
          value:
            i === 4
              ? { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `d${f}` } }
              : {
                  apiVersion: 'v1',
                  kind: i % 2 === 0 ? 'Service' : 'Pod',
                  metadata: { name: `s${f}-${i}`, namespace: `ns${f % 7}` },
                  spec:
                    i % 2 === 0
                      ? { clusterIP: 'None', ports: [{ port: 80 + version }] }
                      : { containers: [{ name: 'c' }] },
                },
        }));
      const files = Array.from({ length: 1000 }, (_, f) => fileOf(f, 0));
      // By origin, each origin's documents are one object while they do not change, as in a ManifestIndex.
      const versions = new WeakMap<ManifestDocument[], OriginDocuments>();
      const versionOf = (documents: ManifestDocument[]): OriginDocuments => {
        let version = versions.get(documents);
        if (!version) {
          version = { origin: documents[0]!.origin, documents };
          versions.set(documents, version);
        }
        return version;
      };
      const lowerAll = (all: ManifestDocument[][]) =>
        by === 'origin' ? index.lowerOrigins(all.map(versionOf)) : index.lower(all.flat());
      const first = lowerAll(files);
      expect(counter.documents).toBe(5000);
      expect(first.mesh.services).toHaveLength(2000);
      counter.documents = 0;
      counter.keys = 0;
      files[500] = fileOf(500, 1);
      const next = lowerAll(files);
      // Its 5 documents out and 5 in; its 4 resources settled again.
      expect(counter).toEqual({ documents: 10, keys: 4 });
      expect(next.mesh.namespaces).toBe(first.mesh.namespaces);
      expect(next.mesh.endpointSlices).toBe(first.mesh.endpointSlices);
      expect(next.mesh.services).not.toBe(first.mesh.services);
      expect(next.issues).toBe(first.issues);
      counter.documents = 0;
      counter.keys = 0;
      const gone = lowerAll(files.filter((_, f) => f !== 10));
      expect(counter).toEqual({ documents: 5, keys: 4 });
      expect(gone.mesh.services).toHaveLength(1998);
      expect(JSON.stringify(gone)).toBe(
        JSON.stringify(parseManifests(files.filter((_, f) => f !== 10).flat())),
      );
    });
});
