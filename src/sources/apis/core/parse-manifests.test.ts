import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatIssue } from '../../../model/issue.js';
import type { ManifestDocument } from '../manifest.js';
import { parseManifests } from './parse-manifests.js';

function doc(origin: string, documentIndex: number, text: string, pathPrefix?: string): ManifestDocument {
  return { origin, documentIndex, value: parse(text), ...(pathPrefix ? { pathPrefix } : {}) };
}

const service = (name: string, namespace = 'default', port = 80) =>
  `{ apiVersion: v1, kind: Service, metadata: { name: ${name}, namespace: ${namespace} }, spec: { clusterIP: None, ports: [{ port: ${port} }] } }`;

/** A logger whose lines can be read back. */
function captureLogger() {
  const lines: { level: number; msg: string; kind?: string; documents?: number }[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('parseManifests', () => {
  it('lowers every kind into the model, sorted by namespace and name', () => {
    const state = parseManifests([
      doc('b.yaml', 0, service('zeta', 'b')),
      doc('b.yaml', 1, service('alpha', 'b')),
      doc('a.yaml', 0, service('web', 'a')),
      doc('a.yaml', 1, '{ apiVersion: v1, kind: Namespace, metadata: { name: b } }'),
      doc('a.yaml', 2, '{ apiVersion: v1, kind: Namespace, metadata: { name: a } }'),
      doc(
        'a.yaml',
        3,
        '{ apiVersion: discovery.k8s.io/v1, kind: EndpointSlice, metadata: { name: web-1, namespace: a, labels: { kubernetes.io/service-name: web } }, addressType: IPv4, endpoints: [] }',
      ),
      doc(
        'a.yaml',
        4,
        '{ apiVersion: v1, kind: Pod, metadata: { name: web-1, namespace: a }, spec: { containers: [{ name: c }] } }',
      ),
    ]);
    expect(state.issues).toEqual([]);
    expect(state.mesh.namespaces.map((n) => n.name)).toEqual(['a', 'b']);
    expect(state.mesh.services.map((s) => `${s.namespace}/${s.name}`)).toEqual([
      'a/web',
      'b/alpha',
      'b/zeta',
    ]);
    expect(state.mesh.services[0]?.hostname).toBe('web.a.svc.cluster.local');
    expect(state.mesh.endpointSlices.map((s) => s.name)).toEqual(['web-1']);
    expect(state.mesh.workloads.map((w) => w.name)).toEqual(['web-1']);
  });

  it('uses the cluster domain it is given', () => {
    const state = parseManifests([doc('a.yaml', 0, service('web'))], { clusterDomain: 'corp.internal' });
    expect(state.mesh.services[0]?.hostname).toBe('web.default.svc.corp.internal');
  });

  it('reports a document without apiVersion or kind, or that is not a mapping', () => {
    const state = parseManifests([
      doc('a.yaml', 0, '{ metadata: { name: x } }'),
      doc('a.yaml', 1, '{ kind: Service, metadata: { name: web, namespace: shop } }'),
      doc('a.yaml', 2, '{ apiVersion: v1, kind: 42 }'),
      doc('a.yaml', 3, '[1, 2]'),
      doc('a.yaml', 4, 'just a string'),
    ]);
    expect(state.issues.map((i) => [i.reason, formatIssue(i)])).toEqual([
      ['MissingField', 'a.yaml[doc 0]: apiVersion: is required'],
      ['MissingField', 'a.yaml[doc 0]: kind: is required'],
      ['MissingField', 'a.yaml[doc 1]: Service shop/web: apiVersion: is required'],
      ['InvalidType', 'a.yaml[doc 2]: kind: must be a string, got 42'],
      ['InvalidType', 'a.yaml[doc 3]: must be a mapping with apiVersion, kind and metadata, got a list'],
      [
        'InvalidType',
        'a.yaml[doc 4]: must be a mapping with apiVersion, kind and metadata, got "just a string"',
      ],
    ]);
  });

  it('reports a known kind at a version it does not read, saying which it does', () => {
    const state = parseManifests([
      doc(
        'eps.yaml',
        0,
        '{ apiVersion: discovery.k8s.io/v1beta1, kind: EndpointSlice, metadata: { name: web-1, namespace: shop } }',
      ),
      doc('svc.yaml', 0, '{ apiVersion: v2, kind: Service, metadata: { name: web } }'),
    ]);
    expect(state.issues.map((i) => [i.reason, formatIssue(i)])).toEqual([
      [
        'UnsupportedAPIVersion',
        'eps.yaml[doc 0]: EndpointSlice shop/web-1: apiVersion: EndpointSlice is read only as apiVersion "discovery.k8s.io/v1", got "discovery.k8s.io/v1beta1"',
      ],
      [
        'UnsupportedAPIVersion',
        'svc.yaml[doc 0]: Service default/web: apiVersion: Service is read only as apiVersion "v1", got "v2"',
      ],
    ]);
  });

  it('ignores unknown kinds with one info line per kind, and no issue', () => {
    const { logger, lines } = captureLogger();
    const state = parseManifests(
      [
        doc('a.yaml', 0, '{ apiVersion: apps/v1, kind: Deployment, metadata: { name: a } }'),
        doc('a.yaml', 1, '{ apiVersion: apps/v1, kind: Deployment, metadata: { name: b } }'),
        doc('b.yaml', 0, '{ apiVersion: v1, kind: ConfigMap, metadata: { name: c } }'),
        // A Service of another API group is another kind altogether.
        doc('c.yaml', 0, '{ apiVersion: serving.knative.dev/v1, kind: Service, metadata: { name: d } }'),
        doc('d.yaml', 0, service('web')),
      ],
      { logger },
    );
    expect(state.issues).toEqual([]);
    expect(state.mesh.services.map((s) => s.name)).toEqual(['web']);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [30, 'ignoring 1 v1 ConfigMap document(s): trellis does not read this kind'],
      [30, 'ignoring 2 apps/v1 Deployment document(s): trellis does not read this kind'],
      [30, 'ignoring 1 serving.knative.dev/v1 Service document(s): trellis does not read this kind'],
    ]);
  });

  it('accepts ServiceAccounts with no issue and no log line, and keeps nothing of them', () => {
    const { logger, lines } = captureLogger();
    const account = '{ apiVersion: v1, kind: ServiceAccount, metadata: { name: web, namespace: shop } }';
    const without = parseManifests([doc('d.yaml', 0, service('web'))]);
    const state = parseManifests(
      [
        doc('a.yaml', 0, account),
        // Twice, and with fields nothing reads: still nothing to say.
        doc('b.yaml', 0, account),
        doc(
          'c.yaml',
          0,
          '{ apiVersion: v1, kind: ServiceAccount, metadata: { name: x }, secrets: [{ name: t }] }',
        ),
        doc('d.yaml', 0, service('web')),
      ],
      { logger },
    );
    expect(state.issues).toEqual([]);
    expect(lines).toEqual([]);
    expect(state.mesh).toEqual(without.mesh);
  });

  it('keeps the first of duplicate resources in file order and reports the later ones', () => {
    const docs = [
      doc('b.yaml', 0, service('web', 'shop', 81)),
      doc('a.yaml', 1, service('web', 'shop', 80)),
      doc('a.yaml', 3, '{ kind: List }', 'items[10]'),
      doc('a.yaml', 3, service('web', 'shop', 82), 'items[2]'),
      // Same name, other kind or namespace: not a duplicate.
      doc('a.yaml', 2, service('web', 'other')),
      doc(
        'a.yaml',
        4,
        '{ apiVersion: v1, kind: Pod, metadata: { name: web, namespace: shop }, spec: { containers: [{ name: c }] } }',
      ),
    ];
    for (const order of [docs, [...docs].reverse()]) {
      const state = parseManifests(order);
      expect(state.mesh.services.map((s) => [s.namespace, s.name, s.ports[0]?.port])).toEqual([
        ['other', 'web', 80],
        ['shop', 'web', 80],
      ]);
      expect(state.mesh.workloads).toHaveLength(1);
      expect(state.issues.map((i) => [i.reason, formatIssue(i)])).toEqual([
        [
          'DuplicateResource',
          'a.yaml[doc 3]: Service shop/web: items[2].metadata.name: duplicates the Service defined at a.yaml[doc 1]; that first definition is used',
        ],
        ['MissingField', 'a.yaml[doc 3]: List ?: items[10].apiVersion: is required'],
        [
          'DuplicateResource',
          'b.yaml[doc 0]: Service shop/web: metadata.name: duplicates the Service defined at a.yaml[doc 1]; that first definition is used',
        ],
      ]);
    }
  });

  it('settles duplicates by age when told who served each resource, and says who owns what', () => {
    const route = (name: string, origin: string) =>
      doc(
        origin,
        0,
        `{ apiVersion: gateway.networking.k8s.io/v1, kind: HTTPRoute, metadata: { name: ${name}, namespace: shop }, spec: {} }`,
      );
    const docs = [doc('a.yaml', 0, service('web', 'shop', 81)), doc('b.yaml', 0, service('web', 'shop', 80))];
    const first = parseManifests(docs);
    expect(first.mesh.services.map((s) => s.ports[0]?.port)).toEqual([81]);
    expect(first.owners).toEqual(new Map([['Service/shop/web', 'a.yaml']]));

    const incumbents = new Map([
      ['Service/shop/web', 'b.yaml'],
      ['gateway.networking.k8s.io/HTTPRoute/shop/r', 'd.yaml'],
    ]);
    const state = parseManifests([...docs, route('r', 'c.yaml'), route('r', 'd.yaml')], { incumbents });
    expect(state.mesh.services.map((s) => s.ports[0]?.port)).toEqual([80]);
    expect(state.issues.filter((i) => i.reason === 'DuplicateResource').map(formatIssue)).toEqual([
      'a.yaml[doc 0]: Service shop/web: metadata.name: duplicates the Service served from b.yaml[doc 0], which was there first; this newer definition is not served',
      'c.yaml[doc 0]: HTTPRoute shop/r: metadata.name: duplicates the HTTPRoute served from d.yaml[doc 0], which was there first; this newer definition is not served',
    ]);
    expect(state.owners.get('Service/shop/web')).toBe('b.yaml');
    // An owner that no longer defines the resource has no say.
    const gone = parseManifests([docs[0]!], { incumbents });
    expect(gone.owners.get('Service/shop/web')).toBe('a.yaml');
    expect(gone.issues).toEqual([]);
  });

  it('prefixes the field paths of List items and sorts issues by origin, document and field', () => {
    const state = parseManifests([
      doc(
        'list.yaml',
        0,
        '{ apiVersion: v1, kind: Service, metadata: { name: b }, spec: { ports: [{ port: x }] } }',
        'items[10]',
      ),
      doc(
        'list.yaml',
        0,
        '{ apiVersion: v1, kind: Service, metadata: { name: a }, spec: { ports: [{ port: 0 }] } }',
        'items[2]',
      ),
      doc('a.yaml', 5, '{ apiVersion: v1, kind: Namespace, metadata: { name: A } }'),
    ]);
    expect(state.issues.map(formatIssue)).toEqual([
      'a.yaml[doc 5]: Namespace A: metadata.name: must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit, got "A"',
      'list.yaml[doc 0]: Service default/a: items[2].spec.ports[0].port: must be an integer 1..65535, got 0',
      'list.yaml[doc 0]: Service default/b: items[10].spec.ports[0].port: must be an integer 1..65535, got "x"',
    ]);
  });

  it('is deterministic: the same documents in any order give the same state', () => {
    const docs = Array.from({ length: 40 }, (_, i) =>
      doc(
        `f${i % 7}.yaml`,
        i,
        i % 5 === 0 ? '{ apiVersion: v1, kind: Service }' : service(`s${i}`, `ns${i % 3}`),
      ),
    );
    const a = JSON.stringify(parseManifests(docs));
    const b = JSON.stringify(parseManifests([...docs].reverse()));
    expect(a).toBe(b);
  });

  it('parses 10,000 documents', () => {
    const docs: ManifestDocument[] = [];
    for (let i = 0; i < 10_000; i++) {
      const value = parse(
        i % 2 === 0
          ? service(`s${i}`, `ns${i % 50}`)
          : `{ apiVersion: discovery.k8s.io/v1, kind: EndpointSlice, metadata: { name: s${i}-x, namespace: ns${i % 50}, labels: { kubernetes.io/service-name: s${i - 1} } }, addressType: IPv4, ports: [{ name: "", port: 80 }], endpoints: [{ addresses: [10.0.${i % 250}.${i % 200}], conditions: { ready: true }, targetRef: { kind: Pod, name: p${i} } }] }`,
      );
      docs.push({ origin: `f${i % 100}.yaml`, documentIndex: i, value });
    }
    const started = performance.now();
    const state = parseManifests(docs);
    // Reported, not asserted: timing assertions are flaky on shared CI machines.
    console.info(`parseManifests: 10,000 documents in ${Math.round(performance.now() - started)} ms`);
    expect(state.issues).toEqual([]);
    expect(state.mesh.services).toHaveLength(5000);
    expect(state.mesh.endpointSlices).toHaveLength(5000);
  });
});
