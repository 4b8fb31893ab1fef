// One proxy's configuration, the way the server sends it and `trellis config-dump` prints it:
// the mesh as the proxy may see it (visibility), translated, then every resource encoded strictly
// and checked against Envoy's validate rules, each distinct resource once (the encode memo).
// A resource that fails is never sent: the proxy keeps the last good version it had, if any.
import type { Mesh } from '../model/mesh.js';
import type { MeshProxy } from '../model/proxy.js';
import { ALL_NAMESPACES, type Visibility, visibleMesh } from '../model/visibility.js';
import type { CachedResource, Snapshot } from './cache/snapshot.js';
import { EncodeMemo } from './encode-memo.js';
import { decodeResource, type FieldError } from './envoy/resource-codec.js';
import { TYPE_URL } from './envoy/type-urls.js';
import { checkReferences } from './translate/references.js';
import { type ProxyResources, translateProxy } from './translate/translate-proxy.js';

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

export interface ResourceError {
  readonly proxyId: string;
  readonly typeUrl: string;
  readonly name: string;
  readonly errors: readonly FieldError[];
  /** True when the proxy keeps an earlier good version of the resource instead. */
  readonly keptLastGood: boolean;
}

export interface CompiledProxy {
  readonly resources: readonly CompiledResource[];
  readonly errors: readonly ResourceError[];
  /** Names a listener or route uses that the translation did not produce (a translation bug). */
  readonly danglingReferences: readonly string[];
}

export type Translate = (mesh: Mesh, proxy: MeshProxy) => ProxyResources;

export interface ProxyCompilerOptions {
  /** What proxies in a namespace without the visibility annotation see. Default: every namespace. */
  readonly defaultVisibility?: Visibility;
  /** Bound of the encode memo in bytes (default 64 MiB; 0 turns it off); see EncodeMemo. */
  readonly encodeCacheBytes?: number;
}

export interface CompilerStats {
  readonly encodeHits: number;
  readonly encodeMisses: number;
  readonly translations: number;
}

export class ProxyCompiler {
  private readonly defaultVisibility: Visibility;
  private readonly memo: EncodeMemo;
  private translations = 0;

  constructor(
    private readonly translate: Translate = translateProxy,
    options: ProxyCompilerOptions = {},
  ) {
    this.defaultVisibility = options.defaultVisibility ?? ALL_NAMESPACES;
    this.memo = new EncodeMemo(
      options.encodeCacheBytes === undefined ? {} : { maxBytes: options.encodeCacheBytes },
    );
  }

  /** `lastGood`: what the proxy has now, whose version of a resource that fails it keeps. */
  compile(mesh: Mesh, proxy: MeshProxy, lastGood?: Snapshot): CompiledProxy {
    this.translations++;
    const translated = this.translate(visibleMesh(mesh, proxy.namespace, this.defaultVisibility), proxy);
    const resources: CompiledResource[] = [];
    const errors: ResourceError[] = [];
    const lists: { typeUrl: string; items: readonly unknown[]; nameOf: (r: never) => string }[] = [
      {
        typeUrl: TYPE_URL.cluster,
        items: translated.clusters,
        nameOf: (r: { name?: string | null }) => r.name ?? '',
      },
      {
        typeUrl: TYPE_URL.endpoint,
        items: translated.endpoints,
        nameOf: (r: { cluster_name?: string | null }) => r.cluster_name ?? '',
      },
      {
        typeUrl: TYPE_URL.listener,
        items: translated.listeners,
        nameOf: (r: { name?: string | null }) => r.name ?? '',
      },
      {
        typeUrl: TYPE_URL.route,
        items: translated.routes,
        nameOf: (r: { name?: string | null }) => r.name ?? '',
      },
    ];
    for (const { typeUrl, items, nameOf } of lists) {
      for (const json of items) {
        const name = nameOf(json as never);
        const outcome = this.memo.encode(typeUrl, name, json);
        if (outcome.ok) {
          resources.push({ typeUrl, name, json, value: outcome.resource.value, cached: outcome.resource });
          continue;
        }
        const previous = lastGood?.resources.get(typeUrl)?.get(name);
        if (previous) resources.push(kept(typeUrl, previous));
        errors.push({
          proxyId: proxy.id,
          typeUrl,
          name,
          errors: outcome.errors,
          keptLastGood: previous !== undefined,
        });
      }
    }
    return { resources, errors, danglingReferences: checkReferences(translated) };
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
