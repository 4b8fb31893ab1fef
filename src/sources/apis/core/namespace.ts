// v1 Namespace: cluster-scoped, so it has no namespace of its own; a metadata.namespace is ignored,
// as kubectl does for cluster-scoped objects.
import type { Namespace } from '../../../model/mesh.js';
import { reporter } from '../issues.js';
import type { ManifestDocument } from '../manifest.js';
import { object, objectMeta } from './fields.js';
import { labelsOrEmpty, type Parsed, resourceRefOf, validate } from './resource.js';

const namespaceSchema = object({ metadata: objectMeta('dns1123Label') });

export function parseNamespace(doc: ManifestDocument): Parsed<Namespace> {
  const report = reporter(doc, resourceRefOf('Namespace', doc.value, false));
  const result = validate(namespaceSchema, doc, report);
  if (!result.ok) return { issues: result.issues };
  const { metadata } = result.data;
  return {
    value: {
      name: metadata.name,
      labels: labelsOrEmpty(metadata.labels),
      annotations: labelsOrEmpty(metadata.annotations),
    },
    issues: [],
  };
}
