// v1 Service: ClusterIP (and NodePort/LoadBalancer, which also have a cluster IP) and headless
// services. ExternalName services are reported as unsupported and skipped.
import { isIP } from 'node:net';
import { z } from 'zod';
import type { Issue } from '../../../model/issue.js';
import type { Service, ServicePort } from '../../../model/mesh.js';
import { type Report, reporter } from '../issues.js';
import type { ManifestDocument } from '../manifest.js';
import {
  isDns1123Label,
  isIanaServiceName,
  isQualifiedName,
  labelMap,
  list,
  MUST_BE_DNS1123_LABEL,
  object,
  objectMeta,
  portNumber,
  string,
  transport,
} from './fields.js';
import { protocolOf } from './protocol.js';
import { hasErrors, isRecord, namespaceOf, type Parsed, resourceRefOf, validate } from './resource.js';

const MUST_BE_TARGET_PORT =
  'must be a port number 1..65535 or a port name (at most 15 lowercase letters, digits or "-", with at least one letter)';

/** targetPort is an IntOrString; 0 and "" are Kubernetes' "not set" (defaulted to the port). */
const targetPort = z.unknown().superRefine((value, ctx) => {
  if (value === undefined || value === null) return;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 65535) {
      ctx.addIssue({ code: 'custom', message: MUST_BE_TARGET_PORT });
    }
  } else if (typeof value === 'string') {
    if (value !== '' && !isIanaServiceName(value))
      ctx.addIssue({ code: 'custom', message: MUST_BE_TARGET_PORT });
  } else {
    ctx.addIssue({ code: 'custom', message: MUST_BE_TARGET_PORT, params: { reason: 'InvalidType' } });
  }
}) as z.ZodType<number | string | null | undefined>;

const clusterIPValue = () =>
  string().refine((value) => value === '' || value === 'None' || isIP(value) !== 0, {
    message: 'must be "None" (headless) or an IP address',
  });

const servicePortSchema = object({
  name: string()
    .refine((value) => value === '' || isDns1123Label(value), { message: MUST_BE_DNS1123_LABEL })
    .nullish(),
  protocol: transport(),
  appProtocol: string()
    .refine(isQualifiedName, { message: 'must be a protocol name such as http, grpc or kubernetes.io/h2c' })
    .nullish(),
  port: portNumber(),
  targetPort: targetPort,
});

const serviceSchema = object({
  metadata: objectMeta('dns1035Label'),
  spec: object({
    type: z
      .enum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'], {
        message: 'must be one of ClusterIP, NodePort, LoadBalancer, ExternalName',
      })
      .nullish(),
    clusterIP: clusterIPValue().nullish(),
    clusterIPs: list(clusterIPValue()).nullish(),
    selector: labelMap().nullish(),
    ports: list(servicePortSchema).nullish(),
  }),
});

type ServiceSpec = z.output<typeof serviceSchema>['spec'];

export interface ServiceParseOptions {
  /** Suffix of service hostnames: name.namespace.svc.<clusterDomain>. */
  readonly clusterDomain: string;
}

export function parseService(doc: ManifestDocument, opts: ServiceParseOptions): Parsed<Service> {
  const report = reporter(doc, resourceRefOf('Service', doc.value, true));
  // Checked before the schema: an ExternalName service legitimately lacks what we require of others.
  if (isExternalName(doc.value)) {
    return {
      issues: [
        report(
          'spec.type',
          'Unsupported',
          'ExternalName services are not supported; the service is skipped',
          'warning',
        ),
      ],
    };
  }
  const result = validate(serviceSchema, doc, report);
  if (!result.ok) return { issues: result.issues };
  const { metadata, spec } = result.data;

  const issues: Issue[] = [];
  const clusterIP = checkClusterIP(spec, report, issues);
  checkPorts(spec, clusterIP === 'None', report, issues);
  if (hasErrors(issues)) return { issues };

  const namespace = namespaceOf(metadata);
  const selector = spec.selector && Object.keys(spec.selector).length > 0 ? { ...spec.selector } : undefined;
  const service: Service = {
    namespace,
    name: metadata.name,
    hostname: `${metadata.name}.${namespace}.svc.${opts.clusterDomain}`,
    ...(clusterIP && clusterIP !== 'None' ? { clusterIP } : {}),
    ports: (spec.ports ?? []).map(toServicePort),
    // An empty selector is not stored by Kubernetes, so it means "no selector", not "every pod".
    ...(selector ? { selector } : {}),
  };
  return { value: service, issues };
}

function isExternalName(value: unknown): boolean {
  return isRecord(value) && isRecord(value.spec) && value.spec.type === 'ExternalName';
}

/** The effective cluster IP: "None" for headless, an address, or undefined when not allocated. */
function checkClusterIP(spec: ServiceSpec, report: Report, issues: Issue[]): string | undefined {
  const single = spec.clusterIP || undefined;
  const first = spec.clusterIPs?.[0] || undefined;
  if (single && first && single !== first) {
    issues.push(
      report(
        'spec.clusterIPs[0]',
        'InvalidValue',
        `must equal spec.clusterIP ${JSON.stringify(single)}, got ${JSON.stringify(first)}`,
      ),
    );
  }
  const clusterIP = single ?? first;
  if (clusterIP === 'None' && (spec.type === 'NodePort' || spec.type === 'LoadBalancer')) {
    issues.push(report('spec.clusterIP', 'InvalidValue', `may not be "None" for a ${spec.type} service`));
  }
  if (clusterIP === undefined) {
    // A manifest written by hand usually has no IP: the API server would allocate one. We have no
    // allocator, so the service is reached through its endpoint addresses, as a headless one is.
    issues.push(
      report(
        'spec.clusterIP',
        'MissingField',
        'not set; the service is served as headless (by endpoint addresses)',
        'warning',
      ),
    );
  }
  return clusterIP;
}

function checkPorts(spec: ServiceSpec, headless: boolean, report: Report, issues: Issue[]): void {
  const ports = spec.ports ?? [];
  if (ports.length === 0 && !headless) {
    issues.push(
      report('spec.ports', 'MissingField', 'is required: only headless services may have no ports'),
    );
  }
  const byName = new Map<string, number>();
  const byPort = new Map<string, number>();
  ports.forEach((port, i) => {
    const name = port.name ?? '';
    if (ports.length > 1 && name === '') {
      issues.push(
        report(`spec.ports[${i}].name`, 'MissingField', 'is required when a service has more than one port'),
      );
    } else if (name !== '') {
      const first = byName.get(name);
      if (first !== undefined) {
        issues.push(
          report(
            `spec.ports[${i}].name`,
            'DuplicateValue',
            `${JSON.stringify(name)} is already used by spec.ports[${first}]`,
          ),
        );
      } else byName.set(name, i);
    }
    const key = `${port.port}/${port.protocol ?? 'TCP'}`;
    const first = byPort.get(key);
    if (first !== undefined) {
      issues.push(
        report(`spec.ports[${i}].port`, 'DuplicateValue', `${key} is already used by spec.ports[${first}]`),
      );
    } else byPort.set(key, i);
  });
}

function toServicePort(port: z.output<typeof servicePortSchema>): ServicePort {
  const target = port.targetPort;
  return {
    name: port.name ?? '',
    port: port.port,
    transport: port.protocol ?? 'TCP',
    protocol: protocolOf(port),
    targetPort: target === undefined || target === null || target === 0 || target === '' ? port.port : target,
  };
}
