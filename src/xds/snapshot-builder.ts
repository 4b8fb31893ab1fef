// Keeps every connected proxy's snapshot in the cache up to date: on each new source state, and
// when a proxy connects. The server learns nothing of translation; the sources nothing of proxies.
//
// Proxies translation cannot tell apart (proxy-groups.ts) form a group with one translation and
// one snapshot object. Source changes are debounced and then rebuild every group; a proxy that
// connects is served at once, from its group's snapshot when the group exists.
import type { Logger } from '../log.js';
import type { Issue } from '../model/issue.js';
import type { Mesh } from '../model/mesh.js';
import type { MeshProxy } from '../model/proxy.js';
import type { ResourceStatus } from '../model/routing.js';
import type { Snapshot } from './cache/snapshot.js';
import type { SnapshotCache } from './cache/snapshot-cache.js';
import { ProxyCompiler, type ResourceError } from './compile-proxy.js';
import { proxyGroupKey } from './proxy-groups.js';
import { type DebounceOptions, Debouncer } from './push/debouncer.js';
import { sameSnapshot, snapshotOf } from './shared-snapshot.js';

interface Member {
  readonly proxy: MeshProxy;
  streams: number;
  group?: string;
}

interface Group {
  readonly key: string;
  /** Proxy ids, in the order they joined; the first one is the proxy translated for all. */
  readonly members: Set<string>;
  snapshot: Snapshot | undefined;
  /** What a resource that fails keeps: the group's snapshot, or for a new group its first proxy's. */
  lastGood: Snapshot | undefined;
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

export interface SnapshotBuilderOptions {
  /** How source changes are merged before a rebuild; defaults 100 ms quiet, 1 s maximum delay. */
  readonly debounce?: DebounceOptions;
}

export interface BuilderStats {
  readonly encodeHits: number;
  readonly encodeMisses: number;
  /** Translations run so far: one per group per rebuild, not one per proxy. */
  readonly translations: number;
  /** Wall time of the last rebuild (translate and encode every group), or of the last new group's build. */
  readonly lastTranslationMs: number;
  readonly groups: number;
}

/** Why a rebuild happens; the debouncer merges them. */
export type RebuildReason = 'sources';

export class SnapshotBuilder {
  private mesh: Mesh | undefined;
  private issues: readonly Issue[] = [];
  private statuses: readonly ResourceStatus[] = [];
  private readonly members = new Map<string, Member>();
  private groups = new Map<string, Group>();
  private readonly debouncer: Debouncer<RebuildReason>;
  private lastTranslationMs = 0;

  constructor(
    private readonly cache: SnapshotCache,
    private readonly logger: Logger,
    private readonly compiler: ProxyCompiler = new ProxyCompiler(),
    options: SnapshotBuilderOptions = {},
  ) {
    this.debouncer = new Debouncer((reasons) => this.rebuildAll(reasons), options.debounce);
  }

  /** True once the first complete source state has been compiled. */
  get ready(): boolean {
    return this.mesh !== undefined;
  }

  /** A new source state. The first is compiled at once; later ones after the debounce. */
  update(mesh: Mesh, issues: readonly Issue[], statuses: readonly ResourceStatus[] = []): void {
    const first = this.mesh === undefined;
    this.mesh = mesh;
    this.issues = issues;
    this.statuses = statuses;
    this.debouncer.request('sources');
    if (first) this.debouncer.flushNow();
  }

  /** Rebuilds now what waits for the debounce; nothing when nothing waits. */
  flush(): void {
    this.debouncer.flushNow();
  }

  /** Drops a pending rebuild; for shutdown. */
  close(): void {
    this.debouncer.cancel();
  }

  connect(proxy: MeshProxy): void {
    const existing = this.members.get(proxy.id);
    if (existing) {
      existing.streams++;
      return;
    }
    const member: Member = { proxy, streams: 1 };
    this.members.set(proxy.id, member);
    if (!this.mesh) return; // the first source state builds it
    // Grouped by the newest state even while a rebuild waits: the rebuild regroups everyone anyway.
    const key = proxyGroupKey(this.mesh, proxy);
    const group = this.groups.get(key) ?? this.newGroup(key);
    group.members.add(proxy.id);
    member.group = key;
    if (group.snapshot) {
      this.cache.setSnapshot(proxy.id, group.snapshot);
      return;
    }
    const started = performance.now();
    this.build(group, this.mesh);
    this.lastTranslationMs = performance.now() - started;
  }

