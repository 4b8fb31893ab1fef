import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatIssue } from '../../../model/issue.js';
import type { ManifestDocument } from '../manifest.js';
import { parseEndpointSlice } from './endpoint-slice.js';

function doc(text: string): ManifestDocument {
  return { origin: 'eps.yaml', documentIndex: 0, value: parse(text) };
}

function messages(text: string): string[] {
  return parseEndpointSlice(doc(text)).issues.map(formatIssue);
}

const header = `
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abc12
  namespace: shop
  labels: { kubernetes.io/service-name: web }
`;

describe('parseEndpointSlice', () => {
  it('reads ports, conditions, zone, nodeName and targetRef', () => {
    const parsed = parseEndpointSlice(
      doc(`${header}
addressType: IPv4
ports:
  - { name: http, port: 8080, protocol: TCP }
  - { port: 9090 }
endpoints:
  - addresses: [10.1.0.5]
    conditions: { ready: true, serving: true, terminating: false }
    zone: eu-west-1a
    nodeName: node-1
    targetRef: { kind: Pod, namespace: shop, name: web-1 }
  - addresses: [10.1.0.6]
    conditions: { ready: false, serving: true, terminating: true }
    targetRef: { kind: Pod, name: web-2 }
  - addresses: [10.1.0.7]
`),
    );
    expect(parsed.issues).toEqual([]);
    expect(parsed.value).toEqual({
      namespace: 'shop',
      name: 'web-abc12',
      serviceName: 'web',
      addressType: 'IPv4',
      ports: [
        { name: 'http', port: 8080 },
        { name: '', port: 9090 },
      ],
      endpoints: [
        {
          addresses: ['10.1.0.5'],
          ready: true,
          serving: true,
          terminating: false,
          zone: 'eu-west-1a',
          nodeName: 'node-1',
          targetRef: { kind: 'Pod', namespace: 'shop', name: 'web-1' },
        },
        {
          addresses: ['10.1.0.6'],
          ready: false,
          serving: true,
          terminating: true,
          targetRef: { kind: 'Pod', namespace: 'shop', name: 'web-2' },
        },
        // Absent conditions: ready and serving are true, terminating is false.
        { addresses: ['10.1.0.7'], ready: true, serving: true, terminating: false },
      ],
    });
  });

  it('reads IPv6 and FQDN slices, and a slice with no endpoints', () => {
    expect(
      parseEndpointSlice(doc(`${header}\naddressType: IPv6\nendpoints: [{ addresses: ["fd00::1"] }]`)).issues,
    ).toEqual([]);
    expect(
      parseEndpointSlice(doc(`${header}\naddressType: FQDN\nendpoints: [{ addresses: [db.example.com] }]`))
        .issues,
    ).toEqual([]);
    expect(parseEndpointSlice(doc(`${header}\naddressType: IPv4\nendpoints:`)).value?.endpoints).toEqual([]);
  });

  it('requires the service-name label and addressType', () => {
    expect(
      messages(
        '{ apiVersion: discovery.k8s.io/v1, kind: EndpointSlice, metadata: { name: web-1 }, addressType: IPv4 }',
      ),
    ).toEqual([
      'eps.yaml[doc 0]: EndpointSlice default/web-1: metadata.labels["kubernetes.io/service-name"]: is required: it names the service this slice belongs to',
    ]);
    expect(messages(header)).toEqual([
      'eps.yaml[doc 0]: EndpointSlice shop/web-abc12: addressType: is required',
    ]);
    expect(messages(`${header}\naddressType: IP`)).toEqual([
      'eps.yaml[doc 0]: EndpointSlice shop/web-abc12: addressType: must be one of IPv4, IPv6, FQDN, got "IP"',
    ]);
  });

  it('checks addresses against the addressType', () => {
    expect(
      messages(`${header}
addressType: IPv4
endpoints:
  - addresses: [10.1.0.5, "fd00::1"]
  - addresses: []
  - addresses: [10.1.0.300]
    conditions: { ready: "yes" }
`),
    ).toEqual([
      'eps.yaml[doc 0]: EndpointSlice shop/web-abc12: endpoints[1].addresses: must have at least one address, got an empty list',
      'eps.yaml[doc 0]: EndpointSlice shop/web-abc12: endpoints[2].conditions.ready: must be true or false, got "yes"',
    ]);
    expect(
      messages(`${header}
addressType: IPv4
endpoints: [{ addresses: [10.1.0.5, "fd00::1"] }, { addresses: [10.1.0.300] }]
`),
    ).toEqual([
      'eps.yaml[doc 0]: EndpointSlice shop/web-abc12: endpoints[0].addresses[1]: must be an IPv4 address (addressType is IPv4), got "fd00::1"',
      'eps.yaml[doc 0]: EndpointSlice shop/web-abc12: endpoints[1].addresses[0]: must be an IPv4 address (addressType is IPv4), got "10.1.0.300"',
    ]);
    expect(messages(`${header}\naddressType: FQDN\nendpoints: [{ addresses: [Not_A_Host] }]`)).toEqual([
      'eps.yaml[doc 0]: EndpointSlice shop/web-abc12: endpoints[0].addresses[0]: must be a DNS-1123 subdomain: at most 253 lowercase letters, digits, "-" or ".", each dot-separated part starting and ending with a letter or digit (addressType is FQDN), got "Not_A_Host"',
    ]);
  });

  it('quotes at most 60 characters of a bad address, however long', () => {
    const parsed = parseEndpointSlice({
      origin: 'eps.yaml',
      documentIndex: 0,
      value: {
        ...parse(header),
        addressType: 'IPv4',
        endpoints: [{ addresses: ['1'.repeat(100_000)] }],
      },
    });
    expect(parsed.issues.map(formatIssue)).toEqual([
      `eps.yaml[doc 0]: EndpointSlice shop/web-abc12: endpoints[0].addresses[0]: must be an IPv4 address (addressType is IPv4), got "${'1'.repeat(60)}…"`,
    ]);
  });

  it('checks ports, nodeName and targetRef', () => {
    expect(
      messages(`${header}
addressType: IPv4
ports: [{ name: http, port: 0 }, { name: http, port: 81 }]
endpoints: [{ addresses: [10.0.0.1], nodeName: Node_1, targetRef: { kind: Pod } }]
`),
    ).toEqual([
      'eps.yaml[doc 0]: EndpointSlice shop/web-abc12: ports[0].port: must be an integer 1..65535, got 0',
      'eps.yaml[doc 0]: EndpointSlice shop/web-abc12: endpoints[0].nodeName: must be a DNS-1123 subdomain: at most 253 lowercase letters, digits, "-" or ".", each dot-separated part starting and ending with a letter or digit, got "Node_1"',
      'eps.yaml[doc 0]: EndpointSlice shop/web-abc12: endpoints[0].targetRef.name: is required',
    ]);
    expect(
      messages(`${header}\naddressType: IPv4\nports: [{ name: http, port: 80 }, { name: http, port: 81 }]`),
    ).toEqual([
      'eps.yaml[doc 0]: EndpointSlice shop/web-abc12: ports[1].name: "http" is already used by ports[0]',
    ]);
  });

  it('keeps a slice whose port has no number, ignoring that port with a warning', () => {
    const parsed = parseEndpointSlice(
      doc(`${header}\naddressType: IPv4\nports: [{ name: http }, { name: grpc, port: 9090 }]`),
    );
    expect(parsed.value?.ports).toEqual([{ name: 'grpc', port: 9090 }]);
    expect(parsed.issues.map((i) => [i.severity, formatIssue(i)])).toEqual([
      [
        'warning',
        'eps.yaml[doc 0]: EndpointSlice shop/web-abc12: ports[0].port: not set; this port is ignored',
      ],
    ]);
  });
});
