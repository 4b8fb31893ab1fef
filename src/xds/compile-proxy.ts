// One proxy's configuration, the way the server sends it and `trellis config-dump` prints it:
// the mesh as the proxy may see it (visibility), translated part by part (translation-parts.ts),
// then every resource encoded strictly and checked against Envoy's validate rules, each distinct
// resource once (the encode memo). A resource that fails is never sent: the proxy keeps the last
// good version it had, if any.
import type { Mesh } from '../model/mesh.js';
import type { MeshProxy } from '../model/proxy.js';
import {
  ALL_NAMESPACES,
  type Visibility,
  visibilityKey,
  visibilityOf,
  visibleMesh,
} from '../model/visibility.js';
import { type CachedResource, type Snapshot, sameResources } from './cache/snapshot.js';
import { EncodeMemo } from './encode-memo.js';
import { decodeResource, type FieldError } from './envoy/resource-codec.js';
import { TYPE_URL } from './envoy/type-urls.js';
import { inputsFingerprint, meshFingerprint } from './mesh-fingerprint.js';
import {
  checkReferences,
  mergeSummaries,
  type ReferenceSummary,
  sameSummary,
  summarizeReferences,
} from './translate/references.js';
import { mergeParts, ordered, type ProxyResources } from './translate/translate-proxy.js';
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

/** How a proxy's configuration splits into parts; translationParts unless a test says otherwise. */
export type PartsOf = (mesh: Mesh, proxy: MeshProxy) => readonly TranslationPart[];

const defaultParts: PartsOf = (mesh, proxy) => translationParts(ordered(mesh), proxy);

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
  /** The mesh as the proxy may see it: what its parts are translated from. */
  readonly mesh: Mesh;
  /** Shared parts first, the proxy's own workload's part (if any) last. */
  readonly parts: readonly ProxyPart[];
}

interface EncodedEntry {
  readonly typeUrl: string;
  readonly name: string;
  readonly json: unknown;
  readonly cached: CachedResource;
  /** True when encoding failed and this is the last good version instead. */
  readonly kept: boolean;
}

/** A translation unit's resources and errors, kept while its inputs stay the same. */
interface CompiledUnit {
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
  /** Parts (or whole proxies, for `compile`) translated so far. */
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

  /** The proxy's parts, keyed so that equal keys and fingerprints mean equal compiled parts. */
  view(mesh: Mesh, proxy: MeshProxy): ProxyView {
    const visibility = visibilityOf(mesh, proxy.namespace, this.defaultVisibility);
    const visible = visibleMesh(mesh, proxy.namespace, this.defaultVisibility);
    // The fingerprint is of the whole mesh: the visible one is a function of it and the visibility.
    const parts = this.partsOf(visible, proxy).map(
      (part): ProxyPart => ({
        key: `${visibilityKey(visibility)} ${part.key}`,
        part,
        fingerprint: part.reads ? meshFingerprint(mesh, part.reads) : undefined,
      }),
    );
    return { mesh: visible, parts };
  }

  /**
   * Translates and encodes one part. A resource that fails keeps its version from `previous` (the
   * part as it was), else from `lastGood` (what a proxy that now needs this part had).
   */
  compilePart(view: ProxyView, part: ProxyPart, previous?: CompiledPart, lastGood?: Snapshot): CompiledPart {
    this.translations++;
    const keep = (typeUrl: string, name: string) =>
      previous?.byType.get(typeUrl)?.get(name) ?? lastGood?.resources.get(typeUrl)?.get(name);
    const compiledUnits = part.part.units
      ? this.compileUnits(part.part.units(view.mesh), previous?.units, keep)
      : undefined;
    const results = compiledUnits
      ? [...compiledUnits.values()]
      : [this.compileUnit(part.part.translate(view.mesh), '', keep)];
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
  ): Map<string, CompiledUnit> {
    const compiled = new Map<string, CompiledUnit>();
    for (const unit of units) {
      const fingerprint = inputsFingerprint(unit.inputs);
      const before = previous?.get(unit.key);
      compiled.set(
        unit.key,
        before?.fingerprint === fingerprint ? before : this.compileUnit(unit.translate(), fingerprint, keep),
      );
    }
    return compiled;
  }

  private compileUnit(
    translated: ProxyResources,
    fingerprint: string,
    keep: (typeUrl: string, name: string) => CachedResource | undefined,
  ): CompiledUnit {
    const { encoded, errors } = this.encodeAll(translated, keep);
    const resources = encoded.map(({ typeUrl, cached }) => ({ typeUrl, cached }));
    return { fingerprint, resources, errors, references: summarizeReferences(translated) };
  }

  /** Every resource encoded; one that fails is reported, and keeps `keep`'s version if there is one. */
  private encodeAll(
    translated: ProxyResources,
    keep: (typeUrl: string, name: string) => CachedResource | undefined,
  ): { encoded: EncodedEntry[]; errors: PartError[] } {
    const encoded: EncodedEntry[] = [];
    const errors: PartError[] = [];
    for (const { typeUrl, items, nameOf } of typeLists(translated)) {
      for (const json of items) {
        const name = nameOf(json as never);
        const outcome = this.memo.encode(typeUrl, name, json);
        if (outcome.ok) {
          encoded.push({ typeUrl, name, json, cached: outcome.resource, kept: false });
          continue;
        }
        const kept = keep(typeUrl, name);
        if (kept) encoded.push({ typeUrl, name, json, cached: kept, kept: true });
        errors.push({ typeUrl, name, errors: outcome.errors, keptLastGood: kept !== undefined });
      }
    }
    return { encoded, errors };
  }

  /**
   * The whole configuration of one proxy at once, each list sorted by name: for config dumps and
   * anything else that wants one proxy's resources rather than shared parts.
   * `lastGood`: what the proxy has now, whose version of a resource that fails it keeps.
   */
  compile(mesh: Mesh, proxy: MeshProxy, lastGood?: Snapshot): CompiledProxy {
    this.translations++;
    const view = this.view(mesh, proxy);
    const translated = mergeParts(view.parts.map((p) => p.part.translate(view.mesh)));
    const { encoded, errors } = this.encodeAll(translated, (typeUrl, name) =>
      lastGood?.resources.get(typeUrl)?.get(name),
    );
    const resources = encoded.map(
      ({ typeUrl, name, json, cached, kept: wasKept }): CompiledResource =>
        wasKept ? kept(typeUrl, cached) : { typeUrl, name, json, value: cached.value, cached },
    );
    return {
      resources,
      errors: errors.map((error) => ({ ...error, proxyId: proxy.id })),
      danglingReferences: checkReferences(translated),
    };
  }

  stats(): CompilerStats {
    const memo = this.memo.stats();
    return { encodeHits: memo.hits, encodeMisses: memo.misses, translations: this.translations };
  }
}

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
