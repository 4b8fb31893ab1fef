// One proxy's configuration, the way the server sends it, `trellis config-dump` prints it and the
// golden tests check it: the mesh as the proxy may see it (visibility), translated part by part
// (translation-parts.ts), every resource encoded strictly and checked against Envoy's validate
// rules, each distinct resource once (the encode memo), and the parts joined per type. A resource
// that fails is never sent: the proxy keeps the last good version it had, if any.
//
// There is one assembly path: `view` (visibility and parts) then `assemble` (each part compiled,
// then joined). The snapshot builder calls both and hands `assemble` the parts it shares between
// proxies; `compile` calls both with every part compiled afresh, for config-dump and the goldens.
import type { Mesh } from '../model/mesh.js';
import type { MeshProxy } from '../model/proxy.js';
import {
  ALL_NAMESPACES,
  meshWithin,
  proxyVisibility,
  type Visibility,
  visibilityKey,
} from '../model/visibility.js';
import { sameItems } from '../same-items.js';
import { layeredMap } from './cache/layered-map.js';
import { type CachedResource, type Snapshot, sameResources } from './cache/snapshot.js';
import { EncodeMemo } from './encode-memo.js';
import { decodeResource, type FieldError } from './envoy/resource-codec.js';
import { TYPE_URL } from './envoy/type-urls.js';
import { inputsFingerprint, meshFingerprint } from './mesh-fingerprint.js';
import { compareStrings } from './translate/order.js';
import { findWorkload } from './translate/own-workload.js';
import {
  danglingAcross,
  mergeSummaries,
  type ReferenceSummary,
  sameSummary,
  summarizeReferences,
} from './translate/references.js';
import { ordered, type ProxyResources } from './translate/translate-proxy.js';
import {
  type TranslationPart,
  type TranslationUnit,
  translationParts,
} from './translate/translation-parts.js';

export interface CompiledResource {
  readonly typeUrl: string;
  readonly name: string;
  /** The resource as translated (proto3 JSON), for config dumps. */
  readonly json: unknown;
  /** The encoded resource, the value of the Any sent on the wire. */
  readonly value: Uint8Array;
  /** What the cache holds: one object for every proxy whose translation produced this content. */
  readonly cached: CachedResource;
}

/** A generated resource that failed the encoder or the validate rules. */
export interface PartError {
  readonly typeUrl: string;
  readonly name: string;
  readonly errors: readonly FieldError[];
  /** True when the proxy keeps an earlier good version of the resource instead. */
  readonly keptLastGood: boolean;
}

export interface ResourceError extends PartError {
  readonly proxyId: string;
}

export interface CompiledProxy {
  readonly resources: readonly CompiledResource[];
  readonly errors: readonly ResourceError[];
  /** Names a listener or route uses that the translation did not produce (a translation bug). */
  readonly danglingReferences: readonly string[];
}

export type Translate = (mesh: Mesh, proxy: MeshProxy) => ProxyResources;

/**
 * How a proxy's configuration splits into parts; translationParts unless a test says otherwise. The
 * parts' keys, and whatever their functions hold besides the mesh they are given, may be made from
 * any field of the mesh but `endpointSlices`: a proxy's parts are kept across changes of those alone.
 */
export type PartsOf = (mesh: Mesh, proxy: MeshProxy) => readonly TranslationPart[];

const defaultParts: PartsOf = translationParts;

/** One part holding a whole translation that may read anything: for test doubles. */
export function wholeTranslation(translate: Translate): PartsOf {
  return (_mesh, proxy) => [{ key: 'whole', translate: (m) => translate(m, proxy) }];
}

/** A part as one proxy needs it: its key made unique across visibilities, and what it reads. */
export interface ProxyPart {
  readonly key: string;
  readonly part: TranslationPart;
  /** The content hash of what it reads (mesh-fingerprint.ts); absent when it may read anything. */
  readonly fingerprint: string | undefined;
}

export interface ProxyView {
  /** The mesh as the proxy may see it, in namespace/name order: what its parts are translated from. */
  readonly mesh: Mesh;
  /** Shared parts first, the proxy's own workload's part (if any) last. */
  readonly parts: readonly ProxyPart[];
  /** The parts' keys joined: proxies whose views have equal keys get equal configurations. */
  readonly key: string;
}

