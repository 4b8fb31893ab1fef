// Which Services a route attaches to. In mesh mode (GAMMA) a parentRef with group "" and kind
// Service binds the route to traffic addressed to that Service (one port of it when `port` is set).
// parentRefs to Gateways are for Gateway implementations and are not ours to judge.
import type { Issue } from '../../../model/issue.js';
import type { ServiceRef } from '../../../model/routing.js';
import { object, portNumber } from '../core/fields.js';
import { isRecord } from '../core/resource.js';
import type { Report } from '../issues.js';
import { validateAt } from '../shared/validate-at.js';
import { namespaceName, objectName, sectionName } from './api-fields.js';
import { isServiceParentRef } from './support.js';

const serviceParentRef = object({
  name: objectName(),
  namespace: namespaceName().nullish(),
  port: portNumber().nullish(),
  sectionName: sectionName().nullish(),
});

export interface ServiceParent {
  readonly service: ServiceRef;
  readonly port?: number;
}

export interface ParentRefs {
  /**
   * 'service': at least one Service parentRef; 'other': parentRefs, none to a Service (a Gateway
   * implementation's route); 'none': no parentRefs at all (attached to nothing).
   */
  readonly attachment: 'service' | 'other' | 'none';
  readonly parents: readonly ServiceParent[];
  /** Service parentRefs that cannot be used, named when their name could be read. */
  readonly rejected: readonly { readonly parent?: ServiceParent; readonly why: string }[];
  readonly issues: readonly Issue[];
}

export function serviceParents(spec: unknown, routeNamespace: string, report: Report): ParentRefs {
  const raw = isRecord(spec) ? spec.parentRefs : undefined;
  if (!Array.isArray(raw) || raw.length === 0) {
    return {
      attachment: Array.isArray(raw) || raw == null ? 'none' : 'other',
      parents: [],
      rejected: [],
      issues: [],
    };
  }
  const issues: Issue[] = [];
  const parents: ServiceParent[] = [];
  const rejected: { parent?: ServiceParent; why: string }[] = [];
  const seen = new Map<string, number>();
  raw.forEach((item: unknown, i) => {
    const at = `spec.parentRefs[${i}]`;
    if (!isServiceParentRef(item)) {
      if (isRecord(item) && item.kind === 'Service' && item.group === undefined) {
        issues.push(
          report(
            `${at}.group`,
            'MissingField',
            'is not set, so kind Service means gateway.networking.k8s.io/Service, which does not exist; set group: "" to attach the route to the core Service',
            'warning',
          ),
        );
      }
      return;
    }
    const piece = validateAt(serviceParentRef, item, at, report);
    if (!piece.ok) {
      issues.push(...piece.issues);
      const name = readableString(item, 'name');
      const namespace = readableString(item, 'namespace') ?? routeNamespace;
      const first = piece.issues[0] as Issue;
      rejected.push({
        ...(name ? { parent: { service: { namespace, name } } } : {}),
        why: `${first.fieldPath}: ${first.message}`,
      });
      return;
    }
    const ref = piece.data;
    const parent: ServiceParent = {
      service: { namespace: ref.namespace || routeNamespace, name: ref.name },
      ...(ref.port ? { port: ref.port } : {}),
    };
    const key = `${parent.service.namespace}/${parent.service.name}:${parent.port ?? ''}`;
    const first = seen.get(key);
    if (first !== undefined) {
      issues.push(
        report(at, 'InvalidValue', `repeats spec.parentRefs[${first}]; the route attaches once`, 'warning'),
      );
      return;
    }
    seen.set(key, i);
    parents.push(parent);
  });
  const attachment = parents.length > 0 || rejected.length > 0 ? 'service' : 'other';
  return { attachment, parents, rejected, issues };
}

export function describeParent(parent: ServiceParent): string {
  const { namespace, name } = parent.service;
  return `Service ${namespace}/${name}${parent.port ? ` port ${parent.port}` : ''}`;
}

function readableString(item: unknown, key: string): string | undefined {
  const value = isRecord(item) ? item[key] : undefined;
  return typeof value === 'string' && value !== '' ? value : undefined;
}
