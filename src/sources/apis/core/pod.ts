// v1 Pod, lowered to a Workload: its address, labels (for service selectors), service account (its
// identity) and the ports its containers declare (to resolve named targetPorts).
import type { z } from 'zod';
import type { Issue } from '../../../model/issue.js';
import type { ContainerPort, Workload } from '../../../model/mesh.js';
import { reporter } from '../issues.js';
import type { ManifestDocument } from '../manifest.js';
import {
  dns1123Label,
  ianaServiceName,
  ipAddress,
  isDns1123Subdomain,
  list,
  MUST_BE_DNS1123_SUBDOMAIN,
  object,
  objectMeta,
  portNumber,
  string,
  transport,
} from './fields.js';
import { hasErrors, labelsOrEmpty, namespaceOf, type Parsed, resourceRefOf, validate } from './resource.js';

export const DEFAULT_SERVICE_ACCOUNT = 'default';

// "" is Kubernetes' "not set": the admission controller fills in "default".
const serviceAccountName = () =>
  string()
    .refine((value) => value === '' || isDns1123Subdomain(value), { message: MUST_BE_DNS1123_SUBDOMAIN })
    .nullish();

const podSchema = object({
  metadata: objectMeta('dns1123Subdomain'),
  spec: object({
    serviceAccountName: serviceAccountName(),
    /** Deprecated alias of serviceAccountName, still accepted by the API server. */
    serviceAccount: serviceAccountName(),
    containers: list(
      object({
        name: dns1123Label(),
        ports: list(
          object({
            name: ianaServiceName().nullish(),
            containerPort: portNumber(),
            protocol: transport(),
          }),
        ).nullish(),
      }),
    ).min(1, { message: 'must have at least one container' }),
  }),
  status: object({
    podIP: ipAddress().nullish(),
    podIPs: list(object({ ip: ipAddress() })).nullish(),
  }).nullish(),
});

type PodSpec = z.output<typeof podSchema>['spec'];

export function parsePod(doc: ManifestDocument): Parsed<Workload> {
  const report = reporter(doc, resourceRefOf('Pod', doc.value, true));
  const result = validate(podSchema, doc, report);
  if (!result.ok) return { issues: result.issues };
  const { metadata, spec, status } = result.data;

  const issues: Issue[] = [];
  const ports = containerPorts(spec, (path, message) => issues.push(report(path, 'DuplicateValue', message)));
  if (hasErrors(issues)) return { issues };

  const ip = status?.podIP || status?.podIPs?.[0]?.ip;
  return {
    value: {
      namespace: namespaceOf(metadata),
      name: metadata.name,
      ...(ip ? { ip } : {}),
      labels: labelsOrEmpty(metadata.labels),
      serviceAccount: spec.serviceAccountName || spec.serviceAccount || DEFAULT_SERVICE_ACCOUNT,
      ports,
    },
    issues,
  };
}

/** All containers' ports, in order; a port name must be unique in the pod, or named targetPorts are ambiguous. */
function containerPorts(spec: PodSpec, duplicate: (path: string, message: string) => void): ContainerPort[] {
  const ports: ContainerPort[] = [];
  const names = new Map<string, string>();
  spec.containers.forEach((container, i) => {
    (container.ports ?? []).forEach((port, j) => {
      const path = `spec.containers[${i}].ports[${j}]`;
      if (port.name) {
        const first = names.get(port.name);
        if (first !== undefined) {
          duplicate(`${path}.name`, `${JSON.stringify(port.name)} is already used by ${first}`);
          return;
        }
        names.set(port.name, path);
      }
      ports.push({
        ...(port.name ? { name: port.name } : {}),
        port: port.containerPort,
        protocol: port.protocol ?? 'TCP',
      });
    });
  });
  return ports;
}