/**
 * What a proxy's view is decided from besides its endpoints: its visibility, and its parts and their
 * keys. Kept per proxy while the mesh fields it was decided from are the same objects, so that a
 * change that leaves them be (an endpoint change) costs each proxy a few lookups, not its parts made
 * again. Parts are therefore keyed and made from every field of the mesh but its endpoint slices
 * (see PartsOf).
 */
interface ViewBasis {
  readonly from: readonly unknown[];
  readonly visibility: Visibility;
  /** The mesh within the visibility, as last given: its arrays are kept where their items are. */
  visible: Mesh | undefined;
  readonly parts: readonly TranslationPart[];
  readonly keys: readonly string[];
  readonly key: string;
}

/** A translation unit's resources and errors, kept while its inputs stay the same. */
interface CompiledUnit {
  /** The unit's `reads` when it was last found unchanged or compiled. */
  readonly reads: readonly unknown[];
  readonly fingerprint: string;
  readonly resources: readonly { readonly typeUrl: string; readonly cached: CachedResource }[];
  readonly errors: readonly PartError[];
  readonly references: ReferenceSummary;
}

export interface CompiledPart {
  readonly key: string;
  readonly fingerprint: string | undefined;
  /** For a part made of units: each unit's result, by unit key. */
  readonly units?: ReadonlyMap<string, CompiledUnit>;
  /** type URL → name → resource; a type whose content did not change keeps its earlier map. */
  readonly byType: ReadonlyMap<string, ReadonlyMap<string, CachedResource>>;
  readonly errors: readonly PartError[];
  readonly references: ReferenceSummary;
}

export interface CompilePartOptions {
  /** The part as it was: a unit whose inputs are the same is kept, and a failing resource keeps its version. */
  readonly previous?: CompiledPart;
  /** What a proxy that now needs this part had: a failing resource not in `previous` keeps its version here. */
  readonly lastGood?: Snapshot;
  /** Told of each resource translated, with its JSON (the compiled part keeps only the bytes). */
  readonly onTranslated?: OnTranslated;
}

export type OnTranslated = (typeUrl: string, name: string, json: unknown) => void;

/** A proxy's parts joined: what a snapshot holds. */
export interface ProxyAssembly {
  /** The compiled parts, in the view's order. */
  readonly parts: readonly CompiledPart[];
  /**
   * type URL → name → resource. A type that comes from one part is that part's map itself; a type
   * whose content equals the previous assembly's keeps that map.
   */
  readonly resources: ReadonlyMap<string, ReadonlyMap<string, CachedResource>>;
  /** Per type, the part maps it was made of, so the next assembly can keep a merged map. */
  readonly sources: ReadonlyMap<string, readonly ReadonlyMap<string, CachedResource>[]>;
  /** False when every type is the previous assembly's map: nothing changed. */
  readonly changed: boolean;
}

export interface AssembleOptions {
  /**
   * Each part, compiled: the snapshot builder passes the copy it shares between proxies. Default:
   * compiled now with compilePart (and `lastGood`, `onTranslated`).
   */
  readonly partOf?: (part: ProxyPart, index: number) => CompiledPart;
  /** The earlier assembly of the same proxy or group, whose unchanged maps are kept. */
  readonly previous?: ProxyAssembly;
  /** For parts compiled here: what the proxy has now, whose version of a failing resource it keeps. */
  readonly lastGood?: Snapshot;
  /** For parts compiled here: told of each resource translated. */
  readonly onTranslated?: OnTranslated;
}

export interface ProxyCompilerOptions {
  /** What proxies in a namespace without the visibility annotation see. Default: every namespace. */
  readonly defaultVisibility?: Visibility;
  /** Bound of the encode memo in bytes (default 64 MiB; 0 turns it off); see EncodeMemo. */
  readonly encodeCacheBytes?: number;
  /** Told of every encode memo lookup, for /metrics. */
  readonly onEncode?: (hit: boolean) => void;
}

export interface CompilerStats {
  readonly encodeHits: number;
  readonly encodeMisses: number;
  /** Parts translated so far. */
  readonly translations: number;
}

interface TypeList {
  readonly typeUrl: string;
  readonly items: readonly unknown[];
  readonly nameOf: (r: never) => string;
}

