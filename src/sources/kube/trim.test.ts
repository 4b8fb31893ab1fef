import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifests } from '../apis/core/parse-manifests.js';
import type { ManifestDocument } from '../apis/manifest.js';
import { readManifestFiles } from '../files/read-file.js';
import { listManifestFiles } from '../files/walk.js';
import { KUBE_KINDS, type KubeKind } from './kube-kinds.js';
import { sameContent, trimObject } from './trim.js';

const EXAMPLES = path.resolve(import.meta.dirname, '../../../examples');
const TYPICAL_POD = JSON.parse(
  readFileSync(path.join(import.meta.dirname, 'testdata/typical-pod.json'), 'utf8'),
) as Record<string, unknown>;

function kindOf(value: unknown): KubeKind {
  const { apiVersion, kind } = value as { apiVersion: string; kind: string };
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const found = KUBE_KINDS.find((k) => k.group === group && k.kind === kind);
  return found ?? { group, version: apiVersion.slice(apiVersion.indexOf('/') + 1), kind, plural: '' };
}

const documents = (values: readonly unknown[]): ManifestDocument[] =>
  values.map((value, i) => ({ origin: `o${String(i).padStart(3, '0')}`, documentIndex: 0, value }));

/** The same objects, untrimmed and trimmed, lowered: the mesh, the issues and the statuses. */
function bothWays(values: readonly unknown[]) {
  const whole = parseManifests(documents(values));
  const trimmed = parseManifests(documents(values.map((value) => trimObject(kindOf(value), value))));
  return { whole: JSON.stringify(whole), trimmed: JSON.stringify(trimmed), parsed: whole };
}

describe('trimObject', () => {
  it('keeps a few hundred bytes of a typical 5 kB Pod, and the same model', () => {
    const size = JSON.stringify(TYPICAL_POD).length;
    const trimmed = trimObject(kindOf(TYPICAL_POD), TYPICAL_POD);
    const kept = JSON.stringify(trimmed).length;
    expect(size).toBeGreaterThan(5000);
    expect(kept).toBeLessThan(600);
    expect(kept * 10).toBeLessThan(size);
    expect(trimmed).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'reviews-v2-7d9f8c6b5-x2k9p',
        namespace: 'shop',
        uid: '5f1c2b9e-8a47-4c1e-9d3f-2b6a7e1c0d42',
        resourceVersion: '48213377',
        labels: {
          app: 'reviews',
          version: 'v2',
          'pod-template-hash': '7d9f8c6b5',
          'security.istio.io/tlsMode': 'istio',
        },
      },
      spec: {
        serviceAccountName: 'reviews',
        serviceAccount: 'reviews',
        containers: [{ name: 'reviews', ports: [{ name: 'http', containerPort: 9080, protocol: 'TCP' }] }],
      },
      status: { podIP: '10.244.1.23', podIPs: [{ ip: '10.244.1.23' }] },
    });
    const { whole, trimmed: fromTrimmed, parsed } = bothWays([TYPICAL_POD]);
    expect(parsed.mesh.workloads).toHaveLength(1);
    expect(parsed.issues).toEqual([]);
    expect(fromTrimmed).toBe(whole);
  });

  it('changes nothing the parsers give for any object of the examples', async () => {
    const { files } = await listManifestFiles(EXAMPLES);
    const values = (await readManifestFiles(EXAMPLES, files)).flatMap((t) => t.documents.map((d) => d.value));
    // The examples as an API server would hold them: with managedFields, statuses and annotations.
    const served = values.map((value) => {
      const object = structuredClone(value) as Record<string, Record<string, unknown>>;
      object.metadata = {
        ...object.metadata,
        uid: 'u-1',
        resourceVersion: '7',
        generation: 2,
        managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
        annotations: {
          ...((object.metadata?.annotations as object) ?? {}),
          'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(value),
        },
      };
      object.status = { ...(object.status ?? {}), conditions: [{ type: 'Ready', status: 'True' }] };
      return object;
    });
    const { whole, trimmed, parsed } = bothWays(served);
    expect(parsed.mesh.services.length).toBeGreaterThan(3);
    expect(parsed.statuses.length).toBeGreaterThan(0);
    expect(trimmed).toBe(whole);
  });

  it('keeps a value that does not have the shape the parser expects, so its issue is the same', () => {
    const broken = [
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'a', namespace: 'shop' },
        spec: { containers: 'web' },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'b', namespace: 'shop' },
        spec: { ports: [{ port: 'x' }, 7], selector: [] },
      },
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'c', namespace: 'shop', labels: 'x' },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['not an address'], conditions: 'ready' }],
      },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'Bad_Name', annotations: { 'a b': 'x' } } },
    ];
    const { whole, trimmed, parsed } = bothWays(broken);
    expect(parsed.issues.length).toBeGreaterThan(4);
    expect(trimmed).toBe(whole);
  });

  it('keeps a routing resource’s whole spec, its generation and creationTimestamp, and no status', () => {
    const route = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: {
        name: 'r',
        namespace: 'shop',
        generation: 3,
        creationTimestamp: '2024-01-01T00:00:00Z',
        managedFields: [{}],
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
      },
      spec: { hosts: ['a'], http: [{ route: [{ destination: { host: 'a' } }] }], anything: { deep: [1] } },
      status: { conditions: [] },
    };
    expect(trimObject(kindOf(route), route)).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'r', namespace: 'shop', generation: 3, creationTimestamp: '2024-01-01T00:00:00Z' },
      spec: route.spec,
    });
  });

  it('keeps a ServiceAccount’s identity only', () => {
    const account = {
      metadata: { name: 'web', namespace: 'shop', uid: 'u', resourceVersion: '4', annotations: { a: 'b' } },
      secrets: [{ name: 'web-token' }],
      imagePullSecrets: [{ name: 'registry' }],
    };
    const kind = KUBE_KINDS.find((k) => k.kind === 'ServiceAccount')!;
    expect(trimObject(kind, account)).toEqual({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'web', namespace: 'shop', uid: 'u', resourceVersion: '4' },
    });
  });
});

describe('sameContent', () => {
  const pod = trimObject(kindOf(TYPICAL_POD), TYPICAL_POD) as { metadata: Record<string, unknown> };

  it('tells objects apart by everything but resourceVersion', () => {
    const bumped = structuredClone(pod);
    bumped.metadata.resourceVersion = '48213378';
    expect(sameContent(pod, bumped)).toBe(true);
    const relabelled = structuredClone(bumped);
    (relabelled.metadata.labels as Record<string, string>).version = 'v3';
    expect(sameContent(pod, relabelled)).toBe(false);
    const recreated = structuredClone(pod);
    recreated.metadata.uid = 'another';
    expect(sameContent(pod, recreated)).toBe(false);
  });
});
