// Keeps the lowering of a set of manifest documents up to date as origins (files, Kubernetes
// objects) change, at a cost in proportion to the documents of the origins that changed: each
// resource identity's definitions and the one served, each kind's served resources in model order,
// each routing family's documents, the issues in SourceState order, the unknown kinds. parseManifests
// is this on a new index; a source's StateBuilder keeps one from change to change.
//
// What is not in proportion to the change, and why:
// - finding what changed: the caller hands over everything, and what is the same object as last
//   time is passed over: one comparison of references per origin by lowerOrigins (what StateBuilder
//   uses), per document by lower() (parseManifests' signature, which a test's throwing lowering
//   wraps); about 0.1 ms and 1.5 ms at 14,000 objects, against 50 ms for lowering them all;
// - a changed core array, family document list or issue list is a new array (the previous one is
//   part of the previous state, which must not change): a copy of references and, for a core
//   array, a look among recent arrays for one with the same elements (stableArray), but no sort.
//   An array with no change is the previous object, so what is keyed on it downstream (the merge
//   step, content hashes) is found again;
// - the first document of an unknown kind, for its log line, is looked for again among that kind's
//   documents when the one it was goes;
// - a routing family with a changed document is parsed again whole (its resources refer to each
//   other), and the merge step runs again when anything but an endpoint slice changed.
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
import { ROUTING_FAMILIES } from '../families.js';
import { compareIssues, compareStrings, reporter } from '../issues.js';
import type { ManifestDocument } from '../manifest.js';
import type { RoutingFamilyParser } from '../routing-family.js';
import {
  type Claim,
  compareDocuments,
  type DocumentLowering,
  locationOf,
  lowerDocument,
} from './document-lowering.js';
import { mergeRouting, parseFamily, stableArray } from './lowering-memo.js';
import type { ParsedManifests, ParseManifestsOptions } from './parse-manifests.js';

/** Counts the index's work, for a test to show that a change costs its own size. */
export interface IndexCounter {
  /** Documents whose contribution was taken out of the index or put in. */
  documents: number;
  /** Resource identities whose served definition was settled again. */
  keys: number;
}

/** One document as held: what it contributes, and its definition when it defines a resource. */
interface Held {
  readonly doc: ManifestDocument;
  readonly lowering: DocumentLowering;
  readonly definition: Definition | undefined;
}

interface Origin {
  /** The documents as handed over, to recognise them next time. */
  readonly given: readonly ManifestDocument[];
  /** The same, in path order. */
  readonly held: readonly Held[];
  /** The call that last handed this origin over. */
  seen: number;
}

interface Definition extends Claim {
  readonly doc: ManifestDocument;
}

interface Identity {
  /** Every definition, in path order. */
  readonly definitions: Definition[];
  served: Definition | undefined;
  /** The issues about the definitions not served. */
  duplicates: readonly { readonly doc: ManifestDocument; readonly issue: Issue }[];
}

interface Family {
  readonly parser: RoutingFamilyParser;
  readonly docs: SortedList<ManifestDocument>;
  parsedFor: readonly ManifestDocument[] | undefined;
  fragment: RoutingFragment;
  issuesByOrigin: ReadonlyMap<string, readonly Issue[]>;
}

interface Ignored {
  readonly kind: string;
  readonly apiVersion: string;
  readonly docs: Set<ManifestDocument>;
  /** The first in path order; undefined when it must be looked for again. */
  first: ManifestDocument | undefined;
}

interface Settings {
  readonly clusterDomain: string;
  readonly rootNamespace: string;
  readonly config: MeshConfig | undefined;
}

const NONE: readonly never[] = [];

/** One origin's documents, as a ManifestIndex holds them (OriginVersion). */
export interface OriginDocuments {
  readonly origin: string;
  readonly documents: readonly ManifestDocument[];
}

export interface DefinitionsIndexOptions {
  /**
   * Who served each resource before the first lowering (see ParseManifestsOptions.incumbents); later,
   * who served it at the last commit().
   */
  readonly incumbents?: ReadonlyMap<string, string>;
  readonly counter?: IndexCounter;
}