function typeLists(translated: ProxyResources): TypeList[] {
  const named = (r: { name?: string | null }) => r.name ?? '';
  return [
    { typeUrl: TYPE_URL.cluster, items: translated.clusters, nameOf: named },
    {
      typeUrl: TYPE_URL.endpoint,
      items: translated.endpoints,
      nameOf: (r: { cluster_name?: string | null }) => r.cluster_name ?? '',
    },
    { typeUrl: TYPE_URL.listener, items: translated.listeners, nameOf: named },
    { typeUrl: TYPE_URL.route, items: translated.routes, nameOf: named },
  ];
}

export class ProxyCompiler {
  private readonly defaultVisibility: Visibility;
  private readonly memo: EncodeMemo;
  private translations = 0;
  /** Per proxy object (the builder keeps one per connected proxy); goes with it. */
  private readonly bases = new WeakMap<MeshProxy, ViewBasis>();

  constructor(
    private readonly partsOf: PartsOf = defaultParts,
    options: ProxyCompilerOptions = {},
  ) {
    this.defaultVisibility = options.defaultVisibility ?? ALL_NAMESPACES;
    this.memo = new EncodeMemo({
      ...(options.encodeCacheBytes === undefined ? {} : { maxBytes: options.encodeCacheBytes }),
      ...(options.onEncode ? { onLookup: options.onEncode } : {}),
    });
  }

  /**
   * The proxy's parts, keyed so that equal keys and fingerprints mean equal compiled parts. The
   * first step of the one assembly path: everything a proxy gets goes through its visibility here.
   */
  view(mesh: Mesh, proxy: MeshProxy): ProxyView {
    // "First one wins" rules follow namespace/name order, whatever order the source gave.
    const whole = ordered(mesh);
    const basis = this.basis(whole, proxy);
    // The fingerprint is of the whole mesh: the visible one is a function of it and the visibility.
    const parts = basis.parts.map(
      (part, i): ProxyPart => ({
        key: basis.keys[i]!,
        part,
        fingerprint: part.reads ? meshFingerprint(mesh, part.reads) : undefined,
      }),
    );
    const visible = meshWithin(whole, basis.visibility, basis.visible);
    basis.visible = visible;
    return { mesh: visible, parts, key: basis.key };
  }

  private basis(whole: Mesh, proxy: MeshProxy): ViewBasis {
    const from = [whole.namespaces, whole.services, whole.workloads, whole.routing, whole.config];
    const known = this.bases.get(proxy);
    if (known && sameItems(known.from, from)) return known;
    // A Sidecar's workloadSelector is matched against the labels of the proxy's own pod, the same
    // pod (and labels) its inbound side and sourceLabels routes are decided by.
    const labels = findWorkload(whole, proxy)?.labels;
    const visibility = proxyVisibility(whole, { namespace: proxy.namespace, labels }, this.defaultVisibility);
    const parts = this.partsOf(meshWithin(whole, visibility, known?.visible), proxy);
    const scope = visibilityKey(visibility);
    const keys = parts.map((part) => `${scope} ${part.key}`);
    const basis: ViewBasis = { from, visibility, visible: known?.visible, parts, keys, key: keys.join('\n') };
    this.bases.set(proxy, basis);
    return basis;
  }

  /**
   * The second step of the one assembly path: each of the view's parts compiled (or taken from
   * `partOf`), then joined per type. Throws on a name two parts both produce (a bug in the parts).
   */
  assemble(view: ProxyView, options: AssembleOptions = {}): ProxyAssembly {
    const { previous } = options;
    const fresh: CompilePartOptions = {
      ...(options.lastGood ? { lastGood: options.lastGood } : {}),
      ...(options.onTranslated ? { onTranslated: options.onTranslated } : {}),
    };
    const partOf = options.partOf ?? ((part: ProxyPart) => this.compilePart(view, part, fresh));
    const parts = view.parts.map((part, index) => partOf(part, index));
    const sources = new Map<string, ReadonlyMap<string, CachedResource>[]>();
    for (const part of parts) {
      for (const [typeUrl, ofType] of part.byType) {
        const list = sources.get(typeUrl);
        if (list) list.push(ofType);
        else sources.set(typeUrl, [ofType]);
      }
    }
    const resources = new Map<string, ReadonlyMap<string, CachedResource>>();
    let changed = previous === undefined || previous.resources.size !== sources.size;
    for (const [typeUrl, maps] of sources) {
      const before = previous?.resources.get(typeUrl);
      let ofType: ReadonlyMap<string, CachedResource>;
      if (maps.length === 1) ofType = maps[0]!;
      else if (before && sameItems(maps, previous?.sources.get(typeUrl) ?? [])) ofType = before;
      else {
        ofType = layeredMap(typeUrl, maps);
        if (before && sameResources(before, ofType)) ofType = before;
      }
      if (ofType !== before) changed = true;
      resources.set(typeUrl, ofType);
    }
    return { parts, resources, sources, changed };
  }

