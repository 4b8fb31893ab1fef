// The install manifests in deploy/injector/ must agree with the code: the path and port the
// webhook serves, the API versions it reads, the label and annotation it honours.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { INJECT_ANNOTATION, INJECT_NAMESPACE_LABEL } from './inject-decision.js';

const dir = path.resolve(import.meta.dirname, '../../deploy/injector');
const docs = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS()))
  .filter(Boolean) as { kind: string; [key: string]: unknown }[];
const ofKind = (kind: string) => docs.filter((d) => d.kind === kind);

describe('deploy/injector', () => {
  it('points the webhook at the /inject path of the Service port that reaches 15017', () => {
    const [config] = ofKind('MutatingWebhookConfiguration') as unknown as {
      webhooks: {
        admissionReviewVersions: string[];
        sideEffects: string;
        reinvocationPolicy: string;
        clientConfig: { service: { name: string; path: string; port: number } };
        namespaceSelector: { matchLabels: Record<string, string> };
        objectSelector: { matchExpressions: { key: string }[] };
        timeoutSeconds: number;
      }[];
    }[];
    const webhook = config!.webhooks[0]!;
    expect(webhook.admissionReviewVersions).toEqual(['v1']);
    expect(webhook.sideEffects).toBe('None');
    expect(webhook.reinvocationPolicy).toBe('IfNeeded');
    expect(webhook.clientConfig.service.path).toBe('/inject');
    expect(webhook.namespaceSelector.matchLabels).toEqual({ [INJECT_NAMESPACE_LABEL]: 'enabled' });
    expect(webhook.objectSelector.matchExpressions[0]?.key).toBe(INJECT_ANNOTATION);
    expect(webhook.timeoutSeconds).toBeLessThanOrEqual(30);
    const [service] = ofKind('Service') as unknown as {
      metadata: { name: string };
      spec: { ports: { port: number; targetPort: number }[] };
    }[];
    expect(service!.metadata.name).toBe(webhook.clientConfig.service.name);
    expect(service!.spec.ports.find((p) => p.port === webhook.clientConfig.service.port)?.targetPort).toBe(
      15017,
    );
  });

  it('grants what injection and identity use: namespaces, tokenreviews, the webhook’s caBundle', () => {
    const [role] = ofKind('ClusterRole') as unknown as {
      rules: { resources: string[]; verbs: string[] }[];
    }[];
    const can = (resource: string, verb: string) =>
      role!.rules.some((r) => r.resources.includes(resource) && r.verbs.includes(verb));
    expect(can('namespaces', 'watch')).toBe(true);
    expect(can('tokenreviews', 'create')).toBe(true);
    expect(can('mutatingwebhookconfigurations', 'patch')).toBe(true);
  });
});