export class DefinitionsIndex {
  private settings: Settings | undefined;
  private readonly origins = new Map<string, Origin>();
  private readonly identities = new Map<string, Identity>();
  /** Who serves each resource now: the origin of its served definition. */
  private readonly owners = new Map<string, string>();
  /** Duplicates are settled against this: who served each resource at the last commit. */
  private committed: ReadonlyMap<string, string>;
  private committedIsOwn = false;
  /** Resources whose owner changed since the last commit. */
  private readonly uncommitted = new Set<string>();
  /**
   * Resources committed since the last lowering: the same definition is served, but what is said
   * about the others may change (a duplicate of what was there first, not of the first in order).
   */
  private readonly recommitted = new Set<string>();
  private readonly namespaces = new SortedList<Namespace>(
    (a, b) => compareStrings(a.name, b.name),
    'namespaces',
  );
  private readonly services = new SortedList<Service>(compareNamespaced, 'services');
  private readonly endpointSlices = new SortedList<EndpointSlice>(compareNamespaced, 'endpointSlices');
  private readonly workloads = new SortedList<Workload>(compareNamespaced, 'workloads');
  private families: Family[] = [];
  private readonly ignored = new Map<string, Ignored>();
  private readonly duplicatesByOrigin = new Map<string, Set<Identity>>();
  /** Origins whose issues may have changed since the issue list was last made. */
  private readonly stale = new Set<string>();
  private issues: readonly Issue[] = NONE;
  private merged:
    | {
        readonly key: readonly unknown[];
        readonly built: ReturnType<typeof mergeRouting>;
      }
    | undefined;
  private calls = 0;
  /** The origins of the last lowerOrigins(), when the index holds just their documents. */
  private lastOrigins: readonly OriginDocuments[] | undefined;
  private readonly counter: IndexCounter | undefined;

  constructor(opts: DefinitionsIndexOptions = {}) {
    this.committed = opts.incumbents ?? new Map();
    this.counter = opts.counter;
    this.resetFamilies();
  }

  /**
   * Lowers `docs`: the same as a new index would, given as incumbents the owners at the last
   * commit(). Only the origins whose documents are not the very objects of the previous call are
   * looked at. Throws what a kind or family parser or the merge step throws; the index stays whole
   * and the next call picks up from there.
   */
  lower(docs: readonly ManifestDocument[], opts: ParseManifestsOptions = {}): ParsedManifests {
    this.configure(opts);
    this.lastOrigins = undefined;
    return this.lowerChanges(this.changedOrigins(docs), opts);
  }

  /**
   * lower() of the documents of these origins, given by origin in origin order (as a ManifestIndex
   * holds them): finding what changed then costs a comparison of references per origin, where
   * lower() compares every document.
   */
  lowerOrigins(origins: readonly OriginDocuments[], opts: ParseManifestsOptions = {}): ParsedManifests {
    this.configure(opts);
    const changed = this.changedSince(origins);
    return this.lowerChanges(changed ?? this.changedOrigins(documentsOf(origins)), opts, () => {
      this.lastOrigins = changed || isSorted(origins) ? origins : undefined;
    });
  }

  private lowerChanges(
    changed: readonly (readonly [string, readonly ManifestDocument[]])[],
    opts: ParseManifestsOptions,
    held?: () => void,
  ): ParsedManifests {
    const settings = this.settings!;
    // Parsers run before the index is touched: one that throws leaves it as it was.
    const lowered = changed.map(([origin, given]) => ({
      origin,
      given,
      held: [...given].sort(compareDocuments).map((doc) => ({
        doc,
        lowering: lowerDocument(doc, settings.clusterDomain),
      })),
    }));
    const touched = new Set<Identity>();
    for (const key of this.recommitted) {
      const identity = this.identities.get(key);
      if (identity) touched.add(identity);
    }
    this.recommitted.clear();
    for (const { origin, given, held } of lowered) this.replace(origin, given, held, touched);
    for (const identity of touched) this.settle(identity);
    held?.();
    return this.result(opts.logger);
  }

  /** Makes the owners of the last lowering the incumbents of the next ones. */
  commit(): void {
    if (this.uncommitted.size === 0) return;
    if (!this.committedIsOwn) {
      this.committed = new Map(this.committed);
      this.committedIsOwn = true;
    }
    const committed = this.committed as Map<string, string>;
    for (const key of this.uncommitted) {
      const owner = this.owners.get(key);
      if (owner === undefined) committed.delete(key);
      else committed.set(key, owner);
      this.recommitted.add(key);
    }
    this.uncommitted.clear();
  }

