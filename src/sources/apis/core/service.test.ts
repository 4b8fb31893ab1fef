import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatIssue } from '../../../model/issue.js';
import type { ManifestDocument } from '../manifest.js';
import { parseService } from './service.js';

const opts = { clusterDomain: 'cluster.local' };

function doc(text: string): ManifestDocument {
  return { origin: 'svc.yaml', documentIndex: 1, value: parse(text) };
}

function messages(text: string): string[] {
  return parseService(doc(text), opts).issues.map(formatIssue);
}

describe('parseService', () => {
  it('reads a ClusterIP service with a selector', () => {
    const parsed = parseService(
      doc(`
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop, labels: { app: web } }
spec:
  type: ClusterIP
  clusterIP: 10.96.0.10
  selector: { app: web }
  ports:
    - { port: 80, targetPort: 8080 }
`),
      opts,
    );
    expect(parsed.issues).toEqual([]);
    expect(parsed.value).toEqual({
      namespace: 'shop',
      name: 'web',
      hostname: 'web.shop.svc.cluster.local',
      clusterIP: '10.96.0.10',
      ports: [{ name: '', port: 80, transport: 'TCP', protocol: 'TCP', targetPort: 8080 }],
      selector: { app: 'web' },
    });
  });

  it('reads a headless service, from clusterIP or clusterIPs, with no ports', () => {
    for (const spec of ['clusterIP: None', 'clusterIPs: [None]']) {
      const parsed = parseService(
        doc(
          `{ apiVersion: v1, kind: Service, metadata: { name: db }, spec: { ${spec}, selector: { app: db } } }`,
        ),
        opts,
      );
      expect(parsed.issues).toEqual([]);
      expect(parsed.value).toEqual({
        namespace: 'default',
        name: 'db',
        hostname: 'db.default.svc.cluster.local',
        ports: [],
        selector: { app: 'db' },
      });
    }
  });

  it('reads several named ports with protocols, appProtocol, and named or defaulted targetPorts', () => {
    const parsed = parseService(
      doc(`
apiVersion: v1
kind: Service
metadata: { name: api }
spec:
  clusterIPs: [fd00::10]
  ports:
    - { name: http-web, port: 80, targetPort: web }
    - { name: api, port: 9090, appProtocol: grpc }
    - { name: metrics, port: 9102, protocol: UDP, targetPort: 0 }
    - { name: http2, port: 8443, appProtocol: kubernetes.io/h2c, targetPort: "" }
`),
      opts,
    );
    expect(parsed.issues).toEqual([]);
    expect(parsed.value?.clusterIP).toBe('fd00::10');
    expect(parsed.value?.selector).toBeUndefined();
    expect(parsed.value?.ports).toEqual([
      { name: 'http-web', port: 80, transport: 'TCP', protocol: 'HTTP', targetPort: 'web' },
      { name: 'api', port: 9090, transport: 'TCP', protocol: 'GRPC', targetPort: 9090 },
      { name: 'metrics', port: 9102, transport: 'UDP', protocol: 'TCP', targetPort: 9102 },
      { name: 'http2', port: 8443, transport: 'TCP', protocol: 'HTTP2', targetPort: 8443 },
    ]);
  });

  it('ignores unknown fields and treats an empty selector as none', () => {
    const parsed = parseService(
      doc(`
apiVersion: v1
kind: Service
metadata: { name: web, uid: abc, creationTimestamp: null, annotations: { note: hi } }
spec: { clusterIP: 10.0.0.1, selector: {}, sessionAffinity: None, ports: [{ port: 80, nodePort: 30080 }] }
status: { loadBalancer: {} }
`),
      opts,
    );
    expect(parsed.issues).toEqual([]);
    expect(parsed.value?.selector).toBeUndefined();
  });

  it('serves a service with no cluster IP as headless, with a warning', () => {
    const parsed = parseService(
      doc('{ apiVersion: v1, kind: Service, metadata: { name: web }, spec: { ports: [{ port: 80 }] } }'),
      opts,
    );
    expect(parsed.value?.clusterIP).toBeUndefined();
    expect(parsed.issues.map(formatIssue)).toEqual([
      'svc.yaml[doc 1]: Service default/web: spec.clusterIP: not set; the service is served as headless (by endpoint addresses)',
    ]);
    expect(parsed.issues[0]?.severity).toBe('warning');
  });

  it('skips ExternalName services with a warning', () => {
    const parsed = parseService(
      doc(
        '{ apiVersion: v1, kind: Service, metadata: { name: ext }, spec: { type: ExternalName, externalName: a.example } }',
      ),
      opts,
    );
    expect(parsed.value).toBeUndefined();
    expect(parsed.issues.map((i) => [i.severity, formatIssue(i)])).toEqual([
      [
        'warning',
        'svc.yaml[doc 1]: Service default/ext: spec.type: ExternalName services are not supported; the service is skipped',
      ],
    ]);
  });

  it('reports invalid fields with path, reason and the value given', () => {
    const parsed = parseService(
      doc(`
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec:
  clusterIP: 10.0.0.1
  ports:
    - { name: http, port: abc }
    - { name: grpc, port: 70000, protocol: QUIC, targetPort: Not_A_Name }
    - { name: tcp, targetPort: true }
`),
      opts,
    );
    expect(parsed.value).toBeUndefined();
    expect(parsed.issues.map((i) => [i.reason, formatIssue(i)])).toEqual([
      [
        'InvalidType',
        'svc.yaml[doc 1]: Service shop/web: spec.ports[0].port: must be an integer 1..65535, got "abc"',
      ],
      [
        'InvalidValue',
        'svc.yaml[doc 1]: Service shop/web: spec.ports[1].protocol: must be one of TCP, UDP, SCTP, got "QUIC"',
      ],
      [
        'InvalidValue',
        'svc.yaml[doc 1]: Service shop/web: spec.ports[1].port: must be an integer 1..65535, got 70000',
      ],
      [
        'InvalidValue',
        'svc.yaml[doc 1]: Service shop/web: spec.ports[1].targetPort: must be a port number 1..65535 or a port name (at most 15 lowercase letters, digits or "-", with at least one letter), got "Not_A_Name"',
      ],
      ['MissingField', 'svc.yaml[doc 1]: Service shop/web: spec.ports[2].port: is required'],
      [
        'InvalidType',
        'svc.yaml[doc 1]: Service shop/web: spec.ports[2].targetPort: must be a port number 1..65535 or a port name (at most 15 lowercase letters, digits or "-", with at least one letter), got true',
      ],
    ]);
  });

  it('requires a DNS-1035 name and a spec', () => {
    expect(messages('{ apiVersion: v1, kind: Service, metadata: { name: 1web }, spec: {} }')).toEqual([
      'svc.yaml[doc 1]: Service default/1web: metadata.name: must be a DNS-1035 label: at most 63 lowercase letters, digits or "-", starting with a letter and ending with a letter or digit, got "1web"',
    ]);
    expect(messages('{ apiVersion: v1, kind: Service, metadata: { namespace: x } }')).toEqual([
      'svc.yaml[doc 1]: Service x/?: metadata.name: is required',
      'svc.yaml[doc 1]: Service x/?: spec: is required',
    ]);
  });

  it('checks ports against each other', () => {
    expect(
      messages(`
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  clusterIP: 10.0.0.1
  ports: [{ name: http, port: 80 }, { port: 81 }, { name: http, port: 82 }, { name: other, port: 80 }]
`),
    ).toEqual([
      'svc.yaml[doc 1]: Service default/web: spec.ports[1].name: is required when a service has more than one port',
      'svc.yaml[doc 1]: Service default/web: spec.ports[2].name: "http" is already used by spec.ports[0]',
      'svc.yaml[doc 1]: Service default/web: spec.ports[3].port: 80/TCP is already used by spec.ports[0]',
    ]);
    expect(
      messages('{ apiVersion: v1, kind: Service, metadata: { name: web }, spec: { clusterIP: 10.0.0.1 } }'),
    ).toEqual([
      'svc.yaml[doc 1]: Service default/web: spec.ports: is required: only headless services may have no ports',
    ]);
  });

  it('checks cluster IPs', () => {
    expect(
      messages(
        '{ apiVersion: v1, kind: Service, metadata: { name: web }, spec: { clusterIP: 10.0.0.1, clusterIPs: [10.0.0.2], ports: [{ port: 80 }] } }',
      ),
    ).toEqual([
      'svc.yaml[doc 1]: Service default/web: spec.clusterIPs[0]: must equal spec.clusterIP "10.0.0.1", got "10.0.0.2"',
    ]);
    expect(
      messages(
        '{ apiVersion: v1, kind: Service, metadata: { name: web }, spec: { clusterIP: 10.0.0, ports: [{ port: 80 }] } }',
      ),
    ).toEqual([
      'svc.yaml[doc 1]: Service default/web: spec.clusterIP: must be "None" (headless) or an IP address, got "10.0.0"',
    ]);
    expect(
      messages(
        '{ apiVersion: v1, kind: Service, metadata: { name: web }, spec: { type: NodePort, clusterIP: None, ports: [{ port: 80 }] } }',
      ),
    ).toEqual([
      'svc.yaml[doc 1]: Service default/web: spec.clusterIP: may not be "None" for a NodePort service',
    ]);
  });

  it('validates selector labels', () => {
    expect(
      messages(
        '{ apiVersion: v1, kind: Service, metadata: { name: web }, spec: { clusterIP: None, selector: { app: "has space", "bad key!": x, n: 1 } } }',
      ),
    ).toEqual(['svc.yaml[doc 1]: Service default/web: spec.selector.n: must be a string, got 1']);
    expect(
      messages(
        '{ apiVersion: v1, kind: Service, metadata: { name: web }, spec: { clusterIP: None, selector: { app: "has space", "bad key!": x } } }',
      ),
    ).toEqual([
      'svc.yaml[doc 1]: Service default/web: spec.selector.app: must be a label value: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit, got "has space"',
      'svc.yaml[doc 1]: Service default/web: spec.selector["bad key!"]: label key "bad key!" must be a qualified name: an optional DNS subdomain and "/", then at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
    ]);
  });
});
