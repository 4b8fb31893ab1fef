// One proxy's configuration, the way the server sends it and `trellis config-dump` prints it:
// translate, then encode every resource strictly and check it against Envoy's validate rules.
// A resource that fails is never sent: the proxy keeps the last good version it had, if any.
import type { Mesh } from '../model/mesh.js';
import type { MeshProxy } from '../model/proxy.js';
import { encodeResource, type FieldError } from './envoy/resource-codec.js';
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

const key = (typeUrl: string, name: string) => `${typeUrl} ${name}`;

export type Translate = (mesh: Mesh, proxy: MeshProxy) => ProxyResources;

export class ProxyCompiler {
  constructor(private readonly translate: Translate = translateProxy) {}

  // Proxies with the same view share most resources: encode and validate each distinct one once.
  private readonly memo = new Map<string, ReturnType<typeof encodeResource>>();
  private static readonly MEMO_LIMIT = 50_000;

  compile(mesh: Mesh, proxy: MeshProxy, lastGood?: ReadonlyMap<string, CompiledResource>): CompiledProxy {
    const translated = this.translate(mesh, proxy);
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
        const result = this.encode(typeUrl, json);
        if (result.ok) {
          resources.push({ typeUrl, name, json, value: result.value.value });
          continue;
        }
        const previous = lastGood?.get(key(typeUrl, name));
        if (previous) resources.push(previous);
        errors.push({
          proxyId: proxy.id,
          typeUrl,
          name,
          errors: result.errors,
          keptLastGood: previous !== undefined,
        });
      }
    }
    return { resources, errors, danglingReferences: checkReferences(translated) };
  }

  private encode(typeUrl: string, json: unknown): ReturnType<typeof encodeResource> {
    const memoKey = `${typeUrl}\n${JSON.stringify(json)}`;
    const hit = this.memo.get(memoKey);
    if (hit) return hit;
    const result = encodeResource(typeUrl, json);
    if (this.memo.size >= ProxyCompiler.MEMO_LIMIT) this.memo.clear();
    this.memo.set(memoKey, result);
    return result;
  }
}

export function indexByKey(resources: readonly CompiledResource[]): Map<string, CompiledResource> {
  return new Map(resources.map((r) => [key(r.typeUrl, r.name), r]));
}