  /** Starts over when the settings change: every document's parse may depend on them. */
  private configure(opts: ParseManifestsOptions): void {
    const config = opts.meshConfig ? { ...meshConfigOf({}), ...definedFields(opts.meshConfig) } : undefined;
    const clusterDomain = opts.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
    const rootNamespace = meshConfigOf({ config }).rootNamespace;
    const known = this.settings;
    if (
      known &&
      known.clusterDomain === clusterDomain &&
      known.rootNamespace === rootNamespace &&
      known.config?.trustDomain === config?.trustDomain &&
      (known.config === undefined) === (config === undefined)
    )
      return;
    this.settings = { clusterDomain, rootNamespace, config };
    this.lastOrigins = undefined;
    if (!known) return;
    const touched = new Set<Identity>();
    for (const origin of [...this.origins.keys()]) this.replace(origin, NONE, NONE, touched);
    for (const identity of touched) this.settle(identity);
    this.resetFamilies();
    this.merged = undefined;
  }

  private resetFamilies(): void {
    for (const family of this.families)
      for (const origin of family.issuesByOrigin.keys()) this.stale.add(origin);
    this.families = ROUTING_FAMILIES.map((parser) => ({
      parser,
      docs: new SortedList<ManifestDocument>(compareDocuments),
      parsedFor: undefined,
      fragment: {},
      issuesByOrigin: new Map(),
    }));
  }

  /**
   * What changed since the last lowerOrigins(), walking both lists in step: an origin that is the
   * same object as last time is passed over. Undefined when that cannot be known so: no last list,
   * or this one is not in origin order (checked where it differs from the last, the only places it
   * can be out of order).
   */
  private changedSince(
    origins: readonly OriginDocuments[],
  ): [string, readonly ManifestDocument[]][] | undefined {
    const last = this.lastOrigins;
    if (!last) return undefined;
    const changed: [string, readonly ManifestDocument[]][] = [];
    let i = 0;
    let j = 0;
    while (i < last.length || j < origins.length) {
      const before = last[i];
      const now = origins[j];
      if (before !== undefined && before === now) {
        i++;
        j++;
        continue;
      }
      if (now !== undefined && !inOrderAt(origins, j)) return undefined;
      const order =
        before === undefined ? 1 : now === undefined ? -1 : compareStrings(before.origin, now.origin);
      if (order < 0) {
        changed.push([before!.origin, NONE]);
        i++;
        continue;
      }
      if (order === 0) i++;
      j++;
      if (order > 0 || !sameItems(before!.documents, now!.documents))
        changed.push([now!.origin, now!.documents]);
    }
    return changed;
  }

  /** The origins whose documents differ from the ones held, with their documents now (none when gone). */
  private changedOrigins(docs: readonly ManifestDocument[]): [string, readonly ManifestDocument[]][] {
    const call = ++this.calls;
    const changed: [string, readonly ManifestDocument[]][] = [];
    const fresh = new Set<string>();
    let seen = 0;
    for (let start = 0; start < docs.length; ) {
      const origin = docs[start]!.origin;
      let end = start + 1;
      while (end < docs.length && docs[end]!.origin === origin) end++;
      const known = this.origins.get(origin);
      if (known?.seen === call || fresh.has(origin)) return this.changedOrigins(groupByOrigin(docs));
      if (known) {
        known.seen = call;
        seen++;
      }
      if (!known || !sameRun(known.given, docs, start, end)) {
        fresh.add(origin);
        changed.push([origin, docs.slice(start, end)]);
      }
      start = end;
    }
    if (seen < this.origins.size)
      for (const [origin, known] of this.origins) if (known.seen !== call) changed.push([origin, NONE]);
    return changed;
  }

  /** Takes out what the origin contributed and puts in what it contributes now. */
  private replace(
    origin: string,
    given: readonly ManifestDocument[],
    held: readonly { doc: ManifestDocument; lowering: DocumentLowering }[],
    touched: Set<Identity>,
  ): void {
    const before = this.origins.get(origin);
    for (const { doc, lowering, definition } of before?.held ?? NONE) {
      if (this.counter) this.counter.documents++;
      if (lowering.ignored) this.unignore(doc, lowering.ignored);
      if (!definition) continue;
      const identity = this.identities.get(definition.key)!;
      identity.definitions.splice(identity.definitions.indexOf(definition), 1);
      touched.add(identity);
    }
    this.stale.add(origin);
    if (given.length === 0) {
      this.origins.delete(origin);
      return;
    }
    const now: Held[] = [];
    for (const { doc, lowering } of held) {
      if (this.counter) this.counter.documents++;
      if (lowering.ignored) this.ignore(doc, lowering.ignored);
      const definition = lowering.claim ? { ...lowering.claim, doc } : undefined;
      now.push({ doc, lowering, definition });
      if (!definition) continue;
      let identity = this.identities.get(definition.key);
      if (!identity) {
        identity = { definitions: [], served: undefined, duplicates: NONE };
        this.identities.set(definition.key, identity);
      }
      insertSorted(identity.definitions, definition, (a, b) => compareDocuments(a.doc, b.doc));
      touched.add(identity);
    }
    this.origins.set(origin, { given, held: now, seen: this.calls });
  }

