import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ok } from '../model/result.js';
import { injectManifests } from './inject-manifests.js';
import type { InjectionParts, InjectorConfig } from './pod-patch.js';
import { DEFAULT_PROXY_RESOURCES } from './proxy-resources.js';

const config: InjectorConfig = {
  proxyImage: 'envoy:test',
  initImage: 'init:test',
  trellisImage: 'trellis:test',
  resources: DEFAULT_PROXY_RESOURCES,
  nativeSidecars: true,
  version: '0.1.0',
};
const parts: InjectionParts = {
  sidecar: () => ok({ envoy: { args: [], env: [], volumeMounts: [] }, volumes: [] }),
  redirect: () => ok([]),
};

const template = (name: string) => `
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers: [{ name: ${name}, image: ${name}:1 }]`;

const input = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  replicas: 2${template('web')}
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec: { ports: [{ port: 80 }] }
---
apiVersion: batch/v1
kind: CronJob
metadata: { name: nightly }
spec:
  schedule: "0 0 * * *"
  jobTemplate:
    spec:${template('nightly').replaceAll('\n', '\n    ')}
---
apiVersion: v1
kind: Pod
metadata: { name: opted-out, annotations: { trellis.dev/inject: "false" } }
spec: { containers: [{ name: app, image: app:1 }] }
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: broken }
spec: { template: { spec: { containers: "not a list" } } }
`;

describe('trellis inject', () => {
  const report = injectManifests(input, config, parts);
  const docs = parseAllDocuments(report.output).map((d) => d.toJS() as Record<string, never>);
  const containerNames = (spec: { initContainers?: { name: string }[]; containers: { name: string }[] }) => [
    ...(spec.initContainers ?? []).map((c) => c.name),
    ...spec.containers.map((c) => c.name),
  ];

  it('injects the pod template of each workload, and passes everything else through in order', () => {
    expect(docs.map((d) => d.kind)).toEqual(['Deployment', 'Service', 'CronJob', 'Pod', 'StatefulSet']);
    const deployment = docs[0] as unknown as { spec: { replicas: number; template: { spec: never } } };
    expect(deployment.spec.replicas).toBe(2);
    expect(containerNames(deployment.spec.template.spec)).toEqual(['trellis-init', 'trellis-proxy', 'web']);
    const cron = docs[2] as unknown as { spec: { jobTemplate: { spec: { template: { spec: never } } } } };
    expect(containerNames(cron.spec.jobTemplate.spec.template.spec)).toEqual([
      'trellis-init',
      'trellis-proxy',
      'nightly',
    ]);
    expect(docs[1]).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { ports: [{ port: 80 }] },
    });
  });

  it('says why a document was left alone', () => {
    expect(report.notes).toEqual([
      'Pod opted-out (document 3): not injected: annotation trellis.dev/inject: "false"',
      'StatefulSet broken (document 4): not injected: spec.containers must be a non-empty list',
    ]);
    expect(report.errors).toEqual([]);
  });

  it('reports a YAML error with its document, and goes on', () => {
    const bad = injectManifests(`kind: Pod\nmetadata: { name: [\n---\n${input}`, config, parts);
    expect(bad.errors[0]).toMatch(/^document 0: /);
    expect(parseAllDocuments(bad.output)).toHaveLength(5);
  });
});
