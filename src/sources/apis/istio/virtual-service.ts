// VirtualService (networking.istio.io v1, v1beta1, v1alpha3) for mesh traffic: one route
// contribution per host, holding the http and tcp rules in the order written.
import { z } from 'zod';
import type { Issue } from '../../../model/issue.js';
import type { Origin, ServiceRef } from '../../../model/routing.js';
import type { RouteContribution } from '../../../model/routing-fragment.js';
import { list, object, objectMeta, string } from '../core/fields.js';
import { isRecord, namespaceOf, resourceRefOf, validate } from '../core/resource.js';
import { type Report, reporter } from '../issues.js';
import type { ManifestDocument } from '../manifest.js';
import { fieldTree, unsupportedFields } from '../shared/unsupported-fields.js';
import { resolveHost, serviceKey } from './hosts.js';
import { appliesToMesh } from './http-match.js';
import { lowerHttpRule } from './http-route.js';
import type { LoweringScope, SubsetIndex } from './lowering-scope.js';
import { istioFieldWalk, VIRTUAL_SERVICE_SUPPORT } from './support.js';
import { lowerTcpRule } from './tcp-route.js';

const virtualServiceSchema = object({
  metadata: objectMeta('dns1123Subdomain'),
  spec: object({
    hosts: list(string()).nullish(),
    gateways: list(string()).nullish(),
    // Rules are checked one by one, so that a bad one is dropped alone.
    http: list(z.unknown()).nullish(),
    tcp: list(z.unknown()).nullish(),
    tls: list(z.unknown()).nullish(),
  }),
});

export interface IstioContext {
  readonly clusterDomain: string;
  readonly subsets: SubsetIndex;
}

export interface ParsedVirtualService {
  readonly routes: readonly RouteContribution[];
  readonly issues: readonly Issue[];
}

export function parseVirtualService(doc: ManifestDocument, ctx: IstioContext): ParsedVirtualService {
  const report = reporter(doc, resourceRefOf('VirtualService', doc.value, true));
  const result = validate(virtualServiceSchema, doc, report);
  if (!result.ok) return { routes: [], issues: result.issues };
  const { metadata, spec } = result.data;
  const namespace = namespaceOf(metadata);
  const origin: Origin = { kind: 'VirtualService', namespace, name: metadata.name };

  if (!appliesToMesh(spec.gateways)) {
    const warning = report(
      'spec.gateways',
      'UnsupportedValue',
      'names only gateways, and Trellis serves mesh traffic only: the VirtualService is ignored (add "mesh" to apply it to sidecars)',
      'warning',
    );
    return { routes: [], issues: [warning] };
  }
  const issues: Issue[] = [
    ...unsupportedFields(
      doc.value,
      fieldTree(VIRTUAL_SERVICE_SUPPORT),
      istioFieldWalk('VirtualService'),
      report,
    ),
  ];
  spec.gateways?.forEach((gateway, i) => {
    if (gateway === 'mesh') return;
    issues.push(
      report(
        `spec.gateways[${i}]`,
        'UnsupportedValue',
        `gateway ${JSON.stringify(gateway)} is not served (Trellis serves mesh traffic only); the rules apply to sidecars`,
        'warning',
      ),
    );
  });

  const services = resolveHosts(spec.hosts ?? [], namespace, ctx.clusterDomain, report, issues);
  const scope: LoweringScope = {
    origin,
    namespace,
    clusterDomain: ctx.clusterDomain,
    subsets: ctx.subsets,
    report,
    issues,
  };
  const http = (spec.http ?? []).flatMap((rule, i) => lowerHttpRule(rule, i, scope));
  const tcp = (spec.tcp ?? []).flatMap((rule, i) => lowerTcpRule(rule, i, scope));
  if (!spec.http?.length && !spec.tcp?.length && !spec.tls?.length) {
    issues.push(report('spec.http', 'MissingField', 'is required: a VirtualService needs http or tcp rules'));
  }
  // Nothing left to serve: claiming the hosts would only hide their default routes.
  if (http.length === 0 && tcp.length === 0) return { routes: [], issues };

  const createdAt = creationTimestamp(doc.value);
  const routes = services.map(
    (service): RouteContribution => ({
      family: 'istio',
      origin,
      ...(createdAt !== undefined ? { createdAt } : {}),
      service,
      http,
      tcp,
    }),
  );
  return { routes, issues };
}

function resolveHosts(
  hosts: readonly string[],
  namespace: string,
  clusterDomain: string,
  report: Report,
  issues: Issue[],
): ServiceRef[] {
  if (hosts.length === 0) {
    issues.push(
      report(
        'spec.hosts',
        'MissingField',
        'is required: a VirtualService without hosts is a delegate, and delegation is not supported',
      ),
    );
    return [];
  }
  const seen = new Map<string, number>();
  const services: ServiceRef[] = [];
  hosts.forEach((host, i) => {
    const target = resolveHost(host, namespace, clusterDomain);
    if (target.kind === 'unsupported') {
      issues.push(
        report(
          `spec.hosts[${i}]`,
          'UnsupportedValue',
          `${JSON.stringify(host)} ${target.why}; the host is skipped`,
          'warning',
        ),
      );
      return;
    }
    const key = serviceKey(target.service);
    const first = seen.get(key);
    if (first !== undefined) {
      issues.push(
        report(
          `spec.hosts[${i}]`,
          'DuplicateValue',
          `names the same service as spec.hosts[${first}]; it is counted once`,
          'warning',
        ),
      );
      return;
    }
    seen.set(key, i);
    services.push(target.service);
  });
  return services;
}

/** metadata.creationTimestamp when the document has one (objects read from the API server do). */
export function creationTimestamp(value: unknown): string | undefined {
  const metadata = isRecord(value) && isRecord(value.metadata) ? value.metadata : undefined;
  const stamp = metadata?.creationTimestamp;
  return typeof stamp === 'string' && stamp !== '' ? stamp : undefined;
}