  /** Settles which definition of a resource is served, and what is said about the others. */
  private settle(identity: Identity): void {
    if (this.counter) this.counter.keys++;
    const { definitions } = identity;
    const key = identity.served?.key ?? definitions[0]?.key;
    if (key === undefined) return;
    const incumbent = this.committed.get(key);
    const kept = definitions.find((d) => d.doc.origin === incumbent);
    const served = kept ?? definitions[0];
    if (served !== identity.served) {
      if (identity.served) this.serve(identity.served, false);
      if (served) this.serve(served, true);
      if (served?.doc.origin !== identity.served?.doc.origin) this.uncommitted.add(key);
      identity.served = served;
      if (served) this.owners.set(key, served.doc.origin);
      else this.owners.delete(key);
    }
    for (const { doc } of identity.duplicates) this.stale.add(doc.origin);
    for (const { doc } of identity.duplicates) this.duplicatesByOrigin.get(doc.origin)?.delete(identity);
    identity.duplicates = NONE;
    if (!served) {
      this.identities.delete(key);
      return;
    }
    if (definitions.length === 1) return;
    const duplicates: { doc: ManifestDocument; issue: Issue }[] = [];
    for (const loser of definitions) {
      if (loser === served) continue;
      const message =
        kept && loser.doc.origin !== kept.doc.origin
          ? `duplicates the ${loser.kind} served from ${locationOf(served.doc)}, which was there first; this newer definition is not served`
          : `duplicates the ${loser.kind} defined at ${locationOf(served.doc)}; that first definition is used`;
      const issue = reporter(loser.doc, loser.ref)('metadata.name', 'DuplicateResource', message);
      duplicates.push({ doc: loser.doc, issue });
      this.stale.add(loser.doc.origin);
      let set = this.duplicatesByOrigin.get(loser.doc.origin);
      if (!set) {
        set = new Set();
        this.duplicatesByOrigin.set(loser.doc.origin, set);
      }
      set.add(identity);
    }
    identity.duplicates = duplicates;
  }

  private serve(definition: Definition, on: boolean): void {
    const target = definition.resource;
    if (!target) {
      const family = this.families.find((f) => f.parser === definition.family)!;
      family.docs.toggle(definition.doc, on);
      return;
    }
    if (target.kind === 'Namespace') this.namespaces.toggle(target.value, on);
    else if (target.kind === 'Service') this.services.toggle(target.value, on);
    else if (target.kind === 'EndpointSlice') this.endpointSlices.toggle(target.value, on);
    else this.workloads.toggle(target.value, on);
  }

  private ignore(doc: ManifestDocument, { kind, apiVersion }: { kind: string; apiVersion: string }): void {
    const key = `${apiVersion}\u0000${kind}`;
    let entry = this.ignored.get(key);
    if (!entry) {
      entry = { kind, apiVersion, docs: new Set(), first: undefined };
      this.ignored.set(key, entry);
    }
    const wasEmpty = entry.docs.size === 0;
    entry.docs.add(doc);
    if (wasEmpty) entry.first = doc;
    else if (entry.first && compareDocuments(doc, entry.first) < 0) entry.first = doc;
  }

  private unignore(doc: ManifestDocument, { kind, apiVersion }: { kind: string; apiVersion: string }): void {
    const key = `${apiVersion}\u0000${kind}`;
    const entry = this.ignored.get(key)!;
    entry.docs.delete(doc);
    if (entry.docs.size === 0) this.ignored.delete(key);
    else if (entry.first === doc) entry.first = undefined;
  }

