// Lowers a set of manifest documents into the model: dispatches each document to its kind's parser,
// settles duplicates (by age when the caller says who was there first, else by path order), and
// sorts everything so the same input always gives the same output.
// Pure apart from logging: no I/O, no clock, no randomness.
import type { Logger } from '../../../log.js';
import type { Issue } from '../../../model/issue.js';
import {
  DEFAULT_CLUSTER_DOMAIN,
  type EndpointSlice,
  type MeshConfig,
  meshConfigOf,
  type Namespace,
  type Service,
  type Workload,
} from '../../../model/mesh.js';
import type { RoutingFragment } from '../../../model/routing-fragment.js';
import type { SourceState } from '../../source.js';
import { ROUTING_FAMILIES } from '../families.js';
import {
  compareStrings,
  describeValue,
  naturalCompare,
  type Report,
  reporter,
  sortIssues,
} from '../issues.js';
import type { ManifestDocument } from '../manifest.js';
import type { RoutingFamilyParser } from '../routing-family.js';
import { parseEndpointSlice } from './endpoint-slice.js';
import { mergeRouting, parseFamily, stableArray } from './lowering-memo.js';
import { parseNamespace } from './namespace.js';
import { parsePod } from './pod.js';
import { isRecord, type Parsed, resourceRefOf } from './resource.js';
import { parseService } from './service.js';

export interface ParseManifestsOptions {
  readonly clusterDomain?: string;
  /** Trust domain and root namespace (--trust-domain, --root-namespace); absent fields take the defaults. */
  readonly meshConfig?: Partial<MeshConfig>;
  /** Receives one info line per unknown kind per call. */
  readonly logger?: Logger;
  /**
   * The `owners` of the previous call: which origin served each resource. Duplicates are settled by
   * age: while that origin still defines the resource, its definition keeps winning, and a newcomer
   * with the same kind, namespace and name elsewhere is rejected. Resources with no owner here (all
   * of them at startup) go to the first definition in path order (origin, then document).
   */
  readonly incumbents?: ReadonlyMap<string, string>;
}

export interface ParsedManifests extends SourceState {
  /** Resource identity → the origin whose definition is served; the next call's `incumbents`. */
  readonly owners: ReadonlyMap<string, string>;
}

interface Options {
  readonly clusterDomain: string;
  readonly rootNamespace: string;
}

type Resource =
  | { readonly kind: 'Namespace'; readonly value: Namespace }
  | { readonly kind: 'Service'; readonly value: Service }
  | { readonly kind: 'EndpointSlice'; readonly value: EndpointSlice }
  | { readonly kind: 'Pod'; readonly value: Workload };

interface KindParser {
  readonly apiVersion: string;
  readonly namespaced: boolean;
  readonly parse: (doc: ManifestDocument, opts: Options) => Parsed<Resource>;
}