  /**
   * Translates and encodes one part. A resource that fails keeps its version from `previous` (the
   * part as it was), else from `lastGood` (what a proxy that now needs this part had).
   */
  compilePart(view: ProxyView, part: ProxyPart, options: CompilePartOptions = {}): CompiledPart {
    const { previous, lastGood, onTranslated } = options;
    this.translations++;
    const keep = (typeUrl: string, name: string) =>
      previous?.byType.get(typeUrl)?.get(name) ?? lastGood?.resources.get(typeUrl)?.get(name);
    const compiledUnits = part.part.units
      ? this.compileUnits(part.part.units(view.mesh), previous?.units, keep, onTranslated)
      : undefined;
    const results = compiledUnits
      ? [...compiledUnits.values()]
      : [this.compileUnit(part.part.translate(view.mesh), [], '', keep, onTranslated)];
    const byType = new Map<string, ReadonlyMap<string, CachedResource>>();
    const building = new Map<string, Map<string, CachedResource>>();
    for (const result of results) {
      for (const { typeUrl, cached } of result.resources) {
        let ofType = building.get(typeUrl);
        if (!ofType) {
          ofType = new Map();
          building.set(typeUrl, ofType);
        }
        ofType.set(cached.name, cached);
      }
    }
    for (const [typeUrl, ofType] of building) {
      // Unchanged content keeps the earlier map, so whatever is built from it sees no change.
      const before = previous?.byType.get(typeUrl);
      byType.set(typeUrl, before && sameResources(before, ofType) ? before : ofType);
    }
    const references =
      results.length === 1 ? results[0]!.references : mergeSummaries(results.map((r) => r.references));
    return {
      key: part.key,
      fingerprint: part.fingerprint,
      ...(compiledUnits ? { units: compiledUnits } : {}),
      byType,
      errors: results.flatMap((r) => r.errors),
      // Kept when equal, so a check of the whole made from these summaries is not made again.
      references: previous && sameSummary(previous.references, references) ? previous.references : references,
    };
  }

  /** Each unit's earlier result while its inputs are the same; the others translated and encoded. */
  private compileUnits(
    units: readonly TranslationUnit[],
    previous: ReadonlyMap<string, CompiledUnit> | undefined,
    keep: (typeUrl: string, name: string) => CachedResource | undefined,
    onTranslated: OnTranslated | undefined,
  ): Map<string, CompiledUnit> {
    const compiled = new Map<string, CompiledUnit>();
    for (const unit of units) {
      const before = previous?.get(unit.key);
      if (before && sameItems(before.reads, unit.reads)) {
        compiled.set(unit.key, before);
        continue;
      }
      const fingerprint = inputsFingerprint(unit.inputs());
      compiled.set(
        unit.key,
        before?.fingerprint === fingerprint
          ? { ...before, reads: unit.reads }
          : this.compileUnit(unit.translate(), unit.reads, fingerprint, keep, onTranslated),
      );
    }
    return compiled;
  }

  private compileUnit(
    translated: ProxyResources,
    reads: readonly unknown[],
    fingerprint: string,
    keep: (typeUrl: string, name: string) => CachedResource | undefined,
    onTranslated: OnTranslated | undefined,
  ): CompiledUnit {
    const { resources, errors } = this.encodeAll(translated, keep, onTranslated);
    return { reads, fingerprint, resources, errors, references: summarizeReferences(translated) };
  }