  private result(logger: Logger | undefined): ParsedManifests {
    const settings = this.settings!;
    const ctx = { clusterDomain: settings.clusterDomain, rootNamespace: settings.rootNamespace };
    const core = {
      namespaces: this.namespaces.items(),
      services: this.services.items(),
      endpointSlices: this.endpointSlices.items(),
      workloads: this.workloads.items(),
    };
    for (const family of this.families) {
      const docs = family.docs.items();
      if (family.parsedFor === docs) continue;
      const parsed = parseFamily(family.parser, docs, ctx);
      for (const origin of family.issuesByOrigin.keys()) this.stale.add(origin);
      const byOrigin = new Map<string, Issue[]>();
      for (const issue of parsed.issues) {
        const list = byOrigin.get(issue.origin);
        if (list) list.push(issue);
        else byOrigin.set(issue.origin, [issue]);
        this.stale.add(issue.origin);
      }
      family.fragment = parsed.fragment;
      family.issuesByOrigin = byOrigin;
      family.parsedFor = docs;
    }
    this.issues = this.issueList();
    logIgnored(this.ignored, logger);
    const fragments = this.families.map((f) => f.fragment);
    const key = [core.namespaces, core.services, core.workloads, ...fragments];
    if (!this.merged || !sameElements(this.merged.key, key))
      this.merged = { key, built: mergeRouting(core, fragments) };
    const built = this.merged.built;
    return {
      mesh: { ...core, routing: built.routing, ...(settings.config ? { config: settings.config } : {}) },
      issues: this.issues,
      statuses: built.statuses,
      owners: this.owners,
    };
  }

  /**
   * The issues in SourceState order. It orders by origin first, so each origin's issues are one run
   * of the list: only the runs of origins whose issues may have changed are made again.
   */
  private issueList(): readonly Issue[] {
    if (this.stale.size === 0) return this.issues;
    const origins = [...this.stale].sort(compareStrings);
    this.stale.clear();
    const previous = this.issues;
    const runs = origins.map((origin) => {
      const from = firstOf(previous, origin, 0);
      return { from, to: firstAfter(previous, origin, from), issues: this.issuesOf(origin) };
    });
    if (runs.every((run) => sameElements(previous.slice(run.from, run.to), run.issues))) return previous;
    const next: Issue[] = [];
    let at = 0;
    for (const run of runs) {
      for (; at < run.from; at++) next.push(previous[at]!);
      for (const issue of run.issues) next.push(issue);
      at = run.to;
    }
    for (; at < previous.length; at++) next.push(previous[at]!);
    return next;
  }

  /**
   * One origin's issues, sorted. Equal issues keep the order a whole lowering lists them in: each
   * document's own in path order, then duplicates, then the routing families' in family order.
   */
  private issuesOf(origin: string): Issue[] {
    const issues: Issue[] = [];
    for (const { lowering } of this.origins.get(origin)?.held ?? NONE) issues.push(...lowering.issues);
    const duplicates: { doc: ManifestDocument; issue: Issue }[] = [];
    for (const identity of this.duplicatesByOrigin.get(origin) ?? NONE)
      for (const duplicate of identity.duplicates)
        if (duplicate.doc.origin === origin) duplicates.push(duplicate);
    if (duplicates.length === 0) this.duplicatesByOrigin.delete(origin);
    duplicates.sort((a, b) => compareDocuments(a.doc, b.doc));
    for (const { issue } of duplicates) issues.push(issue);
    for (const family of this.families) issues.push(...(family.issuesByOrigin.get(origin) ?? NONE));
    return issues.sort(compareIssues);
  }
}

/**
 * A list kept in order under changes. Changes are gathered and applied when the list is read, so a
 * read with no change since the last gives the same array object, and one with changes a new array:
 * the old one may be held by an earlier state.
 */
class SortedList<T> {
  private current: readonly T[] = NONE;
  private readonly added = new Set<T>();
  private readonly removed = new Set<T>();

  /** `memo`: the name under which a new array is looked for among recent ones (stableArray). */
  constructor(
    private readonly compare: (a: T, b: T) => number,
    private readonly memo?: string,
  ) {}

  /** Puts `item` in (`on`) or takes it out. */
  toggle(item: T, on: boolean): void {
    if (on) {
      if (!this.removed.delete(item)) this.added.add(item);
    } else if (!this.added.delete(item)) this.removed.add(item);
  }