const lift =
  <K extends Resource['kind'], T>(kind: K, parse: (doc: ManifestDocument, opts: Options) => Parsed<T>) =>
  (doc: ManifestDocument, opts: Options): Parsed<Resource> => {
    const parsed = parse(doc, opts);
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

// A source hands over every document on every change, most of them the very objects it gave last
// time (the file source keeps the documents of files that did not change). A core document's parse
// depends on nothing but the document and the cluster domain, so it is kept with the document.
const parsedDocuments = new WeakMap<
  ManifestDocument,
  { readonly clusterDomain: string; readonly parsed: Parsed<Resource> }
>();

function parseOnce(kindParser: KindParser, doc: ManifestDocument, options: Options): Parsed<Resource> {
  const known = parsedDocuments.get(doc);
  if (known?.clusterDomain === options.clusterDomain) return known.parsed;
  const parsed = kindParser.parse(doc, options);
  parsedDocuments.set(doc, { clusterDomain: options.clusterDomain, parsed });
  return parsed;
}

/** Routing kinds by group and kind; their documents go to their family's parser together. */
const ROUTING_KINDS: ReadonlyMap<string, { family: RoutingFamilyParser; versions: readonly string[] }> =
  new Map(
    ROUTING_FAMILIES.flatMap((family) =>
      family.kinds.map((k) => [`${k.group}\u0000${k.kind}`, { family, versions: k.versions }] as const),
    ),
  );

/** The API group of an apiVersion: "" for the core group ("v1"), else what precedes the "/". */
function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

interface Ignored {
  readonly kind: string;
  readonly apiVersion: string;
  count: number;
  readonly first: string;
}

export function parseManifests(
  docs: readonly ManifestDocument[],
  opts: ParseManifestsOptions = {},
): ParsedManifests {
  const config = opts.meshConfig ? { ...meshConfigOf({}), ...definedFields(opts.meshConfig) } : undefined;
  const options: Options = {
    clusterDomain: opts.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
    rootNamespace: meshConfigOf({ config }).rootNamespace,
  };
  const issues: Issue[] = [];
  const ignored = new Map<string, Ignored>();
  const namespaces: Namespace[] = [];
  const services: Service[] = [];
  const endpointSlices: EndpointSlice[] = [];
  const workloads: Workload[] = [];

  const familyDocs = new Map<RoutingFamilyParser, ManifestDocument[]>();

  // Every definition of each resource identity (kind/namespace/name), in path order, whatever order
  // the caller passed the documents in; duplicates are settled once all are known.
  const definitions = new Map<string, Definition[]>();
  const defined: Definition[] = [];
  const define = (definition: Definition): void => {
    defined.push(definition);
    const list = definitions.get(definition.key);
    if (list) list.push(definition);
    else definitions.set(definition.key, [definition]);
  };
  for (const doc of [...docs].sort(compareDocuments)) {
    const routing = routingKindOf(doc, issues);
    if (routing === null) continue;
    if (routing) {
      const ref = resourceRefOf(routing.kind, doc.value, true);
      const key = `${routing.group}/${routing.kind}/${ref.namespace}/${ref.name}`;
      define({
        key,
        kind: routing.kind,
        doc,
        report: reporter(doc, ref),
        add: () => addTo(familyDocs, routing.family, doc),
      });
      continue;
    }
    const kindParser = dispatch(doc, issues, ignored);
    if (!kindParser) continue;
    const parsed = parseOnce(kindParser, doc, options);
    issues.push(...parsed.issues);
    const resource = parsed.value;
    if (!resource) continue;

    const namespace = 'namespace' in resource.value ? resource.value.namespace : '';
    define({
      key: `${resource.kind}/${namespace}/${resource.value.name}`,
      kind: resource.kind,
      doc,
      report: reporter(doc, resourceRefOf(resource.kind, doc.value, kindParser.namespaced)),
      add: () => {
        if (resource.kind === 'Namespace') namespaces.push(resource.value);
        else if (resource.kind === 'Service') services.push(resource.value);
        else if (resource.kind === 'EndpointSlice') endpointSlices.push(resource.value);
        else workloads.push(resource.value);
      },
    });
  }

  const owners = new Map<string, string>();
  const winners = new Set<Definition>();
  for (const [key, list] of definitions) {
    const incumbent = opts.incumbents?.get(key);
    const kept = list.find((d) => d.doc.origin === incumbent);
    const winner = kept ?? list[0]!;
    winners.add(winner);
    owners.set(key, winner.doc.origin);
    for (const loser of list) {
      if (loser === winner) continue;
      const message =
        kept && loser.doc.origin !== kept.doc.origin
          ? `duplicates the ${loser.kind} served from ${locationOf(winner.doc)}, which was there first; this newer definition is not served`
          : `duplicates the ${loser.kind} defined at ${locationOf(winner.doc)}; that first definition is used`;
      issues.push(loser.report('metadata.name', 'DuplicateResource', message));
    }
  }
  for (const definition of defined) if (winners.has(definition)) definition.add();

  logIgnored(ignored, opts.logger);
  // Memoised on their inputs (lowering-memo.ts): after a small change, only what it touched is
  // lowered again, and the arrays that did not change are the same objects as last time.
  const core = {
    namespaces: stableArray(
      'namespaces',
      namespaces.sort((a, b) => compareStrings(a.name, b.name)),
    ),
    services: stableArray('services', services.sort(compareNamespaced)),
    endpointSlices: stableArray('endpointSlices', endpointSlices.sort(compareNamespaced)),
    workloads: stableArray('workloads', workloads.sort(compareNamespaced)),
  };
  const fragments: RoutingFragment[] = [];
  for (const family of ROUTING_FAMILIES) {
    const parsed = parseFamily(family, familyDocs.get(family) ?? [], options);
    fragments.push(parsed.fragment);
    issues.push(...parsed.issues);
  }
  const built = mergeRouting(core, fragments);
  return {
    mesh: { ...core, routing: built.routing, ...(config ? { config } : {}) },
    issues: sortIssues(issues),
    statuses: built.statuses,
    owners,
  };
}

function definedFields(config: Partial<MeshConfig>): Partial<MeshConfig> {
  return Object.fromEntries(Object.entries(config).filter(([, value]) => value !== undefined));
}

/** One definition of a resource identity; `add` puts it in the mesh, for the one that is served. */
interface Definition {
  readonly key: string;
  readonly kind: string;
  readonly doc: ManifestDocument;
  readonly report: Report;
  readonly add: () => void;
}

function addTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Finds the parser for a document, or reports why there is none. Unknown kinds are not an error:
 * a manifest directory commonly holds Deployments and ConfigMaps too.
 */
function dispatch(
  doc: ManifestDocument,
  issues: Issue[],
  ignored: Map<string, Ignored>,
): KindParser | undefined {
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
  if (!kindParser || groupOf(apiVersion) !== groupOf(kindParser.apiVersion)) {
    const key = `${apiVersion}\u0000${kind}`;
    const seen = ignored.get(key);
    if (seen) seen.count++;
    else ignored.set(key, { kind, apiVersion, count: 1, first: locationOf(doc) });
    return undefined;
  }
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
  return kindParser;
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
  ref?: ReturnType<typeof resourceRefOf>,
): Issue[] {
  const report = reporter(doc, ref);
  if (value === undefined || value === null || value === '')
    return [report(field, 'MissingField', 'is required')];
  return [report(field, 'InvalidType', `must be a string, got ${describeValue(value)}`)];
}

function logIgnored(ignored: ReadonlyMap<string, Ignored>, logger: Logger | undefined): void {
  if (!logger) return;
  const entries = [...ignored.values()].sort(
    (a, b) => compareStrings(a.kind, b.kind) || compareStrings(a.apiVersion, b.apiVersion),
  );
  for (const { kind, apiVersion, count, first } of entries) {
    logger.info(
      { kind, apiVersion, documents: count, first },
      `ignoring ${count} ${apiVersion} ${kind} document(s): trellis does not read this kind`,
    );
  }
}

/** file[doc N] or file[doc N].items[M]: how a person finds a document again. */
function locationOf(doc: ManifestDocument): string {
  const where = `${doc.origin}[doc ${doc.documentIndex}]`;
  return doc.pathPrefix ? `${where}.${doc.pathPrefix}` : where;
}

function compareDocuments(a: ManifestDocument, b: ManifestDocument): number {
  return (
    compareStrings(a.origin, b.origin) ||
    a.documentIndex - b.documentIndex ||
    naturalCompare(a.pathPrefix ?? '', b.pathPrefix ?? '')
  );
}

function compareNamespaced(
  a: { readonly namespace: string; readonly name: string },
  b: { readonly namespace: string; readonly name: string },
): number {
  return compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name);
}