  disconnect(proxy: MeshProxy): void {
    const member = this.members.get(proxy.id);
    if (!member) return;
    member.streams--;
    if (member.streams > 0) return;
    this.members.delete(proxy.id);
    const group = member.group === undefined ? undefined : this.groups.get(member.group);
    group?.members.delete(proxy.id);
    if (group && group.members.size === 0) this.groups.delete(group.key);
    this.cache.clear(proxy.id);
  }

  configErrors(): ConfigErrors {
    const resources: ResourceError[] = [];
    const references: { proxyId: string; problems: readonly string[] }[] = [];
    for (const [proxyId, member] of this.members) {
      const group = member.group === undefined ? undefined : this.groups.get(member.group);
      if (!group) continue;
      for (const error of group.errors) resources.push({ ...error, proxyId });
      if (group.danglingReferences.length > 0)
        references.push({ proxyId, problems: group.danglingReferences });
    }
    return { sources: this.issues, statuses: this.statuses, resources, references };
  }

  stats(): BuilderStats {
    return { ...this.compiler.stats(), lastTranslationMs: this.lastTranslationMs, groups: this.groups.size };
  }

  private newGroup(key: string, seed?: Group): Group {
    const group: Group = {
      key,
      members: new Set(),
      snapshot: undefined,
      // A proxy that moves to a new group keeps its last good resources there.
      lastGood: seed?.snapshot,
      errors: [],
      danglingReferences: [],
    };
    this.groups.set(key, group);
    return group;
  }

  private rebuildAll(reasons: ReadonlySet<RebuildReason>): void {
    const mesh = this.mesh;
    if (!mesh) return;
    const started = performance.now();
    const previous = this.groups;
    this.groups = new Map();
    for (const [proxyId, member] of this.members) {
      const key = proxyGroupKey(mesh, member.proxy);
      let group = this.groups.get(key);
      if (!group) {
        const kept = previous.get(key);
        if (kept) {
          kept.members.clear();
          this.groups.set(key, kept);
          group = kept;
        } else {
          group = this.newGroup(key, member.group === undefined ? undefined : previous.get(member.group));
        }
      }
      group.members.add(proxyId);
      member.group = key;
    }
    for (const group of this.groups.values()) this.build(group, mesh);
    this.lastTranslationMs = performance.now() - started;
    this.logger.debug(
      {
        reasons: [...reasons],
        groups: this.groups.size,
        proxies: this.members.size,
        ms: this.lastTranslationMs,
      },
      'snapshots rebuilt',
    );
  }

  private build(group: Group, mesh: Mesh): void {
    const [first] = group.members;
    const member = first === undefined ? undefined : this.members.get(first);
    if (!member) return;
    const proxy = member.proxy;
    let snapshot: Snapshot;
    try {
      const compiled = this.compiler.compile(mesh, proxy, group.lastGood);
      snapshot = snapshotOf(compiled.resources);
      this.report(group, proxy, compiled.errors, compiled.danglingReferences);
      group.errors = compiled.errors;
      group.danglingReferences = compiled.danglingReferences;
    } catch (err) {
      // A bug in translation must cost this group its update, not every other group theirs.
      this.logger.error(
        { proxy: proxy.id, proxies: group.members.size, err },
        'could not build a snapshot; the proxies keep the one they have',
      );
      return;
    }
    // Unchanged content keeps the old object, so streams that have it are not even woken.
    if (!group.snapshot || !sameSnapshot(group.snapshot, snapshot)) group.snapshot = snapshot;
    group.lastGood = group.snapshot;
    for (const proxyId of group.members) {
      if (this.cache.getSnapshot(proxyId) !== group.snapshot) this.cache.setSnapshot(proxyId, group.snapshot);
    }
  }

  private report(
    group: Group,
    proxy: MeshProxy,
    errors: readonly ResourceError[],
    danglingReferences: readonly string[],
  ): void {
    for (const error of errors) {
      if (group.errors.some((e) => e.typeUrl === error.typeUrl && e.name === error.name)) continue;
      this.logger.error(
        {
          proxy: proxy.id,
          proxies: group.members.size,
          typeUrl: error.typeUrl,
          resource: error.name,
          errors: error.errors,
        },
        'generated resource failed validation; not sent',
      );
    }
    const newProblems = danglingReferences.filter((p) => !group.danglingReferences.includes(p));
    if (newProblems.length > 0) {
      this.logger.warn(
        { proxy: proxy.id, proxies: group.members.size, problems: newProblems },
        'generated resources name what was not generated',
      );
    }
  }
}