  items(): readonly T[] {
    if (this.added.size === 0 && this.removed.size === 0) return this.current;
    const { compare, current } = this;
    const gone = [...this.removed].map((item) => positionOf(current, item, compare)).sort((a, b) => a - b);
    const added = [...this.added].sort(compare);
    this.added.clear();
    this.removed.clear();
    const next: T[] = [];
    let a = 0;
    let g = 0;
    for (let i = 0; i < current.length; i++) {
      if (gone[g] === i) {
        g++;
        continue;
      }
      const item = current[i]!;
      while (a < added.length && compare(added[a]!, item) <= 0) next.push(added[a++]!);
      next.push(item);
    }
    while (a < added.length) next.push(added[a++]!);
    // A change undone gives back the array of before, and one-shot lowerings of the same documents
    // give the same arrays.
    this.current = this.memo ? stableArray(this.memo, next) : next;
    return this.current;
  }
}

/** Where `item` (the very object) is in the sorted `list`. */
function positionOf<T>(list: readonly T[], item: T, compare: (a: T, b: T) => number): number {
  let low = lowerBound(list, item, compare);
  while (low < list.length && list[low] !== item && compare(list[low]!, item) === 0) low++;
  if (list[low] === item) return low;
  throw new Error('definitions index: a served item is missing from its list');
}

function lowerBound<T>(list: readonly T[], item: T, compare: (a: T, b: T) => number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compare(list[middle]!, item) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

function insertSorted<T>(list: T[], item: T, compare: (a: T, b: T) => number): void {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compare(list[middle]!, item) <= 0) low = middle + 1;
    else high = middle;
  }
  list.splice(low, 0, item);
}

/** The first issue of `origin` or after it, from `from` on. */
function firstOf(issues: readonly Issue[], origin: string, from: number): number {
  let low = from;
  let high = issues.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareStrings(issues[middle]!.origin, origin) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The first issue after those of `origin`, from `from` on. */
function firstAfter(issues: readonly Issue[], origin: string, from: number): number {
  let low = from;
  let high = issues.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareStrings(issues[middle]!.origin, origin) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

function sameItems(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a === b || sameElements(a, b);
}

/** Whether origins[at] comes after the one before it and before the one after it. */
function inOrderAt(origins: readonly OriginDocuments[], at: number): boolean {
  const origin = origins[at]!.origin;
  const previous = origins[at - 1];
  const next = origins[at + 1];
  return (
    (previous === undefined || compareStrings(previous.origin, origin) < 0) &&
    (next === undefined || compareStrings(origin, next.origin) < 0)
  );
}

function isSorted(origins: readonly OriginDocuments[]): boolean {
  for (let i = 1; i < origins.length; i++)
    if (compareStrings(origins[i - 1]!.origin, origins[i]!.origin) >= 0) return false;
  return true;
}

function documentsOf(origins: readonly OriginDocuments[]): ManifestDocument[] {
  const docs: ManifestDocument[] = [];
  for (const { documents } of origins) for (const doc of documents) docs.push(doc);
  return docs;
}

function sameRun(
  known: readonly ManifestDocument[],
  docs: readonly ManifestDocument[],
  start: number,
  end: number,
): boolean {
  if (known.length !== end - start) return false;
  for (let i = 0; i < known.length; i++) if (known[i] !== docs[start + i]) return false;
  return true;
}

function sameElements(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The documents with each origin's together, in the order the origins first come. */
function groupByOrigin(docs: readonly ManifestDocument[]): ManifestDocument[] {
  const byOrigin = new Map<string, ManifestDocument[]>();
  for (const doc of docs) {
    const list = byOrigin.get(doc.origin);
    if (list) list.push(doc);
    else byOrigin.set(doc.origin, [doc]);
  }
  return [...byOrigin.values()].flat();
}

function definedFields(config: Partial<MeshConfig>): Partial<MeshConfig> {
  return Object.fromEntries(Object.entries(config).filter(([, value]) => value !== undefined));
}

function compareNamespaced(
  a: { readonly namespace: string; readonly name: string },
  b: { readonly namespace: string; readonly name: string },
): number {
  return compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name);
}

function logIgnored(ignored: ReadonlyMap<string, Ignored>, logger: Logger | undefined): void {
  if (!logger) return;
  const entries = [...ignored.values()].sort(
    (a, b) => compareStrings(a.kind, b.kind) || compareStrings(a.apiVersion, b.apiVersion),
  );
  for (const entry of entries) {
    if (!entry.first)
      for (const doc of entry.docs)
        if (!entry.first || compareDocuments(doc, entry.first) < 0) entry.first = doc;
    const { kind, apiVersion } = entry;
    const count = entry.docs.size;
    logger.info(
      { kind, apiVersion, documents: count, first: locationOf(entry.first!) },
      `ignoring ${count} ${apiVersion} ${kind} document(s): trellis does not read this kind`,
    );
  }
}