  /** Every resource encoded; one that fails is reported, and keeps `keep`'s version if there is one. */
  private encodeAll(
    translated: ProxyResources,
    keep: (typeUrl: string, name: string) => CachedResource | undefined,
    onTranslated: OnTranslated | undefined,
  ): Pick<CompiledUnit, 'resources' | 'errors'> {
    const resources: { typeUrl: string; cached: CachedResource }[] = [];
    const errors: PartError[] = [];
    for (const { typeUrl, items, nameOf } of typeLists(translated)) {
      for (const json of items) {
        const name = nameOf(json as never);
        onTranslated?.(typeUrl, name, json);
        const outcome = this.memo.encode(typeUrl, name, json);
        if (outcome.ok) {
          resources.push({ typeUrl, cached: outcome.resource });
          continue;
        }
        const kept = keep(typeUrl, name);
        if (kept) resources.push({ typeUrl, cached: kept });
        errors.push({ typeUrl, name, errors: outcome.errors, keptLastGood: kept !== undefined });
      }
    }
    return { resources, errors };
  }

  /**
   * The whole configuration of one proxy, through the one assembly path (view, then assemble) with
   * every part compiled now: the resources the server would send the proxy, each type's sorted by
   * name. For `trellis config-dump`, the golden tests and anything else that wants one proxy's
   * resources rather than shared parts. `lastGood`: what the proxy has now, whose version of a
   * resource that fails it keeps.
   */
  compile(mesh: Mesh, proxy: MeshProxy, lastGood?: Snapshot): CompiledProxy {
    const view = this.view(mesh, proxy);
    const translated = new Map<string, unknown>();
    const assembly = this.assemble(view, {
      ...(lastGood ? { lastGood } : {}),
      onTranslated: (typeUrl, name, json) => translated.set(resourceKey(typeUrl, name), json),
    });
    const errors = assembly.parts.flatMap((part) => part.errors);
    const keptLastGood = new Set(
      errors.filter((e) => e.keptLastGood).map((e) => resourceKey(e.typeUrl, e.name)),
    );
    const resources: CompiledResource[] = [];
    for (const typeUrl of typeOrder(assembly.resources.keys())) {
      const ofType = assembly.resources.get(typeUrl)!;
      for (const name of [...ofType.keys()].sort(compareStrings)) {
        const cached = ofType.get(name)!;
        const key = resourceKey(typeUrl, name);
        resources.push(
          keptLastGood.has(key) || !translated.has(key)
            ? kept(typeUrl, cached)
            : { typeUrl, name, json: translated.get(key), value: cached.value, cached },
        );
      }
    }
    return {
      resources,
      errors: errors.map((error) => ({ ...error, proxyId: proxy.id })),
      danglingReferences: danglingAcross(assembly.parts.map((part) => part.references)),
    };
  }

  stats(): CompilerStats {
    const memo = this.memo.stats();
    return { encodeHits: memo.hits, encodeMisses: memo.misses, translations: this.translations };
  }
}

/** The compiled resources as translated (proto3 JSON), each type's sorted by name: what config dumps print. */
export function translatedResources(compiled: CompiledProxy): ProxyResources {
  const of = <T>(typeUrl: string): T[] =>
    compiled.resources.filter((r) => r.typeUrl === typeUrl).map((r) => r.json as T);
  return {
    clusters: of(TYPE_URL.cluster),
    endpoints: of(TYPE_URL.endpoint),
    listeners: of(TYPE_URL.listener),
    routes: of(TYPE_URL.route),
  };
}

// Clusters, endpoints, listeners, routes (config_dump's order), then any other type by URL.
const DUMP_ORDER: readonly string[] = [
  TYPE_URL.cluster,
  TYPE_URL.endpoint,
  TYPE_URL.listener,
  TYPE_URL.route,
];

function typeOrder(typeUrls: Iterable<string>): string[] {
  const rank = (typeUrl: string) => {
    const index = DUMP_ORDER.indexOf(typeUrl);
    return index < 0 ? DUMP_ORDER.length : index;
  };
  return [...typeUrls].sort((a, b) => rank(a) - rank(b) || compareStrings(a, b));
}

function resourceKey(typeUrl: string, name: string): string {
  return `${typeUrl}\n${name}`;
}

/** Throws on a name two parts both produce: that is a bug in the parts. */
// Only the bytes of a kept resource are at hand (keeping every proxy's translated JSON around for
// the rare failure would cost more memory than the snapshots); its JSON is read back from them.
function kept(typeUrl: string, cached: CachedResource): CompiledResource {
  let json: unknown = null;
  try {
    json = decodeResource(typeUrl, cached.value);
  } catch {
    // Unreachable for bytes we encoded; the JSON is only for dumps.
  }
  return { typeUrl, name: cached.name, json, value: cached.value, cached };
}
