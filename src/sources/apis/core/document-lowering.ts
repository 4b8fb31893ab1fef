// What one manifest document contributes to the model, on its own: the resource it defines (a core
// kind's model value, or a routing document for its family to read), its issues, or that its kind
// is not read. A document's contribution depends on nothing but the document and the cluster domain,
// so it is kept with the document: a source hands over the same document objects change after
// change, and each is looked at once.
import type { Issue, ResourceRef } from '../../../model/issue.js';
import type { EndpointSlice, Namespace, Service, Workload } from '../../../model/mesh.js';
import { ROUTING_FAMILIES } from '../families.js';
import { compareStrings, describeValue, naturalCompare, reporter } from '../issues.js';
import type { ManifestDocument } from '../manifest.js';
import type { RoutingFamilyParser } from '../routing-family.js';
import { parseEndpointSlice } from './endpoint-slice.js';
import { parseNamespace } from './namespace.js';
import { parsePod } from './pod.js';
import { isRecord, type Parsed, resourceRefOf } from './resource.js';
import { parseService } from './service.js';

export type Resource =
  | { readonly kind: 'Namespace'; readonly value: Namespace }
  | { readonly kind: 'Service'; readonly value: Service }
  | { readonly kind: 'EndpointSlice'; readonly value: EndpointSlice }
  | { readonly kind: 'Pod'; readonly value: Workload };

/** A resource a document defines; several documents may define the same one (`key`). */
export interface Claim {
  /** Resource identity: kind/namespace/name, with the API group first for routing kinds. */
  readonly key: string;
  /** The kind as issues name it. */
  readonly kind: string;
  readonly ref: ResourceRef;
  /** The core resource it is, when of a core kind. */
  readonly resource?: Resource;
  /** The routing family that reads it, when of a routing kind. */
  readonly family?: RoutingFamilyParser;
}

export interface DocumentLowering {
  readonly issues: readonly Issue[];
  readonly claim?: Claim;
  /** Set when the document is of a kind trellis does not read. */
  readonly ignored?: { readonly kind: string; readonly apiVersion: string };
}

interface KindParser {
  readonly apiVersion: string;
  readonly namespaced: boolean;
  readonly parse: (doc: ManifestDocument, clusterDomain: string) => Parsed<Resource>;
}

const lift =
  <K extends Resource['kind'], T>(
    kind: K,
    parse: (doc: ManifestDocument, opts: { clusterDomain: string }) => Parsed<T>,
  ) =>
  (doc: ManifestDocument, clusterDomain: string): Parsed<Resource> => {
    const parsed = parse(doc, { clusterDomain });
    return parsed.value === undefined
      ? { issues: parsed.issues }
      : { value: { kind, value: parsed.value } as Resource, issues: parsed.issues };
  };

// A Map, not an object literal: a document's kind must not find "constructor" on a prototype.
const KINDS: ReadonlyMap<string, KindParser> = new Map<string, KindParser>([
  ['Namespace', { apiVersion: 'v1', namespaced: false, parse: lift('Namespace', parseNamespace) }],
  ['Service', { apiVersion: 'v1', namespaced: true, parse: lift('Service', parseService) }],
  ['Pod', { apiVersion: 'v1', namespaced: true, parse: lift('Pod', parsePod) }],
  [
    'EndpointSlice',
    { apiVersion: 'discovery.k8s.io/v1', namespaced: true, parse: lift('EndpointSlice', parseEndpointSlice) },
  ],
  // Read, and nothing kept: the model has no place for a ServiceAccount. A workload's identity is the
  // account its Pod names (spec.serviceAccountName), whether or not the account object is present, so
  // nothing in src/model/ reads the object, and it is accepted with no issue and no log line. The
  // Kubernetes source watches the kind (trimmed to its identity) for when something does.
  ['ServiceAccount', { apiVersion: 'v1', namespaced: true, parse: () => ({ issues: [] }) }],
]);

/** Routing kinds by group and kind; their documents go to their family's parser together. */
const ROUTING_KINDS: ReadonlyMap<string, { family: RoutingFamilyParser; versions: readonly string[] }> =
  new Map(
    ROUTING_FAMILIES.flatMap((family) =>
      family.kinds.map((k) => [`${k.group}\u0000${k.kind}`, { family, versions: k.versions }] as const),
    ),
  );

const lowered = new WeakMap<
  ManifestDocument,
  { readonly clusterDomain: string; readonly lowering: DocumentLowering }
>();

/** What `doc` contributes, found again when the same document object was lowered before. */
export function lowerDocument(doc: ManifestDocument, clusterDomain: string): DocumentLowering {
  const known = lowered.get(doc);
  if (known?.clusterDomain === clusterDomain) return known.lowering;
  const lowering = lowerFresh(doc, clusterDomain);
  lowered.set(doc, { clusterDomain, lowering });
  return lowering;
}

