import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../log.js';
import { formatIssue } from '../../model/issue.js';
import type { ParseManifestsOptions } from '../apis/core/parse-manifests.js';
import { parseManifests } from '../apis/core/parse-manifests.js';
import type { ManifestDocument } from '../apis/manifest.js';
import { seededRandom } from '../apis/shared/fuzz-mutations.js';
import { readManifestFiles } from '../files/read-file.js';
import { listManifestFiles } from '../files/walk.js';
import { buildState, type OriginVersion } from './build-state.js';
import type { ManifestChange } from './manifest-index.js';
import { StateBuilder } from './state-builder.js';

const EXAMPLES = path.resolve(import.meta.dirname, '../../../examples');

type Json = Record<string, unknown>;

/** Every document of the examples, one origin each, as the Kubernetes source reports them. */
async function exampleDocuments(): Promise<Map<string, Json>> {
  const { files } = await listManifestFiles(EXAMPLES);
  const texts = await readManifestFiles(EXAMPLES, files);
  const byOrigin = new Map<string, Json>();
  for (const text of texts)
    for (const document of text.documents) {
      const value = document.value as Json & { metadata: { name: string; namespace?: string } };
      byOrigin.set(`kube:${value.kind}/${value.metadata.namespace ?? ''}/${value.metadata.name}`, value);
    }
  return byOrigin;
}

const documentOf = (origin: string, value: unknown): ManifestDocument => ({
  origin,
  documentIndex: 0,
  value,
});

/** A change of content that keeps the resource's identity: another label, another port, another address. */
function variant(value: Json, random: () => number): Json {
  const copy = structuredClone(value) as Json & { metadata: Json & { labels?: Record<string, string> } };
  const n = String(Math.floor(random() * 5));
  copy.metadata = { ...copy.metadata, labels: { ...(copy.metadata.labels ?? {}), variant: n } };
  if (copy.kind === 'EndpointSlice')
    (copy.endpoints as Json[]).push({ addresses: [`127.0.1.${n}`], conditions: { ready: random() < 0.5 } });
  if (copy.kind === 'Service' && random() < 0.3) (copy.spec as Json).clusterIP = 'None';
  return copy;
}

async function freshBuild(served: ReadonlyMap<string, ManifestDocument>): Promise<string> {
  const versions: OriginVersion[] = [...served.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([origin, document]) => ({ origin, documents: [document], issues: [] }));
  return JSON.stringify((await buildState(versions, [], { logger: silentLogger() })).state);
}

