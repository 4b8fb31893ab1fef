import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatIssue } from '../../../model/issue.js';
import type { ManifestDocument } from '../manifest.js';
import { parsePod } from './pod.js';

function doc(text: string): ManifestDocument {
  return { origin: 'pods/web.yaml', documentIndex: 2, value: parse(text) };
}

function messages(text: string): string[] {
  return parsePod(doc(text)).issues.map(formatIssue);
}

describe('parsePod', () => {
  it('reads labels, service account, IP and container ports', () => {
    const parsed = parsePod(
      doc(`
apiVersion: v1
kind: Pod
metadata: { name: web-1, namespace: shop, labels: { app: web, version: v1 } }
spec:
  serviceAccountName: web
  containers:
    - name: app
      image: web:1
      ports: [{ name: http, containerPort: 8080 }, { containerPort: 9102, protocol: UDP }]
    - name: sidecar
      ports: [{ name: admin, containerPort: 15000, protocol: TCP }]
status: { phase: Running, podIP: 10.1.0.5 }
`),
    );
    expect(parsed.issues).toEqual([]);
    expect(parsed.value).toEqual({
      namespace: 'shop',
      name: 'web-1',
      ip: '10.1.0.5',
      labels: { app: 'web', version: 'v1' },
      serviceAccount: 'web',
      ports: [
        { name: 'http', port: 8080, protocol: 'TCP' },
        { port: 9102, protocol: 'UDP' },
        { name: 'admin', port: 15000, protocol: 'TCP' },
      ],
    });
  });

  it('defaults the service account and namespace, and has no IP until scheduled', () => {
    const parsed = parsePod(
      doc('{ apiVersion: v1, kind: Pod, metadata: { name: p }, spec: { containers: [{ name: c }] } }'),
    );
    expect(parsed.value).toEqual({
      namespace: 'default',
      name: 'p',
      labels: {},
      serviceAccount: 'default',
      ports: [],
    });
  });

  it('reads the IP from podIPs when podIP is absent', () => {
    const parsed = parsePod(
      doc(
        '{ apiVersion: v1, kind: Pod, metadata: { name: p }, spec: { containers: [{ name: c }] }, status: { podIPs: [{ ip: "fd00::5" }] } }',
      ),
    );
    expect(parsed.value?.ip).toBe('fd00::5');
  });

  it('reports invalid fields', () => {
    expect(
      messages(`
apiVersion: v1
kind: Pod
metadata: { name: Web_1, labels: { app: [web] } }
spec:
  containers:
    - name: app
      ports: [{ name: this-name-is-far-too-long, containerPort: "8080" }]
status: { podIP: 10.1.0 }
`),
    ).toEqual([
      'pods/web.yaml[doc 2]: Pod default/Web_1: metadata.name: must be a DNS-1123 subdomain: at most 253 lowercase letters, digits, "-" or ".", each dot-separated part starting and ending with a letter or digit, got "Web_1"',
      'pods/web.yaml[doc 2]: Pod default/Web_1: metadata.labels.app: must be a string, got a list',
      'pods/web.yaml[doc 2]: Pod default/Web_1: spec.containers[0].ports[0].name: must be a port name: at most 15 lowercase letters, digits or "-", with at least one letter, no "--", not starting or ending with "-", got "this-name-is-far-too-long"',
      'pods/web.yaml[doc 2]: Pod default/Web_1: spec.containers[0].ports[0].containerPort: must be an integer 1..65535, got "8080"',
      'pods/web.yaml[doc 2]: Pod default/Web_1: status.podIP: must be an IP address, got "10.1.0"',
    ]);
    expect(
      messages('{ apiVersion: v1, kind: Pod, metadata: { name: p }, spec: { containers: [] } }'),
    ).toEqual([
      'pods/web.yaml[doc 2]: Pod default/p: spec.containers: must have at least one container, got an empty list',
    ]);
  });

  it('requires container port names to be unique in the pod', () => {
    expect(
      messages(`
apiVersion: v1
kind: Pod
metadata: { name: p }
spec: { containers: [{ name: a, ports: [{ name: http, containerPort: 80 }] }, { name: b, ports: [{ name: http, containerPort: 81 }] }] }
`),
    ).toEqual([
      'pods/web.yaml[doc 2]: Pod default/p: spec.containers[1].ports[0].name: "http" is already used by spec.containers[0].ports[0]',
    ]);
  });
});
