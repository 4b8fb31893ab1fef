// ReferenceGrant: the owner of a namespace lets routes from another namespace send traffic to its
// Services. Only the grants this family needs are read (from HTTPRoute/GRPCRoute to Service); a grant
// for something else (a Gateway's certificate Secret) is valid and simply not ours.
import type { Issue } from '../../../model/issue.js';
import { list, object, objectMeta } from '../core/fields.js';
import { namespaceOf, resourceRefOf, validate } from '../core/resource.js';
import { reporter } from '../issues.js';
import type { ManifestDocument } from '../manifest.js';
import { unsupportedFields } from '../shared/unsupported-fields.js';
import { GATEWAY_GROUP, group, kind, namespaceName, objectName } from './api-fields.js';
import { FIELD_TREES, gatewayFieldWalk } from './support.js';

const referenceGrantSchema = object({
  metadata: objectMeta('dns1123Subdomain'),
  spec: object({
    from: list(object({ group: group(), kind: kind(), namespace: namespaceName() }))
      .min(1, { message: 'must have at least one item' })
      .max(16, { message: 'must have at most 16 items' }),
    to: list(object({ group: group(), kind: kind(), name: objectName().nullish() }))
      .min(1, { message: 'must have at least one item' })
      .max(16, { message: 'must have at most 16 items' }),
  }),
});

interface Grant {
  /** The namespace the grant lives in: the one whose Services it opens. */
  readonly namespace: string;
  /** `${kind}/${namespace}` of the routes allowed in. */
  readonly from: ReadonlySet<string>;
  /** Service names allowed, or null for every Service of the namespace. */
  readonly services: ReadonlySet<string> | null;
}

export interface ReferenceGrants {
  /** Whether a route of `fromKind` in `fromNamespace` may refer to a Service in another namespace. */
  permits(fromKind: string, fromNamespace: string, service: { namespace: string; name: string }): boolean;
}

export function parseReferenceGrants(docs: readonly ManifestDocument[]): {
  grants: ReferenceGrants;
  issues: Issue[];
} {
  const issues: Issue[] = [];
  const grants: Grant[] = [];
  for (const doc of docs) {
    const report = reporter(doc, resourceRefOf('ReferenceGrant', doc.value, true));
    issues.push(
      ...unsupportedFields(doc.value, FIELD_TREES.ReferenceGrant, gatewayFieldWalk('ReferenceGrant'), report),
    );
    const result = validate(referenceGrantSchema, doc, report);
    if (!result.ok) {
      issues.push(...result.issues);
      continue;
    }
    const { metadata, spec } = result.data;
    const from = spec.from
      .filter((f) => f.group === GATEWAY_GROUP && (f.kind === 'HTTPRoute' || f.kind === 'GRPCRoute'))
      .map((f) => `${f.kind}/${f.namespace}`);
    const to = spec.to.filter((t) => t.group === '' && t.kind === 'Service');
    if (from.length === 0 || to.length === 0) continue;
    grants.push({
      namespace: namespaceOf(metadata),
      from: new Set(from),
      services: to.some((t) => !t.name) ? null : new Set(to.map((t) => t.name as string)),
    });
  }
  return {
    grants: {
      permits: (fromKind, fromNamespace, service) =>
        grants.some(
          (g) =>
            g.namespace === service.namespace &&
            g.from.has(`${fromKind}/${fromNamespace}`) &&
            (g.services === null || g.services.has(service.name)),
        ),
    },
    issues,
  };
}