describe('StateBuilder', () => {
  it('after any sequence of changes, its state is byte for byte a fresh build of the documents it ends with', async () => {
    const examples = await exampleDocuments();
    const origins = [...examples.keys()];
    expect(origins.length).toBeGreaterThan(10);
    const random = seededRandom(14);
    const builder = new StateBuilder({ logger: silentLogger(), unit: 'object' });
    const served = new Map<string, ManifestDocument>();
    let builds = 0;
    for (let step = 0; step < 60; step++) {
      const batch: ManifestChange[] = [];
      const size = 1 + Math.floor(random() * 4);
      for (let i = 0; i < size; i++) {
        const origin = origins[Math.floor(random() * origins.length)]!;
        const roll = random();
        if (served.has(origin) && roll < 0.3) {
          batch.push({ type: 'deleted', origin });
          served.delete(origin);
        } else {
          const value = roll < 0.6 ? examples.get(origin)! : variant(examples.get(origin)!, random);
          const document = documentOf(origin, value);
          batch.push({ type: served.has(origin) ? 'updated' : 'added', origin, documents: [document] });
          served.set(origin, document);
        }
      }
      const state = await builder.next(batch);
      if (state) builds++;
      expect(JSON.stringify(builder.state)).toBe(await freshBuild(served));
    }
    expect(builds).toBeGreaterThan(30);
  });

  for (const seed of [21, 22, 23]) {
    it(`with duplicates across origins and origins that make the lowering throw, its state is a fresh build given the owners of the last (seed ${seed})`, async () => {
      const throwing = (docs: readonly ManifestDocument[], opts: ParseManifestsOptions) => {
        if (docs.some((d) => JSON.stringify(d.value).includes('test/throw'))) throw new Error('boom');
        return parseManifests(docs, opts);
      };
      const random = seededRandom(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
      const value = (): unknown => {
        const name = pick(['web', 'api']);
        const annotations = random() < 0.1 ? { 'test/throw': 'yes' } : {};
        switch (pick(['service', 'service', 'slice', 'route', 'route', 'other', 'invalid'])) {
          case 'service':
            return {
              apiVersion: 'v1',
              kind: 'Service',
              metadata: { name, namespace: 'shop', annotations },
              spec: { clusterIP: 'None', ports: [{ name: 'http', port: pick([80, 81]) }] },
            };
          case 'slice':
            return {
              apiVersion: 'discovery.k8s.io/v1',
              kind: 'EndpointSlice',
              metadata: {
                name: `${name}-1`,
                namespace: 'shop',
                labels: { 'kubernetes.io/service-name': name },
              },
              addressType: 'IPv4',
              ports: [{ name: 'http', port: 8080 }],
              endpoints: [{ addresses: [`10.0.0.${Math.floor(random() * 4)}`], conditions: { ready: true } }],
            };
          case 'route':
            return {
              apiVersion: 'networking.istio.io/v1',
              kind: 'VirtualService',
              metadata: { name: `vs-${name}`, namespace: 'shop', annotations },
              spec: {
                hosts: [`${name}.shop.svc.cluster.local`],
                http: [
                  {
                    timeout: pick(['2s', '5s']),
                    route: [{ destination: { host: `${name}.shop.svc.cluster.local` } }],
                  },
                ],
              },
            };
          case 'other':
            return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name } };
          default:
            return { kind: 'Service', metadata: { name } };
        }
      };
      const origins = Array.from({ length: 8 }, (_, i) => `kube:o${i}`);
      const builder = new StateBuilder({ logger: silentLogger(), unit: 'object', parse: throwing });
      const served = new Map<string, ManifestDocument[]>();
      let reference: Awaited<ReturnType<typeof buildState>> | undefined;
      for (let step = 0; step < 60; step++) {
        const batch: ManifestChange[] = [];
        for (let i = Math.floor(random() * 3); i >= 0; i--) {
          const origin = pick(origins);
          if (served.has(origin) && random() < 0.25) {
            batch.push({ type: 'deleted', origin });
            served.delete(origin);
          } else {
            const documents = Array.from({ length: 1 + Math.floor(random() * 2) }, (_, documentIndex) => ({
              origin,
              documentIndex,
              value: value(),
            }));
            batch.push({ type: 'updated', origin, documents });
            served.set(origin, documents);
          }
        }
        if (!(await builder.next(batch)) && reference) continue;
        const versions = [...served.keys()]
          .sort()
          .map((origin) => ({ origin, documents: served.get(origin)!, issues: [] }));
        reference = await buildState(versions, [], {
          logger: silentLogger(),
          unit: 'object',
          parse: throwing,
          ...(reference ? { incumbents: reference.owners } : {}),
        });
        expect(JSON.stringify(builder.state)).toBe(JSON.stringify(reference.state));
      }
    });
  }

  it('a batch that changes nothing builds nothing and gives no state', async () => {
    let lowerings = 0;
    const builder = new StateBuilder({
      logger: silentLogger(),
      parse: (docs, opts) => {
        lowerings++;
        return parseManifests(docs, opts);
      },
    });
    const ns = documentOf('kube:core/Namespace/shop', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'shop' },
    });
    const first = await builder.next([{ type: 'added', origin: ns.origin, documents: [ns] }]);
    expect(first?.mesh.namespaces.map((n) => n.name)).toEqual(['shop']);
    const before = lowerings;
    expect(await builder.next([])).toBeUndefined();
    expect(await builder.next([{ type: 'updated', origin: ns.origin, documents: [ns] }])).toBeUndefined();
    expect(await builder.next([{ type: 'deleted', origin: 'kube:core/Namespace/other' }])).toBeUndefined();
    expect(lowerings).toBe(before);
    expect(builder.state).toBe(first);
  });

  it('the first build gives a state even with nothing to serve', async () => {
    const state = await new StateBuilder({ logger: silentLogger() }).next([]);
    expect(state?.mesh.services).toEqual([]);
  });

  it('leaves out an object whose documents make the lowering throw until it changes, serving the rest', async () => {
    const builder = new StateBuilder({
      logger: silentLogger(),
      unit: 'object',
      parse: (docs, opts) => {
        if (docs.some((d) => JSON.stringify(d.value).includes('test/throw'))) throw new Error('boom');
        return parseManifests(docs, opts);
      },
    });
    const service = (name: string, annotations: Record<string, string> = {}) =>
      documentOf(`kube:core/Service/shop/${name}`, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: 'shop', annotations },
        spec: { clusterIP: 'None', ports: [{ port: 80 }] },
      });
    const web = service('web');
    const bad = service('api', { 'test/throw': 'yes' });
    const state = await builder.next([
      { type: 'added', origin: web.origin, documents: [web] },
      { type: 'added', origin: bad.origin, documents: [bad] },
    ]);
    expect(state?.mesh.services.map((s) => s.name)).toEqual(['web']);
    const expected =
      'kube:core/Service/shop/api: processing the object failed: Error: boom; nothing of the object is served';
    expect(state?.issues.map(formatIssue)).toEqual([expected]);
    // Another object changes: the one that threw stays out, with the same issue, and is not retried.
    const web2 = service('web', { note: 'x' });
    const next = await builder.next([{ type: 'updated', origin: web.origin, documents: [web2] }]);
    expect(next?.issues.map(formatIssue)).toEqual([expected]);
    // It changes: it is served.
    const good = service('api');
    const fixed = await builder.next([{ type: 'updated', origin: good.origin, documents: [good] }]);
    expect(fixed?.mesh.services.map((s) => s.name)).toEqual(['api', 'web']);
    expect(fixed?.issues).toEqual([]);
  });
});