function lowerFresh(doc: ManifestDocument, clusterDomain: string): DocumentLowering {
  const issues: Issue[] = [];
  const routing = routingKindOf(doc, issues);
  if (routing === null) return { issues };
  if (routing) {
    const ref = resourceRefOf(routing.kind, doc.value, true);
    return {
      issues,
      claim: {
        key: `${routing.group}/${routing.kind}/${ref.namespace}/${ref.name}`,
        kind: routing.kind,
        ref,
        family: routing.family,
      },
    };
  }
  const found = dispatch(doc, issues);
  if (!found) return { issues };
  if ('ignored' in found) return { issues, ignored: found.ignored };
  const kindParser = found.parser;
  const parsed = kindParser.parse(doc, clusterDomain);
  issues.push(...parsed.issues);
  const resource = parsed.value;
  if (!resource) return { issues };
  const namespace = 'namespace' in resource.value ? resource.value.namespace : '';
  return {
    issues,
    claim: {
      key: `${resource.kind}/${namespace}/${resource.value.name}`,
      kind: resource.kind,
      ref: resourceRefOf(resource.kind, doc.value, kindParser.namespaced),
      resource,
    },
  };
}

/** The API group of an apiVersion: "" for the core group ("v1"), else what precedes the "/". */
function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * Finds the parser for a document, or reports why there is none. Unknown kinds are not an error:
 * a manifest directory commonly holds Deployments and ConfigMaps too.
 */
function dispatch(
  doc: ManifestDocument,
  issues: Issue[],
): { parser: KindParser } | { ignored: { kind: string; apiVersion: string } } | undefined {
  const value = doc.value;
  if (!isRecord(value)) {
    issues.push(
      reporter(doc)(
        '',
        'InvalidType',
        `must be a mapping with apiVersion, kind and metadata, got ${describeValue(value)}`,
      ),
    );
    return undefined;
  }
  const { kind, apiVersion } = value;
  if (typeof kind !== 'string' || kind === '') {
    issues.push(...headerIssue(doc, 'kind', kind));
    if (typeof apiVersion !== 'string' || apiVersion === '')
      issues.push(...headerIssue(doc, 'apiVersion', apiVersion));
    return undefined;
  }
  const kindParser = KINDS.get(kind);
  const ref = resourceRefOf(kind, value, kindParser?.namespaced);
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    issues.push(...headerIssue(doc, 'apiVersion', apiVersion, ref));
    return undefined;
  }
  // Same kind name in another API group (a Knative Service, say) is another kind: not ours to read.
  if (!kindParser || groupOf(apiVersion) !== groupOf(kindParser.apiVersion))
    return { ignored: { kind, apiVersion } };
  if (apiVersion !== kindParser.apiVersion) {
    issues.push(
      reporter(doc, ref)(
        'apiVersion',
        'UnsupportedAPIVersion',
        `${kind} is read only as apiVersion ${JSON.stringify(kindParser.apiVersion)}, got ${describeValue(apiVersion)}`,
      ),
    );
    return undefined;
  }
  return { parser: kindParser };
}

/**
 * The routing family a document belongs to, undefined when it is not a routing kind, or null when
 * it is one in a version we do not read (reported).
 */
function routingKindOf(
  doc: ManifestDocument,
  issues: Issue[],
): { family: RoutingFamilyParser; group: string; kind: string } | undefined | null {
  const value = doc.value;
  if (!isRecord(value) || typeof value.kind !== 'string' || typeof value.apiVersion !== 'string')
    return undefined;
  const { kind, apiVersion } = value;
  const group = groupOf(apiVersion);
  const entry = ROUTING_KINDS.get(`${group}\u0000${kind}`);
  if (!entry) return undefined;
  const version = apiVersion.slice(apiVersion.indexOf('/') + 1);
  if (!entry.versions.includes(version)) {
    issues.push(
      reporter(doc, resourceRefOf(kind, value, true))(
        'apiVersion',
        'UnsupportedAPIVersion',
        `${kind} is read as ${entry.versions.map((v) => JSON.stringify(`${group}/${v}`)).join(', ')}, got ${describeValue(apiVersion)}`,
      ),
    );
    return null;
  }
  return { family: entry.family, group, kind };
}

function headerIssue(
  doc: ManifestDocument,
  field: 'kind' | 'apiVersion',
  value: unknown,
  ref?: ResourceRef,
): Issue[] {
  const report = reporter(doc, ref);
  if (value === undefined || value === null || value === '')
    return [report(field, 'MissingField', 'is required')];
  return [report(field, 'InvalidType', `must be a string, got ${describeValue(value)}`)];
}

/** file[doc N] or file[doc N].items[M]: how a person finds a document again. */
export function locationOf(doc: ManifestDocument): string {
  const where = `${doc.origin}[doc ${doc.documentIndex}]`;
  return doc.pathPrefix ? `${where}.${doc.pathPrefix}` : where;
}

/** Path order: origin, then document, then List item. */
export function compareDocuments(a: ManifestDocument, b: ManifestDocument): number {
  return (
    compareStrings(a.origin, b.origin) ||
    a.documentIndex - b.documentIndex ||
    naturalCompare(a.pathPrefix ?? '', b.pathPrefix ?? '')
  );
}
