// discovery.k8s.io/v1 EndpointSlice: which addresses back a service, and in what state.
import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';
import type { Issue } from '../../../model/issue.js';
import type { Endpoint, EndpointPort, EndpointSlice } from '../../../model/mesh.js';
import { describeValue, formatPath, reporter } from '../issues.js';
import type { ManifestDocument } from '../manifest.js';
import {
  boolean,
  dns1123Subdomain,
  isDns1123Label,
  isDns1123Subdomain,
  list,
  MUST_BE_DNS1123_LABEL,
  MUST_BE_DNS1123_SUBDOMAIN,
  object,
  objectMeta,
  portNumber,
  string,
  transport,
} from './fields.js';
import { hasErrors, namespaceOf, type Parsed, resourceRefOf, validate } from './resource.js';

/** The label that ties a slice to its service; the EndpointSlice controller always sets it. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

const endpointPortSchema = object({
  name: string()
    .refine((value) => value === '' || isDns1123Label(value), { message: MUST_BE_DNS1123_LABEL })
    .nullish(),
  port: portNumber().nullish(),
  protocol: transport(),
});

const endpointSchema = object({
  addresses: list(string())
    .min(1, { message: 'must have at least one address' })
    .max(100, { message: 'must have at most 100 addresses' }),
  conditions: object({
    ready: boolean().nullish(),
    serving: boolean().nullish(),
    terminating: boolean().nullish(),
  }).nullish(),
  zone: string().nullish(),
  nodeName: dns1123Subdomain().nullish(),
  targetRef: object({
    kind: string(),
    namespace: string().nullish(),
    name: string(),
  }).nullish(),
});

const endpointSliceSchema = object({
  metadata: objectMeta('dns1123Subdomain'),
  addressType: z.enum(['IPv4', 'IPv6', 'FQDN'], { message: 'must be one of IPv4, IPv6, FQDN' }),
  ports: list(endpointPortSchema).nullish(),
  endpoints: list(endpointSchema).nullish(),
});

type AddressType = EndpointSlice['addressType'];

const ADDRESS_CHECKS: Readonly<Record<AddressType, { test: (address: string) => boolean; message: string }>> =
  {
    IPv4: { test: isIPv4, message: 'must be an IPv4 address (addressType is IPv4)' },
    IPv6: { test: isIPv6, message: 'must be an IPv6 address (addressType is IPv6)' },
    FQDN: { test: isDns1123Subdomain, message: `${MUST_BE_DNS1123_SUBDOMAIN} (addressType is FQDN)` },
  };

export function parseEndpointSlice(doc: ManifestDocument): Parsed<EndpointSlice> {
  const report = reporter(doc, resourceRefOf('EndpointSlice', doc.value, true));
  const result = validate(endpointSliceSchema, doc, report);
  if (!result.ok) return { issues: result.issues };
  const { metadata, addressType } = result.data;
  const namespace = namespaceOf(metadata);
  const issues: Issue[] = [];

  const serviceName = metadata.labels?.[SERVICE_NAME_LABEL];
  if (!serviceName) {
    issues.push(
      report(
        formatPath(['metadata', 'labels', SERVICE_NAME_LABEL]),
        'MissingField',
        'is required: it names the service this slice belongs to',
      ),
    );
  }

  const ports: EndpointPort[] = [];
  const portNames = new Map<string, number>();
  (result.data.ports ?? []).forEach((port, i) => {
    const name = port.name ?? '';
    const first = portNames.get(name);
    if (first !== undefined) {
      issues.push(
        report(
          `ports[${i}].name`,
          'DuplicateValue',
          `${JSON.stringify(name)} is already used by ports[${first}]`,
        ),
      );
      return;
    }
    portNames.set(name, i);
    if (port.port === undefined || port.port === null) {
      // Kubernetes reads a missing port as "all ports", which the mesh cannot route; keep the rest.
      issues.push(report(`ports[${i}].port`, 'MissingField', 'not set; this port is ignored', 'warning'));
      return;
    }
    ports.push({ name, port: port.port });
  });

  const check = ADDRESS_CHECKS[addressType];
  const endpoints: Endpoint[] = [];
  (result.data.endpoints ?? []).forEach((endpoint, i) => {
    endpoint.addresses.forEach((address, j) => {
      if (!check.test(address)) {
        issues.push(
          report(
            `endpoints[${i}].addresses[${j}]`,
            'InvalidValue',
            `${check.message}, got ${describeValue(address)}`,
          ),
        );
      }
    });
    const conditions = endpoint.conditions;
    const targetRef = endpoint.targetRef;
    endpoints.push({
      addresses: [...endpoint.addresses],
      // Absent ready/serving mean "unknown", which consumers must read as ready (Kubernetes API docs).
      ready: conditions?.ready ?? true,
      serving: conditions?.serving ?? true,
      terminating: conditions?.terminating ?? false,
      ...(endpoint.zone ? { zone: endpoint.zone } : {}),
      ...(endpoint.nodeName ? { nodeName: endpoint.nodeName } : {}),
      ...(targetRef
        ? {
            targetRef: {
              kind: targetRef.kind,
              namespace: targetRef.namespace || namespace,
              name: targetRef.name,
            },
          }
        : {}),
    });
  });

  if (hasErrors(issues) || !serviceName) return { issues };
  return {
    value: { namespace, name: metadata.name, serviceName, addressType, ports, endpoints },
    issues,
  };
}
