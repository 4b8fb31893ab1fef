// Keeps every connected proxy's snapshot in the cache up to date: on each new source state, and
// when a proxy connects. The server learns nothing of translation; the sources nothing of proxies.
import type { Logger } from '../log.js';
import type { Issue } from '../model/issue.js';
import type { Mesh } from '../model/mesh.js';
import type { MeshProxy } from '../model/proxy.js';
import type { ResourceStatus } from '../model/routing.js';
import { buildSnapshot } from './cache/snapshot.js';
import type { SnapshotCache } from './cache/snapshot-cache.js';
import { type CompiledResource, indexByKey, ProxyCompiler, type ResourceError } from './compile-proxy.js';

interface Connected {
  readonly proxy: MeshProxy;
  streams: number;
  lastGood: Map<string, CompiledResource>;
  errors: readonly ResourceError[];
  danglingReferences: readonly string[];
}

export interface ConfigErrors {
  /** Problems in the input manifests (file, document, resource, field). */
  readonly sources: readonly Issue[];
  /** Status conditions of routing resources: Accepted, ResolvedRefs, Conflicted. */
  readonly statuses: readonly ResourceStatus[];
  /** Generated resources that failed the strict encoder or the validate rules, per proxy. */
  readonly resources: readonly ResourceError[];
  /** Per proxy, names its listeners or routes use that were not generated. */
  readonly references: readonly { readonly proxyId: string; readonly problems: readonly string[] }[];
}

export class SnapshotBuilder {
  private mesh: Mesh | undefined;
  private issues: readonly Issue[] = [];
  private statuses: readonly ResourceStatus[] = [];
  private readonly proxies = new Map<string, Connected>();
  constructor(
    private readonly cache: SnapshotCache,
    private readonly logger: Logger,
    private readonly compiler: ProxyCompiler = new ProxyCompiler(),
  ) {}

  /** True once the first complete source state has been compiled. */
  get ready(): boolean {
    return this.mesh !== undefined;
  }

  update(mesh: Mesh, issues: readonly Issue[], statuses: readonly ResourceStatus[] = []): void {
    this.mesh = mesh;
    this.issues = issues;
    this.statuses = statuses;
    for (const entry of this.proxies.values()) this.rebuild(entry);
  }

  connect(proxy: MeshProxy): void {
    const existing = this.proxies.get(proxy.id);
    if (existing) {
      existing.streams++;
      return;
    }
    const entry: Connected = { proxy, streams: 1, lastGood: new Map(), errors: [], danglingReferences: [] };
    this.proxies.set(proxy.id, entry);
    this.rebuild(entry);
  }

  disconnect(proxy: MeshProxy): void {
    const entry = this.proxies.get(proxy.id);
    if (!entry) return;
    entry.streams--;
    if (entry.streams > 0) return;
    this.proxies.delete(proxy.id);
    this.cache.clear(proxy.id);
  }

  configErrors(): ConfigErrors {
    const proxies = [...this.proxies.values()];
    return {
      sources: this.issues,
      statuses: this.statuses,
      resources: proxies.flatMap((p) => p.errors),
      references: proxies
        .filter((p) => p.danglingReferences.length > 0)
        .map((p) => ({ proxyId: p.proxy.id, problems: p.danglingReferences })),
    };
  }

  private rebuild(entry: Connected): void {
    if (!this.mesh) return;
    const compiled = this.compiler.compile(this.mesh, entry.proxy, entry.lastGood);
    for (const error of compiled.errors) {
      if (entry.errors.some((e) => e.typeUrl === error.typeUrl && e.name === error.name)) continue;
      this.logger.error(
        { proxy: entry.proxy.id, typeUrl: error.typeUrl, resource: error.name, errors: error.errors },
        'generated resource failed validation; not sent',
      );
    }
    const newProblems = compiled.danglingReferences.filter((p) => !entry.danglingReferences.includes(p));
    if (newProblems.length > 0) {
      this.logger.warn(
        { proxy: entry.proxy.id, problems: newProblems },
        'generated resources name what was not generated',
      );
    }
    entry.danglingReferences = compiled.danglingReferences;
    entry.errors = compiled.errors;
    entry.lastGood = indexByKey(compiled.resources);
    this.cache.setSnapshot(
      entry.proxy.id,
      buildSnapshot(compiled.resources.map((r) => ({ typeUrl: r.typeUrl, name: r.name, value: r.value }))),
    );
  }
}
